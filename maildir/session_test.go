package maildir

import (
	"context"
	"encoding/json"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"strings"
	"testing"
	"time"
)

var ctx = context.Background()

func TestSendCheckExactlyOnce(t *testing.T) {
	st := mustOpen(t, Options{})
	alice, bob := mustLogin(t, st, "alice"), mustLogin(t, st, "bob")
	for _, c := range []string{"one", "two", "three"} {
		mustSend(t, alice, "bob", c)
	}
	got := mustCheck(t, bob)
	if want := []string{"one", "two", "three"}; !reflect.DeepEqual(contents(got), want) {
		t.Fatalf("check = %q, want %q", contents(got), want)
	}
	for _, m := range got {
		if m.From != "alice" || m.To != "bob" || !m.Read || m.Time.IsZero() {
			t.Errorf("message %+v: want from alice to bob, read, timed", m)
		}
	}
	if again := mustCheck(t, bob); len(again) != 0 {
		t.Fatalf("second check = %q, want nothing", contents(again))
	}
	// Read mail stays on disk: by id and in history.
	m, err := bob.Read(ctx, got[1].ID)
	if err != nil || m.Content != "two" || !m.Read {
		t.Fatalf("Read(%s) = %+v, %v", got[1].ID, m, err)
	}
	h, err := bob.History(ctx, 2)
	if err != nil || !reflect.DeepEqual(contents(h), []string{"two", "three"}) {
		t.Fatalf("History(2) = %q, %v", contents(h), err)
	}
}

