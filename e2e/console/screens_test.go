//go:build unix

package console

import (
	"fmt"
	"strings"
	"testing"
)

// TestScreensShowTheMailbox opens each screen on a seeded mailbox and
// finds the real mail in it: the agents with their unread counts, the
// stream newest first, the conversation with its reply nested, search,
// a message's timeline up to its acknowledgement, and the compose form.
// Reading all of it marks nothing read: the recipients' mail is still in
// new/ afterwards and their own ipc check gets it.
func TestScreensShowTheMailbox(t *testing.T) {
	m := newMailbox(t)
	conv := seed(m)
	c := m.web()
	p := newPage(t, 1280, 800)

	p.open(c.at("#/agents"))
	p.waitFor("the agents screen", `document.body.dataset.screen === "agents"`)
	for id, n := range conv.unread {
		p.waitFor(id+"'s unread count", fmt.Sprintf(
			`(e => e && e.dataset.count === "%d")(document.querySelector('li.agent[data-agent=%s] [data-field=unread]'))`, n, id))
	}
	if got := eval[string](p, `document.querySelector('li.agent[data-agent=bob] [data-field=doing]').textContent`); !strings.Contains(got, bobDoing) {
		t.Errorf("bob's row says he is doing %q, want %q", got, bobDoing)
	}
	if eval[bool](p, `!!document.querySelector('li.agent[data-agent=human]')`) {
		t.Errorf("the agents screen lists the human as an agent")
	}
	p.screenshot("agents")

	p.do(clickCSS("a#nav-stream"))
	p.waitFor("the stream screen", `document.body.dataset.screen === "stream"`)
	p.waitFor("the whole stream", `document.querySelectorAll('#stream-list li.msg').length === 4`)
	order := eval[[]string](p, `[...document.querySelectorAll('#stream-list li.msg')].map(li => li.dataset.msgId)`)
	if want := []string{conv.reply, conv.lunch, conv.review, conv.freeze}; strings.Join(order, " ") != strings.Join(want, " ") {
		t.Errorf("the stream shows %v, want newest first %v", order, want)
	}
	row := rowOf(conv.freeze)
	if got := eval[string](p, row+`.dataset.priority`); got != "urgent" {
		t.Errorf("the urgent message's row says priority %q", got)
	}
	if got := eval[string](p, row+`.querySelector('[data-field=subject]').textContent`); !strings.Contains(got, "auth freeze") {
		t.Errorf("the urgent message's row shows subject %q", got)
	}
	// Read state and acknowledgement, as the rows show them: bob has not
	// read the freeze; carol read the review, whose sender asked for an ack.
	if got := eval[string](p, row+`.dataset.read + " " + `+row+`.querySelector('[data-field=read]').textContent`); got != "false unread" {
		t.Errorf("the unread freeze's row says %q, want unread", got)
	}
	review := rowOf(conv.review)
	if got := eval[string](p, review+`.dataset.read + " " + `+review+`.dataset.ack + " " + `+review+`.querySelector('[data-field=ack]').textContent`); got != "true true ack requested" {
		t.Errorf("the read review's row says %q, want read, ack requested", got)
	}
	p.screenshot("stream")

	p.open(c.at("#/thread/" + conv.reply))
	p.waitFor("the conversation", `document.querySelectorAll('#thread-list li.msg').length === 2`)
	depths := eval[[]string](p, `[...document.querySelectorAll('#thread-list li.msg')].map(li => li.dataset.msgId + ":" + li.dataset.depth)`)
	if want := []string{conv.freeze + ":0", conv.reply + ":1"}; strings.Join(depths, " ") != strings.Join(want, " ") {
		t.Errorf("the conversation shows %v, want %v", depths, want)
	}
	if got := eval[string](p, `document.querySelector('#thread-subject').textContent`); !strings.Contains(got, "auth freeze") {
		t.Errorf("the conversation's subject reads %q", got)
	}
	p.screenshot("thread")

	p.open(c.at("#/search?q=eviction"))
	p.waitFor("a search result", `document.querySelectorAll('#search-results li.msg').length >= 1`)
	found := eval[[]string](p, `[...document.querySelectorAll('#search-results li.msg')].map(li => li.dataset.msgId)`)
	if len(found) != 1 || found[0] != conv.review {
		t.Errorf("searching eviction found %v, want only %s", found, conv.review)
	}
	p.screenshot("search")

	p.open(c.at("#/message/" + conv.review))
	p.waitFor("the message's timeline up to its acknowledgement",
		`document.querySelector('#message-state[data-state=acknowledged]') && document.querySelector('#timeline li[data-step=acknowledged]')`)
	if body := eval[string](p, `document.querySelector('#message-body').textContent`); body != reviewText {
		t.Errorf("the message view shows %q, want %q", body, reviewText)
	}
	steps := eval[[]string](p, `[...document.querySelectorAll('#timeline li[data-step]')].map(li => li.dataset.step)`)
	if !ordered(steps, "sent", "read", "acknowledged") {
		t.Errorf("the timeline shows steps %v, want sent, read and acknowledged in that order", steps)
	}
	p.screenshot("message")

	p.open(c.at("#/compose?to=bob"))
	p.waitFor("the compose form", `document.body.dataset.screen === "compose" && document.querySelector('#compose-body')`)
	if got := eval[string](p, `document.querySelector('#compose-to').value`); got != "bob" {
		t.Errorf("compose to bob fills in %q", got)
	}

	stillUnread(t, m, map[string][]string{"bob": {conv.freeze, conv.lunch}, "alice": {conv.reply}})
}

// stillUnread asserts that reading through the console marked nothing
// read: each recipient's mail is still in its new/, and the recipient's
// own ipc check --json returns exactly those messages.
func stillUnread(t *testing.T, m *mailbox, want map[string][]string) {
	t.Helper()
	for id, ids := range want {
		if n := m.unreadFiles(id); n != len(ids) {
			t.Errorf("%s's new/ holds %d messages after the console showed them, want %d unread", id, n, len(ids))
		}
		var got []string
		for _, msg := range m.check(id) {
			got = append(got, msg.ID)
		}
		if strings.Join(sorted(got), " ") != strings.Join(sorted(ids), " ") {
			t.Errorf("%s's ipc check got %v after the console showed the mail, want its unread %v", id, got, ids)
		}
	}
}
