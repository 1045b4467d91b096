package main

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
)

// TestWhoamiCommand: ipc whoami says who --as / IPC_ID make you and where
// that and the mailbox come from, whether the name is registered and
// online, and how much mail is unread; it registers nothing.
func TestWhoamiCommand(t *testing.T) {
	d := filepath.Join(t.TempDir(), "home")
	cases := []struct {
		as    string // IPC_ID
		args  []string
		setup func()
		lines []string
	}{
		{"", []string{"whoami"}, nil, []string{"Identity: none (pass --as NAME or set IPC_ID)", "Mailbox:  " + d + " (from IPC_HOME)"}},
		{"bob", []string{"whoami"}, nil, []string{"Identity: bob (from IPC_ID)", "Status:   not registered (the first command acting as bob registers it)", "Unread:   0"}},
		{"bob", []string{"--as", "carol", "whoami"}, nil, []string{"Identity: carol (from --as)"}},
		{"bob", []string{"whoami", "--as", "bob"}, nil, []string{"Identity: bob (from --as)"}},
		{"bob", []string{"--home", d, "whoami"}, nil, []string{"(from --home)"}},
		{"bob", []string{"whoami"}, func() {
			mustIPC(t, d, "bob", "", "check")
			mustIPC(t, d, "alice", "", "send", "bob", "one")
			mustIPC(t, d, "alice", "", "send", "bob", "two")
		}, []string{"Identity: bob (from IPC_ID)", "offline, last seen", "Unread:   2"}},
		{"bob", []string{"--home", d + "/", "whoami"}, nil, []string{"(from --home)"}},
	}
	for _, c := range cases {
		if c.setup != nil {
			c.setup()
		}
		out := mustIPC(t, d, c.as, "", c.args...)
		for _, l := range c.lines {
			if !strings.Contains(out, l) {
				t.Errorf("ipc %v: no %q in\n%s", c.args, l, out)
			}
		}
	}
	if strings.Contains(mustIPC(t, d, "", "", "list"), "carol") {
		t.Error("whoami registered carol")
	}
	var w whoami
	if err := json.Unmarshal([]byte(mustIPC(t, d, "bob", "", "whoami", "--json")), &w); err != nil {
		t.Fatal(err)
	}
	if w.ID != "bob" || w.IDFrom != "IPC_ID" || w.Home != d || w.HomeFrom != "IPC_HOME" || !w.Registered || w.Online || w.Unread != 2 || w.RegisteredTime == "" {
		t.Errorf("whoami --json = %+v", w)
	}
}

// TestListAndWhoamiShowUrgent: where ipc list and whoami show unread mail
// they say how much of it is urgent, and --json carries unread_urgent.
func TestListAndWhoamiShowUrgent(t *testing.T) {
	d := filepath.Join(t.TempDir(), "home")
	mustIPC(t, d, "bob", "", "send", "alice", "registers bob")
	mustIPC(t, d, "alice", "", "send", "bob", "plain")
	mustIPC(t, d, "alice", "", "send", "--priority", "urgent", "bob", "now")
	mustIPC(t, d, "alice", "", "send", "--priority", "high", "bob", "soon")
	if out := mustIPC(t, d, "bob", "", "whoami"); !strings.Contains(out, "Unread:   3 (1 urgent)\n") {
		t.Errorf("whoami:\n%s", out)
	}
	if out := mustIPC(t, d, "", "", "list"); !strings.Contains(out, "3 (1 urgent)") {
		t.Errorf("list:\n%s", out)
	}
	var w struct {
		Unread       int `json:"unread"`
		UnreadUrgent int `json:"unread_urgent"`
	}
	if err := json.Unmarshal([]byte(mustIPC(t, d, "bob", "", "whoami", "--json")), &w); err != nil || w.Unread != 3 || w.UnreadUrgent != 1 {
		t.Errorf("whoami --json = %+v, %v", w, err)
	}
	var l struct {
		Instances []struct {
			ID           string `json:"id"`
			Unread       int    `json:"unread"`
			UnreadUrgent int    `json:"unread_urgent"`
		} `json:"instances"`
	}
	if err := json.Unmarshal([]byte(mustIPC(t, d, "", "", "list", "--json")), &l); err != nil {
		t.Fatal(err)
	}
	for _, a := range l.Instances {
		if a.ID == "bob" && (a.Unread != 3 || a.UnreadUrgent != 1) {
			t.Errorf("list --json bob = %+v", a)
		}
	}
}
