package web_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/ipc-dev/ipc/internal/ipctest"
	"github.com/ipc-dev/ipc/maildir"
)

// The JSON shapes of docs/web.md, as a test reads them.
type (
	message struct {
		ID, From, To, Kind, Subject, Priority, Content, Thread string
		InReplyTo                                              string `json:"in_reply_to"`
		Read                                                   bool
		AckRequested                                           bool `json:"ack_requested"`
		Time                                                   time.Time
	}
	page struct {
		Messages []message
		Next     string
	}
	apiError struct{ Error, Message string }
	receipt  struct {
		To, Requested, ID, Suggest string
		Queued, Forwarded          bool
		Delivery                   *maildir.Delivery
		Error                      *apiError
	}
	sendAnswer struct {
		From      string
		Broadcast bool
		Receipts  []receipt
	}
)

// send sends content from s to to with p's conversation fields.
func send(t *testing.T, s *maildir.Session, to, content string, p maildir.Payload) string {
	t.Helper()
	p.Content = content
	r, err := s.SendPayload(context.Background(), to, p)
	if err != nil {
		t.Fatalf("%s sends to %s: %v", s.ID(), to, err)
	}
	return r.ID
}

func TestAgentsShowsUnreadAndDoing(t *testing.T) {
	c := startConsole(t)
	alice, bob := c.login("alice"), c.login("bob")
	send(t, alice, "bob", "one", maildir.Payload{})
	send(t, alice, "bob", "two", maildir.Payload{Priority: maildir.PriorityUrgent})
	if err := bob.SetDoing(context.Background(), "reviewing the auth change"); err != nil {
		t.Fatal(err)
	}
	var got struct {
		Human  string
		Agents []struct {
			ID, Doing string
			Online    bool
			Unread    int
			Urgent    int       `json:"unread_urgent"`
			LastSeen  time.Time `json:"last_seen"`
		}
	}
	c.getJSON("/api/agents", 200, &got)
	if got.Human != maildir.HumanID || len(got.Agents) != 2 {
		t.Fatalf("agents: %+v", got)
	}
	a, b := got.Agents[0], got.Agents[1]
	if a.ID != "alice" || a.Unread != 0 || !a.Online || b.ID != "bob" || b.Unread != 2 || b.Urgent != 1 || !b.Online || b.Doing != "reviewing the auth change" || b.LastSeen.IsZero() {
		t.Errorf("agents: %+v", got.Agents)
	}
	// The console read nothing on bob's behalf.
	res, err := bob.Check(context.Background(), maildir.CheckOptions{})
	if err != nil || len(res.Messages) != 2 {
		t.Errorf("bob's check after the console looked: %d messages, %v", len(res.Messages), err)
	}
}

func TestSearchOfEveryMailbox(t *testing.T) {
	c := startConsole(t)
	alice, bob, carol := c.login("alice"), c.login("bob"), c.login("carol")
	send(t, alice, "bob", "the deploy of the parser is green", maildir.Payload{Subject: "deploy"})
	send(t, carol, "alice", "deploy again tomorrow", maildir.Payload{Priority: maildir.PriorityUrgent})
	send(t, bob, "carol", "lunch?", maildir.Payload{})

	var p page
	c.getJSON("/api/search?q=deploy", 200, &p)
	if len(p.Messages) != 2 || p.Messages[0].From != "carol" || p.Messages[0].Priority != "urgent" || p.Messages[1].Subject != "deploy" || p.Messages[1].Priority != "normal" {
		t.Fatalf("search deploy, newest first: %+v", p)
	}
	c.getJSON("/api/search?q=deploy&from=alice", 200, &p)
	if len(p.Messages) != 1 || p.Messages[0].To != "bob" {
		t.Errorf("from alice: %+v", p)
	}
	c.getJSON("/api/search?q=deploy&limit=1", 200, &p)
	if len(p.Messages) != 1 || p.Next == "" {
		t.Fatalf("limit 1: %+v", p)
	}
	c.getJSON("/api/search?q=deploy&limit=1&after="+url.QueryEscape(p.Next), 200, &p)
	if len(p.Messages) != 1 || p.Messages[0].From != "alice" || p.Next != "" {
		t.Errorf("the second page: %+v", p)
	}
	c.getJSON("/api/search?unread=1&since=1h", 200, &p)
	if len(p.Messages) != 3 {
		t.Errorf("unread in the last hour: %d messages", len(p.Messages))
	}
	for _, bad := range []string{"limit=abc", "since=whenever", "unread=maybe", "q=%22unclosed"} {
		var e apiError
		c.getJSON("/api/search?"+bad, http.StatusBadRequest, &e)
		if e.Error != "bad_request" || e.Message == "" {
			t.Errorf("search?%s: %+v", bad, e)
		}
	}
}

