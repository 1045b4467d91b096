//go:build !windows

package main

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/ipc-dev/ipc/client"
)

// TestOldIPCIDAfterRename: after `ipc rename alice2`, a command run with
// the old IPC_ID=alice used to register alice again and wipe the
// forwarding. Now it fails with forwarded, naming alice2, and mail to
// alice still reaches alice2.
func TestOldIPCIDAfterRename(t *testing.T) {
	home := filepath.Join(t.TempDir(), "home")
	mustIPC(t, home, "alice", "", "rename", "alice2")
	r := ipc(t, home, "alice", "", "send", "bob", "hi")
	if r.code != 1 || !strings.HasPrefix(r.stderr, "ipc: forwarded: ") || !strings.Contains(r.stderr, "alice2") || !strings.Contains(r.stderr, "until") {
		t.Fatalf("send as the old name: exit %d, stderr %q", r.code, r.stderr)
	}
	if fw := forwardFile(t, home); fw["alice"].To != "alice2" {
		t.Fatalf("forward.json after the refused command: %v", fw)
	}
	if out := mustIPC(t, home, "bob", "", "send", "alice", "for alice"); !strings.Contains(out, "forwarded from alice to alice2") {
		t.Fatalf("send to the old name: %q", out)
	}
	if got := checkJSON(t, home, "alice2"); len(got.Messages) != 1 || got.Messages[0].Message.Content != "for alice" {
		t.Fatalf("alice2 check: %+v", got)
	}
}

