package main

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
)

// sendJSON runs an ipc command that sends (send, reply) with --json and
// returns the id it reports.
func sendJSON(t *testing.T, home, as, stdin string, args ...string) string {
	t.Helper()
	var r struct{ ID, To string }
	out := mustIPC(t, home, as, stdin, append(args, "--json")...)
	if err := json.Unmarshal([]byte(out), &r); err != nil || r.ID == "" {
		t.Fatalf("ipc %v --json: %q: %v", args, out, err)
	}
	return r.ID
}

// convMessage is a message of the CLI's --json with its conversation fields.
type convMessage struct {
	ID           string   `json:"id"`
	From         string   `json:"from"`
	Time         string   `json:"time"`
	Subject      string   `json:"subject"`
	InReplyTo    string   `json:"in_reply_to"`
	References   []string `json:"references"`
	Thread       string   `json:"thread"`
	Priority     string   `json:"priority"`
	AckRequested bool     `json:"ack_requested"`
	Message      struct {
		Content string `json:"content"`
	} `json:"message"`
}

func checkConv(t *testing.T, home, as string, args ...string) []convMessage {
	t.Helper()
	var r struct{ Messages []convMessage }
	out := mustIPC(t, home, as, "", append([]string{"check", "--json"}, args...)...)
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		t.Fatalf("check --json %q: %v", out, err)
	}
	return r.Messages
}

// TestCLIReplyAckAndSent: a subject, priority and acknowledgement request
// given to send reach the recipient's check (text and JSON); reply answers
// in the thread with "Re:"; ack shows in the sender's sent and status.
func TestCLIReplyAckAndSent(t *testing.T) {
	d := t.TempDir()
	mustIPC(t, d, "bob", "", "check")
	first := sendJSON(t, d, "alice", "", "send", "--subject", "auth freeze ✓", "--priority", "high", "--ack", "bob", "freeze", "the", "auth", "module")
	out := mustIPC(t, d, "bob", "", "read", first)
	for _, want := range []string{"Id: " + first + "\nSubject: auth freeze ✓\nPriority: high\nAcknowledgement requested: run ipc ack " + first + "\nContent: freeze the auth module\n"} {
		if !strings.Contains(out, want) {
			t.Errorf("ipc read lacks %q:\n%s", want, out)
		}
	}
	ms := checkConv(t, d, "bob")
	if len(ms) != 1 || ms[0].Subject != "auth freeze ✓" || ms[0].Priority != "high" || !ms[0].AckRequested || ms[0].Thread != "" || ms[0].InReplyTo != "" {
		t.Fatalf("bob's check: %+v", ms)
	}
	mustIPC(t, d, "bob", "", "ack", first)
	reply := sendJSON(t, d, "bob", "done\n", "reply", first, "-")
	ms = checkConv(t, d, "alice")
	if len(ms) != 1 || ms[0].ID != reply || ms[0].Subject != "Re: auth freeze ✓" || ms[0].InReplyTo != first ||
		ms[0].Thread != first || fmt.Sprint(ms[0].References) != "["+first+"]" || ms[0].Message.Content != "done\n" || ms[0].Priority != "" {
		t.Fatalf("alice's check: %+v", ms)
	}
	// alice answers her own first message: it goes to bob again.
	again := sendJSON(t, d, "alice", "", "reply", "--subject", "one more", first, "and", "tests")
	if ms := checkConv(t, d, "bob"); len(ms) != 1 || ms[0].ID != again || ms[0].Subject != "one more" || ms[0].Thread != first {
		t.Fatalf("bob's second check: %+v", ms)
	}

	var sent struct {
		Status string
		Sent   []struct {
			ID, State, To, Subject, Priority string
			SentAt                           string `json:"sent_at"`
		}
		Next string
	}
	if err := json.Unmarshal([]byte(mustIPC(t, d, "alice", "", "sent", "--json", "-n", "1")), &sent); err != nil {
		t.Fatal(err)
	}
	if len(sent.Sent) != 1 || sent.Sent[0].ID != again || sent.Sent[0].State != "read" || sent.Next != again {
		t.Fatalf("sent -n 1: %+v", sent)
	}
	after := sent.Next
	sent.Next = ""
	if err := json.Unmarshal([]byte(mustIPC(t, d, "alice", "", "sent", "--json", "-n", "1", "--after", after)), &sent); err != nil {
		t.Fatal(err)
	}
	if len(sent.Sent) != 1 || sent.Sent[0].ID != first || sent.Sent[0].State != "acknowledged" || sent.Sent[0].Subject != "auth freeze ✓" ||
		sent.Sent[0].Priority != "high" || !strings.HasSuffix(sent.Sent[0].SentAt, "Z") || sent.Next != "" {
		t.Fatalf("sent page 2: %+v", sent)
	}
	table := mustIPC(t, d, "alice", "", "sent", "-n", "1")
	if !strings.HasPrefix(table, "ID ") || !strings.Contains(table, again) || !strings.Contains(table, "one more") ||
		!strings.Contains(table, "More: ipc sent -n 1 --after "+again+"\n") {
		t.Errorf("ipc sent -n 1:\n%s", table)
	}
	if st := mustIPC(t, d, "alice", "", "status", first); !strings.Contains(st, "State: acknowledged\n") || !strings.Contains(st, "Subject: auth freeze ✓\n") {
		t.Errorf("ipc status:\n%s", st)
	}
}

