//go:build !windows

package main

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ipc-dev/ipc/internal/ipctest"
	"github.com/ipc-dev/ipc/maildir"
)

// TestReaderKilledBetweenClaimAndReply kills a reader (SIGKILL) after it
// has claimed some of the waiting mail (moved it from new/ to cur/) but
// before its reply reached the client, for each kind of reader: the CLI's
// `ipc check`, `ipc serve` answering a fast-path check, and `ipc mcp`
// answering the check tool. Every message is still there exactly once:
// the claimed ones readable by id and in history, the rest unread for the
// next check; the delivery records agree with the files
// (checkClaimRecords). 2 rounds per reader by default, 20 with IPC_LONG=1.
func TestReaderKilledBetweenClaimAndReply(t *testing.T) {
	if testing.Short() {
		t.Skip("kills reader processes")
	}
	const mail = 2000
	type reader struct {
		name   string
		claims int // the most one check claims
		// start starts the reader on home and returns a function that
		// kills it and reports whether it had replied.
		start func(t *testing.T, home string) (kill func() (replied bool))
	}
	readers := []reader{
		{"cli", mail, func(t *testing.T, home string) func() bool {
			cmd := ipcCmd(home, "bob", "check", "--json")
			out := &ipctest.Buffer{}
			cmd.Stdout, cmd.Stderr = out, out
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			return func() bool {
				cmd.Process.Kill()
				cmd.Wait()
				return strings.Contains(out.String(), `"status"`)
			}
		}},
		{"serve", 1000, func(t *testing.T, home string) func() bool {
			srv := startServe(t, home, filepath.Join(shortDir(t), "c.sock"), nil)
			p, err := dialPiper("unix", srv.rs.Socket, "bob", "")
			if err != nil {
				t.Fatal(err)
			}
			b, _ := json.Marshal(map[string]any{"id": 1, "action": "check", "max": 1000})
			if _, err := p.nc.Write(append(b, '\n')); err != nil {
				t.Fatal(err)
			}
			return func() bool {
				srv.kill()
				line, err := p.r.ReadBytes('\n')
				p.close()
				return err == nil && strings.Contains(string(line), `"status"`)
			}
		}},
		{"mcp", 20, func(t *testing.T, home string) func() bool {
			cmd := exec.Command(ipcBin, "mcp")
			cmd.Env = append(ipcCmd(home, "bob").Env, "IPC_CHANNEL=0")
			stdin, err := cmd.StdinPipe()
			if err != nil {
				t.Fatal(err)
			}
			out := &ipctest.Buffer{}
			cmd.Stdout = out
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			// stdin stays open: ipc mcp would stop at its end.
			stdin.Write([]byte(strings.Join([]string{
				`{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2024-11-05","capabilities":{},"clientInfo":{"name":"t","version":"1"}}}`,
				`{"jsonrpc":"2.0","method":"notifications/initialized"}`,
				`{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"check","arguments":{"instance_id":"bob"}}}`,
			}, "\n") + "\n"))
			return func() bool {
				cmd.Process.Kill()
				stdin.Close()
				cmd.Wait()
				return strings.Contains(out.String(), `"id":2`)
			}
		}},
	}
	n := rounds(2, 20)
	var killed, midway, verified int
	for _, r := range readers {
		t.Run(r.name, func(t *testing.T) {
			for round := 0; round < n; round++ {
				home := filepath.Join(t.TempDir(), "home")
				want := preload(t, home, mail)
				k := 1 + rand.IntN(r.claims-1)
				cur := filepath.Join(home, "mail", "bob", "cur")
				kill := r.start(t, home)
				ipctest.WaitFor(t, fmt.Sprintf("%d claims", k), func() bool { return countDir(cur) >= k })
				replied := kill()
				killed++
				if !replied {
					midway++
				}
				verified += checkNothingLost(t, home, want, replied)
			}
		})
	}
	figures(t, "%d readers killed after claiming (%d of them before any reply was written: cli, serve, mcp x %d rounds), %d messages verified present exactly once and readable; 0 lost",
		killed, midway, n, verified)
}

// preload queues n messages "m<i>" from alice for bob and returns them.
func preload(t *testing.T, home string, n int) map[string]bool {
	t.Helper()
	st, err := maildir.Open(home, maildir.Options{Sync: maildir.SyncNone, RateBurst: -1})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	alice, err := st.Login(bg(), "alice", "")
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]bool{}
	for i := 0; i < n; i++ {
		c := fmt.Sprintf("m%d", i)
		if _, err := alice.Send(bg(), "bob", c, nil); err != nil {
			t.Fatal(err)
		}
		want[c] = true
	}
	return want
}

