package maildir

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/ipc-dev/ipc/internal/durable"
	"github.com/ipc-dev/ipc/internal/ipctest"
)

// The helper roles of the rename tests. Each prints one line per event on
// stdout; "ready" means it is about to wait for a line on stdin, "go".
var moreHelpers = map[string]func(a []string) error{
	// root,old,new: act as old, then on "go" rename to new and exit, as
	// `ipc rename` does.
	"rename-race": func(a []string) error {
		return withHelperStore(a[0], 0, func(st *Store, out func(string)) error {
			s, err := st.Login(ctx, a[1], "")
			if err != nil {
				return err
			}
			out("ready")
			awaitLine()
			_, err = s.Rename(ctx, a[2])
			out(outcome(err))
			return nil
		})
	},
	// root,id: on "go" register id, and keep it until stdin closes.
	"login-race": func(a []string) error {
		return withHelperStore(a[0], 0, func(st *Store, out func(string)) error {
			out("ready")
			awaitLine()
			_, err := st.Login(ctx, a[1], "")
			out(outcome(err))
			awaitLine()
			return nil
		})
	},
	// root,id,heartbeat: act as id until stdin closes.
	"hold": func(a []string) error {
		hb, err := time.ParseDuration(a[2])
		if err != nil {
			return err
		}
		return withHelperStore(a[0], hb, func(st *Store, out func(string)) error {
			if _, err := st.Login(ctx, a[1], ""); err != nil {
				return err
			}
			out("ready")
			awaitLine()
			return nil
		})
	},
	// root,id: register id once and say how it went.
	"login": func(a []string) error {
		return withHelperStore(a[0], 0, func(st *Store, out func(string)) error {
			_, err := st.Login(ctx, a[1], "")
			out(outcome(err))
			return nil
		})
	},
	// root,old,new,step: rename old to new and die (exit 3, no cleanup, as
	// a SIGKILL would leave it) just before the step runs.
	"rename-crash": func(a []string) error {
		return withHelperStore(a[0], 0, func(st *Store, out func(string)) error {
			s, err := st.Login(ctx, a[1], "")
			if err != nil {
				return err
			}
			st.faultHook = func(step string) error {
				if step == "rename:"+a[3] {
					os.Exit(3)
				}
				return nil
			}
			_, err = s.Rename(ctx, a[2])
			out(outcome(err))
			return nil
		})
	},
}

func withHelperStore(root string, heartbeat time.Duration, fn func(*Store, func(string)) error) error {
	opts := helperOptions()
	opts.Heartbeat = heartbeat
	st, err := Open(root, opts)
	if err != nil {
		return err
	}
	defer st.Close()
	return fn(st, func(line string) { fmt.Println(line) })
}

var stdinLines = bufio.NewReader(os.Stdin)

// awaitLine waits for a line on stdin, or its end.
func awaitLine() { _, _ = stdinLines.ReadString('\n') }

func outcome(err error) string {
	if err != nil {
		return "err " + string(KindOf(err)) + " " + err.Error()
	}
	return "ok"
}

// helperProc is a running helper role driven through stdin and stdout.
type helperProc struct {
	cmd   *exec.Cmd
	in    io.WriteCloser
	lines *bufio.Scanner
}

func startHelper(t *testing.T, role string, args ...string) *helperProc {
	t.Helper()
	cmd := helperCmd(t, pollTests(), role, args...)
	in, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	p := &helperProc{cmd: cmd, in: in, lines: bufio.NewScanner(stdout)}
	t.Cleanup(func() { p.stop() })
	return p
}

// line returns the next line the helper prints ("" once it has exited).
func (p *helperProc) line() string {
	if p.lines.Scan() {
		return p.lines.Text()
	}
	return ""
}

func (p *helperProc) say() { _, _ = io.WriteString(p.in, "go\n") }

// stop closes stdin and waits for the helper to exit.
func (p *helperProc) stop() error {
	_ = p.in.Close()
	for p.lines.Scan() {
	}
	return p.cmd.Wait()
}

func pollTests() bool { return testOptions(Options{}).Poll }

func trials(short, long int) int {
	if os.Getenv("IPC_LONG") == "1" {
		return long
	}
	return short
}