// TestCLIUrgentFirst: check shows urgent mail first, then high, then
// normal.
func TestCLIUrgentFirst(t *testing.T) {
	d := t.TempDir()
	mustIPC(t, d, "bob", "", "check")
	mustIPC(t, d, "alice", "", "send", "bob", "normal one")
	mustIPC(t, d, "alice", "", "send", "--priority", "high", "bob", "high one")
	mustIPC(t, d, "carol", "", "broadcast", "--priority", "URGENT", "--subject", "outage", "prod is down")
	ms := checkConv(t, d, "bob")
	var got []string
	for _, m := range ms {
		got = append(got, m.Message.Content)
	}
	if fmt.Sprint(got) != "[prod is down high one normal one]" || ms[0].Priority != "urgent" || ms[0].Subject != "outage" {
		t.Fatalf("check order %v: %+v", got, ms)
	}
}

// TestCLIConversationMistakes: a bad priority and a reply without words
// are usage errors (exit 2); a reply to a notice, or to someone else's
// message, is refused (exit 1) with its kind.
func TestCLIConversationMistakes(t *testing.T) {
	d := t.TempDir()
	mustIPC(t, d, "bob", "", "check")
	for _, c := range []struct {
		args []string
		code int
		err  string
	}{
		{[]string{"send", "--priority", "asap", "bob", "x"}, 2, "ipc: usage: send: --priority"},
		{[]string{"reply"}, 2, "ipc: usage: reply: missing message id"},
		{[]string{"reply", "1.M1P1Q1.h"}, 2, "ipc: usage: reply: missing message"},
		{[]string{"reply", "1.M1P1Q1.h", "hi"}, 1, "ipc: not_found: "},
		{[]string{"reply", "../x", "hi"}, 1, "ipc: bad_request: "},
		{[]string{"sent", "-n", "0"}, 2, "ipc: usage: "},
		{[]string{"history", "-n", "0", "--before", "x"}, 2, "ipc: usage: "},
		{[]string{"send", "--subject", "a\tb", "bob", "x"}, 2, "ipc: usage: send: --subject: the subject must be one line"},
		{[]string{"reply", "--subject", "two\nlines", "1.M1P1Q1.h", "x"}, 2, "ipc: usage: reply: --subject: the subject must be one line"},
		{[]string{"search", "a*"}, 2, "ipc: bad_request: "},
		{[]string{"search", `"unterminated`}, 2, "ipc: bad_request: a phrase opened"},
		{[]string{"search", `""`}, 2, "ipc: bad_request: the query"},
		{[]string{"search", "x", "--since", "yesterday"}, 2, "ipc: usage: search: --since: "},
		{[]string{"doing", strings.Repeat("long ", 100)}, 2, "ipc: too_large: what you are doing"},
		{[]string{"thread", "../x"}, 2, "ipc: bad_request: "},
		{[]string{"history", "-n", "-3"}, 2, "ipc: usage: history: -n must be at least 1, or 0 for all"},
		{[]string{"sent", "-n", "-3"}, 2, "ipc: usage: sent: -n must be at least 1"},
		{[]string{"search", "x", "-n", "0"}, 2, "ipc: usage: search: -n must be at least 1"},
		{[]string{"search", "x", "-n", "-3"}, 2, "ipc: usage: search: -n must be at least 1"},
		{[]string{"thread", "1.M1P1Q1.h", "-n", "0"}, 2, "ipc: usage: thread: -n must be at least 1"},
		{[]string{"sent", "--after", "bogus"}, 2, "ipc: bad_request: \"bogus\" is not a cursor of this listing: pass the one its last page printed"},
		{[]string{"history", "-n", "2", "--before", "bogus"}, 2, "ipc: bad_request: \"bogus\" is not a cursor of this listing"},
		{[]string{"history", "-n", "2", "--before", "00000000000000ff"}, 2, "ipc: bad_request: \"00000000000000ff\" is not a cursor of this listing"},
	} {
		r := ipc(t, d, "alice", "", c.args...)
		if r.code != c.code || !strings.HasPrefix(r.stderr, c.err) {
			t.Errorf("ipc %v: exit %d, stderr %q; want %d, %q", c.args, r.code, r.stderr, c.code, c.err)
		}
	}
}

