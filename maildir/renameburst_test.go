package maildir

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
)

// A rename of the recipient during a burst of sends (its maildir moves
// while deliveries are under way) must leave every acknowledged message in
// the new name's mailbox exactly once: a delivery whose maildir moved after
// it published must not write the message again, and one that had not yet
// published must land once, in the mailbox the name now forwards to.

const burstSenders, burstPerSender = 8, 100

// burstTrials is a few trials per policy in a normal run, 60 with
// IPC_LONG=1 (make reliability).
func burstTrials() int {
	if os.Getenv("IPC_LONG") == "1" {
		return 60
	}
	return 3
}

func TestRenameDuringBurst(t *testing.T) {
	for _, policy := range []SyncPolicy{SyncBatch, SyncFull, SyncNone} {
		t.Run(string(policy), func(t *testing.T) {
			trials, dups, lost := burstTrials(), 0, 0
			for i := 0; i < trials; i++ {
				d, l := renameDuringBurst(t, policy)
				dups, lost = dups+d, lost+l
			}
			t.Logf("figures: rename during an %d-sender burst (goroutines, IPC_SYNC=%s): %d trials of %d sends, %d duplicates, %d lost",
				burstSenders, policy, trials, burstSenders*burstPerSender, dups, lost)
		})
	}
}

// renameDuringBurst runs one trial in one process and returns the
// duplicates and losses it saw (it also fails the test on either).
func renameDuringBurst(t *testing.T, policy SyncPolicy) (dups, lost int) {
	t.Helper()
	st := mustOpen(t, Options{Sync: policy, RateBurst: -1})
	alice := mustLogin(t, st, "alice")
	defer alice.Close()
	var sent atomic.Int64
	renameAt := int64(burstSenders * burstPerSender / 3)
	renamed := make(chan error, 1)
	var wg sync.WaitGroup
	for s := 0; s < burstSenders; s++ {
		sender := mustLogin(t, st, fmt.Sprintf("sender%d", s))
		defer sender.Close()
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < burstPerSender; i++ {
				if _, err := sender.Send(context.Background(), "alice", fmt.Sprintf("%s %d", sender.ID(), i), nil); err != nil {
					t.Errorf("%s send %d: %v", sender.ID(), i, err)
					return
				}
				if sent.Add(1) == renameAt {
					go func() {
						_, err := alice.Rename(context.Background(), "bob")
						renamed <- err
					}()
				}
			}
		}()
	}
	wg.Wait()
	if err := <-renamed; err != nil {
		t.Fatalf("rename: %v", err)
	}
	got := map[string]int{}
	for _, m := range checkAll(t, alice) {
		if strings.HasPrefix(m.From, "sender") {
			got[m.Content]++
		}
	}
	return countOnce(t, got, burstSenders, burstPerSender)
}

// checkAll claims every unread message of s.
func checkAll(t *testing.T, s *Session) []Message {
	t.Helper()
	var all []Message
	for {
		ms := mustCheck(t, s)
		if len(ms) == 0 {
			return all
		}
		all = append(all, ms...)
	}
}

// countOnce reports every "sender<s> <i>" content not received exactly
// once, and returns the duplicates and losses.
func countOnce(t *testing.T, got map[string]int, senders, perSender int) (dups, lost int) {
	t.Helper()
	for s := 0; s < senders; s++ {
		for i := 0; i < perSender; i++ {
			c := fmt.Sprintf("sender%d %d", s, i)
			switch n := got[c]; {
			case n == 0:
				lost++
			case n > 1:
				dups += n - 1
			}
			delete(got, c)
		}
	}
	if len(got) > 0 {
		t.Errorf("unexpected messages: %v", got)
	}
	if dups > 0 || lost > 0 {
		t.Errorf("rename during burst: %d duplicates, %d lost of %d", dups, lost, senders*perSender)
	}
	return dups, lost
}

// TestMultiProcessRenameDuringBurst is the same with each sender in its own
// process (as fast-path clients of several servers, or CLI sends, are).
func TestMultiProcessRenameDuringBurst(t *testing.T) {
	if testing.Short() {
		t.Skip("multi-process test")
	}
	for _, policy := range []SyncPolicy{SyncBatch, SyncFull} {
		t.Run(string(policy), func(t *testing.T) {
			t.Setenv("IPC_SYNC", string(policy))
			trials, dups, lost := max(1, burstTrials()/3), 0, 0
			if os.Getenv("IPC_LONG") == "1" {
				trials = 50
			}
			for i := 0; i < trials; i++ {
				d, l := multiProcessRenameDuringBurst(t)
				dups, lost = dups+d, lost+l
			}
			t.Logf("figures: rename during an %d-process burst (IPC_SYNC=%s): %d trials of %d sends, %d duplicates, %d lost",
				burstSenders, policy, trials, burstSenders*burstPerSender, dups, lost)
		})
	}
}

