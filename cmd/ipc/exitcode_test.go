package main

import (
	"path/filepath"
	"strings"
	"testing"
)

// TestExitCodesDistinguish: a script can tell apart mail that arrived (0),
// a failure (1), a usage mistake (2), a partial broadcast (3, in
// broadcast_test.go) and a check --wait that no mail ended (4); a check
// without --wait that finds nothing is 0, as before.
func TestExitCodesDistinguish(t *testing.T) {
	d := filepath.Join(t.TempDir(), "home")
	mustIPC(t, d, "bob", "", "check")
	cases := []struct {
		name   string
		send   string // mail for bob first
		args   []string
		code   int
		stdout string
	}{
		{"check finds nothing", "", []string{"check"}, 0, "No new messages"},
		{"wait runs out", "", []string{"check", "--wait", "100ms"}, exitNoMail, "No new messages"},
		{"wait runs out, json", "", []string{"check", "--wait", "100ms", "--json"}, exitNoMail, `"messages":[]`},
		{"mail waiting", "here", []string{"check", "--wait", "1h"}, 0, "Content: here"},
		{"failure", "", []string{"read", "nope"}, 1, ""},
		{"usage", "", []string{"check", "--wait", "soon"}, 2, ""},
	}
	for _, c := range cases {
		if c.send != "" {
			mustIPC(t, d, "alice", "", "send", "bob", c.send)
		}
		r := ipc(t, d, "bob", "", c.args...)
		if r.code != c.code || !strings.Contains(r.stdout, c.stdout) {
			t.Errorf("%s: ipc %v: exit %d, stdout %q; want exit %d with %q", c.name, c.args, r.code, r.stdout, c.code, c.stdout)
		}
	}
	if !strings.Contains(mustIPC(t, d, "", "", "help"), "4 check --wait") {
		t.Error("ipc help does not document exit code 4")
	}
}