func TestOnDiskLayout(t *testing.T) {
	old := umask(0)
	defer umask(old)
	st := mustOpenAt(t, filepath.Join(t.TempDir(), "home"), Options{})
	alice := mustLogin(t, st, "alice")
	r := mustSend(t, alice, "bob", "hi")
	if strings.ContainsAny(r.ID, ":/\\") {
		t.Fatalf("message id %q has a reserved character", r.ID)
	}
	mustCheck(t, mustLogin(t, st, "bob"))
	err := filepath.WalkDir(st.Root(), func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		if runtime.GOOS == "windows" {
			return nil
		}
		want := fs.FileMode(0o600)
		if d.IsDir() {
			want = 0o700
		}
		if info.Mode().Perm() != want {
			t.Errorf("%s: mode %v, want %v", p, info.Mode().Perm(), want)
		}
		if strings.Contains(d.Name(), ":") {
			t.Errorf("%s: file name contains ':'", p)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(st.Root(), "mail", "bob", "cur", r.ID+"!2,S")); err != nil {
		t.Fatalf("read message not at cur/<id>!2,S: %v", err)
	}
}

func TestColonInfoAcceptedOnRead(t *testing.T) {
	st := mustOpen(t, Options{})
	alice, bob := mustLogin(t, st, "alice"), mustLogin(t, st, "bob")
	r := mustSend(t, alice, "bob", "moved by mutt")
	mustCheck(t, bob)
	cur := filepath.Join(st.Root(), "mail", "bob", "cur")
	if err := os.Rename(filepath.Join(cur, r.ID+"!2,S"), filepath.Join(cur, r.ID+":2,RS")); err != nil {
		t.Fatal(err)
	}
	m, err := bob.Read(ctx, r.ID)
	if err != nil || m.Content != "moved by mutt" {
		t.Fatalf("Read after ':' rename = %+v, %v", m, err)
	}
	// An unread file delivered by another tool with ':' flags in new/.
	other := filepath.Join(st.Root(), "mail", "bob", "new", "1700000000.M1P1Q1.otherhost:2,")
	if err := os.WriteFile(other, []byte("From: carol\nTo: bob\n\nhello from python\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	got := mustCheck(t, bob)
	if len(got) != 1 || got[0].From != "carol" || got[0].Content != "hello from python" || got[0].ID != "1700000000.M1P1Q1.otherhost" {
		t.Fatalf("check of foreign file = %+v", got)
	}
}

func TestDataAndUnicodeRoundTrip(t *testing.T) {
	st := mustOpen(t, Options{})
	alice, bob := mustLogin(t, st, "alice"), mustLogin(t, st, "bob")
	content := "héllo wörld 📬\nsecond line\n\n  indented\r\nend without newline"
	data := json.RawMessage(`{"k": [1, 2], "emoji": "📝", "nested": {"a": "b\nc"}}`)
	if _, err := alice.Send(ctx, "bob", content, data); err != nil {
		t.Fatal(err)
	}
	got := mustCheck(t, bob)
	if len(got) != 1 || got[0].Content != content {
		t.Fatalf("content = %q, want %q", contents(got), content)
	}
	var a, b any
	_ = json.Unmarshal(data, &a)
	if err := json.Unmarshal(got[0].Data, &b); err != nil || !reflect.DeepEqual(a, b) {
		t.Fatalf("data = %s, want %s (%v)", got[0].Data, data, err)
	}
}

func TestBadPayload(t *testing.T) {
	st := mustOpen(t, Options{MaxContent: 100})
	alice := mustLogin(t, st, "alice")
	cases := []struct {
		name    string
		to      string
		content string
		data    string
		kind    Kind
	}{
		{"trailing newline id", "bob\n", "x", "", InvalidID},
		{"dot dot", "../etc", "x", "", InvalidID},
		{"33 chars", strings.Repeat("a", 33), "x", "", InvalidID},
		{"nul", "bo\x00b", "x", "", InvalidID},
		{"lookalike", "bоb", "x", "", InvalidID},
		{"system", "system", "x", "", InvalidID},
		{"broken data", "bob", "x", `{"a":`, BadRequest},
		{"deep data", "bob", "x", strings.Repeat("[", 20000) + strings.Repeat("]", 20000), BadRequest},
		{"non-utf8", "bob", "\xff\xfe", "", BadRequest},
		{"too large", "bob", strings.Repeat("x", 101), "", TooLarge},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := alice.Send(ctx, c.to, c.content, json.RawMessage(c.data))
			wantKind(t, err, c.kind)
		})
	}
	// Data is any JSON value, as the original stores it.
	for _, data := range []string{"[1]", `"s"`, "42", "true"} {
		if _, err := alice.Send(ctx, "bob", "x", json.RawMessage(data)); err != nil {
			t.Errorf("data %s: %v", data, err)
		}
	}
	for _, id := range []string{"", "a b", "alice\n", "x.y", strings.Repeat("z", 33), "system"} {
		if _, err := st.Login(ctx, id, ""); KindOf(err) != InvalidID {
			t.Errorf("Login(%q) err = %v, want invalid_id", id, err)
		}
	}
}

func TestFutureMessaging(t *testing.T) {
	st := mustOpen(t, Options{})
	alice := mustLogin(t, st, "alice")
	r := mustSend(t, alice, "later", "waiting for you")
	if !r.Queued || r.To != "later" {
		t.Fatalf("send to unknown = %+v, want queued", r)
	}
	later := mustLogin(t, st, "later")
	u, err := later.Unread(ctx)
	if err != nil || u.Count != 1 || !reflect.DeepEqual(u.From, []string{"alice"}) {
		t.Fatalf("Unread = %+v, %v", u, err)
	}
	if got := contents(mustCheck(t, later)); !reflect.DeepEqual(got, []string{"waiting for you"}) {
		t.Fatalf("check = %q", got)
	}
	if r := mustSend(t, alice, "later", "now registered"); r.Queued {
		t.Fatalf("send to registered = %+v, want not queued", r)
	}
}

func TestRegisterDoesNotHijackLiveName(t *testing.T) {
	root := t.TempDir()
	a := mustOpenAt(t, root, Options{})
	b := mustOpenAt(t, root, Options{}) // another process as far as locks go
	alice := mustLogin(t, a, "alice")
	_, err := b.Login(ctx, "alice", "")
	wantKind(t, err, InUse)
	// Same process: the new session replaces the old one.
	again := mustLogin(t, a, "alice")
	_, err = alice.Check(ctx, CheckOptions{})
	wantKind(t, err, SessionClosed)
	if err := again.Close(); err != nil {
		t.Fatal(err)
	}
	// Once the holder is gone, the name is free.
	s, err := b.Login(ctx, "alice", "")
	if err != nil {
		t.Fatalf("Login after Close: %v", err)
	}
	s.Close()
}

func TestSecureMode(t *testing.T) {
	st := mustOpen(t, Options{Secret: "s3cret"})
	_, err := st.Login(ctx, "alice", "")
	wantKind(t, err, Denied)
	_, err = st.Login(ctx, "alice", Proof("alice", "wrong"))
	wantKind(t, err, Denied)
	_, err = st.Login(ctx, "alice", Proof("bob", "s3cret"))
	wantKind(t, err, Denied)
	if _, err := st.Login(ctx, "alice", Proof("alice", "s3cret")); err != nil {
		t.Fatal(err)
	}
	// The original's published vector.
	if got := Proof("rightsecret", "s3cret"); got != "8e51c297fe1c138569b3a79a3966cac3e2b6c22b12c5c8e20a9cae830ae33aff" {
		t.Fatalf("Proof = %s", got)
	}
}

func TestTokens(t *testing.T) {
	clk := newClock()
	root := t.TempDir()
	st := mustOpenAt(t, root, Options{Now: clk.Now})
	alice := mustLogin(t, st, "alice")
	tok, err := alice.IssueToken(ctx)
	if err != nil || len(tok) != 43 {
		t.Fatalf("IssueToken = %q, %v", tok, err)
	}
	b, _ := os.ReadFile(filepath.Join(root, "index", "sessions.json"))
	if strings.Contains(string(b), tok) || !strings.Contains(string(b), hashToken(tok)) {
		t.Fatalf("sessions.json must hold the hash only:\n%s", b)
	}
	s, err := st.Resume(ctx, tok)
	if err != nil || s != alice {
		t.Fatalf("Resume in the same process = %v, %v; want the live session", s, err)
	}
	// Another process resumes once the holder is gone.
	alice.Close()
	other := mustOpenAt(t, root, Options{Now: clk.Now})
	s2, err := other.Resume(ctx, tok)
	if err != nil || s2.ID() != "alice" {
		t.Fatalf("Resume elsewhere = %v, %v", s2, err)
	}
	// A new token revokes the old one.
	tok2, err := s2.IssueToken(ctx)
	if err != nil {
		t.Fatal(err)
	}
	_, err = other.Resume(ctx, tok)
	wantKind(t, err, InvalidToken)
	_, err = other.Resume(ctx, "")
	wantKind(t, err, InvalidToken)
	clk.Add(25 * time.Hour)
	_, err = other.Resume(ctx, tok2)
	wantKind(t, err, TokenExpired)
	_, err = s2.Check(ctx, CheckOptions{})
	wantKind(t, err, TokenExpired)
}

func TestBroadcastReachesRegisteredOnly(t *testing.T) {
	root := t.TempDir()
	st := mustOpenAt(t, root, Options{})
	alice := mustLogin(t, st, "alice")
	bob := mustLogin(t, st, "bob")
	carol := mustLogin(t, st, "carol")
	carol.Close() // registered, offline, no mail: still a recipient
	mustSend(t, alice, "ghost", "future mail")
	// A fresh process (indices on disk only) must see the same recipients.
	st2 := mustOpenAt(t, root, Options{})
	alice.Close()
	alice2 := mustLogin(t, st2, "alice")
	r, err := alice2.Broadcast(ctx, "all hands", json.RawMessage(`{"p":1}`))
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"bob", "carol"}; !reflect.DeepEqual(r.To, want) {
		t.Fatalf("broadcast to %v, want %v", r.To, want)
	}
	got := mustCheck(t, bob)
	if len(got) != 1 || got[0].Kind != KindBroadcast || got[0].From != "alice" {
		t.Fatalf("bob got %+v", got)
	}
}

