package maildir

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"testing"

	"github.com/ipc-dev/ipc/internal/durable"
)

var body200 = fmt.Sprintf("%0200d", 0)

// BenchmarkRawFsyncLoop is the physical limit of one durable message: a
// bare create in tmp/, write, fsync, rename into new/, fsync of new/.
func BenchmarkRawFsyncLoop(b *testing.B) {
	dir := b.TempDir()
	tmp, nw := filepath.Join(dir, "tmp"), filepath.Join(dir, "new")
	os.Mkdir(tmp, 0o700)
	os.Mkdir(nw, 0o700)
	payload := []byte(body200)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		name := strconv.Itoa(i)
		f, err := os.OpenFile(filepath.Join(tmp, name), os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
		if err != nil {
			b.Fatal(err)
		}
		f.Write(payload)
		f.Sync()
		f.Close()
		if err := os.Rename(filepath.Join(tmp, name), filepath.Join(nw, name)); err != nil {
			b.Fatal(err)
		}
		if err := durable.SyncDir(nw); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkSendDurable is one durable send through the core (default sync
// policy), one sender.
func BenchmarkSendDurable(b *testing.B) {
	st := mustOpen(b, Options{RateBurst: -1})
	alice := mustLogin(b, st, "alice")
	mustLogin(b, st, "bob")
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := alice.Send(ctx, "bob", body200, nil); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkSendConcurrent is 8 senders in one process delivering durably
// to one recipient at once: the group commit's figure without a door.
func BenchmarkSendConcurrent(b *testing.B) {
	const senders = 8
	st := mustOpen(b, Options{RateBurst: -1})
	mustLogin(b, st, "sink")
	ss := make([]*Session, senders)
	for i := range ss {
		ss[i] = mustLogin(b, st, fmt.Sprintf("s%d", i))
	}
	b.ResetTimer()
	var wg sync.WaitGroup
	for i, s := range ss {
		n := b.N / senders
		if i < b.N%senders {
			n++
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range n {
				if _, err := s.Send(ctx, "sink", body200, nil); err != nil {
					b.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "msgs/s")
}

// BenchmarkCheck measures a check that returns one new message, with an
// empty history and with 100,000 read messages and 1,000 registered agents.
func BenchmarkCheck(b *testing.B) {
	for _, history := range []int{0, 100_000} {
		b.Run(fmt.Sprintf("history=%d", history), func(b *testing.B) {
			st, alice, bob := historyStore(b, history)
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				b.StopTimer()
				if _, err := alice.Send(ctx, "bob", body200, nil); err != nil {
					b.Fatal(err)
				}
				b.StartTimer()
				r, err := bob.Check(ctx, CheckOptions{})
				if err != nil || len(r.Messages) != 1 {
					b.Fatalf("check = %d messages, %v", len(r.Messages), err)
				}
			}
			_ = st
		})
	}
}

// BenchmarkSendHistory measures a durable send with 100,000 read messages in
// the recipient's history and 1,000 registered agents.
func BenchmarkSendHistory(b *testing.B) {
	for _, history := range []int{0, 100_000} {
		b.Run(fmt.Sprintf("history=%d", history), func(b *testing.B) {
			_, alice, _ := historyStore(b, history)
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				if _, err := alice.Send(ctx, "bob", body200, nil); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// historyStore builds a mailbox where bob has n read messages and 1,000
// agents are registered (when n > 0), then reopens it durable.
func historyStore(b *testing.B, n int) (*Store, *Session, *Session) {
	b.Helper()
	root := b.TempDir()
	if n > 0 {
		fast := mustOpenAt(b, root, Options{Sync: SyncNone, RateBurst: -1})
		for i := 0; i < 1000; i++ {
			s := mustLogin(b, fast, fmt.Sprintf("agent%04d", i))
			s.Close()
		}
		a, bob := mustLogin(b, fast, "alice"), mustLogin(b, fast, "bob")
		for i := 0; i < n; i++ {
			if _, err := a.Send(ctx, "bob", body200, nil); err != nil {
				b.Fatal(err)
			}
			if i%10 == 9 { // read as it arrives: history grows cur/, not new/
				if _, err := bob.Check(ctx, CheckOptions{}); err != nil {
					b.Fatal(err)
				}
			}
		}
		if _, err := bob.Check(ctx, CheckOptions{}); err != nil {
			b.Fatal(err)
		}
		fast.Close()
	}
	st := mustOpenAt(b, root, Options{RateBurst: -1})
	return st, mustLogin(b, st, "alice"), mustLogin(b, st, "bob")
}
