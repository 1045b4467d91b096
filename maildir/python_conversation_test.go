package maildir

import (
	"encoding/json"
	"os/exec"
	"path/filepath"
	"reflect"
	"testing"
)

// runPython runs script with args and decodes the JSON it prints into v;
// the test is skipped without python3.
func runPython(t *testing.T, v any, script string, args ...string) {
	t.Helper()
	py, err := exec.LookPath("python3")
	if err != nil {
		t.Skip("python3 not installed")
	}
	out, err := exec.Command(py, append([]string{"-c", script}, args...)...).CombinedOutput()
	if err != nil {
		t.Fatalf("python3: %v\n%s", err, out)
	}
	if v != nil {
		if err := json.Unmarshal(out, v); err != nil {
			t.Fatalf("python output %s: %v", out, err)
		}
	}
}

// TestPythonReconstructsAThread: a conversation of four messages written
// by ipc across two mailboxes is one thread to Python's mailbox and email
// modules: each answer's In-Reply-To names its parent's Message-ID, its
// References start at the root, and the subject (RFC 2047), priority and
// acknowledgement request read as ipc wrote them.
func TestPythonReconstructsAThread(t *testing.T) {
	st := mustOpen(t, Options{})
	alice, bob := mustLogin(t, st, "alice"), mustLogin(t, st, "bob")
	root, err := alice.SendPayload(ctx, "bob", Payload{Content: "freeze?", Subject: "Überprüfung — 認証"})
	if err != nil {
		t.Fatal(err)
	}
	ids := []string{root.ID}
	for i, s := range []*Session{bob, alice, bob} {
		p := Payload{Content: "answer"}
		if i == 2 {
			p.Priority, p.Ack = PriorityUrgent, true
		}
		r, err := s.Reply(ctx, ids[len(ids)-1], p)
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, r.ID)
	}
	mustCheck(t, bob) // one mailbox read, the other not: both are read by Python
	script := `
import json, mailbox, sys
from email import policy
from email.parser import BytesParser
out = {}
for box in sys.argv[1:]:
    mb = mailbox.Maildir(box, factory=lambda f: BytesParser(policy=policy.default).parse(f), create=False)
    mb.colon = '!'
    for key in mb.keys():
        m = mb[key]
        out[m["Message-ID"]] = {
            "subject": str(m["Subject"] or ""),
            "inreplyto": str(m["In-Reply-To"] or ""),
            "references": str(m["References"] or "").split(),
            "priority": str(m["Priority"] or ""), "importance": str(m["Importance"] or ""),
            "xpriority": str(m["X-Priority"] or ""),
            "ackto": str(m["Disposition-Notification-To"] or ""),
        }
print(json.dumps(out))
`
	var got map[string]struct {
		Subject, InReplyTo, Priority, Importance, XPriority, AckTo string
		References                                                 []string
	}
	runPython(t, &got, script, filepath.Join(st.Root(), "mail", "alice"), filepath.Join(st.Root(), "mail", "bob"))
	if len(got) != 4 {
		t.Fatalf("python saw %d messages: %+v", len(got), got)
	}
	mid := func(id string) string { return "<" + id + "@ipc>" }
	for i, id := range ids {
		m, ok := got[mid(id)]
		if !ok {
			t.Fatalf("python has no message %s: %+v", mid(id), got)
		}
		wantSubject := "Re: Überprüfung — 認証"
		if i == 0 {
			wantSubject = "Überprüfung — 認証"
		}
		if m.Subject != wantSubject {
			t.Errorf("message %d: python subject %q", i, m.Subject)
		}
		if i == 0 {
			if m.InReplyTo != "" || len(m.References) != 0 {
				t.Errorf("root: %+v", m)
			}
			continue
		}
		var refs []string
		for _, r := range ids[:i] {
			refs = append(refs, mid(r))
		}
		if m.InReplyTo != mid(ids[i-1]) || !reflect.DeepEqual(m.References, refs) {
			t.Errorf("message %d: in-reply-to %q references %v, want %q %v", i, m.InReplyTo, m.References, mid(ids[i-1]), refs)
		}
	}
	last := got[mid(ids[3])]
	if last.Priority != "urgent" || last.Importance != "high" || last.XPriority != "1 (Highest)" || last.AckTo != "bob" {
		t.Errorf("last message's headers to python: %+v", last)
	}
}

// TestPythonWrittenConversationHeaders: a message Python's email writes
// into a maildir, with a non-ASCII Subject, mutt-style Message-IDs in
// In-Reply-To and References, Priority, Importance and
// Disposition-Notification-To, is read by ipc with those fields. Its name
// carries no priority letter, so a check orders it as normal mail; its
// Priority still shows.
func TestPythonWrittenConversationHeaders(t *testing.T) {
	st := mustOpen(t, Options{})
	alice, bob := mustLogin(t, st, "alice"), mustLogin(t, st, "bob")
	mustLogin(t, st, "carol")
	root := mustSend(t, alice, "bob", "before")
	script := `
import mailbox, sys
from email.message import EmailMessage
mb = mailbox.Maildir(sys.argv[1], create=False)
mb.colon = '!'
m = EmailMessage()
m["From"] = "carol"
m["To"] = "bob"
m["Subject"] = "Re: Grüße aus Köln ☕"
m["Message-ID"] = "<20261201101500.GA12345@mutt.example.org>"
m["In-Reply-To"] = "<" + sys.argv[2] + "@ipc>"
m["References"] = "<20261130090000.GB777@mutt.example.org> <" + sys.argv[2] + "@ipc>"
m["Priority"] = "urgent"
m["Importance"] = "high"
m["Disposition-Notification-To"] = "carol"
m.set_content("zurück ✓")
mb.add(m)
h = EmailMessage()
h["From"] = "carol"
h["To"] = "bob"
h["Importance"] = "High"
h.set_content("high by Importance alone")
mb.add(h)
print("null")
`
	runPython(t, nil, script, filepath.Join(st.Root(), "mail", "bob"), root.ID)
	if _, err := alice.SendPayload(ctx, "bob", Payload{Content: "urgent from ipc", Priority: PriorityUrgent}); err != nil {
		t.Fatal(err)
	}
	if u, err := bob.Unread(ctx); err != nil || u.Count != 4 || u.Urgent != 1 {
		t.Fatalf("unread = %+v, %v (only the name's letter counts)", u, err)
	}
	ms := mustCheck(t, bob)
	if len(ms) != 4 || ms[0].Content != "urgent from ipc" || ms[1].Content != "before" {
		t.Fatalf("check order: %q", contents(ms))
	}
	m := ms[2]
	if m.Content == "high by Importance alone" {
		m = ms[3]
	}
	if m.From != "carol" || m.Subject != "Re: Grüße aus Köln ☕" || m.Content != "zurück ✓" ||
		m.InReplyTo != root.ID || !reflect.DeepEqual(m.References, []string{"20261130090000.GB777@mutt.example.org", root.ID}) ||
		m.ThreadID() != "20261130090000.GB777@mutt.example.org" || m.Priority != PriorityUrgent || !m.AckRequested {
		t.Errorf("python's message read as %+v", m)
	}
	for _, m := range ms {
		if m.Content == "high by Importance alone" && m.Priority != PriorityHigh {
			t.Errorf("Importance: High read as %q", m.Priority)
		}
	}
	r, err := bob.Reply(ctx, m.ID, Payload{Content: "danke"})
	if err != nil || r.To != "carol" {
		t.Fatalf("reply to python's message: %+v, %v", r, err)
	}
}
