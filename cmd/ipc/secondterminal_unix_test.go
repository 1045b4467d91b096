//go:build !windows

package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"

	"github.com/ipc-dev/ipc/internal/ipctest"
	"github.com/ipc-dev/ipc/maildir"
)

// TestWatchAndSecondTerminalClaimExactlyOnce: ipc watch and a second
// terminal's ipc check, both as carol, race for the same mail: the watch
// is stopped (SIGSTOP) while the mail lands, two checks start, and once
// they claimed a quarter the watch goes on and races them for the rest. Every message is claimed by exactly one of them.
// 3 rounds by default, 30 with IPC_LONG=1.
func TestWatchAndSecondTerminalClaimExactlyOnce(t *testing.T) {
	const perRound = 40
	home := filepath.Join(t.TempDir(), "home")
	st, err := maildir.Open(home, maildir.Options{RateBurst: -1})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	bob, err := st.Login(bg(), "bob", "")
	if err != nil {
		t.Fatal(err)
	}
	w := startWatch(t, home, "carol")
	seen := map[string]string{} // id -> who claimed it
	var mu sync.Mutex
	claim := func(id, by string) {
		mu.Lock()
		defer mu.Unlock()
		if prev, ok := seen[id]; ok {
			t.Errorf("%s claimed by %s and by %s", id, prev, by)
		}
		seen[id] = by
	}
	claimed := func() int {
		mu.Lock()
		defer mu.Unlock()
		return len(seen)
	}
	rounds := 3
	if os.Getenv("IPC_LONG") == "1" {
		rounds = 30
	}
	for round := 0; round < rounds; round++ {
		if err := w.cmd.Process.Signal(syscall.SIGSTOP); err != nil {
			t.Fatal(err)
		}
		for i := 0; i < perRound; i++ {
			if _, err := bob.Send(bg(), "carol", fmt.Sprintf("round %d message %d", round, i), nil); err != nil {
				t.Fatal(err)
			}
		}
		want := (round + 1) * perRound
		var wg sync.WaitGroup
		for c := 0; c < 2; c++ {
			wg.Add(1)
			go func() { // a second terminal
				defer wg.Done()
				for claimed() < want {
					ids, err := checkIDs(home, "carol", "--max", "3")
					if err != nil {
						t.Error(err)
						return
					}
					for _, id := range ids {
						claim(id, "check")
					}
				}
			}()
		}
		// The checks have begun: let the watch race them for the rest.
		ipctest.WaitFor(t, "the second terminals' first claims", func() bool { return claimed() >= want-perRound*3/4 })
		if err := w.cmd.Process.Signal(syscall.SIGCONT); err != nil {
			t.Fatal(err)
		}
		ipctest.WaitFor(t, "every message claimed", func() bool {
			for {
				select {
				case id := <-w.ids:
					claim(id, "watch")
					continue
				default:
				}
				return claimed() >= want
			}
		})
		wg.Wait()
		if n := claimed(); n != want {
			t.Fatalf("round %d: %d claims of %d messages", round, n, want)
		}
	}
	byWatch := 0
	for _, by := range seen {
		if by == "watch" {
			byWatch++
		}
	}
	t.Logf("%d messages: %d printed by the watch, %d by the second terminals' checks", len(seen), byWatch, len(seen)-byWatch)
}

// checkIDs runs ipc check --json as as and returns the ids it claimed.
func checkIDs(home, as string, args ...string) ([]string, error) {
	cmd := ipcCmd(home, as, append([]string{"check", "--json"}, args...)...)
	var errb strings.Builder
	cmd.Stderr = &errb
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("ipc check as %s: %v: %s", as, err, errb.String())
	}
	var r cliCheckReply
	if err := json.Unmarshal(out, &r); err != nil {
		return nil, fmt.Errorf("ipc check --json: %q: %v", out, err)
	}
	ids := make([]string, len(r.Messages))
	for i, m := range r.Messages {
		ids[i] = m.ID
	}
	return ids, nil
}
