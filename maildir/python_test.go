package maildir

import (
	"encoding/json"
	"os/exec"
	"path/filepath"
	"testing"
	"time"
)

// TestPythonMailboxReads checks that Python's standard mailbox and email
// modules read a delivered maildir (info separator "!") with the right
// sender, recipient, date and body, read and unread alike.
func TestPythonMailboxReads(t *testing.T) {
	py, err := exec.LookPath("python3")
	if err != nil {
		t.Skip("python3 not installed")
	}
	st := mustOpen(t, Options{})
	alice, bob := mustLogin(t, st, "alice"), mustLogin(t, st, "bob")
	mustSend(t, alice, "bob", "read one\nsecond line")
	mustCheck(t, bob)
	before := time.Now().Add(-time.Minute)
	if _, err := alice.Send(ctx, "bob", "unread ünïcode 📬", json.RawMessage(`{"k":1}`)); err != nil {
		t.Fatal(err)
	}
	script := `
import json, mailbox, sys, email.utils
mb = mailbox.Maildir(sys.argv[1], factory=None, create=False)
mb.colon = '!'
out = []
for key, msg in mb.items():
    out.append({
        "key": key,
        "from": msg["From"], "to": msg["To"],
        "date": email.utils.parsedate_to_datetime(msg["Date"]).timestamp(),
        "data": json.loads(msg["X-IPC-Data"]) if msg["X-IPC-Data"] else None,
        "subdir": msg.get_subdir(), "flags": msg.get_flags(),
        "body": msg.get_payload(decode=True).decode("utf-8"),
    })
out.sort(key=lambda m: m["body"])
print(json.dumps(out))
`
	outb, err := exec.Command(py, "-c", script, filepath.Join(st.Root(), "mail", "bob")).CombinedOutput()
	if err != nil {
		t.Fatalf("python3: %v\n%s", err, outb)
	}
	var got []struct {
		From, To, Subdir, Flags, Body string
		Date                          float64
		Data                          map[string]any
	}
	if err := json.Unmarshal(outb, &got); err != nil {
		t.Fatalf("python output %s: %v", outb, err)
	}
	if len(got) != 2 {
		t.Fatalf("python saw %d messages: %s", len(got), outb)
	}
	want := []struct{ body, subdir, flags string }{
		{"read one\nsecond line\n", "cur", "S"},
		{"unread ünïcode 📬\n", "new", ""},
	}
	for i, w := range want {
		g := got[i]
		if g.From != "alice" || g.To != "bob" || g.Body != w.body || g.Subdir != w.subdir || g.Flags != w.flags {
			t.Errorf("python message %d = %+v, want body %q in %s flags %q", i, g, w.body, w.subdir, w.flags)
		}
		if d := time.Unix(int64(g.Date), 0); d.Before(before) || d.After(time.Now().Add(time.Minute)) {
			t.Errorf("python date %v not now", d)
		}
	}
	if got[1].Data["k"] != 1.0 {
		t.Errorf("python data = %v", got[1].Data)
	}
}