// TestRenameRaceOneWinner starts two processes renaming onto one name,
// each exiting as soon as it has renamed (as `ipc rename` does), and a
// third registering the name and keeping it, all at once. At most one
// rename wins (before, both often did: each checked the agents index before
// taking the name's lock and never again, and the first had exited by the
// time the second took the lock), and the forwarding shows that winner
// alone. 2 trials by default, 50 with IPC_LONG=1 (the loop across the doors,
// in cmd/ipc, runs 200).
func TestRenameRaceOneWinner(t *testing.T) {
	if testing.Short() {
		t.Skip("multi-process test")
	}
	root := t.TempDir()
	mustOpenAt(t, root, Options{}).Close()
	n := trials(2, 50)
	var renames, logins, doubles int
	for i := 0; i < n; i++ {
		a, b, x := fmt.Sprintf("a%d", i), fmt.Sprintf("b%d", i), fmt.Sprintf("x%d", i)
		procs := map[string]*helperProc{
			a:       startHelper(t, "rename-race", root, a, x),
			b:       startHelper(t, "rename-race", root, b, x),
			"login": startHelper(t, "login-race", root, x),
		}
		for who, p := range procs {
			if l := p.line(); l != "ready" {
				t.Fatalf("trial %d: %s: %q", i, who, l)
			}
		}
		for _, p := range procs {
			p.say()
		}
		var won []string
		for who, p := range procs {
			l := p.line()
			switch {
			case l == "ok" && who != "login":
				won = append(won, who)
			case l == "ok":
				logins++
			case !strings.HasPrefix(l, "err in_use ") && !strings.HasPrefix(l, "err exists "):
				t.Errorf("trial %d: %s: %q", i, who, l)
			}
		}
		for _, p := range procs {
			if err := p.stop(); err != nil {
				t.Fatalf("trial %d: helper: %v", i, err)
			}
		}
		if len(won) > 1 {
			doubles++
			t.Errorf("trial %d: both renames onto %s succeeded", i, x)
		}
		renames += len(won)
		st := mustOpenAt(t, root, Options{})
		fw, err := st.forward.load()
		if err != nil {
			t.Fatal(err)
		}
		var to []string
		for _, old := range []string{a, b} {
			if e, ok := fw[old]; ok {
				to = append(to, old)
				if e.To != x {
					t.Errorf("trial %d: %s forwards to %s", i, old, e.To)
				}
			}
		}
		sort.Strings(won)
		if strings.Join(to, ",") != strings.Join(won, ",") {
			t.Errorf("trial %d: rename winners %v, forwarding from %v", i, won, to)
		}
		st.Close()
	}
	t.Logf("figures: %s: %d trials of 2 renames and 1 registration onto one name in 3 processes: %d won by a rename, %d registrations, %d double renames",
		t.Name(), n, renames, logins, doubles)
}

// renameFixture is a mailbox where hank has mail (unread and read) and zed
// forwards to hank; ivy is registered and online.
type renameFixture struct {
	root string
	mail []string
}

func newRenameFixture(t *testing.T) renameFixture {
	t.Helper()
	clk := newClock()
	clk.Add(-90 * time.Minute) // zed's rename: past its cooldown, still forwarding
	root := t.TempDir()
	st := mustOpenAt(t, root, Options{Now: clk.Now})
	zed, ivy := mustLogin(t, st, "zed"), mustLogin(t, st, "ivy")
	if err := zed.SetDoing(ctx, fixtureDoing); err != nil {
		t.Fatal(err)
	}
	if _, err := zed.Rename(ctx, "hank"); err != nil {
		t.Fatal(err)
	}
	clk.Add(61 * time.Minute)
	f := renameFixture{root: root}
	for i := 0; i < 4; i++ {
		c := fmt.Sprintf("m%d", i)
		mustSend(t, ivy, "hank", c)
		f.mail = append(f.mail, c)
	}
	if got := mustCheck(t, zed); len(got) != 4 { // zed is hank now: all four read
		t.Fatalf("check: %d", len(got))
	}
	mustSend(t, ivy, "zed", "m4 via zed")
	f.mail = append(f.mail, "m4 via zed")
	st.Close()
	return f
}

// fixtureDoing is what the agent of the rename fixture says it is doing,
// set as zed before its rename to hank.
const fixtureDoing = "reviewing the auth change"