// checkNothingLost checks, after a reader was killed, that every message
// of want is on disk exactly once; that the claimed ones are in history and
// readable by id; and that a new check returns exactly the rest. It
// returns how many messages it verified.
func checkNothingLost(t *testing.T, home string, want map[string]bool, replied bool) int {
	t.Helper()
	box := filepath.Join(home, "mail", "bob")
	seen := map[string]int{}
	var claimed []diskMsg
	for _, m := range readMaildir(t, box) {
		seen[m.body]++
		if m.sub == "cur" {
			claimed = append(claimed, m)
		}
	}
	for c := range want {
		if seen[c] != 1 {
			t.Fatalf("message %q is on disk %d times after the kill", c, seen[c])
		}
	}
	if len(seen) != len(want) {
		t.Fatalf("%d distinct messages on disk, want %d", len(seen), len(want))
	}
	if len(claimed) == 0 {
		t.Fatalf("the reader was killed before claiming anything")
	}
	checkClaimRecords(t, home, claimed)
	// Claimed mail: in history, and readable by id.
	var hist checkReply
	if err := json.Unmarshal([]byte(mustIPC(t, home, "bob", "", "history", "-n", "0", "--json")), &hist); err != nil {
		t.Fatal(err)
	}
	if len(hist.Messages) != len(claimed) {
		t.Fatalf("history has %d messages, %d were claimed", len(hist.Messages), len(claimed))
	}
	for i := 0; i < 3; i++ {
		m := claimed[rand.IntN(len(claimed))]
		id := m.name[:strings.IndexAny(m.name, "!:")]
		if out := mustIPC(t, home, "bob", "", "read", id); !strings.Contains(out, "Content: "+m.body+"\n") {
			t.Fatalf("read %s: %q, want %q", id, out, m.body)
		}
	}
	// The rest: exactly once, to the next check.
	rest := checkJSON(t, home, "bob")
	got := map[string]bool{}
	for _, m := range hist.Messages {
		got[m.Message.Content] = true
	}
	for _, m := range rest.Messages {
		if got[m.Message.Content] {
			t.Fatalf("%q returned again by the next check", m.Message.Content)
		}
		got[m.Message.Content] = true
	}
	if len(got) != len(want) || rest.Remaining != 0 {
		t.Fatalf("history + next check = %d messages (remaining %d), want %d", len(got), rest.Remaining, len(want))
	}
	return len(want)
}

// checkClaimRecords checks, after a reader was killed mid-claim, that the
// delivery records agree with the files: every read record names a
// message in cur/, at most one claim (the one the kill cut between its
// rename and its record) lacks its record, and the sender's status says
// read for claimed mail and unread for the rest.
func checkClaimRecords(t *testing.T, home string, claimed []diskMsg) {
	t.Helper()
	box := filepath.Join(home, "mail", "bob")
	inCur := map[string]bool{}
	for _, m := range claimed {
		inCur[m.name[:strings.IndexAny(m.name, "!:")]] = true
	}
	names, _ := os.ReadDir(filepath.Join(box, "state"))
	records := 0
	for _, e := range names {
		id, ev, _ := strings.Cut(e.Name(), ".read-")
		if ev == "" {
			t.Fatalf("unexpected state record %s", e.Name())
		}
		if !inCur[id] {
			t.Fatalf("read record %s for a message not claimed", e.Name())
		}
		records++
	}
	if records < len(claimed)-1 || records > len(claimed) {
		t.Fatalf("%d read records for %d claimed messages", records, len(claimed))
	}
	newNames, _ := os.ReadDir(filepath.Join(box, "new"))
	for i, id := range []string{claimed[0].name[:strings.IndexAny(claimed[0].name, "!:")], firstName(newNames)} {
		if id == "" {
			continue
		}
		want := []string{"read", "unread"}[i]
		out := mustIPC(t, home, "alice", "", "status", "--json", id)
		if !strings.Contains(out, `"state":"`+want+`"`) {
			t.Fatalf("status of %s after the kill: %s, want %s", id, out, want)
		}
	}
}

// firstName is the name of the first of es, or "".
func firstName(es []os.DirEntry) string {
	if len(es) == 0 {
		return ""
	}
	return es[0].Name()
}
