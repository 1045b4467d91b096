//go:build unix

package socket

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ipc-dev/ipc/internal/ipctest"
	"github.com/ipc-dev/ipc/internal/wire"
	"github.com/ipc-dev/ipc/maildir"
)

// hostileServer is a server whose bob has "before", one hostile entry of
// ipctest and "after" unread, sent through the legacy door.
func hostileServer(t *testing.T, what string) (srv *Server, bobTok string, e ipctest.HostileEntry, st *maildir.Store) {
	t.Helper()
	st = mustStore(t, "", maildir.Options{Sync: maildir.SyncNone, RateBurst: -1})
	srv = mustServe(t, st, testConfig(t))
	alice := register(t, srv, "alice")
	bobTok = register(t, srv, "bob")
	send := func(c string) {
		wantOK(t, legacy(t, srv, map[string]any{"action": "send", "to_id": "bob", "message": map[string]any{"content": c}, "session_token": alice}))
	}
	send("before")
	time.Sleep(time.Microsecond) // names order by microsecond
	for _, h := range ipctest.HostileEntries(time.Now(), 1<<30) {
		if h.What == what {
			e = h
		}
	}
	if err := e.Make(filepath.Join(st.Root(), "mail", "bob", "new", e.Name)); err != nil {
		t.Fatal(err)
	}
	time.Sleep(time.Microsecond)
	send("after")
	return srv, bobTok, e, st
}

// wantGood fails unless msgs are the good mail around e, in order.
func wantGood(t *testing.T, door string, e ipctest.HostileEntry, msgs []wire.LegacyMessage) {
	t.Helper()
	want := []string{"before", "after"}
	if e.Mail != "" {
		want = []string{"before", e.Mail, "after"}
	}
	if len(msgs) != len(want) {
		t.Fatalf("%s: %d messages %.300v, want %q", door, len(msgs), msgs, want)
	}
	for i, w := range want {
		if !strings.Contains(msgs[i].Message.Content, w) {
			t.Fatalf("%s: message %d = %.300q, want %q", door, i, msgs[i].Message.Content, w)
		}
	}
}

func hostileWhats() []string {
	var out []string
	for _, e := range ipctest.HostileEntries(time.Now(), 1) {
		out = append(out, e.What)
	}
	return out
}

// TestHostileEntriesSocket: the legacy check, the fast-path check and a
// fast-path subscription return the good mail around each hostile entry
// (the connections' deadlines bound them), the fast path names an entry
// moved aside in its warnings, and a subscription woken by an entry that
// is not mail pushes nothing and waits (a dangling symlink made it spin).
func TestHostileEntriesSocket(t *testing.T) {
	for _, what := range hostileWhats() {
		t.Run(what+"/legacy", func(t *testing.T) {
			srv, tok, e, _ := hostileServer(t, what)
			rep := legacy(t, srv, map[string]any{"action": "check", "session_token": tok})
			wantOK(t, rep)
			wantGood(t, "legacy check", e, rep.Messages)
		})
		t.Run(what+"/fast-check", func(t *testing.T) {
			srv, tok, e, _ := hostileServer(t, what)
			f, rep := openFast(t, srv, `{"action":"hello","version":2,"session_token":"`+tok+`"}`)
			wantOK(t, rep)
			rep = f.do(`{"id":1,"action":"check"}`)
			wantOK(t, rep)
			wantGood(t, "fast check", e, rep.Messages)
			if moved := e.Mail == ""; moved != (len(rep.Warnings) == 1 && strings.Contains(rep.Warnings[0], "not a message: moved aside")) {
				t.Fatalf("warnings %q", rep.Warnings)
			}
		})
		t.Run(what+"/subscribe", func(t *testing.T) {
			srv, tok, e, st := hostileServer(t, what)
			f, rep := openFast(t, srv, `{"action":"hello","version":2,"session_token":"`+tok+`"}`)
			wantOK(t, rep)
			wantOK(t, f.do(`{"id":1,"action":"subscribe"}`))
			var got []wire.LegacyMessage
			for want := map[bool]int{true: 2, false: 3}[e.Mail == ""]; len(got) < want; {
				ev := f.read()
				if ev.Event != wire.EventMail {
					t.Fatalf("event %+v", ev)
				}
				got = append(got, ev.Messages...)
			}
			wantGood(t, "subscription", e, got)
			// The entry again, alone, then mail: the next event is that mail.
			// It is made aside and renamed in whole: the subscriber, awake,
			// would move a half-made entry (a directory not filled yet).
			name := strings.Replace(e.Name, "P1Q", "P2Q", 1)
			staged := filepath.Join(t.TempDir(), name)
			if err := e.Make(staged); err != nil {
				t.Fatal(err)
			}
			if err := os.Rename(staged, filepath.Join(st.Root(), "mail", "bob", "new", name)); err != nil {
				t.Fatal(err)
			}
			alice := register(t, srv, "carol")
			wantOK(t, legacy(t, srv, map[string]any{"action": "send", "to_id": "bob", "message": map[string]any{"content": "later"}, "session_token": alice}))
			var next []wire.LegacyMessage
			for len(next) == 0 || !strings.Contains(next[len(next)-1].Message.Content, "later") {
				ev := f.read()
				if ev.Event != wire.EventMail {
					t.Fatalf("event %+v", ev)
				}
				next = append(next, ev.Messages...)
			}
			if e.Mail == "" && len(next) != 1 {
				t.Fatalf("pushed %+v, want only later", next)
			}
		})
	}
}
