package main

import (
	"context"
	"fmt"
	"os"
	"sort"
	"time"

	"github.com/ipc-dev/ipc/socket"
)

func main() {
	ctx := context.Background()
	addr := os.Args[1]
	rep, err := socket.Legacy(ctx, "tcp", addr, map[string]any{"action": "register", "instance_id": "p0"})
	if err != nil {
		panic(err)
	}
	tok := rep.SessionToken
	p50 := func(ds []time.Duration) string {
		sort.Slice(ds, func(i, j int) bool { return ds[i] < ds[j] })
		return fmt.Sprint(ds[len(ds)/2], " ", ds[len(ds)*9/10])
	}
	var s, c, pair []time.Duration
	for i := 0; i < 3000; i++ {
		t0 := time.Now()
		r, err := socket.Legacy(ctx, "tcp", addr, map[string]any{"action": "send", "from_id": "p0", "to_id": "p0", "message": map[string]any{"content": "hello there"}, "session_token": tok})
		if err != nil || r.Status != "ok" {
			panic(fmt.Sprint(r, err))
		}
		if os.Getenv("GAP") != "" {
			time.Sleep(2 * time.Millisecond)
		}
		t1 := time.Now()
		r, err = socket.Legacy(ctx, "tcp", addr, map[string]any{"action": "check", "instance_id": "p0", "session_token": tok})
		if err != nil || r.Status != "ok" {
			panic(fmt.Sprint(r, err))
		}
		t2 := time.Now()
		s = append(s, t1.Sub(t0))
		c = append(c, t2.Sub(t1))
		pair = append(pair, t2.Sub(t0))
	}
	fmt.Println("send", p50(s), "check", p50(c), "pair", p50(pair))
	var e, l []time.Duration
	for i := 0; i < 2000; i++ {
		t0 := time.Now()
		socket.Legacy(ctx, "tcp", addr, map[string]any{"action": "check", "instance_id": "p0", "session_token": tok})
		t1 := time.Now()
		socket.Legacy(ctx, "tcp", addr, map[string]any{"action": "list"})
		e = append(e, t1.Sub(t0))
		l = append(l, time.Since(t1))
	}
	fmt.Println("empty check", p50(e), "list", p50(l))
}
