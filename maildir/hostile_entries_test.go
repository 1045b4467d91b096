//go:build unix

package maildir_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ipc-dev/ipc/internal/ipctest"
	"github.com/ipc-dev/ipc/maildir"
)

// The hostile-entry table of ipctest, against every reader of the core.
// The limits are small so that the oversized entry is small too.

var (
	bg         = context.Background()
	hostileOpt = maildir.Options{Sync: maildir.SyncNone, RateBurst: -1, MaxContent: 1 << 10, MaxData: 1 << 10}
)

// hangBound is how long a reader may take before the test calls it hung:
// far beyond what any of them needs, it only turns a hang into a failure.
const hangBound = 30 * time.Second

// hostileBox is a mailbox of bob holding good mail before and after one
// hostile entry of new/ (or cur/).
type hostileBox struct {
	st    *maildir.Store
	alice *maildir.Session
	bob   *maildir.Session
	entry ipctest.HostileEntry
	path  string // the entry in bob's maildir
}

// newHostileBox makes the entry e.What of the table.
// openHostile opens a store with opts in a fresh mailbox, polling when the
// suite runs on the polling fallback.
func openHostile(tb testing.TB, opts maildir.Options) *maildir.Store {
	tb.Helper()
	ipctest.Poll(os.Getenv).Apply(&opts.Poll, &opts.PollInterval)
	return ipctest.Open(tb, maildir.Open, filepath.Join(tb.TempDir(), "home"), opts)
}

func newHostileBox(t *testing.T, e ipctest.HostileEntry, sub string) *hostileBox {
	t.Helper()
	st := openHostile(t, hostileOpt)
	h := &hostileBox{st: st}
	var err error
	if h.alice, err = st.Login(bg, "alice", ""); err != nil {
		t.Fatal(err)
	}
	if h.bob, err = st.Login(bg, "bob", ""); err != nil {
		t.Fatal(err)
	}
	h.send(t, "before")
	h.entry = hostileEntry(t, e.What) // named now: after "before"
	e = h.entry
	h.path = filepath.Join(st.Root(), "mail", "bob", sub, e.Name)
	if err := e.Make(h.path); err != nil {
		t.Fatalf("make %s: %v", e.What, err)
	}
	h.send(t, "after")
	return h
}

// hostileEntry returns the entry what of the table, named at the current time.
func hostileEntry(t *testing.T, what string) ipctest.HostileEntry {
	t.Helper()
	time.Sleep(time.Microsecond)
	for _, e := range ipctest.HostileEntries(time.Now(), 1<<20) {
		if e.What == what {
			return e
		}
	}
	t.Fatalf("no hostile entry %q", what)
	return ipctest.HostileEntry{}
}

func (h *hostileBox) send(t *testing.T, content string) {
	t.Helper()
	time.Sleep(time.Microsecond) // names order by microsecond: keep before/after apart from the entry
	if _, err := h.alice.Send(bg, "bob", content, nil); err != nil {
		t.Fatal(err)
	}
}

// want is the contents a reader must return, in order.
func (h *hostileBox) want() []string {
	if h.entry.Mail != "" {
		return []string{"before", h.entry.Mail, "after"}
	}
	return []string{"before", "after"}
}

// checkDelivered fails unless got holds exactly the good mail, in order.
func (h *hostileBox) checkDelivered(t *testing.T, got []maildir.Message) {
	t.Helper()
	want := h.want()
	if len(got) != len(want) {
		t.Fatalf("got %d messages %.300q, want %q", len(got), contentsOf(got), want)
	}
	for i, m := range got {
		if !strings.Contains(m.Content, want[i]) {
			t.Fatalf("message %d = %.300q, want it to contain %q", i, m.Content, want[i])
		}
	}
}

// checkMovedAside fails unless a moved-aside entry left the maildir for
// quarantine/bob/, where Store.Quarantine lists it.
func (h *hostileBox) checkMovedAside(t *testing.T) {
	t.Helper()
	if h.entry.Mail != "" {
		return
	}
	if _, err := os.Lstat(h.path); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("%s still in the maildir: %v", h.entry.What, err)
	}
	q, err := h.st.Quarantine()
	if err != nil || len(q) != 1 || q[0].Box != "bob" || !strings.Contains(q[0].Name, h.entry.Name[:20]) {
		t.Fatalf("Quarantine() = %+v, %v; want the %s", q, err, h.entry.What)
	}
}

func contentsOf(ms []maildir.Message) []string {
	out := make([]string, len(ms))
	for i, m := range ms {
		out[i] = m.Content
	}
	return out
}

