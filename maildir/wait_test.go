package maildir

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ipc-dev/ipc/internal/ipctest"
)

// TestWaitWakesOnDelivery runs with filesystem events and with polling:
// Wait returns when mail lands from another Store (another process as far
// as the watcher is concerned), and returns at once when mail is waiting.
func TestWaitWakesOnDelivery(t *testing.T) {
	for _, poll := range []bool{false, true} {
		t.Run(fmt.Sprintf("poll=%v", poll), func(t *testing.T) {
			root := t.TempDir()
			reader := mustOpenAt(t, root, Options{Poll: poll, PollInterval: 20 * time.Millisecond})
			writer := mustOpenAt(t, root, Options{})
			bob := mustLogin(t, reader, "bob")
			alice := mustLogin(t, writer, "alice")
			for round := 0; round < 3; round++ {
				woke := make(chan error, 1)
				go func() { woke <- bob.Wait(context.Background()) }()
				mustSend(t, alice, "bob", fmt.Sprintf("round %d", round))
				select {
				case err := <-woke:
					if err != nil {
						t.Fatal(err)
					}
				case <-time.After(10 * time.Second):
					t.Fatal("Wait did not wake after a delivery")
				}
				if got := mustCheck(t, bob); len(got) != 1 || got[0].Content != fmt.Sprintf("round %d", round) {
					t.Fatalf("round %d: check = %q", round, contents(got))
				}
			}
			// Mail already waiting: no wait at all.
			mustSend(t, alice, "bob", "already here")
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			if err := bob.Wait(ctx); err != nil {
				t.Fatalf("Wait with mail waiting: %v", err)
			}
			// ctx ends the wait.
			mustCheck(t, bob)
			short, cancel2 := context.WithCancel(context.Background())
			cancel2()
			if err := bob.Wait(short); err != context.Canceled {
				t.Fatalf("Wait with a cancelled context = %v", err)
			}
		})
	}
}

// TestWaitWakesOnDeliveryFromItsOwnProcess: mail delivered by the Store a
// waiter uses wakes it at once, without the kernel's event or the next
// poll. Polling here is hourly, so only the delivery's own hint can wake it.
func TestWaitWakesOnDeliveryFromItsOwnProcess(t *testing.T) {
	st := mustOpen(t, Options{Poll: true, PollInterval: time.Hour})
	bob := mustLogin(t, st, "bob")
	alice := mustLogin(t, st, "alice")
	woke := make(chan error, 1)
	go func() { woke <- bob.Wait(context.Background()) }()
	// Deliver only once the waiter is subscribed; before that, its first
	// listing would find the mail whatever hint does.
	deadline := time.Now().Add(10 * time.Second)
	for !watching(st, st.boxPath("bob", dirNew)) {
		if time.Now().After(deadline) {
			t.Fatal("Wait never subscribed")
		}
		time.Sleep(time.Millisecond)
	}
	mustSend(t, alice, "bob", "from next door")
	select {
	case err := <-woke:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Wait did not wake after a delivery by its own Store")
	}
}

// watching reports whether st's watcher has a subscriber for dir.
func watching(st *Store, dir string) bool {
	w := st.watcher.Load()
	return w != nil && w.Watching(dir)
}

// stepped is a Checker that shows the steps of a check-then-wait: each
// wait it starts is sent on waiting, and woke (when set) runs once, after
// the first wait that returns and before the check that follows it.
type stepped struct {
	Checker
	waiting chan struct{}
	checks  atomic.Int32
	woke    func()
	once    sync.Once
}

func newStepped(c Checker) *stepped { return &stepped{Checker: c, waiting: make(chan struct{}, 16)} }

func (s *stepped) Check(ctx context.Context, opt CheckOptions) (CheckResult, error) {
	s.checks.Add(1)
	return s.Checker.Check(ctx, opt)
}

func (s *stepped) Wait(ctx context.Context) error {
	s.waiting <- struct{}{}
	err := s.Checker.Wait(ctx)
	if err == nil && s.woke != nil {
		s.once.Do(s.woke)
	}
	return err
}

// nextWait returns once the check-then-wait under test starts a wait.
func (s *stepped) nextWait(t *testing.T) {
	t.Helper()
	select {
	case <-s.waiting:
	case <-time.After(10 * time.Second):
		t.Fatal("no wait started")
	}
}