// wantRenameState checks that the mailbox shows hank either renamed to
// hank2 completely (renamed) or not at all: records, indices, forwarding,
// what the agent says it is doing and mail agree, every message is in the
// maildir of the agent exactly once, and no rename is left under way.
func wantRenameState(t *testing.T, st *Store, renamed bool, mail []string) {
	t.Helper()
	holder, gone := "hank", "hank2"
	if renamed {
		holder, gone = "hank2", "hank"
	}
	if _, err := os.Stat(st.intentPath()); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("rename intent left: %v", err)
	}
	agents, err := st.agents.load()
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := agents[holder]; !ok {
		t.Errorf("agents %v lacks %s", agents, holder)
	}
	if _, ok := agents[gone]; ok {
		t.Errorf("agents %v lists %s", agents, gone)
	}
	for _, id := range []string{"zed", "hank", "hank2"} {
		want := map[bool]string{true: fixtureDoing}[id == holder]
		if doing, _ := st.readDoing(id); doing != want {
			t.Errorf("%s says it is doing %q, want %q", id, doing, want)
		}
	}
	rec, _, ok, _ := st.readRecord(holder)
	if !ok || rec.RenamedTo != "" {
		t.Errorf("record of %s = %+v, %v", holder, rec, ok)
	}
	rec, _, ok, _ = st.readRecord("hank2")
	if !renamed && ok {
		t.Errorf("hank2 has a record %+v after a rename that did not take effect", rec)
	}
	if rec, _, _, _ := st.readRecord("hank"); renamed && rec.RenamedTo != "hank2" {
		t.Errorf("record of hank = %+v, want forwarding to hank2", rec)
	}
	for _, old := range []string{"zed", "hank"} {
		if old == holder {
			continue
		}
		if to, _ := st.resolve(old); to != holder {
			t.Errorf("%s resolves to %s, want %s", old, to, holder)
		}
		if rec, _, _, _ := st.readRecord(old); rec.RenamedTo != holder {
			t.Errorf("record of %s forwards to %q, want %s (chains end at the final target)", old, rec.RenamedTo, holder)
		}
	}
	// Every message exactly once, in the holder's maildir.
	st.sweepAliases(holder)
	seen := map[string]int{}
	for _, box := range []string{"hank", "hank2", "zed"} {
		for _, sub := range []string{dirNew, dirCur} {
			names, _ := listDir(st.boxPath(box, sub))
			for _, n := range names {
				m, err := st.readMessage(st.boxPath(box, sub, n))
				if err != nil {
					t.Errorf("%s/%s/%s: %v", box, sub, n, err)
					continue
				}
				if m.From == SystemID {
					continue
				}
				if box != holder {
					t.Errorf("%q is in the maildir of %s, not %s", m.Content, box, holder)
				}
				seen[m.Content]++
			}
		}
	}
	for _, c := range mail {
		if seen[c] != 1 {
			t.Errorf("%q found %d times", c, seen[c])
		}
	}
	if len(seen) != len(mail) {
		t.Errorf("messages on disk %v, want %v", seen, mail)
	}
}

// TestRenameFaultAtEveryStep makes each step of a rename fail in turn. A
// failure before the forwarding entry leaves hank as it was, and the rename
// can be tried again; one after it still completes the rename.
func TestRenameFaultAtEveryStep(t *testing.T) {
	injected := errors.New("injected fault")
	for i, step := range renameSteps() {
		t.Run(step.name, func(t *testing.T) {
			f := newRenameFixture(t)
			st := mustOpenAt(t, f.root, Options{})
			hank := mustLogin(t, st, "hank")
			st.faultHook = func(s string) error {
				if s == "rename:"+step.name {
					return injected
				}
				return nil
			}
			res, err := hank.Rename(ctx, "hank2")
			committed := i > len(stepsBeforeCommit)
			if committed {
				if err != nil || res.New != "hank2" || hank.ID() != "hank2" {
					t.Fatalf("fault after the commit: %+v, %v, id %s; want the rename done", res, err, hank.ID())
				}
			} else {
				if !errors.Is(err, injected) || hank.ID() != "hank" {
					t.Fatalf("fault before the commit: %+v, %v, id %s; want the injected error", res, err, hank.ID())
				}
				if durable.HeldElsewhere(st.presenceLockPath("hank2")) {
					t.Fatal("hank2 still locked after a failed rename")
				}
			}
			wantRenameState(t, st, committed, f.mail)
			if !committed {
				st.faultHook = nil
				if _, err := hank.Rename(ctx, "hank2"); err != nil {
					t.Fatalf("rename after the fault: %v", err)
				}
				wantRenameState(t, st, true, f.mail)
			}
		})
	}
}