// TestHostileEntriesCheck: Session.Check and Inbox.Check return every good
// message around a hostile entry, within the bound, and move the entry
// aside with one report in Quarantined.
func TestHostileEntriesCheck(t *testing.T) {
	for _, e := range ipctest.HostileEntries(time.Now(), 1<<20) {
		for _, door := range []string{"session", "inbox"} {
			t.Run(e.What+"/"+door, func(t *testing.T) {
				h := newHostileBox(t, e, "new")
				var res maildir.CheckResult
				var err error
				ipctest.Within(t, "check", hangBound, func() {
					if door == "session" {
						res, err = h.bob.Check(bg, maildir.CheckOptions{})
						return
					}
					in, ierr := h.st.Inbox("bob", "")
					if ierr != nil {
						err = ierr
						return
					}
					res, err = in.Check(bg, maildir.CheckOptions{})
				})
				if err != nil || res.Stopped != nil {
					t.Fatalf("check: %v, stopped %v", err, res.Stopped)
				}
				h.checkDelivered(t, res.Messages)
				h.checkMovedAside(t)
				if moved := e.Mail == ""; moved != (len(res.Quarantined) == 1) {
					t.Fatalf("Quarantined = %+v", res.Quarantined)
				}
				for _, q := range res.Quarantined {
					if !strings.Contains(q.String(), "not a message: moved aside to "+filepath.Join(h.st.Root(), "quarantine", "bob")) {
						t.Fatalf("report %q", q)
					}
				}
				// Every message returned can be read again by its id.
				for _, m := range res.Messages {
					if _, err := h.bob.Read(bg, m.ID); err != nil {
						t.Fatalf("Read(%q): %v", m.ID, err)
					}
				}
			})
		}
	}
}

// TestHostileEntriesPeekAndUnread: Unread counts only mail and names its
// senders, and Peek returns it; neither blocks nor reads without limit.
func TestHostileEntriesPeekAndUnread(t *testing.T) {
	for _, e := range ipctest.HostileEntries(time.Now(), 1<<20) {
		t.Run(e.What, func(t *testing.T) {
			h := newHostileBox(t, e, "new")
			var u maildir.Unread
			var peek []maildir.Message
			var uerr, perr error
			ipctest.Within(t, "unread and peek", hangBound, func() {
				u, uerr = h.bob.Unread(bg)
				peek, perr = h.bob.Peek(bg, 0)
			})
			if uerr != nil || perr != nil {
				t.Fatalf("unread: %v; peek: %v", uerr, perr)
			}
			if u.Count != len(h.want()) {
				t.Fatalf("Unread = %+v, want %d", u, len(h.want()))
			}
			for _, f := range u.From {
				if f == "" {
					t.Fatalf("Unread names an empty sender: %+v", u)
				}
			}
			h.checkDelivered(t, peek)
			h.checkMovedAside(t)
		})
	}
}

// TestHostileEntriesWait: a waiter woken by an entry that is not mail
// keeps waiting (it used to return at once, so every waiting loop spun);
// it returns when mail lands. WaitNew behaves the same.
func TestHostileEntriesWait(t *testing.T) {
	for _, e := range ipctest.HostileEntries(time.Now(), 1<<20) {
		if e.Mail != "" {
			continue
		}
		for _, waiter := range []string{"wait", "waitnew"} {
			t.Run(e.What+"/"+waiter, func(t *testing.T) {
				h := newHostileBox(t, e, "new")
				if got := len(mustCheckAll(t, h.bob)); got != 2 {
					t.Fatalf("check = %d messages", got)
				}
				again := strings.Replace(h.path, "P1Q", "P2Q", 1)
				if err := e.Make(again); err != nil {
					t.Fatal(err)
				}
				wait := func(ctx context.Context) error {
					if waiter == "wait" {
						return h.bob.Wait(ctx)
					}
					return h.bob.WaitNew(ctx, map[string]bool{})
				}
				// The entry alone: the waiter moves it aside and waits on
				// until its context ends.
				ctx, cancel := context.WithCancel(bg)
				done := make(chan error, 1)
				go func() { done <- wait(ctx) }()
				waitCond(t, "the entry moved aside", func() bool {
					_, err := os.Lstat(again)
					return errors.Is(err, os.ErrNotExist)
				})
				cancel()
				if err := <-done; !errors.Is(err, context.Canceled) {
					t.Fatalf("%s with only a hostile entry returned %v, want to wait until cancelled", waiter, err)
				}
				// Mail wakes it.
				go func() { done <- wait(bg) }()
				h.send(t, "later")
				ipctest.Within(t, waiter, hangBound, func() {
					if err := <-done; err != nil {
						t.Errorf("%s: %v", waiter, err)
					}
				})
			})
		}
	}
}

