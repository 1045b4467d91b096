package maildir

import (
	"fmt"
	"os"
	"sync"
	"testing"
)

// TestGroupedSendsSurviveAnotherMaildirVanishing: while senders deliver to
// x, y's maildir keeps being removed under deliveries to y. Every send to x
// that reports success is in x's new/ exactly once: the failures of y's
// directory syncs stay with y's deliveries.
func TestGroupedSendsSurviveAnotherMaildirVanishing(t *testing.T) {
	const senders, each = 6, 200
	st := mustOpen(t, Options{RateBurst: -1})
	mustLogin(t, st, "x")
	mustLogin(t, st, "y")
	vandal := mustLogin(t, st, "vandal")
	done := make(chan struct{})
	var vandalism sync.WaitGroup
	vandalism.Add(2)
	go func() { // mail for y, whose maildir
		defer vandalism.Done()
		for {
			select {
			case <-done:
				return
			default:
			}
			vandal.Send(ctx, "y", "doomed", nil) // may fail: its maildir is going
		}
	}()
	go func() { // keeps being removed
		defer vandalism.Done()
		for {
			select {
			case <-done:
				return
			default:
			}
			os.RemoveAll(st.boxPath("y"))
		}
	}()
	var wg sync.WaitGroup
	sent := make([]int, senders)
	for i := range senders {
		s := mustLogin(t, st, fmt.Sprintf("s%d", i))
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range each {
				if _, err := s.Send(ctx, "x", fmt.Sprintf("%d/%d", i, j), nil); err != nil {
					t.Errorf("send to x: %v", err)
					return
				}
				sent[i]++
			}
		}()
	}
	wg.Wait()
	close(done)
	vandalism.Wait()
	names, err := listDir(st.boxPath("x", dirNew))
	if err != nil {
		t.Fatal(err)
	}
	want := 0
	for _, n := range sent {
		want += n
	}
	if len(names) != want {
		t.Errorf("x holds %d messages after %d successful sends", len(names), want)
	}
}
