package web_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"testing"
	"time"

	"github.com/ipc-dev/ipc/internal/ipctest"
	"github.com/ipc-dev/ipc/maildir"
	"github.com/ipc-dev/ipc/web"
)

// bound turns a hang into a failure; events come far sooner.
const bound = time.Minute

func decodeMessage(t *testing.T, ev event) message {
	t.Helper()
	var m message
	if err := json.Unmarshal([]byte(ev.data), &m); err != nil {
		t.Fatalf("a message event: %v in %s", err, ev.data)
	}
	if ev.id != m.ID {
		t.Errorf("the event's id %q is not the message's %q", ev.id, m.ID)
	}
	return m
}

func TestEventsBacklogThenLiveFromAnotherProcess(t *testing.T) {
	c := startConsole(t)
	alice := c.login("alice")
	c.login("bob")
	old := send(t, alice, "bob", "before the page opened", maildir.Payload{Subject: "old"})

	s := c.openEvents("?backlog=10")
	ipctest.Within(t, "the backlog", bound, func() {
		if ev, err := s.next(); err != nil || ev.name != "hello" {
			t.Errorf("first event: %+v %v, want hello", ev, err)
		}
		if m := decodeMessage(t, s.until(t, "message", nil)); m.ID != old || m.Subject != "old" {
			t.Errorf("the backlog: %+v", m)
		}
	})

	// Another process sends; the stream pushes it, no polling of the page.
	cmd := ipctest.HelperCmd(t, os.Environ(), "send", c.root, "carol", "bob", "from the other process")
	if err := cmd.Run(); err != nil {
		t.Fatalf("the sending process: %v", err)
	}
	ipctest.Within(t, "the live message", bound, func() {
		m := decodeMessage(t, s.until(t, "message", nil))
		if m.From != "carol" || m.To != "bob" || m.Content != "from the other process" || m.Priority != "high" || m.Subject != "from another process" {
			t.Errorf("live: %+v", m)
		}
	})
}

func TestEventsChangeWhenTheRecipientReads(t *testing.T) {
	c := startConsole(t)
	ctx := context.Background()
	bob := c.login("bob")
	s := c.openEvents("?backlog=0")
	var sent sendAnswer
	c.postJSON("/api/send", map[string]any{"to": []string{"bob"}, "content": "read me"}, 200, &sent)
	id := sent.Receipts[0].ID
	ipctest.Within(t, "the human's message in the stream", bound, func() {
		if m := decodeMessage(t, s.until(t, "message", nil)); m.ID != id || m.From != maildir.HumanID {
			t.Errorf("the stream: %+v", m)
		}
	})
	if _, err := bob.Check(ctx, maildir.CheckOptions{Door: maildir.DoorHook}); err != nil {
		t.Fatal(err)
	}
	// Each change is a hint: the page re-fetches the receipt's deliveries,
	// as this does, until it says read.
	ipctest.Within(t, "a change event after which the receipt says read", bound, func() {
		for {
			s.until(t, "change", nil)
			var ds struct{ Deliveries []maildir.Delivery }
			c.getJSON("/api/deliveries?id="+id, 200, &ds)
			if d := ds.Deliveries[0]; d.State == maildir.StateRead {
				if d.ReadBy != maildir.DoorHook {
					t.Errorf("read by %q, want hook", d.ReadBy)
				}
				return
			}
		}
	})
}

// TestEventsChangeWhenTheRecipientAcknowledges: an acknowledgement is a
// record in the recipient's state/, no move of the message; it wakes the
// stream, the first one (which makes state/) as well as the later ones.
// The watch's start wakes the stream a few times (a rescan at start per
// directory, coalesced): each of acks acknowledgements, more than those,
// waits for a change of its own, so that the last ones cannot be answered
// by a wake of the start.
func TestEventsChangeWhenTheRecipientAcknowledges(t *testing.T) {
	const acks = 8
	c := startConsole(t)
	ctx := context.Background()
	bob := c.login("bob")
	var ids []string
	for i := range acks {
		var sent sendAnswer
		c.postJSON("/api/send", map[string]any{"to": []string{"bob"}, "content": fmt.Sprintf("ack me, %d", i), "ack": true}, 200, &sent)
		ids = append(ids, sent.Receipts[0].ID)
	}
	if _, err := os.Stat(filepath.Join(c.root, "mail", "bob", "state")); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("bob's state/ before any record: %v, want none yet", err)
	}

	s := c.openEvents("?backlog=0")
	ipctest.Within(t, "the stream watching", bound, func() {
		s.until(t, "change", nil) // the first: the mailboxes are watched
	})
	for _, id := range ids {
		if err := bob.Ack(ctx, id); err != nil {
			t.Fatal(err)
		}
		ipctest.Within(t, "a change event after which the receipt says acknowledged", bound, func() {
			for {
				s.until(t, "change", nil)
				var ds struct{ Deliveries []maildir.Delivery }
				c.getJSON("/api/deliveries?id="+id, 200, &ds)
				if d := ds.Deliveries[0]; d.State == maildir.StateAcknowledged && !d.AckedAt.IsZero() {
					return
				}
			}
		})
	}
}

