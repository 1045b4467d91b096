package socket

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/ipc-dev/ipc/client"
	"github.com/ipc-dev/ipc/internal/wire"
	"github.com/ipc-dev/ipc/maildir"
)

// The benchmarks measure the server over loopback with the durable default
// sync policy (batch), on the file system of the temporary directory:
//
//	go test -run '^$' -bench . -benchtime 2000x ./socket/
//
// Figures are reported per second of wall time: "pairs/s" for a legacy
// send followed by the check that reads it, one connection per request as
// the original clients do; "msgs/s" for fast-path sends.

// BenchmarkLegacyPairs: each of N clients, as its own identity, sends a
// 100-byte message to itself and checks it, b.N pairs in all.
func BenchmarkLegacyPairs(b *testing.B) {
	for _, clients := range []int{1, 4} {
		b.Run(fmt.Sprintf("clients=%d", clients), func(b *testing.B) {
			st := mustStore(b, "", maildir.Options{RateBurst: -1})
			srv := mustServe(b, st, Config{TCP: "127.0.0.1:0", Logf: func(string, ...any) {}})
			addr := tcpAddr(srv)
			tokens := make([]string, clients)
			for i := range tokens {
				tokens[i] = register(b, srv, fmt.Sprintf("bench%d", i))
			}
			content := fmt.Sprintf("%0100d", 0)
			ctx := context.Background()
			var wg sync.WaitGroup
			errs := make(chan error, clients)
			b.ResetTimer()
			start := time.Now()
			for c := 0; c < clients; c++ {
				n := b.N / clients
				if c < b.N%clients {
					n++
				}
				wg.Add(1)
				go func(c, n int) {
					defer wg.Done()
					id := fmt.Sprintf("bench%d", c)
					for i := 0; i < n; i++ {
						rep, err := client.Legacy(ctx, "tcp", addr, map[string]any{"action": "send", "from_id": id, "to_id": id,
							"message": map[string]any{"content": content}, "session_token": tokens[c]})
						if err == nil && rep.Status != wire.StatusOK {
							err = fmt.Errorf("send: %s", rep.Message)
						}
						if err == nil {
							rep, err = client.Legacy(ctx, "tcp", addr, map[string]any{"action": "check", "instance_id": id, "session_token": tokens[c]})
							if err == nil && len(rep.Messages) != 1 {
								err = fmt.Errorf("check returned %d messages", len(rep.Messages))
							}
						}
						if err != nil {
							errs <- err
							return
						}
					}
				}(c, n)
			}
			wg.Wait()
			elapsed := time.Since(start)
			b.StopTimer()
			close(errs)
			for err := range errs {
				b.Fatal(err)
			}
			b.ReportMetric(float64(b.N)/elapsed.Seconds(), "pairs/s")
		})
	}
}

// BenchmarkFastSend: 8 senders, each on its own persistent connection,
// send b.N messages in all to one recipient; every reply waits for its
// message to be durable, and concurrent deliveries share directory fsyncs.
func BenchmarkFastSend(b *testing.B) {
	const senders = 8
	st := mustStore(b, "", maildir.Options{RateBurst: -1})
	srv := mustServe(b, st, Config{TCP: "127.0.0.1:0", Logf: func(string, ...any) {}})
	ctx := context.Background()
	clients := make([]*client.Client, senders)
	for i := range clients {
		clients[i] = dial(b, srv)
		if _, _, err := clients[i].Register(ctx, fmt.Sprintf("fast%d", i), ""); err != nil {
			b.Fatal(err)
		}
	}
	content := fmt.Sprintf("%0100d", 0)
	var wg sync.WaitGroup
	errs := make(chan error, senders)
	b.ResetTimer()
	start := time.Now()
	for s := 0; s < senders; s++ {
		n := b.N / senders
		if s < b.N%senders {
			n++
		}
		wg.Add(1)
		go func(c *client.Client, n int) {
			defer wg.Done()
			for i := 0; i < n; i++ {
				if _, err := c.Send(ctx, "sink", content, nil); err != nil {
					errs <- err
					return
				}
			}
		}(clients[s], n)
	}
	wg.Wait()
	elapsed := time.Since(start)
	b.StopTimer()
	close(errs)
	for err := range errs {
		b.Fatal(err)
	}
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "msgs/s")
}