// TestCLIHistoryPages: history -n 2 walks back through five read messages
// with --before, each page oldest first, ending with the command for the
// page before it; --json gives "next".
func TestCLIHistoryPages(t *testing.T) {
	d := t.TempDir()
	mustIPC(t, d, "bob", "", "check")
	for i := range 5 {
		mustIPC(t, d, "alice", "", "send", "bob", fmt.Sprintf("m%d", i))
	}
	mustIPC(t, d, "bob", "", "check")
	var got []string
	before := ""
	for pages := 0; pages < 5; pages++ {
		args := []string{"history", "-n", "2", "--json"}
		if before != "" {
			args = append(args, "--before", before)
		}
		var p struct {
			Messages []convMessage
			Next     string
		}
		if err := json.Unmarshal([]byte(mustIPC(t, d, "bob", "", args...)), &p); err != nil {
			t.Fatal(err)
		}
		var page []string
		for _, m := range p.Messages {
			page = append(page, m.Message.Content)
		}
		got = append(page, got...)
		if before = p.Next; before == "" {
			break
		}
	}
	if fmt.Sprint(got) != "[m0 m1 m2 m3 m4]" {
		t.Fatalf("history pages: %v", got)
	}
	out := mustIPC(t, d, "bob", "", "history", "-n", "2")
	if !strings.Contains(out, "Content: m3\n") || !strings.Contains(out, "Content: m4\n") || strings.Contains(out, "m2") ||
		!strings.Contains(out, "Earlier: ipc history -n 2 --before ") {
		t.Errorf("history -n 2:\n%s", out)
	}
}

// TestCLIReadMailYouSent: ipc read opens a message the reader sent, as
// search and sent list it, and leaves it unread for its recipient.
func TestCLIReadMailYouSent(t *testing.T) {
	d := t.TempDir()
	mustIPC(t, d, "alice", "", "check")
	id := sendJSON(t, d, "bob", "", "send", "alice", "the plan")
	if out := mustIPC(t, d, "bob", "", "read", id); !strings.Contains(out, "Id: "+id) || !strings.Contains(out, "Content: the plan") {
		t.Errorf("bob reads what he sent:\n%s", out)
	}
	if ms := checkConv(t, d, "alice"); len(ms) != 1 || ms[0].ID != id {
		t.Errorf("alice's check after bob's read: %+v", ms)
	}
	if out := mustIPC(t, d, "bob", "", "sent", "--after", id); out != "No more sent messages\n" {
		t.Errorf("sent after the oldest: %q", out)
	}
	if out := mustIPC(t, d, "alice", "", "history", "-n", "1", "--before", id); out != "No more read messages\n" {
		t.Errorf("history before the oldest: %q", out)
	}
}
