//go:build !windows

package main

import (
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/ipc-dev/ipc/client"
	"github.com/ipc-dev/ipc/internal/ipctest"
)

// TestFaultsWhileAgentsRun damages the mailbox the way humans and crashes
// do while agents use it through every door (fast-path senders, a
// subscriber, the CLI, an MCP server): index files truncated, filled with
// garbage and deleted, a presence record corrupted, message files deleted
// and moved (into cur/ with ":" flags, and out of the mailbox), and finally
// IPC_HOME removed and recreated. Nothing panics, no door reports an error,
// every acknowledged message that a human did not remove is found exactly
// once. When IPC_HOME is removed and recreated, the server stops (its
// socket clients see their connections end) and the doors that work on the
// files go on in the new mailbox; mail sent after it is found there once.
// 6 rounds of damage by default, 60 with IPC_LONG=1.
func TestFaultsWhileAgentsRun(t *testing.T) {
	if testing.Short() {
		t.Skip("runs agent processes")
	}
	home := filepath.Join(t.TempDir(), "home")
	attic := t.TempDir() // where the "human" moves files to
	sock := filepath.Join(shortDir(t), "f.sock")
	srv := startServe(t, home, sock, nil, "IPC_RATE_BURST=off")

	var (
		gate    sync.RWMutex // held for writing while the vandal pauses the agents
		stop    atomic.Bool
		gone    atomic.Bool // IPC_HOME was removed: the server stops, its clients see it
		acks    atomic.Int64
		mu      sync.Mutex
		ackedTo = map[string]string{} // content -> recipient, for every acknowledged send
		codes   = map[string]int{}    // "door: kind" of every error an agent saw
		pushed  = map[string]int{}    // content -> times pushed to bob
		wg      sync.WaitGroup
	)
	acked := func(content, to string) {
		mu.Lock()
		ackedTo[content] = to
		mu.Unlock()
		acks.Add(1)
	}
	failed := func(door, kind, detail string) {
		if gone.Load() && (door == "fast path" || door == "subscriber") {
			t.Logf("%s, after the removal: %s %s", door, kind, detail)
			return
		}
		mu.Lock()
		codes[door+": "+kind]++
		mu.Unlock()
		t.Logf("%s: %s %s", door, kind, detail)
	}

	// bob subscribes on the fast path: every message to bob is pushed.
	bob, err := client.Dial(bg(), "unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	defer bob.Close()
	if _, _, err := bob.Register(bg(), "bob", ""); err != nil {
		t.Fatal(err)
	}
	if err := bob.Subscribe(bg()); err != nil {
		t.Fatal(err)
	}
	go func() {
		for ev := range bob.Events() {
			if ev.Event != client.EventMail {
				failed("subscriber", ev.ErrorCode, ev.Message)
				continue
			}
			mu.Lock()
			for _, m := range ev.Messages {
				pushed[m.Message.Content]++
			}
			mu.Unlock()
		}
	}()

	// Three fast-path senders, to bob and to carol (whom nobody reads).
	for k := 0; k < 3; k++ {
		network, addr := "unix", sock
		if k == 1 {
			network, addr = "tcp", srv.rs.TCP
		}
		p, err := dialPiper(network, addr, fmt.Sprintf("s%d", k), "")
		if err != nil {
			t.Fatal(err)
		}
		defer p.close()
		wg.Add(1)
		go func(k int, p *piper) {
			defer wg.Done()
			for i := 0; !stop.Load(); i++ {
				to := []string{"bob", "carol"}[i%2]
				content := fmt.Sprintf("s%d %d", k, i)
				gate.RLock() // held until the send is accounted for: the vandal's pause sees it whole
				rep, err := p.roundTrip(map[string]any{"action": "send", "to_id": to, "message": map[string]any{"content": content}})
				if err == nil {
					acked(content, to)
				}
				gate.RUnlock()
				switch {
				case err == nil:
				case rep.ErrorCode != "":
					failed("fast path", rep.ErrorCode, rep.Message)
				default:
					failed("fast path", "connection", err.Error())
					return
				}
			}
		}(k, p)
	}
	// The CLI and an MCP server send to bob too.
	wg.Add(1)
	go func() {
		defer wg.Done()
		for i := 0; !stop.Load(); i++ {
			content := fmt.Sprintf("cli %d", i)
			gate.RLock()
			r := ipc(t, home, "dave", "", "send", "bob", content)
			if r.code == 0 {
				acked(content, "bob")
			}
			gate.RUnlock()
			if r.code != 0 {
				failed("cli", "exit", r.stderr)
			}
		}
	}()
	erin := startMCP(t, home, "IPC_ID=erin", "IPC_CHANNEL=0", "IPC_RATE_BURST=off")
	wg.Add(1)
	go func() {
		defer wg.Done()
		for i := 0; !stop.Load(); i++ {
			content := fmt.Sprintf("mcp %d", i)
			gate.RLock()
			text, isErr := erin.call("send", map[string]any{"from_id": "erin", "to_id": "bob", "content": content})
			if !isErr {
				acked(content, "bob")
			}
			gate.RUnlock()
			if isErr {
				failed("mcp", "error", text)
			}
		}
	}()

	// progress waits until the agents have had n more sends acknowledged.
	progress := func(n int64, what string) {
		t.Helper()
		target := acks.Load() + n
		ipctest.WaitFor(t, what, func() bool { return acks.Load() >= target || t.Failed() })
	}
	carolDir := filepath.Join(home, "mail", "carol")
	removed := map[string]bool{} // contents a human deleted or moved out of the mailbox
	pickCarol := func() (string, string, bool) {
		names, _ := os.ReadDir(filepath.Join(carolDir, "new"))
		if len(names) == 0 {
			return "", "", false
		}
		name := names[rand.IntN(len(names))].Name()
		b, err := os.ReadFile(filepath.Join(carolDir, "new", name))
		if err != nil {
			return "", "", false
		}
		body := string(b[strings.Index(string(b), "\n\n")+2:])
		return name, strings.TrimSuffix(body, "\n"), true
	}
	damage := []struct {
		what string
		do   func() error
	}{
		{"truncate agents.json", func() error { return os.Truncate(filepath.Join(home, "index", "agents.json"), 0) }},
		{"garbage in forward.json", func() error {
			return os.WriteFile(filepath.Join(home, "index", "forward.json"), []byte("\x00\xffnot json{{"), 0o600)
		}},
		{"delete sessions.json", func() error { return os.Remove(filepath.Join(home, "index", "sessions.json")) }},
		{"delete agents.json", func() error { return os.Remove(filepath.Join(home, "index", "agents.json")) }},
		{"garbage in presence/bob.json", func() error {
			return os.WriteFile(filepath.Join(home, "presence", "bob.json"), []byte("{\"id\": 42"), 0o600)
		}},
		{"delete a message of carol", func() error {
			name, body, ok := pickCarol()
			if !ok {
				return nil
			}
			removed[body] = true
			return os.Remove(filepath.Join(carolDir, "new", name))
		}},
		{"mark a message of carol read by hand, with ':'", func() error {
			name, _, ok := pickCarol()
			if !ok {
				return nil
			}
			return os.Rename(filepath.Join(carolDir, "new", name), filepath.Join(carolDir, "cur", name+":2,S"))
		}},
		{"move a message of carol out of the mailbox", func() error {
			name, body, ok := pickCarol()
			if !ok {
				return nil
			}
			removed[body] = true
			return os.Rename(filepath.Join(carolDir, "new", name), filepath.Join(attic, name))
		}},
	}
	progress(30, "the agents to start")
	n := rounds(6, 60)
	faults := 0
	for round := 0; round < n; round++ {
		for _, d := range damage {
			if err := d.do(); err != nil && !os.IsNotExist(err) {
				t.Fatalf("%s: %v", d.what, err)
			}
			faults++
			progress(5, "the agents to go on after: "+d.what)
		}
	}

	// Pause, let bob's subscription catch up, and account for everything
	// acknowledged so far.
	gate.Lock()
	bobCaughtUp := func() bool {
		mu.Lock()
		defer mu.Unlock()
		for c, to := range ackedTo {
			if to == "bob" && pushed[c] == 0 {
				return false
			}
		}
		return true
	}
	ipctest.WaitFor(t, "bob's pushes to catch up", bobCaughtUp)
	onDisk := map[string]int{}
	for _, m := range readMaildir(t, carolDir) {
		onDisk[m.body]++
	}
	verified := 0
	beforeRemoval := map[string]bool{}
	mu.Lock()
	for c, to := range ackedTo {
		beforeRemoval[c] = true
		switch {
		case to == "bob" && pushed[c] != 1:
			t.Errorf("%q was pushed to bob %d times", c, pushed[c])
		case to == "carol" && removed[c] && onDisk[c] != 0:
			t.Errorf("%q was removed by hand but is still in carol's mailbox", c)
		case to == "carol" && !removed[c] && onDisk[c] != 1:
			t.Errorf("%q is in carol's mailbox %d times", c, onDisk[c])
		default:
			verified++
		}
	}
	mu.Unlock()

	// IPC_HOME removed and recreated under the running agents.
	gone.Store(true)
	ipctest.RemoveTree(t, home)
	if err := os.Mkdir(home, 0o700); err != nil {
		t.Fatal(err)
	}
	faults++
	gate.Unlock()
	progress(100, "the agents to go on after IPC_HOME was removed and recreated")
	stop.Store(true)
	wg.Wait()

	// The server stopped; everything acknowledged after the removal is in
	// the new mailbox exactly once (or was pushed to bob before the server
	// stopped).
	srv.waitExit("IPC_HOME was removed and recreated")
	if log := srv.stderr.String(); !strings.Contains(log, "was removed: stopped") && !strings.Contains(log, "replaced by another directory: stopped") {
		t.Errorf("the server did not say why it stopped:\n%s", log)
	}
	onDisk = map[string]int{}
	for _, m := range readMaildir(t, carolDir) {
		onDisk[m.body]++
	}
	for _, m := range readMaildir(t, filepath.Join(home, "mail", "bob")) {
		onDisk[m.body]++
	}
	mu.Lock()
	total, after := len(ackedTo), 0
	for c := range ackedTo {
		if beforeRemoval[c] {
			continue
		}
		after++
		if onDisk[c] != 1 && !(onDisk[c] == 0 && pushed[c] == 1) {
			t.Errorf("%q (sent after the removal) is in the new mailbox %d times, pushed %d times", c, onDisk[c], pushed[c])
		}
	}
	for c, k := range pushed {
		if k != 1 {
			t.Errorf("%q was pushed to bob %d times", c, k)
		}
	}
	if len(codes) > 0 {
		t.Errorf("errors seen by the agents: %v", codes)
	}
	mu.Unlock()
	srv.checkLog()
	if out := srv.stderr.String(); !strings.Contains(out, "moved aside") {
		t.Errorf("the damaged indices were not reported:\n%s", out)
	}
	figures(t, "%d faults injected (index files truncated, garbage, deleted; presence record corrupted; messages deleted, moved, marked read with ':'; IPC_HOME removed and recreated, which stopped the server) while 6 agents sent %d messages through fast path, CLI and MCP; %d verified before the removal, %d after; 0 errors, 0 lost, 0 duplicated",
		faults, total, verified, after)
}
