package maildir

import (
	"context"
	"fmt"
	"testing"
	"time"
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