func TestRename(t *testing.T) {
	clk := newClock()
	st := mustOpen(t, Options{Now: clk.Now})
	hank, ivy, jack := mustLogin(t, st, "hank"), mustLogin(t, st, "ivy"), mustLogin(t, st, "jack")
	mustSend(t, ivy, "hank", "pending before rename")
	mustSend(t, ivy, "hank-v2", "future mail for the new name")
	r, err := hank.Rename(ctx, "hank-v2")
	if err != nil {
		t.Fatal(err)
	}
	if r.Notified != 2 || hank.ID() != "hank-v2" {
		t.Fatalf("rename = %+v, id %s", r, hank.ID())
	}
	sr := mustSend(t, jack, "hank", "to the old name")
	if !sr.Forwarded || sr.To != "hank-v2" {
		t.Fatalf("send to old name = %+v, want forwarded", sr)
	}
	got := contents(mustCheck(t, hank))
	want := []string{"pending before rename", "future mail for the new name", "to the old name"}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("after rename check = %q, want %q", got, want)
	}
	for _, s := range []*Session{ivy, jack} {
		n := mustCheck(t, s)
		if len(n) != 1 || n[0].From != SystemID || n[0].Content != "📝 hank renamed to hank-v2" {
			t.Fatalf("%s notice = %+v", s.ID(), n)
		}
	}
	// Once per hour.
	clk.Add(time.Second)
	_, err = hank.Rename(ctx, "hank-v3")
	wantKind(t, err, RateLimited)
	if !strings.Contains(err.Error(), "can rename again in 59 minutes") {
		t.Fatalf("cooldown message = %q", err)
	}
	_, err = hank.Rename(ctx, "ivy")
	wantKind(t, err, Exists)
	// Chains resolve: hank -> hank-v2 -> hank-v3.
	clk.Add(61 * time.Minute)
	if _, err := hank.Rename(ctx, "hank-v3"); err != nil {
		t.Fatal(err)
	}
	if sr := mustSend(t, jack, "hank", "two hops"); sr.To != "hank-v3" {
		t.Fatalf("chain send = %+v", sr)
	}
	// Forwarding ends after two hours: the old name is a plain address again.
	clk.Add(2 * time.Hour)
	if sr := mustSend(t, jack, "hank", "expired"); sr.To != "hank" || !sr.Queued {
		t.Fatalf("after expiry = %+v", sr)
	}
	// The agent list shows the current name only.
	agents, err := st.Agents(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, a := range agents {
		ids = append(ids, a.ID)
	}
	if want := []string{"hank-v3", "ivy", "jack"}; !reflect.DeepEqual(ids, want) {
		t.Fatalf("agents = %v, want %v", ids, want)
	}
}

