package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ipc-dev/ipc/internal/ipctest"
	"github.com/ipc-dev/ipc/maildir"
)

// cliHostileIDs are instance ids the CLI must refuse (command-line
// arguments and environment variables cannot hold NUL).
var cliHostileIDs = []string{
	"../etc", "..", ".", "a/b", `a\b`, "/abs", "alice\n", "\nalice", "alice\r", " alice", "alice ", "al ice",
	"\u0430lice", "\uff41lice", "alice\u200b", "alic\u0435", "a\u0301lice", "alice\u202e",
	"al.ice", "alice!2,S", "*", "?", "a%2fb",
	strings.Repeat("a", 33), strings.Repeat("a", 1000), "\xff\xfe", "\u00e9",
}

func nestedJSON(depth int) string {
	return strings.Repeat(`{"a":`, depth) + "1" + strings.Repeat("}", depth)
}

// TestHostileInputCLI runs the CLI with hostile identities, recipients,
// message ids, data, content and flag values: each is refused with exit
// status 1 and "ipc: <kind>:" (or 2 and "ipc: usage:"), or accepted when
// valid after all; nothing is created outside the mailbox, and the CLI
// works normally afterwards.
func TestHostileInputCLI(t *testing.T) {
	parent := t.TempDir()
	home := filepath.Join(parent, "home")
	mustIPC(t, home, "bob", "", "check")
	tried := 0
	expect := func(as, stdin string, want string, args ...string) {
		t.Helper()
		tried++
		r := ipc(t, home, as, stdin, args...)
		got := "ok"
		switch r.code {
		case 0:
		case 1:
			got, _, _ = strings.Cut(strings.TrimPrefix(r.stderr, "ipc: "), ":")
		case 2:
			got = "usage"
			if !strings.HasPrefix(r.stderr, "ipc: usage:") && r.stderr != "" {
				t.Errorf("ipc %.100q as %q: exit 2 with %q", args, as, r.stderr)
			}
		default:
			got = "exit " + r.stderr
		}
		for _, w := range strings.Split(want, "|") {
			if got == w {
				return
			}
		}
		t.Errorf("ipc %.100q as %.40q: %s (%.200q), want %s", args, as, got, r.stderr, want)
	}

	for _, id := range cliHostileIDs {
		expect(id, "", "invalid_id", "check")
		expect("", "", "invalid_id|usage", "--as", id, "check")
		expect("alice", "", "invalid_id|usage", "send", id, "hello")
		expect("alice", "", "invalid_id|usage", "rename", id)
	}
	for _, tc := range []struct {
		stdin, want string
		args        []string
	}{
		{"", "bad_request", []string{"send", "bob", "bad \xff\xfe bytes"}},
		{"bad \xff stdin", "bad_request", []string{"send", "bob", "-"}},
		{"", "ok", []string{"send", "bob", "escape \x1b[2J and bell \x07"}},
		{"", "ok", []string{"send", "bob", strings.Repeat("long ", 20000)}},
		{"", "ok", []string{"send", "--data", "[1]", "bob", "x"}}, // any JSON value, as the original
		{"", "ok", []string{"send", "--data", `"x"`, "bob", "x"}},
		{"", "bad_request", []string{"send", "--data", "{", "bob", "x"}},
		{"", "bad_request", []string{"send", "--data", nestedJSON(20000), "bob", "x"}},
		{"", "ok", []string{"send", "--data", nestedJSON(5000), "bob", "x"}},
		{"", "ok", []string{"send", "--data", "null", "bob", "x"}},
		{"", "ok", []string{"broadcast", "--data", "[]", "x"}},
		{"", "bad_request", []string{"broadcast", "--data", "[", "x"}},
		{"", "usage", []string{"send", "--bogus", "bob", "x"}},
		{"", "usage", []string{"check", "--wait", "-1s"}},
		{"", "usage", []string{"check", "--wait", "1e9h"}},
		{"", "usage", []string{"check", "--wait", "soon"}},
		{"", "usage", []string{"check", "--max", "-1"}},
		{"", "usage", []string{"check", "--max", "99999999999999999999"}},
		{"", "ok", []string{"check", "--max", "1"}},
		{"", "usage", []string{"history", "-n", "-5"}},
		{"", "bad_request", []string{"read", "../../etc/passwd"}},
		{"", "bad_request", []string{"read", ".."}},
		{"", "bad_request", []string{"read", "a/b"}},
		{"", "bad_request", []string{"read", "x:2,S"}},
		{"", "bad_request", []string{"read", ".hidden"}},
		{"", "bad_request", []string{"read", strings.Repeat("z", 10000)}},
		{"", "not_found", []string{"read", strings.Repeat("z", 200)}},
		{"", "usage", []string{"read"}},
		{"", "usage", []string{"read", "a", "b"}},
		{"", "usage", []string{"--home"}},
		{"", "usage", []string{"--nope", "list"}},
	} {
		expect("alice", tc.stdin, tc.want, tc.args...)
	}
	// Names that look like flags are valid ids ([A-Za-z0-9_-]): they work,
	// as recipients after "--".
	for _, id := range []string{"-", "--", "-alice"} {
		expect(id, "", "ok", "check")
		expect("alice", "", "ok", "send", "--", id, "hello")
	}
	expect("alice", "", "usage", "send", "-alice", "hello")
	// --wait far beyond any sensible value returns at once when mail waits.
	mustIPC(t, home, "alice", "", "send", "bob", "waiting")
	expect("bob", "", "ok", "check", "--wait", "2562047h")

	// Nothing outside the mailbox; the CLI works.
	checkOnlyHome(t, parent, home)
	mustIPC(t, home, "alice", "", "send", "bob", "still fine")
	if r := checkJSON(t, home, "bob"); len(r.Messages) == 0 || r.Messages[len(r.Messages)-1].Message.Content != "still fine" {
		t.Fatalf("check after the hostile input: %+v", r)
	}
	t.Logf("figures: %s: %d hostile command lines, each refused with its kind and exit status or accepted as valid; 0 panics", t.Name(), tried)
}