func TestEventsBadBacklog(t *testing.T) {
	c := startConsole(t)
	for _, q := range []string{"?backlog=-1", "?backlog=1001", "?backlog=lots"} {
		var e apiError
		c.getJSON("/api/events"+q, http.StatusBadRequest, &e)
		if e.Error != "bad_request" {
			t.Errorf("events%s: %+v", q, e)
		}
	}
}

func TestShutdownEndsTheStreamsAndJoinsEveryGoroutine(t *testing.T) {
	root := t.TempDir()
	st := ipctest.Open(t, maildir.Open, root, testOptions())
	client := &http.Client{Transport: &http.Transport{}}

	srv, err := web.Listen(st, web.Config{})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- srv.Run(ctx) }()
	c := &console{t: t, root: root, st: st, srv: srv, base: srv.BaseURL(), c: client}
	streams := []*stream{c.openEvents(""), c.openEvents("?backlog=0"), c.openEvents("?backlog=5")}
	for _, s := range streams {
		if ev, err := s.next(); err != nil || ev.name != "hello" {
			t.Fatalf("hello: %+v %v", ev, err)
		}
	}
	var sent sendAnswer // the human's session is open too
	c.postJSON("/api/send", map[string]any{"to": []string{"zed"}, "content": "queued"}, 200, &sent)

	cancel()
	ipctest.Within(t, "Run after its context ended", bound, func() {
		if err := <-done; err != nil {
			t.Errorf("Run: %v", err)
		}
	})
	for i, s := range streams {
		for {
			_, err := s.next()
			if errors.Is(err, io.EOF) || err != nil {
				break
			}
		}
		if _, err := s.next(); err == nil {
			t.Errorf("stream %d still open after the shutdown", i)
		}
	}
	if _, err := client.Get(c.base + "/"); err == nil {
		t.Error("the console still answers after Run returned")
	}
	client.CloseIdleConnections()
	for _, s := range streams {
		s.res.Body.Close()
	}
	ipctest.WaitFor(t, "the console's goroutines to end", func() bool { return len(consoleGoroutines()) == 0 })
}

// owned matches the frames of a goroutine the console starts or runs in:
// the door itself, the HTTP server's connections, and the core's calls
// it makes for a stream.
var owned = regexp.MustCompile(`ipc/web\.|net/http\.\(\*conn\)\.serve|net/http\.\(\*Server\)\.Serve|maildir\.\(\*Store\)\.(Traffic|Changes|watchMailboxes)`)

// consoleGoroutines returns the stacks of the goroutines that are the
// console's, the test's own excepted.
func consoleGoroutines() []string {
	buf := make([]byte, 1<<20)
	buf = buf[:runtime.Stack(buf, true)]
	var out []string
	for _, g := range regexp.MustCompile(`\n\n`).Split(string(buf), -1) {
		if owned.MatchString(g) && !regexp.MustCompile(`web_test\.`).MatchString(g) {
			out = append(out, g)
		}
	}
	return out
}

// TestEventsChangesAreCoalesced: opening the stream on the mailboxes of
// many agents (a rescan per directory watched: new/, cur/, state/) yields
// and its backlog (each message read) yields a few change events, not one
// per directory or message; a real change (a read) still yields one.
func TestEventsChangesAreCoalesced(t *testing.T) {
	const agents, most = 8, 4 // uncoalesced: some 3 a mailbox
	c := startConsole(t)
	ctx := context.Background()
	var sessions []*maildir.Session
	for i := range agents {
		sessions = append(sessions, c.login(fmt.Sprintf("agent%d", i)))
	}
	for _, a := range sessions {
		for j := range agents {
			send(t, a, fmt.Sprintf("agent%d", j), "hello", maildir.Payload{})
		}
	}
	s := c.openEvents(fmt.Sprintf("?backlog=%d", agents*agents))
	changes := 0
	ipctest.Within(t, "the stream watching", bound, func() {
		s.until(t, "change", nil)
		changes++
	})
	var sent sendAnswer
	c.postJSON("/api/send", map[string]any{"to": []string{"agent1"}, "content": "read me"}, 200, &sent)
	id := sent.Receipts[0].ID
	if _, err := sessions[1].Check(ctx, maildir.CheckOptions{Door: maildir.DoorHook}); err != nil {
		t.Fatal(err)
	}
	ipctest.Within(t, "a change event after which the receipt says read", bound, func() {
		for {
			s.until(t, "change", nil)
			changes++
			var ds struct{ Deliveries []maildir.Delivery }
			c.getJSON("/api/deliveries?id="+id, 200, &ds)
			if ds.Deliveries[0].State == maildir.StateRead {
				return
			}
		}
	})
	if changes > most {
		t.Errorf("%d change events for %d agents' mailboxes and one read, want at most %d", changes, agents, most)
	}
}