func TestRenamePersistsAcrossProcesses(t *testing.T) {
	root := t.TempDir()
	a := mustOpenAt(t, root, Options{})
	hank := mustLogin(t, a, "hank")
	tok, err := hank.IssueToken(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := hank.Rename(ctx, "hank-v2"); err != nil {
		t.Fatal(err)
	}
	a.Close()
	b := mustOpenAt(t, root, Options{})
	ivy := mustLogin(t, b, "ivy")
	if sr := mustSend(t, ivy, "hank", "x"); sr.To != "hank-v2" {
		t.Fatalf("after restart send = %+v, want forwarded to hank-v2", sr)
	}
	s, err := b.Resume(ctx, tok)
	if err != nil || s.ID() != "hank-v2" {
		t.Fatalf("token after rename resumes %v, %v; want hank-v2", s, err)
	}
}

func TestListOnline(t *testing.T) {
	root := t.TempDir()
	a := mustOpenAt(t, root, Options{})
	b := mustOpenAt(t, root, Options{})
	mustLogin(t, a, "alice")
	bob := mustLogin(t, b, "bob")
	bob.Close()
	agents, err := a.Agents(ctx)
	if err != nil {
		t.Fatal(err)
	}
	online := map[string]bool{}
	for _, ag := range agents {
		online[ag.ID] = ag.Online
		if ag.LastSeen.IsZero() {
			t.Errorf("%s has no last-seen time", ag.ID)
		}
	}
	if !online["alice"] || online["bob"] || len(online) != 2 {
		t.Fatalf("online = %v, want alice online, bob offline", online)
	}
	// Seen from the other process too.
	agents, _ = b.Agents(ctx)
	for _, ag := range agents {
		if ag.ID == "alice" && !ag.Online {
			t.Fatal("alice offline as seen from another process")
		}
	}
}

func TestRateLimit(t *testing.T) {
	clk := newClock()
	st := mustOpen(t, Options{Now: clk.Now, Sync: SyncNone})
	alice := mustLogin(t, st, "alice")
	for i := 0; i < 500; i++ {
		mustSend(t, alice, "bob", "burst")
	}
	for i := 500; i < DefaultRateBurst; i++ {
		mustSend(t, alice, "bob", "burst")
	}
	_, err := alice.Send(ctx, "bob", "one too many", nil)
	wantKind(t, err, RateLimited)
	clk.Add(time.Second)
	mustSend(t, alice, "bob", "refilled")

	off := mustOpen(t, Options{RateBurst: -1, Sync: SyncNone})
	x := mustLogin(t, off, "x")
	for i := 0; i < DefaultRateBurst+10; i++ {
		mustSend(t, x, "y", "unlimited")
	}
}

func TestCheckBoundedLosesNothing(t *testing.T) {
	st := mustOpen(t, Options{})
	alice, bob := mustLogin(t, st, "alice"), mustLogin(t, st, "bob")
	for i := 0; i < 10; i++ {
		mustSend(t, alice, "bob", strings.Repeat("x", 100))
	}
	r, err := bob.Check(ctx, CheckOptions{Max: 3})
	if err != nil || len(r.Messages) != 3 || r.Remaining != 7 {
		t.Fatalf("Check(Max 3) = %d messages, %d remaining, %v", len(r.Messages), r.Remaining, err)
	}
	budget := 250
	r, err = bob.Check(ctx, CheckOptions{Accept: func(m *Message) bool {
		budget -= len(m.Content)
		return budget >= 0
	}})
	if err != nil || len(r.Messages) != 2 || r.Remaining != 5 {
		t.Fatalf("Check(Accept) = %d messages, %d remaining, %v", len(r.Messages), r.Remaining, err)
	}
	if rest := mustCheck(t, bob); len(rest) != 5 {
		t.Fatalf("rest = %d, want 5", len(rest))
	}
}

func TestIndexCorruptionRebuilt(t *testing.T) {
	var logs []string
	root := t.TempDir()
	st := mustOpenAt(t, root, Options{Logf: func(f string, a ...any) { logs = append(logs, f) }})
	mustLogin(t, st, "alice")
	bob := mustLogin(t, st, "bob")
	mustLogin(t, st, "hank")
	tok, _ := bob.IssueToken(ctx)
	hank := st.live["hank"]
	if _, err := hank.Rename(ctx, "hank2"); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"agents", "forward", "sessions"} {
		if err := os.WriteFile(filepath.Join(root, "index", name+".json"), []byte("\x00garbage{"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	st2 := mustOpenAt(t, root, Options{Logf: func(f string, a ...any) { logs = append(logs, f) }})
	agents, err := st2.Agents(ctx)
	if err != nil || len(agents) != 3 {
		t.Fatalf("agents after corruption = %+v, %v", agents, err)
	}
	if to, _ := st2.resolve("hank"); to != "hank2" {
		t.Fatalf("forwarding after corruption resolves hank to %s", to)
	}
	_, err = st2.Resume(ctx, tok)
	wantKind(t, err, InvalidToken) // sessions cannot be rebuilt: the client registers again
	if len(logs) == 0 {
		t.Fatal("corruption was not reported")
	}
	aside, _ := filepath.Glob(filepath.Join(root, "index", "*.corrupt-*"))
	if len(aside) != 3 {
		t.Fatalf("quarantined files = %v, want 3", aside)
	}
	// Deleted indices are rebuilt too.
	for _, name := range []string{"agents", "forward"} {
		os.Remove(filepath.Join(root, "index", name+".json"))
	}
	st3 := mustOpenAt(t, root, Options{})
	if agents, err := st3.Agents(ctx); err != nil || len(agents) != 3 {
		t.Fatalf("agents after delete = %+v, %v", agents, err)
	}
}

func TestMailboxRemovedWhileRunning(t *testing.T) {
	st := mustOpen(t, Options{})
	alice, bob := mustLogin(t, st, "alice"), mustLogin(t, st, "bob")
	mustSend(t, alice, "bob", "before")
	if err := os.RemoveAll(filepath.Join(st.Root(), "mail", "bob")); err != nil {
		t.Fatal(err)
	}
	mustSend(t, alice, "bob", "after")
	if got := contents(mustCheck(t, bob)); !reflect.DeepEqual(got, []string{"after"}) {
		t.Fatalf("check = %q", got)
	}
}

func TestGC(t *testing.T) {
	clk := newClock()
	st := mustOpen(t, Options{Now: clk.Now})
	alice, bob := mustLogin(t, st, "alice"), mustLogin(t, st, "bob")
	mustSend(t, alice, "bob", "read long ago")
	mustCheck(t, bob)
	mustSend(t, alice, "bob", "unread, registered")
	mustSend(t, alice, "ghost", "future mail")
	big := mustSend(t, alice, "bob", strings.Repeat("big. ", 3000))
	// A leftover of a dead writer in tmp/.
	dead := filepath.Join(st.Root(), "mail", "bob", "tmp", "1700000000.M1P999999999Q1Rab."+st.host)
	os.WriteFile(dead, []byte("partial"), 0o600)

	s, err := st.GC(ctx)
	if err != nil || s.TmpFiles != 1 || s.ReadExpired+s.Future+s.LargeFiles != 0 {
		t.Fatalf("GC now = %+v, %v", s, err)
	}
	// Age everything by 31 days (mtimes are what retention reads).
	clk.Add(31 * 24 * time.Hour)
	s, err = st.GC(ctx)
	if err != nil || s.ReadExpired != 1 || s.Future != 1 || s.LargeFiles != 0 {
		t.Fatalf("GC after 31 days = %+v, %v", s, err)
	}
	got := contents(mustCheck(t, bob))
	if len(got) != 2 || got[0] != "unread, registered" {
		t.Fatalf("unread mail of a registered agent must survive GC: %q", got)
	}
	if _, err := os.Stat(big.LargeFile); err != nil {
		t.Fatalf("large file of a kept message removed: %v", err)
	}
}