func multiProcessRenameDuringBurst(t *testing.T) (dups, lost int) {
	t.Helper()
	root := t.TempDir()
	st := mustOpenAt(t, root, Options{RateBurst: -1})
	alice := mustLogin(t, st, "alice")
	defer alice.Close()
	acked := make(chan string, burstSenders*burstPerSender)
	var readers sync.WaitGroup
	var cmds []*exec.Cmd
	for s := 0; s < burstSenders; s++ {
		id := fmt.Sprintf("sender%d", s)
		cmd := helperCmd(t, false, "send", root, id, "alice", strconv.Itoa(burstPerSender))
		stdout, _ := cmd.StdoutPipe()
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		cmds = append(cmds, cmd)
		readers.Add(1)
		go func() {
			defer readers.Done()
			sc := bufio.NewScanner(stdout)
			for sc.Scan() {
				if f := strings.Fields(sc.Text()); len(f) == 3 {
					acked <- id + " " + f[1]
				}
			}
		}()
	}
	for n := 0; n < burstSenders*burstPerSender/3; n++ {
		<-acked
	}
	if _, err := alice.Rename(context.Background(), "bob"); err != nil {
		t.Fatalf("rename: %v", err)
	}
	readers.Wait() // every line read before Wait closes the pipes
	for _, cmd := range cmds {
		if err := cmd.Wait(); err != nil {
			t.Fatalf("sender: %v", err)
		}
	}
	if n := len(acked) + burstSenders*burstPerSender/3; n != burstSenders*burstPerSender {
		t.Fatalf("%d sends acknowledged, want %d", n, burstSenders*burstPerSender)
	}
	got := map[string]int{}
	for _, m := range checkAll(t, alice) {
		if strings.HasPrefix(m.From, "sender") {
			got[m.Content]++
		}
	}
	return countOnce(t, got, burstSenders, burstPerSender)
}

// TestRenameAfterPublish renames the recipient at the worst moment: after
// a delivery published its message and before it flushed new/. The send
// succeeds and the message is in the new name's mailbox once.
func TestRenameAfterPublish(t *testing.T) {
	for _, policy := range []SyncPolicy{SyncBatch, SyncFull, SyncNone} {
		t.Run(string(policy), func(t *testing.T) {
			st := mustOpen(t, Options{Sync: policy, RateBurst: -1})
			alice, carol := mustLogin(t, st, "alice"), mustLogin(t, st, "carol")
			var once sync.Once
			st.onPublished = func(m *Message) {
				if m.To == "alice" {
					once.Do(func() {
						if _, err := alice.Rename(ctx, "bob"); err != nil {
							t.Errorf("rename: %v", err)
						}
					})
				}
			}
			mustSend(t, carol, "alice", "caught in the move")
			got := contents(checkAll(t, alice))
			if alice.ID() != "bob" || len(got) != 1 || got[0] != "caught in the move" {
				t.Fatalf("%s received %q, want the message once", alice.ID(), got)
			}
		})
	}
}

// TestMaildirGoneBeforePublish: a delivery whose maildir vanished before
// it published (the name was renamed meanwhile) lands once, addressed to
// the name it now forwards to.
func TestMaildirGoneBeforePublish(t *testing.T) {
	st := mustOpen(t, Options{RateBurst: -1})
	alice, carol := mustLogin(t, st, "alice"), mustLogin(t, st, "carol")
	mustSend(t, carol, "alice", "first") // the maildir exists and is known
	if _, err := alice.Rename(ctx, "bob"); err != nil {
		t.Fatal(err)
	}
	// carol resolved "alice" before the rename: deliver as Send would.
	m := Message{From: "carol", To: "alice", Time: st.now(), Content: "second"}
	if err := st.deliver(&m); err != nil {
		t.Fatal(err)
	}
	if m.To != "bob" || m.OrigTo != "alice" {
		t.Errorf("delivered to %q (orig %q), want bob (orig alice)", m.To, m.OrigTo)
	}
	if got := contents(checkAll(t, alice)); len(got) != 2 {
		t.Fatalf("bob received %q, want first and second", got)
	}
	if _, err := os.Stat(st.boxPath("alice")); err == nil {
		t.Error("the old name's maildir was created again")
	}
}