func TestThreadOfEveryMailbox(t *testing.T) {
	c := startConsole(t)
	alice, bob := c.login("alice"), c.login("bob")
	first := send(t, alice, "bob", "shall we freeze auth?", maildir.Payload{Subject: "freeze", Priority: maildir.PriorityHigh})
	r, err := bob.Reply(context.Background(), first, maildir.Payload{Content: "yes"})
	if err != nil {
		t.Fatal(err)
	}
	send(t, alice, "bob", "unrelated", maildir.Payload{})

	var p page
	c.getJSON("/api/thread?id="+r.ID, 200, &p)
	if len(p.Messages) != 2 || p.Messages[0].ID != first || p.Messages[0].Priority != "high" || p.Messages[1].InReplyTo != first || p.Messages[1].Subject != "Re: freeze" || p.Messages[1].Thread != first {
		t.Fatalf("thread: %+v", p)
	}
	var e apiError
	c.getJSON("/api/thread?id=1700000000.M1P1Q1.nowhere", http.StatusNotFound, &e)
	if e.Error != "not_found" {
		t.Errorf("an unknown thread: %+v", e)
	}
	c.getJSON("/api/thread", http.StatusBadRequest, &e)
	c.getJSON("/api/thread?id=../../etc", http.StatusBadRequest, &e)
	if e.Error != "bad_request" && e.Error != "invalid_id" {
		t.Errorf("a malformed id: %+v", e)
	}
}

// TestComposeIntoAgentsConversation: the console's compose with reply_to
// of mail between two agents (alice to bob) is sent to whom the human
// addresses and lands in that thread; an agent replying to mail not its
// own still gets not_found.
func TestComposeIntoAgentsConversation(t *testing.T) {
	c := startConsole(t)
	alice, bob, carol := c.login("alice"), c.login("bob"), c.login("carol")
	first := send(t, alice, "bob", "drop the users table?", maildir.Payload{Subject: "migration"})

	var ans sendAnswer
	c.postJSON("/api/send", map[string]any{"to": []string{"alice", "bob"}, "content": "no: wait for the backup", "reply_to": first}, 200, &ans)
	if len(ans.Receipts) != 2 || ans.Receipts[0].To != "alice" || ans.Receipts[1].To != "bob" || ans.Receipts[0].Error != nil || ans.Receipts[1].Error != nil {
		t.Fatalf("the human's answer in alice's thread: %+v", ans)
	}
	var th page
	c.getJSON("/api/thread?id="+first, 200, &th)
	if len(th.Messages) != 3 || th.Messages[0].ID != first {
		t.Fatalf("the thread after the human stepped in: %+v", th)
	}
	for _, m := range th.Messages[1:] {
		if m.From != maildir.HumanID || m.InReplyTo != first || m.Thread != first || m.Subject != "Re: migration" {
			t.Errorf("the human's answer in the thread: %+v", m)
		}
	}
	for _, s := range []*maildir.Session{alice, bob} {
		res, err := s.Check(context.Background(), maildir.CheckOptions{})
		if err != nil || len(res.Messages) == 0 || res.Messages[len(res.Messages)-1].InReplyTo != first {
			t.Errorf("%s's mail: %+v %v, want the human's answer last", s.ID(), res.Messages, err)
		}
	}
	_, err := carol.SendPayload(context.Background(), "bob", maildir.Payload{Content: "me too", ReplyTo: first})
	if maildir.KindOf(err) != maildir.NotFound {
		t.Errorf("carol's reply to alice->bob mail: %v, want not_found", err)
	}
}