// TestHostileEntriesStuck: an entry that cannot be moved aside (here
// quarantine/ cannot be created) is skipped by every reader and reported
// once; it does not wake waiters.
func TestHostileEntriesStuck(t *testing.T) {
	var reports []string
	opt := hostileOpt
	opt.Logf = func(format string, args ...any) { reports = append(reports, format) }
	st := openHostile(t, opt)
	if err := os.WriteFile(filepath.Join(st.Root(), "quarantine"), nil, 0o600); err != nil {
		t.Fatal(err)
	}
	bob, err := st.Login(bg, "bob", "")
	if err != nil {
		t.Fatal(err)
	}
	fifo := ipctest.HostileEntries(time.Now(), 1<<20)[0]
	if err := fifo.Make(filepath.Join(st.Root(), "mail", "bob", "new", fifo.Name)); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 3; i++ {
		var res maildir.CheckResult
		var u maildir.Unread
		ipctest.Within(t, "check", hangBound, func() {
			res, err = bob.Check(bg, maildir.CheckOptions{})
			u, _ = bob.Unread(bg)
		})
		if err != nil || len(res.Messages) != 0 || res.Remaining != 0 || u.Count != 0 {
			t.Fatalf("check %d: %+v, %v; unread %+v", i, res, err, u)
		}
		if want := map[bool]int{true: 1, false: 0}[i == 0]; len(res.Quarantined) != want || want == 1 && res.Quarantined[0].Path != "" {
			t.Fatalf("check %d: Quarantined = %+v", i, res.Quarantined)
		}
	}
	if len(reports) != 1 {
		t.Fatalf("%d reports, want 1", len(reports))
	}
	ctx, cancel := context.WithTimeout(bg, 50*time.Millisecond)
	defer cancel()
	if err := bob.Wait(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Wait with a stuck entry = %v", err)
	}
}

// TestHostileEntriesCur: History, Read and GC meet hostile entries of cur/
// (a FIFO there hung ipc gc, and so the shutdown of ipc serve).
func TestHostileEntriesCur(t *testing.T) {
	for _, e := range ipctest.HostileEntries(time.Now(), 1<<20) {
		if e.Mail != "" {
			continue
		}
		t.Run(e.What, func(t *testing.T) {
			h := newHostileBox(t, e, "cur")
			h.checkDelivered(t, mustCheckAll(t, h.bob))
			var stats maildir.GCStats
			var err error
			ipctest.Within(t, "gc", hangBound, func() { stats, err = h.st.GC(bg) })
			if err != nil || stats.Quarantined != 1 {
				t.Fatalf("GC = %+v, %v", stats, err)
			}
			h.checkMovedAside(t)
			var hist []maildir.Message
			ipctest.Within(t, "history", hangBound, func() { hist, err = h.bob.History(bg, 0) })
			if err != nil {
				t.Fatal(err)
			}
			h.checkDelivered(t, hist)
		})
	}
	// History meets them before gc does.
	e := ipctest.HostileEntries(time.Now(), 1<<20)[0]
	h := newHostileBox(t, e, "cur")
	h.checkDelivered(t, mustCheckAll(t, h.bob))
	var hist []maildir.Message
	var err error
	ipctest.Within(t, "history", hangBound, func() { hist, err = h.bob.History(bg, 0) })
	if err != nil {
		t.Fatal(err)
	}
	h.checkDelivered(t, hist)
	h.checkMovedAside(t)
}

func mustCheckAll(t *testing.T, s *maildir.Session) []maildir.Message {
	t.Helper()
	var res maildir.CheckResult
	var err error
	ipctest.Within(t, "check", hangBound, func() { res, err = s.Check(bg, maildir.CheckOptions{}) })
	if err != nil || res.Stopped != nil {
		t.Fatalf("check: %v, stopped %v", err, res.Stopped)
	}
	return res.Messages
}

// waitCond waits until cond holds, polling: the condition is on the disk.
func waitCond(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(hangBound)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// TestHostileMaildirFolders: a FIFO standing where new/ or cur/ should be
// is an error, not a reader blocked at open; the mail of other boxes and
// the rest of the mailbox go on.
func TestHostileMaildirFolders(t *testing.T) {
	for _, sub := range []string{"new", "cur"} {
		t.Run(sub, func(t *testing.T) {
			st := openHostile(t, hostileOpt)
			bob, err := st.Login(bg, "bob", "")
			if err != nil {
				t.Fatal(err)
			}
			alice, err := st.Login(bg, "alice", "")
			if err != nil {
				t.Fatal(err)
			}
			dir := filepath.Join(st.Root(), "mail", "bob", sub)
			if err := os.RemoveAll(dir); err != nil {
				t.Fatal(err)
			}
			if err := ipctest.HostileEntries(time.Now(), 1<<20)[0].Make(dir); err != nil {
				t.Fatal(err)
			}
			ipctest.Within(t, "check and history", hangBound, func() {
				_, _ = bob.Check(bg, maildir.CheckOptions{})
				_, _ = bob.Unread(bg)
				_, _ = bob.History(bg, 10)
				_, _ = st.GC(bg)
			})
			if _, err := bob.Send(bg, "alice", "still here", nil); err != nil {
				t.Fatal(err)
			}
			res, err := alice.Check(bg, maildir.CheckOptions{})
			if err != nil || len(res.Messages) != 1 || res.Messages[0].Content != "still here" {
				t.Fatalf("alice's check = %+v, %v", res, err)
			}
		})
	}
}