// TestRenameNotifyFailureExitsZero: a rename that took effect exits 0 even
// when the notice could not reach someone; stderr names who.
func TestRenameNotifyFailureExitsZero(t *testing.T) {
	home := filepath.Join(t.TempDir(), "home")
	mustIPC(t, home, "ivy", "", "check")
	mustIPC(t, home, "jack", "", "check")
	jackNew := filepath.Join(home, "mail", "jack", "new")
	if err := os.RemoveAll(jackNew); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(jackNew, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	r := ipc(t, home, "hank", "", "rename", "hank2")
	if r.code != 0 || !strings.Contains(r.stdout, "Renamed hank to hank2") || !strings.Contains(r.stderr, "ipc: warning: ") || !strings.Contains(r.stderr, "jack") {
		t.Fatalf("rename: exit %d\nstdout %q\nstderr %q", r.code, r.stdout, r.stderr)
	}
}

// TestRenameRaceAcrossDoors renames three agents onto one new name at the
// same moment, one through each door: the CLI (`ipc rename`, a process
// that exits right after), an `ipc mcp` server and the legacy TCP door of
// `ipc serve`. Exactly one wins each trial. 5 trials by default, 200 with
// IPC_LONG=1. The CLI takes longest to get going, so the other two start
// after a random part of the time a CLI rename takes here: each door wins
// some trials.
func TestRenameRaceAcrossDoors(t *testing.T) {
	if testing.Short() {
		t.Skip("starts processes")
	}
	home := filepath.Join(t.TempDir(), "home")
	srv := startServe(t, home, filepath.Join(shortDir(t), "r.sock"), nil, "IPC_RATE_BURST=off")
	mcp := startMCP(t, home, "IPC_CHANNEL=0")
	t0 := time.Now()
	mustIPC(t, home, "probe", "", "rename", "probe2")
	span := time.Since(t0)
	n := rounds(5, 200)
	wins := map[string]int{}
	doubles := 0
	start := time.Now()
	for i := 0; i < n; i++ {
		x := fmt.Sprintf("x%d", i)
		cli, m, lg := fmt.Sprintf("c%d", i), fmt.Sprintf("m%d", i), fmt.Sprintf("l%d", i)
		mcp.ok("register", map[string]any{"instance_id": m})
		rep, err := client.Legacy(bg(), "tcp", srv.rs.TCP, map[string]any{"action": "register", "instance_id": lg})
		if err != nil || rep.SessionToken == "" {
			t.Fatalf("trial %d: legacy register: %+v, %v", i, rep, err)
		}
		tok := rep.SessionToken
		outcome := map[string]string{}
		var mu sync.Mutex
		var wg sync.WaitGroup
		race := func(door string, rename func() string) {
			wg.Add(1)
			delay := time.Duration(0)
			if door != "cli" {
				delay = time.Duration(rand.Int64N(int64(span) + 1))
			}
			go func() {
				defer wg.Done()
				time.Sleep(delay) // a random start, not a wait for something
				o := rename()
				mu.Lock()
				outcome[door] = o
				mu.Unlock()
			}()
		}
		race("cli", func() string {
			cmd := ipcCmd(home, cli, "rename", x)
			out, err := cmd.CombinedOutput()
			if err != nil {
				return "error: " + string(out)
			}
			return "ok"
		})
		race("mcp", func() string {
			text, isErr := mcp.call("rename", map[string]any{"old_id": m, "new_id": x})
			if isErr {
				return "error: " + text
			}
			return "ok"
		})
		race("legacy", func() string {
			rep, err := client.Legacy(bg(), "tcp", srv.rs.TCP, map[string]any{"action": "rename", "old_id": lg, "new_id": x, "session_token": tok})
			if err != nil {
				return "error: " + err.Error()
			}
			if rep.Status != client.StatusOK {
				return "error: " + rep.ErrorCode + ": " + rep.Message
			}
			return "ok"
		})
		wg.Wait()
		var won []string
		for door, o := range outcome {
			if o == "ok" {
				won = append(won, door)
			} else if !strings.Contains(o, "in_use") && !strings.Contains(o, "exists") {
				t.Errorf("trial %d: %s: %s", i, door, o)
			}
		}
		sort.Strings(won)
		if len(won) != 1 {
			doubles += max(len(won)-1, 0)
			t.Errorf("trial %d: winners %v (outcomes %v), want exactly one", i, won, outcome)
			continue
		}
		wins[won[0]]++
		old := map[string]string{"cli": cli, "mcp": m, "legacy": lg}
		fw := forwardFile(t, home)
		for door, name := range old {
			if e, ok := fw[name]; ok != (door == won[0]) || (ok && e.To != x) {
				t.Errorf("trial %d: won by %s, but %s forwards %v", i, won[0], name, fw[name])
			}
		}
	}
	figures(t, "%d trials of 3 renames onto one name (CLI, MCP, legacy TCP) in %v: won by cli %d, mcp %d, legacy %d; %d double successes",
		n, time.Since(start).Round(time.Millisecond), wins["cli"], wins["mcp"], wins["legacy"], doubles)
}

// TestRenameKillLoop kills `ipc rename` with SIGKILL at a random moment,
// then checks that the next command finds the agent renamed completely or
// not at all, with every message it had exactly once in the maildir its
// old name resolves to. 4 rounds by default, 60 with IPC_LONG=1.
func TestRenameKillLoop(t *testing.T) {
	if testing.Short() {
		t.Skip("kills processes")
	}
	home := filepath.Join(t.TempDir(), "home")
	mustIPC(t, home, "sender", "", "check")
	// How long a rename takes here, to aim the kills inside it.
	t0 := time.Now()
	mustIPC(t, home, "probe", "", "rename", "probe2")
	span := time.Since(t0)
	n := rounds(4, 60)
	renamed, kept, midway := 0, 0, 0
	for i := 0; i < n; i++ {
		old, nw := fmt.Sprintf("r%d", i), fmt.Sprintf("n%d", i)
		var mail []string
		for k := 0; k < 3; k++ {
			c := fmt.Sprintf("%s mail %d", old, k)
			mustIPC(t, home, "sender", "", "send", old, c)
			mail = append(mail, c)
		}
		mustIPC(t, home, old, "", "check") // registered, mail read: in cur/
		c := fmt.Sprintf("%s unread", old)
		mustIPC(t, home, "sender", "", "send", old, c)
		mail = append(mail, c)

		cmd := ipcCmd(home, old, "rename", nw)
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		delay := time.Duration(rand.Int64N(int64(span) + 1))
		timer := time.AfterFunc(delay, func() { _ = cmd.Process.Signal(syscall.SIGKILL) })
		_ = cmd.Wait()
		timer.Stop()

		// Any command settles what the killed one left.
		if _, err := os.Stat(filepath.Join(home, "index", "rename.json")); err == nil {
			midway++
		}
		mustIPC(t, home, "", "", "list")
		if _, err := os.Stat(filepath.Join(home, "index", "rename.json")); !os.IsNotExist(err) {
			t.Fatalf("round %d: rename intent left after list: %v", i, err)
		}
		fw := forwardFile(t, home)
		agents := agentsFile(t, home)
		_, isOld := agents[old]
		_, isNew := agents[nw]
		holder := old
		if e, ok := fw[old]; ok {
			holder = e.To
			renamed++
			if e.To != nw || !isNew || isOld {
				t.Errorf("round %d: %s forwards to %s; agents has %s %v, %s %v", i, old, e.To, old, isOld, nw, isNew)
			}
		} else {
			kept++
			if isNew || !isOld {
				t.Errorf("round %d: not renamed, but agents has %s %v, %s %v", i, old, isOld, nw, isNew)
			}
			if _, err := os.Stat(filepath.Join(home, "presence", nw+".json")); err == nil {
				t.Errorf("round %d: not renamed, but %s has a record", i, nw)
			}
		}
		seen := map[string]int{}
		for _, box := range []string{old, nw} {
			for _, m := range readMaildir(t, filepath.Join(home, "mail", box)) {
				if m.from == "system" {
					continue
				}
				seen[m.body]++
				if box != holder {
					t.Errorf("round %d: %q is in the maildir of %s, not %s", i, m.body, box, holder)
				}
			}
		}
		for _, c := range mail {
			if seen[c] != 1 {
				t.Errorf("round %d: %q found %d times", i, c, seen[c])
			}
		}
		// The name acts on: a rename that did not happen can be made now.
		if holder == old {
			mustIPC(t, home, old, "", "rename", nw)
		}
		if got := checkJSON(t, home, nw); len(got.Messages) > 1 {
			t.Errorf("round %d: %d unread after the rename, want at most 1", i, len(got.Messages))
		}
	}
	figures(t, "%d renames killed with SIGKILL at a random moment within %v: %d killed inside the transaction and settled by the next command; %d found renamed completely, %d not at all, 0 half-done, 0 messages lost or doubled",
		n, span.Round(time.Millisecond), midway, renamed, kept)
}

type fwEntry struct {
	To string    `json:"to"`
	At time.Time `json:"at"`
}

func forwardFile(t *testing.T, home string) map[string]fwEntry {
	t.Helper()
	var f struct {
		Data map[string]fwEntry `json:"data"`
	}
	readIndex(t, filepath.Join(home, "index", "forward.json"), &f)
	return f.Data
}

func agentsFile(t *testing.T, home string) map[string]time.Time {
	t.Helper()
	var f struct {
		Data map[string]time.Time `json:"data"`
	}
	readIndex(t, filepath.Join(home, "index", "agents.json"), &f)
	return f.Data
}

func readIndex(t *testing.T, path string, v any) {
	t.Helper()
	b, err := os.ReadFile(path)
	if os.IsNotExist(err) {
		return
	}
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
}