// timeline is GET /api/message of id.
func (c *console) timeline(id string) (message, maildir.Delivery) {
	c.t.Helper()
	var got struct {
		Message  message
		Delivery maildir.Delivery
	}
	c.getJSON("/api/message?id="+url.QueryEscape(id), 200, &got)
	return got.Message, got.Delivery
}

func TestTimelineOfEachState(t *testing.T) {
	c := startConsole(t)
	ctx := context.Background()
	alice, bob := c.login("alice"), c.login("bob")

	queued := send(t, alice, "dora", "for later", maildir.Payload{})
	if _, d := c.timeline(queued); d.State != maildir.StateQueued || d.To != "dora" {
		t.Errorf("queued: %+v", d)
	}

	unread := send(t, alice, "bob", "fresh", maildir.Payload{Subject: "s", Ack: true})
	m, d := c.timeline(unread)
	if d.State != maildir.StateUnread || m.Content != "fresh" || !m.AckRequested || m.Read || d.SentAt.IsZero() {
		t.Errorf("unread: %+v %+v", m, d)
	}

	_, shown, err := c.st.Timeline(ctx, unread)
	if err != nil {
		t.Fatal(err)
	}
	maildir.RecordShown(shown, maildir.DoorChannel)
	if _, d := c.timeline(unread); d.State != maildir.StateSurfaced || len(d.Surfaced) != 1 || d.Surfaced[0].Door != maildir.DoorChannel {
		t.Errorf("surfaced: %+v", d)
	}

	if _, err := bob.Check(ctx, maildir.CheckOptions{Door: maildir.DoorMCP}); err != nil {
		t.Fatal(err)
	}
	m, d = c.timeline(unread)
	if d.State != maildir.StateRead || d.ReadBy != maildir.DoorMCP || d.ReadAt.IsZero() || !m.Read {
		t.Errorf("read: %+v %+v", m, d)
	}

	if err := bob.Ack(ctx, unread); err != nil {
		t.Fatal(err)
	}
	if _, d := c.timeline(unread); d.State != maildir.StateAcknowledged || d.AckedAt.IsZero() {
		t.Errorf("acknowledged: %+v", d)
	}

	var e apiError
	c.getJSON("/api/message?id=1700000000.M1P1Q1.nowhere", http.StatusNotFound, &e)
	if e.Error != "not_found" {
		t.Errorf("an unknown message: %+v", e)
	}

	var ds struct{ Deliveries []receipt }
	var raw struct {
		Deliveries []struct{ ID, State, Error string }
	}
	c.getJSON("/api/deliveries?id="+queued+"&id="+unread+"&id=1700000000.M1P1Q1.nowhere", 200, &raw)
	if len(raw.Deliveries) != 3 || raw.Deliveries[0].State != "queued" || raw.Deliveries[1].State != "acknowledged" || raw.Deliveries[2].Error != "not_found" ||
		raw.Deliveries[0].ID != queued || raw.Deliveries[1].ID != unread {
		t.Errorf("deliveries: %+v", raw)
	}
	c.getJSON("/api/deliveries", http.StatusBadRequest, &ds)
}

