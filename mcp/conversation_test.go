package mcp

import (
	"strings"
	"testing"
)

// TestSendConversationMCP: subject, priority, ack and reply_to on send and
// subject and priority on broadcast reach check's frames, with the
// acknowledgement asked for in words; bad values are bad_request and an id
// that is not one's mail not_found.
func TestSendConversationMCP(t *testing.T) {
	root := t.TempDir()
	alice := newPeer(t, root, Config{ID: "alice"})
	bob := newPeer(t, root, Config{ID: "bob"})
	id := sentID(t, alice.ok("send", map[string]any{"from_id": "alice", "to_id": "bob", "content": "freeze now?",
		"subject": "the freeze", "priority": "urgent", "ack": true}))
	out := bob.ok("check", map[string]any{"instance_id": "bob"})
	frames := mustFrames(t, out)
	if len(frames) != 1 || frames[0].Attrs["subject"] != "the freeze" || frames[0].Attrs["priority"] != "urgent" || frames[0].Attrs["ack"] != "requested" {
		t.Fatalf("check frames %+v:\n%s", frames, out)
	}
	mustContain(t, out, "Message 1 asks for an acknowledgement: once you have acted on it, call mail with its message_id and ack true.")

	sentID(t, bob.ok("send", map[string]any{"from_id": "bob", "to_id": "alice", "content": "yes", "reply_to": id}))
	bob.ok("broadcast", map[string]any{"from_id": "bob", "content": "all", "subject": "news", "priority": "high"})
	frames = mustFrames(t, alice.ok("check", map[string]any{"instance_id": "alice"}))
	byBody := map[string]map[string]string{}
	for _, f := range frames {
		byBody[f.Body] = f.Attrs
	}
	if r, n := byBody["yes"], byBody["all"]; len(frames) != 2 || r["subject"] != "Re: the freeze" || r["re"] != id ||
		n["subject"] != "news" || n["priority"] != "high" {
		t.Fatalf("frames %+v", frames)
	}

	alice.fail("send", map[string]any{"from_id": "alice", "to_id": "bob", "content": "x", "priority": "asap"}, "bad_request")
	alice.fail("send", map[string]any{"from_id": "alice", "to_id": "bob", "content": "x", "subject": "a\nb"}, "bad_request")
	alice.fail("broadcast", map[string]any{"from_id": "alice", "content": "x", "priority": "low"}, "bad_request")
	mallory := newPeer(t, root, Config{ID: "mallory"})
	mallory.fail("send", map[string]any{"from_id": "mallory", "to_id": "bob", "content": "x", "reply_to": id}, "not_found")
	mallory.fail("mail", map[string]any{"ack": true}, "bad_request")
	mallory.fail("mail", map[string]any{"query": "x", "since": "last week"}, "bad_request")
}

// TestMailThreadAndSearch: a thread or search shows read and sent mail
// framed with its text, and unread mail to the agent as a line without
// its text, which check then shows once; neither marks anything read.
func TestMailThreadAndSearch(t *testing.T) {
	root := t.TempDir()
	alice := newPeer(t, root, Config{ID: "alice"})
	bob := newPeer(t, root, Config{ID: "bob"})
	first := sentID(t, alice.ok("send", map[string]any{"from_id": "alice", "to_id": "bob", "content": "what about the auth module?", "subject": "auth"}))

	// Unread by bob: listed, its text not shown.
	th := bob.ok("mail", map[string]any{"message_id": first, "thread": true})
	if strings.Contains(th, "what about the auth module?") {
		t.Fatalf("a thread shows unread text:\n%s", th)
	}
	mustContain(t, th, "- unread from=alice id="+first+" subject=auth: call check to read it")
	se := bob.ok("mail", map[string]any{"query": "auth", "from": "alice"})
	if strings.Contains(se, "what about the auth module?") {
		t.Fatalf("a search shows unread text:\n%s", se)
	}
	mustContain(t, se, "id="+first)
	// The sender sees her own message with its text.
	if frames := mustFrames(t, alice.ok("mail", map[string]any{"message_id": first, "thread": true})); len(frames) != 1 || frames[0].Body != "what about the auth module?" {
		t.Fatalf("alice's thread: %+v", frames)
	}

	// Nothing was marked read: check shows it, once.
	if frames := mustFrames(t, bob.ok("check", map[string]any{"instance_id": "bob"})); len(frames) != 1 || frames[0].Body != "what about the auth module?" {
		t.Fatalf("check after thread and search: %+v", frames)
	}
	answer := sentID(t, bob.ok("send", map[string]any{"from_id": "bob", "to_id": "alice", "content": "keyring", "reply_to": first}))
	frames := mustFrames(t, bob.ok("mail", map[string]any{"message_id": answer, "thread": true}))
	if len(frames) != 2 || frames[0].Body != "what about the auth module?" || frames[1].Body != "keyring" || frames[1].Attrs["to"] != "alice" {
		t.Fatalf("bob's thread after check: %+v", frames)
	}
	mustContain(t, bob.ok("mail", map[string]any{}), "Sent, newest first: 1 message(s)", answer)
}