// TestRenameCrashAtEveryStep kills the renaming process just before each
// step in turn; the next process to open the mailbox finds hank renamed
// completely (a crash after the forwarding entry) or not at all, with no
// mail lost or doubled.
func TestRenameCrashAtEveryStep(t *testing.T) {
	if testing.Short() {
		t.Skip("multi-process test")
	}
	for i, step := range renameSteps() {
		t.Run(step.name, func(t *testing.T) {
			f := newRenameFixture(t)
			p := startHelper(t, "rename-crash", f.root, "hank", "hank2", step.name)
			if l := p.line(); l != "" {
				t.Fatalf("helper printed %q; want it to die at %s", l, step.name)
			}
			var ee *exec.ExitError
			if err := p.stop(); !errors.As(err, &ee) || ee.ExitCode() != 3 {
				t.Fatalf("helper: %v", err)
			}
			var logs []string
			st := mustOpenAt(t, f.root, Options{Logf: func(format string, args ...any) {
				logs = append(logs, fmt.Sprintf(format, args...))
			}})
			committed := i > len(stepsBeforeCommit)
			wantRenameState(t, st, committed, f.mail)
			if i > 0 && len(logs) == 0 {
				t.Error("settling the rename logged nothing")
			}
			// The mailbox works on: the agent acts as its name.
			name := map[bool]string{true: "hank2", false: "hank"}[committed]
			s := mustLogin(t, st, name)
			if committed {
				_, err := st.Login(ctx, "hank", "")
				wantKind(t, err, Forwarded)
			} else if _, err := s.Rename(ctx, "hank2"); err != nil {
				t.Fatalf("rename after the crash: %v", err)
			}
		})
	}
}