func TestComposeAsTheHuman(t *testing.T) {
	c := startConsole(t)
	ctx := context.Background()
	bob, carol := c.login("bob"), c.login("carol")

	// One recipient, woken through the same path as any mail.
	woken := make(chan error, 1)
	waitCtx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	go func() { woken <- bob.Wait(waitCtx) }()
	var one sendAnswer
	c.postJSON("/api/send", map[string]any{"to": []string{"bob"}, "subject": "status?", "priority": "urgent", "content": "how is it going", "ack": true}, 200, &one)
	if one.From != maildir.HumanID || len(one.Receipts) != 1 {
		t.Fatalf("one: %+v", one)
	}
	r := one.Receipts[0]
	if r.To != "bob" || r.ID == "" || r.Error != nil || r.Delivery == nil || r.Delivery.State != maildir.StateUnread || r.Delivery.Priority != maildir.PriorityUrgent {
		t.Fatalf("one's receipt: %+v", r)
	}
	ipctest.Within(t, "bob's Wait", time.Minute, func() {
		if err := <-woken; err != nil {
			t.Errorf("bob's Wait: %v", err)
		}
	})
	res, err := bob.Check(ctx, maildir.CheckOptions{Door: maildir.DoorCLI})
	if err != nil || len(res.Messages) != 1 || res.Messages[0].From != maildir.HumanID || res.Messages[0].Subject != "status?" || res.Messages[0].Priority != maildir.PriorityUrgent || !res.Messages[0].AckRequested {
		t.Fatalf("bob's mail: %+v %v", res.Messages, err)
	}
	var ds struct{ Deliveries []maildir.Delivery }
	c.getJSON("/api/deliveries?id="+r.ID, 200, &ds)
	if ds.Deliveries[0].State != maildir.StateRead {
		t.Errorf("after bob read it: %+v", ds.Deliveries)
	}

	// A reply from the human joins the thread of bob's answer.
	answer, err := bob.Reply(ctx, r.ID, maildir.Payload{Content: "nearly done"})
	if err != nil {
		t.Fatal(err)
	}
	var rep sendAnswer
	c.postJSON("/api/send", map[string]any{"to": []string{"bob"}, "content": "thanks", "reply_to": answer.ID}, 200, &rep)
	var th page
	c.getJSON("/api/thread?id="+r.ID, 200, &th)
	if len(th.Messages) != 3 || th.Messages[2].InReplyTo != answer.ID || th.Messages[2].From != maildir.HumanID {
		t.Errorf("the human's reply in the thread: %+v", th)
	}

	// Several: one send each; a name not registered is queued, with a hint.
	var several sendAnswer
	c.postJSON("/api/send", map[string]any{"to": []string{"bob", "carol", "bobb"}, "priority": "high", "content": "standup in 5"}, 200, &several)
	if len(several.Receipts) != 3 {
		t.Fatalf("several: %+v", several)
	}
	for i, want := range []string{"bob", "carol", "bobb"} {
		rc := several.Receipts[i]
		if rc.To != want || rc.ID == "" || rc.Delivery == nil || rc.Delivery.Priority != maildir.PriorityHigh {
			t.Errorf("several, %s: %+v", want, rc)
		}
	}
	if q := several.Receipts[2]; !q.Queued || q.Suggest != "bob" || q.Delivery.State != maildir.StateQueued {
		t.Errorf("the queued one: %+v", q)
	}

	// Broadcast: every agent but the human.
	var all sendAnswer
	c.postJSON("/api/send", map[string]any{"broadcast": true, "subject": "heads up", "priority": "urgent", "content": "deploy at 5"}, 200, &all)
	if !all.Broadcast || len(all.Receipts) != 2 || all.Receipts[0].To != "bob" || all.Receipts[1].To != "carol" {
		t.Fatalf("broadcast: %+v", all)
	}
	res, err = carol.Check(ctx, maildir.CheckOptions{})
	if err != nil || len(res.Messages) != 2 || res.Messages[0].Kind != maildir.KindBroadcast || res.Messages[0].Priority != maildir.PriorityUrgent { // urgent first
		t.Errorf("carol's mail: %+v %v", res.Messages, err)
	}

	for _, bad := range []map[string]any{
		{"content": "to nobody"},
		{"to": []string{"bob"}, "broadcast": true, "content": "both"},
		{"to": []string{"bob"}, "priority": "whenever", "content": "x"},
		{"to": []string{"bob"}, "content": "x", "colour": "red"},
		{"to": []string{"bob"}, "content": "x", "reply_to": "1700000000.M1P1Q1.nowhere"},
		{"to": []string{"bad/name"}, "content": "x"},
	} {
		code, b := c.do(c.request("POST", "/api/send", bad, true))
		if code < 400 || code >= 500 || !strings.Contains(string(b), `"error"`) {
			t.Errorf("send %v: %d %s, want a 4xx error", bad, code, b)
		}
	}
}