// checkOnlyHome fails if anything but home was created in parent, or if a
// maildir or presence file has a name that is not a valid id.
func checkOnlyHome(t *testing.T, parent, home string) {
	t.Helper()
	ents, _ := os.ReadDir(parent)
	for _, e := range ents {
		if filepath.Join(parent, e.Name()) != home {
			t.Errorf("created outside the mailbox: %q", e.Name())
		}
	}
	for _, sub := range []string{"mail", "presence"} {
		ents, _ := os.ReadDir(filepath.Join(home, sub))
		for _, e := range ents {
			id := strings.TrimSuffix(strings.TrimSuffix(e.Name(), ".json"), ".lock")
			if !maildir.ValidID(id) {
				t.Errorf("%s/%q is not named by a valid id", sub, e.Name())
			}
		}
	}
}

// TestHostileInputMCPStdio writes hostile JSON-RPC lines to a real `ipc
// mcp` process: lines that are not JSON, arguments nested 100,000 deep,
// invalid UTF-8, a number out of range, a 2 MiB line. Every request with
// an id is answered (a tool error or a JSON-RPC error), stdout carries
// only JSON-RPC, and the server goes on answering.
func TestHostileInputMCPStdio(t *testing.T) {
	home := filepath.Join(t.TempDir(), "home")
	cmd := ipcCmd(home, "alice", "mcp")
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr ipctest.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	replies := make(chan map[string]json.RawMessage, 100)
	bad := make(chan string, 100)
	go func() {
		r := bufio.NewReaderSize(stdout, 1<<20)
		for {
			line, err := r.ReadBytes('\n')
			if len(line) > 0 {
				var m map[string]json.RawMessage
				if json.Unmarshal(line, &m) != nil || string(m["jsonrpc"]) != `"2.0"` {
					bad <- string(line)
				} else if _, ok := m["id"]; ok {
					replies <- m
				}
			}
			if err != nil {
				close(replies)
				return
			}
		}
	}()
	call := func(id int, tool, args string) string {
		return fmt.Sprintf(`{"jsonrpc":"2.0","id":%d,"method":"tools/call","params":{"name":%q,"arguments":%s}}`, id, tool, args)
	}
	lines := []string{
		`{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2024-11-05","capabilities":{},"clientInfo":{"name":"t","version":"1"}}}`,
		`{"jsonrpc":"2.0","method":"notifications/initialized"}`,
		`not json at all`,
		"\x00\xff\xfe",
		call(3, "send", `{"from_id":"alice","to_id":"bob","content":"x","data":`+nestedJSON(100000)+`}`),
		call(4, "send", `{"from_id":"alice","to_id":"bob","content":"bad `+"\xff\xfe"+` bytes"}`),
		call(5, "check", `{"instance_id":"alice","wait_seconds":1e400}`),
		call(6, "send", `{"from_id":"alice","to_id":"bob","content":"`+strings.Repeat("y", 2<<20)+`"}`),
		call(7, "send", `{"from_id":"../bob","to_id":"bob\u0000","content":"x"}`),
		`{"jsonrpc":"2.0","id":8,"method":"tools/call","params":"nope"}`,
		`{"jsonrpc":"2.0","id":9,"method":"no/such/method"}`,
		call(10, "list_instances", `{}`),
	}
	go func() {
		for _, l := range lines {
			stdin.Write([]byte(l + "\n"))
		}
	}()
	// Lines that do not parse (the two garbage lines, and the 100,000-deep
	// one, over the JSON decoder's depth limit) get a parse error with a
	// null id, as JSON-RPC says; every other request its own reply.
	want := map[string]bool{"1": true, "4": true, "5": true, "6": true, "7": true, "8": true, "9": true, "10": true}
	parseErrors := 0
	deadline := time.After(60 * time.Second)
	for len(want) > 0 || parseErrors < 3 {
		select {
		case m, ok := <-replies:
			if !ok {
				t.Fatalf("ipc mcp stopped; waiting for %v\n%s", want, stderr.String())
			}
			if string(m["id"]) == "null" {
				parseErrors++
			}
			delete(want, string(m["id"]))
		case l := <-bad:
			t.Fatalf("stdout carried a non-JSON-RPC line: %.200q", l)
		case <-deadline:
			t.Fatalf("no reply to %v (%d parse errors)\n%s", want, parseErrors, stderr.String())
		}
	}
	stdin.Close()
	if err := cmd.Wait(); err != nil {
		t.Fatalf("ipc mcp: %v\n%s", err, stderr.String())
	}
	if strings.Contains(stderr.String(), "panic") {
		t.Fatalf("stderr: %s", stderr.String())
	}
	t.Logf("figures: %s: %d hostile JSON-RPC lines to ipc mcp over stdio, every request answered, stdout only JSON-RPC; 0 panics", t.Name(), len(lines)-2)
}