// TestForwardChainsEndAtTheFinalTarget: alice renames to bob, bob later to
// carol. Before, alice forwarded to bob and bob to carol, so a new agent
// registering bob received alice's mail. Now alice forwards to carol
// directly (index and records), bob cannot be taken while it forwards,
// and a chain left by an older version never reaches bob's new owner.
func TestForwardChainsEndAtTheFinalTarget(t *testing.T) {
	clk := newClock()
	root := t.TempDir()
	st := mustOpenAt(t, root, Options{Now: clk.Now})
	alice, ivy := mustLogin(t, st, "alice"), mustLogin(t, st, "ivy")
	if _, err := alice.Rename(ctx, "bob"); err != nil {
		t.Fatal(err)
	}
	clk.Add(61 * time.Minute)
	if _, err := alice.Rename(ctx, "carol"); err != nil {
		t.Fatal(err)
	}
	fw, _ := st.forward.load()
	if fw["alice"].To != "carol" || fw["bob"].To != "carol" {
		t.Fatalf("forwarding %v, want alice and bob -> carol", fw)
	}
	if rec, _, _, _ := st.readRecord("alice"); rec.RenamedTo != "carol" {
		t.Fatalf("record of alice forwards to %q", rec.RenamedTo)
	}
	_, err := st.Login(ctx, "bob", "")
	wantKind(t, err, Forwarded)
	if sr := mustSend(t, ivy, "alice", "for alice"); sr.To != "carol" {
		t.Fatalf("mail to alice went to %s", sr.To)
	}
	// The records are the truth: a rebuilt forward index is the same.
	if err := os.Remove(filepath.Join(root, indexDir, "forward.json")); err != nil {
		t.Fatal(err)
	}
	if to, _ := st.resolve("alice"); to != "carol" {
		t.Fatalf("after rebuild alice resolves to %s", to)
	}

	// A chain an older version left: dan -> eve (fresh) -> fay, where
	// eve's forwarding has ended and dan's has not.
	now := clk.Now()
	for _, r := range []agentRecord{
		{ID: "dan", Registered: now, RenamedTo: "eve", RenamedAt: now.Add(-30 * time.Minute)},
		{ID: "eve", Registered: now, RenamedTo: "fay", RenamedAt: now.Add(-3 * time.Hour)},
		{ID: "fay", Registered: now},
	} {
		if err := st.writeRecord(r); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Remove(filepath.Join(root, indexDir, "forward.json")); err != nil {
		t.Fatal(err)
	}
	if to, _ := st.resolve("dan"); to != "eve" {
		t.Fatalf("legacy chain: dan resolves to %s", to)
	}
	mustLogin(t, st, "eve") // a new owner for the freed name
	if to, _ := st.resolve("dan"); to != "fay" {
		t.Fatalf("after eve was taken, dan resolves to %s, want fay", to)
	}
	if rec, _, _, _ := st.readRecord("dan"); rec.RenamedTo != "fay" {
		t.Fatalf("record of dan forwards to %q, want fay", rec.RenamedTo)
	}
}

// TestOldNameCannotUndoARename: after alice renames to alice2 and exits,
// a process registering alice again used to take the name and wipe the
// forwarding. Now it gets Forwarded, naming alice2 and when forwarding
// ends; mail to alice still reaches alice2, and alice2 alone may take
// alice back.
func TestOldNameCannotUndoARename(t *testing.T) {
	clk := newClock()
	root := t.TempDir()
	a := mustOpenAt(t, root, Options{Now: clk.Now})
	alice := mustLogin(t, a, "alice")
	if _, err := alice.Rename(ctx, "alice2"); err != nil {
		t.Fatal(err)
	}
	a.Close()
	b := mustOpenAt(t, root, Options{Now: clk.Now})
	_, err := b.Login(ctx, "alice", "")
	wantKind(t, err, Forwarded)
	until := clk.Now().Add(ForwardFor).UTC().Format(time.RFC3339)
	if msg := err.Error(); !strings.Contains(msg, "alice2") || !strings.Contains(msg, until) {
		t.Fatalf("error %q does not name alice2 and %s", msg, until)
	}
	ivy := mustLogin(t, b, "ivy")
	if sr := mustSend(t, ivy, "alice", "still forwarded"); sr.To != "alice2" {
		t.Fatalf("mail to alice went to %s", sr.To)
	}
	// Renaming onto it is refused as well, for everyone but alice2.
	clk.Add(61 * time.Minute)
	_, err = ivy.Rename(ctx, "alice")
	wantKind(t, err, Forwarded)
	alice2 := mustLogin(t, b, "alice2")
	if _, err := alice2.Rename(ctx, "alice"); err != nil {
		t.Fatalf("alice2 taking alice back: %v", err)
	}
	if got := contents(mustCheck(t, alice2)); len(got) != 1 || got[0] != "still forwarded" {
		t.Fatalf("alice's mail after taking the name back: %q", got)
	}
	if sr := mustSend(t, ivy, "alice2", "to the short-lived name"); sr.To != "alice" {
		t.Fatalf("mail to alice2 went to %s", sr.To)
	}
	// Once forwarding has ended, the name is free.
	clk.Add(ForwardFor)
	if _, err := alice2.Rename(ctx, "alice3"); err != nil {
		t.Fatal(err)
	}
	clk.Add(ForwardFor)
	mustLogin(t, b, "alice2")
}

// TestRenameNoticeFailureIsNotAFailure: when the notice cannot reach an
// agent, the rename still reports success, naming who was not told.
func TestRenameNoticeFailureIsNotAFailure(t *testing.T) {
	st := mustOpen(t, Options{})
	hank := mustLogin(t, st, "hank")
	mustLogin(t, st, "ivy")
	mustLogin(t, st, "jack")
	// jack's maildir cannot be written, by root either: new/ is a file.
	jackNew := st.boxPath("jack", dirNew)
	if err := os.RemoveAll(jackNew); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(jackNew, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	res, err := hank.Rename(ctx, "hank2")
	if err != nil {
		t.Fatalf("rename with one unreachable agent: %v", err)
	}
	if res.Notified != 1 || !equalStrings(res.Unnotified, []string{"jack"}) || res.NoticeErr == nil {
		t.Fatalf("result %+v, want ivy told and jack not", res)
	}
	if w := res.Warning(); !strings.Contains(w, "jack") || !strings.Contains(w, "took effect") {
		t.Fatalf("warning %q", w)
	}
	if to, _ := st.resolve("hank"); to != "hank2" {
		t.Fatalf("hank resolves to %s", to)
	}
}

func equalStrings(a, b []string) bool {
	a, b = append([]string{}, a...), append([]string{}, b...)
	sort.Strings(a)
	sort.Strings(b)
	return strings.Join(a, ",") == strings.Join(b, ",")
}

// TestDeletedLockFileKeepsLiveIdentity deletes presence/alice.lock under a
// live holder in another process. Before, a second process then acted as
// alice; now the holder's record (pid alive on this host, fresh
// heartbeat) refuses it, and the holder's heartbeat locks the lock file
// again.
func TestDeletedLockFileKeepsLiveIdentity(t *testing.T) {
	if testing.Short() {
		t.Skip("multi-process test")
	}
	if runtime.GOOS == "windows" {
		t.Skip("Windows does not delete a file that is open")
	}
	root := t.TempDir()
	mustOpenAt(t, root, Options{}).Close()
	holder := startHelper(t, "hold", root, "alice", "20ms")
	if l := holder.line(); l != "ready" {
		t.Fatalf("holder: %q", l)
	}
	lock := filepath.Join(root, presenceDir, "alice.lock")
	for round := 0; round < 2; round++ {
		if err := os.Remove(lock); err != nil && !errors.Is(err, os.ErrNotExist) {
			t.Fatal(err)
		}
		second := startHelper(t, "login", root, "alice")
		l := second.line()
		second.stop()
		if !strings.HasPrefix(l, "err in_use ") {
			t.Fatalf("round %d: a second process registering alice: %q; want in_use", round, l)
		}
		// The holder's heartbeat takes the lock again: wait until the file
		// at the path is locked by somebody.
		for !durable.HeldElsewhere(lock) {
			time.Sleep(5 * time.Millisecond)
		}
	}
	if err := holder.stop(); err != nil {
		t.Fatal(err)
	}
	// The holder gone, the name is free again.
	p := startHelper(t, "login", root, "alice")
	if l := p.line(); l != "ok" {
		t.Fatalf("after the holder exited: %q", l)
	}
}

// TestRenameByReplacedSession: a registration of alice that replaces the
// session while the session's rename waits for the identity lock wins,
// whichever of the two gets the lock first; the rename is refused and
// leaves nothing behind: no forwarding, and no ghost holder of bob.
func TestRenameByReplacedSession(t *testing.T) {
	root := t.TempDir()
	st := mustOpenAt(t, root, Options{})
	s := mustLogin(t, st, "alice")
	unlock, err := st.identity.Lock()
	if err != nil {
		t.Fatal(err)
	}
	renamed := make(chan error, 1)
	go func() {
		_, err := s.Rename(context.Background(), "bob")
		renamed <- err
	}()
	// The rename holds bob's presence lock while it waits for the identity lock.
	ipctest.WaitFor(t, "the rename to hold bob's presence", func() bool {
		h, ok, err := durable.TryHold(st.presenceLockPath("bob"), 0)
		if ok {
			h.Release()
		}
		return err == nil && !ok
	})
	type login struct {
		s   *Session
		err error
	}
	logged := make(chan login, 1)
	go func() {
		n, err := st.Login(context.Background(), "alice", "")
		logged <- login{n, err}
	}()
	ipctest.WaitFor(t, "the registration to replace the session", func() bool {
		return KindOf(s.begin("probe")) == SessionClosed
	})
	unlock()
	if err := <-renamed; KindOf(err) != SessionClosed {
		t.Fatalf("rename by the replaced session = %v, want %s", err, SessionClosed)
	}
	l := <-logged
	if l.err != nil || l.s.ID() != "alice" {
		t.Fatalf("registration = %v, %v", l.s, l.err)
	}
	fwd, err := st.forward.load()
	if err != nil || len(fwd) != 0 {
		t.Fatalf("forwarding = %v, %v", fwd, err)
	}
	other := mustOpenAt(t, root, Options{})
	if _, err := other.Login(context.Background(), "bob", ""); err != nil {
		t.Fatalf("bob after the refused rename: %v", err)
	}
	if _, err := l.s.Send(context.Background(), "bob", "hi", nil); err != nil {
		t.Fatal(err)
	}
}