// waitRender is a budget whose text says what the check showed and how
// long it waited; rendered records every waited it was told.
func waitRender(rendered *[]time.Duration, mu *sync.Mutex) func(time.Duration) Budget {
	return func(waited time.Duration) Budget {
		mu.Lock()
		*rendered = append(*rendered, waited)
		mu.Unlock()
		return Budget{Limit: 1 << 20, Render: func(sh Shown) string {
			return fmt.Sprintf("%d messages, waited %v, %d warnings", len(sh.Items), waited > 0, len(sh.Warnings))
		}}
	}
}

// junk makes an entry of bob's new/ that is not mail (a directory) and
// returns its path.
func junk(t *testing.T, st *Store, name string) string {
	t.Helper()
	p := st.boxPath("bob", dirNew, fmt.Sprintf("%d.P1Q1M1.%s", time.Now().Unix(), name))
	if err := os.Mkdir(p, 0o700); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestCheckWait is the rule of check-then-wait itself.
func TestCheckWait(t *testing.T) {
	type fixture struct {
		st         *Store
		alice, bob *Session
		c          *stepped
		rendered   []time.Duration
		mu         sync.Mutex
	}
	setup := func(t *testing.T) *fixture {
		f := &fixture{st: mustOpen(t, Options{RateBurst: -1})}
		f.alice, f.bob = mustLogin(t, f.st, "alice"), mustLogin(t, f.st, "bob")
		f.c = newStepped(f.bob)
		return f
	}
	type result struct {
		out Waited
		err error
	}
	start := func(f *fixture, ctx context.Context, wait time.Duration) chan result {
		done := make(chan result, 1)
		go func() {
			out, err := CheckWait(ctx, f.c, CheckOptions{}, wait, waitRender(&f.rendered, &f.mu))
			done <- result{out, err}
		}()
		return done
	}
	get := func(t *testing.T, done chan result) result {
		t.Helper()
		select {
		case r := <-done:
			return r
		case <-time.After(30 * time.Second):
			t.Fatal("CheckWait did not return")
		}
		return result{}
	}

	t.Run("mail already there", func(t *testing.T) {
		f := setup(t)
		mustSend(t, f.alice, "bob", "waiting")
		r := get(t, start(f, context.Background(), time.Hour))
		if r.err != nil || len(r.out.Items) != 1 || r.out.Items[0].Content != "waiting" || r.out.Waited != 0 || r.out.TimedOut {
			t.Fatalf("CheckWait = %+v, %v", r.out, r.err)
		}
		if r.out.Text != "1 messages, waited false, 0 warnings" || len(f.c.waiting) != 0 {
			t.Fatalf("text %q after %d waits, want the first check's", r.out.Text, len(f.c.waiting))
		}
	})

	t.Run("mail arriving during the wait", func(t *testing.T) {
		f := setup(t)
		done := start(f, context.Background(), time.Hour)
		f.c.nextWait(t)
		mustSend(t, f.alice, "bob", "landed")
		r := get(t, done)
		if r.err != nil || len(r.out.Items) != 1 || r.out.Items[0].Content != "landed" || r.out.Waited <= 0 || r.out.TimedOut {
			t.Fatalf("CheckWait = %+v, %v", r.out, r.err)
		}
		if r.out.Text != "1 messages, waited true, 0 warnings" {
			t.Fatalf("text %q, want the render told it waited", r.out.Text)
		}
	})

	t.Run("the wait running out", func(t *testing.T) {
		f := setup(t)
		r := get(t, start(f, context.Background(), 50*time.Millisecond))
		if r.err != nil || !r.out.TimedOut || len(r.out.Items) != 0 || r.out.Waited < 50*time.Millisecond {
			t.Fatalf("CheckWait = %+v, %v; want no mail and no error once the wait is over", r.out, r.err)
		}
		if r.out.Text != "0 messages, waited true, 0 warnings" {
			t.Fatalf("text %q", r.out.Text)
		}
	})

	t.Run("a junk entry during the wait", func(t *testing.T) {
		f := setup(t)
		before := junk(t, f.st, "before") // moved aside by the first check
		done := start(f, context.Background(), time.Hour)
		f.c.nextWait(t)
		if _, err := os.Lstat(before); !os.IsNotExist(err) {
			t.Fatalf("the first check left %s in new/: %v", before, err)
		}
		during := junk(t, f.st, "during") // moved aside by the wait, which goes on
		ipctest.WaitFor(t, "the entry moved aside", func() bool {
			_, err := os.Lstat(during)
			return os.IsNotExist(err)
		})
		select {
		case r := <-done:
			t.Fatalf("CheckWait returned for an entry that is not mail: %+v, %v", r.out, r.err)
		default:
		}
		if n := f.c.checks.Load(); n != 1 {
			t.Fatalf("%d checks, want only the first: junk must not wake the wait", n)
		}
		mustSend(t, f.alice, "bob", "real")
		r := get(t, done)
		if r.err != nil || len(r.out.Items) != 1 || r.out.Items[0].Content != "real" {
			t.Fatalf("CheckWait = %+v, %v", r.out, r.err)
		}
		// The warnings of every check on the way are in the result.
		if len(r.out.Result.Quarantined) != 1 || len(r.out.Warnings) != 1 || r.out.Text != "1 messages, waited true, 1 warnings" {
			t.Fatalf("quarantined %+v, warnings %q, text %q: want the first check's entry", r.out.Result.Quarantined, r.out.Warnings, r.out.Text)
		}
	})

	// Regression: mail that woke the wait but that another reader (a
	// hook's Inbox) claimed first does not end it: the wait goes on until
	// mail this reader gets. ipc check --wait used to wait once and then
	// print "No new messages".
	t.Run("another reader claiming the mail that woke the wait", func(t *testing.T) {
		f := setup(t)
		other, err := f.st.Inbox("bob", "")
		if err != nil {
			t.Fatal(err)
		}
		var taken []Message
		f.c.woke = func() {
			res, err := other.Check(context.Background(), CheckOptions{})
			if err != nil {
				t.Error(err)
			}
			taken = res.Messages
		}
		done := start(f, context.Background(), time.Hour)
		f.c.nextWait(t)
		mustSend(t, f.alice, "bob", "first")
		select { // woken, it finds the mail gone and waits on
		case <-f.c.waiting:
		case r := <-done:
			t.Fatalf("CheckWait ended when another reader took the mail: %+v, %v", r.out, r.err)
		case <-time.After(10 * time.Second):
			t.Fatal("no second wait started")
		}
		if len(taken) != 1 || taken[0].Content != "first" {
			t.Fatalf("the other reader took %q", contents(taken))
		}
		mustSend(t, f.alice, "bob", "second")
		r := get(t, done)
		if r.err != nil || len(r.out.Items) != 1 || r.out.Items[0].Content != "second" || r.out.TimedOut {
			t.Fatalf("CheckWait = %+v, %v", r.out, r.err)
		}
	})

	t.Run("cancellation", func(t *testing.T) {
		f := setup(t)
		ctx, cancel := context.WithCancel(context.Background())
		done := start(f, ctx, time.Hour)
		f.c.nextWait(t)
		cancel()
		r := get(t, done)
		if !errors.Is(r.err, context.Canceled) || KindOf(r.err) != Canceled || r.out.TimedOut {
			t.Fatalf("CheckWait cancelled = %+v, %v; want the caller's error", r.out, r.err)
		}
	})

	t.Run("no budget", func(t *testing.T) {
		f := setup(t)
		mustSend(t, f.alice, "bob", "one")
		mustSend(t, f.alice, "bob", "two")
		out, err := CheckWait(context.Background(), f.c, CheckOptions{Max: 1}, time.Hour, nil)
		if err != nil || len(out.Result.Messages) != 1 || out.Result.Remaining != 1 || out.Text != "" {
			t.Fatalf("CheckWait without a budget = %+v, %v", out, err)
		}
	})
}

// TestFollow: every round's mail is handed on, a round that leaves mail is
// followed by another at once (no wait between), and the end of ctx is a
// normal end.
func TestFollow(t *testing.T) {
	st := mustOpen(t, Options{RateBurst: -1})
	alice, bob := mustLogin(t, st, "alice"), mustLogin(t, st, "bob")
	c := newStepped(bob)
	mustSend(t, alice, "bob", "one")
	mustSend(t, alice, "bob", "two")
	ctx, cancel := context.WithCancel(context.Background())
	got := make(chan string, 16)
	done := make(chan error, 1)
	go func() {
		done <- Follow(ctx, c, func() (int, error) {
			res, err := c.Check(ctx, CheckOptions{Max: 1})
			for _, m := range res.Messages {
				got <- m.Content
			}
			return res.Remaining, err
		})
	}()
	c.nextWait(t)
	if n := c.checks.Load(); n != 2 || len(got) != 2 {
		t.Fatalf("%d rounds handed on %d messages before the first wait, want 2 and 2", n, len(got))
	}
	mustSend(t, alice, "bob", "three")
	c.nextWait(t)
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("Follow at the end of ctx = %v, want nil", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Follow did not end with ctx")
	}
	close(got)
	var all []string
	for m := range got {
		all = append(all, m)
	}
	if strings.Join(all, ",") != "one,two,three" {
		t.Fatalf("Follow handed on %q", all)
	}
}
