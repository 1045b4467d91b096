package socket

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ipc-dev/ipc/client"
	"github.com/ipc-dev/ipc/internal/wire"
)

// TestKillMidBurst kills the server (SIGKILL) while clients send: every
// send that got an "ok" is on disk exactly once after a restart, and no
// message is there twice.
func TestKillMidBurst(t *testing.T) {
	if testing.Short() {
		t.Skip("starts server processes")
	}
	root := t.TempDir()
	sock := filepath.Join(sockDir(t), "k.sock")
	start := func() (interface{ Kill() error }, string) {
		proc, out, _ := helper(t, "serve", root, sock)
		line, err := out.ReadString('\n')
		if err != nil || !strings.HasPrefix(line, "ready ") {
			t.Fatalf("helper: %q %v", line, err)
		}
		return proc, strings.TrimSpace(strings.TrimPrefix(line, "ready "))
	}
	proc, addr := start()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	rep, err := client.Legacy(ctx, "tcp", addr, map[string]any{"action": "register", "instance_id": "burst"})
	if err != nil || rep.Status != wire.StatusOK {
		t.Fatalf("register: %+v %v", rep, err)
	}
	tok := rep.SessionToken

	var (
		mu     sync.Mutex
		acked  = map[string]bool{}
		wg     sync.WaitGroup
		enough = make(chan struct{})
		once   sync.Once
	)
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			for i := 0; ; i++ {
				content := fmt.Sprintf("%d-%d", g, i)
				rep, err := client.Legacy(ctx, "tcp", addr, map[string]any{"action": "send", "to_id": "sink",
					"message": map[string]any{"content": content}, "session_token": tok})
				if err != nil || rep.Status != wire.StatusOK {
					return // the server is gone
				}
				mu.Lock()
				acked[content] = true
				if len(acked) >= 200 {
					once.Do(func() { close(enough) })
				}
				mu.Unlock()
			}
		}(g)
	}
	select {
	case <-enough:
	case <-ctx.Done():
		t.Fatal("the burst did not get going")
	}
	proc.Kill()
	wg.Wait()

	_, addr = start()
	rep, err = client.Legacy(ctx, "tcp", addr, map[string]any{"action": "register", "instance_id": "sink"})
	if err != nil || rep.Status != wire.StatusOK {
		t.Fatalf("register sink: %+v %v", rep, err)
	}
	sink := rep.SessionToken
	seen := map[string]int{}
	for {
		rep, err := client.Legacy(ctx, "tcp", addr, map[string]any{"action": "check", "session_token": sink})
		if err != nil || rep.Status != wire.StatusOK {
			t.Fatalf("check: %+v %v", rep, err)
		}
		for _, m := range rep.Messages {
			seen[m.Message.Content]++
		}
		if len(rep.Messages) == 0 {
			break
		}
	}
	for c := range acked {
		if seen[c] != 1 {
			t.Errorf("acknowledged %q found %d times", c, seen[c])
		}
	}
	for c, n := range seen {
		if n != 1 {
			t.Errorf("%q delivered %d times", c, n)
		}
	}
	t.Logf("%d sends acknowledged before the kill, %d messages on disk", len(acked), len(seen))
}
