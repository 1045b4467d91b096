package maildir

import (
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestConversationHeadersRoundTrip(t *testing.T) {
	for _, m := range []Message{
		{From: "alice", To: "bob", Subject: "the auth module", Priority: PriorityUrgent, AckRequested: true},
		{From: "bob", To: "alice", Subject: "Re: Überprüfung ✓ — 認証", InReplyTo: "1.2.h", References: []string{"0.1.h", "1.2.h"}, Thread: "0.1.h", Priority: PriorityHigh},
		{From: "carol", To: "bob", InReplyTo: "x@example.org", References: []string{"x@example.org"}},
		{From: "dave", To: "bob"},
	} {
		m.ID, m.Time, m.Content = "9.9.h", time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC), "hello"
		b := m.format()
		head, _, _ := strings.Cut(string(b), "\n\n")
		for _, r := range head {
			if r > 0x7e {
				t.Fatalf("header block not ASCII:\n%s", head)
			}
		}
		got, err := parseMessage(b)
		if err != nil {
			t.Fatalf("parse %q: %v", b, err)
		}
		if got.Subject != m.Subject || got.InReplyTo != m.InReplyTo || !reflect.DeepEqual(got.References, m.References) ||
			got.Thread != m.Thread || got.Priority != m.Priority || got.AckRequested != m.AckRequested {
			t.Errorf("round trip of\n%s\ngave %+v", b, got)
		}
	}
}

func TestThreadID(t *testing.T) {
	for _, c := range []struct {
		m    Message
		want string
	}{
		{Message{ID: "a"}, "a"},
		{Message{ID: "b", InReplyTo: "a"}, "a"},
		{Message{ID: "c", InReplyTo: "b", References: []string{"a", "b"}}, "a"},
		{Message{ID: "c", References: []string{"a", "b"}, Thread: "t"}, "t"},
	} {
		if got := c.m.ThreadID(); got != c.want {
			t.Errorf("%+v: thread %q, want %q", c.m, got, c.want)
		}
	}
}

func TestReplySubject(t *testing.T) {
	for in, want := range map[string]string{"auth": "Re: auth", "Re: auth": "Re: auth", "RE: x": "RE: x"} {
		if got := replySubject(in); got != want {
			t.Errorf("replySubject(%q) = %q, want %q", in, got, want)
		}
	}
}
