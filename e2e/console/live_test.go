//go:build unix

package console

import (
	"fmt"
	"strings"
	"testing"
)

// TestLiveArrival keeps the stream open while ipc send, another process,
// writes mail: each message appears at the top of the stream, pushed over
// the event stream, and the recipient's unread count on the agents screen
// follows. The page is never reloaded.
func TestLiveArrival(t *testing.T) {
	m := newMailbox(t)
	m.send("bob", "alice", "bob is here")
	first := m.send("alice", "bob", "before the page opened")
	c := m.web()
	p := newPage(t, 1280, 800)
	p.open(c.at("#/stream"))
	p.waitFor("the event stream", `document.querySelector('#conn').dataset.state === "open"`)
	p.waitFor("the backlog", rowOf(first))
	before := eval[int](p, `document.querySelectorAll('#stream-list li.msg').length`)
	eval[bool](p, `window.__sameDocument = true`)

	for i := range 3 {
		text := fmt.Sprintf("landed while the page was open, number %d", i)
		id := m.send("carol", "bob", text, "--subject", "live")
		p.waitFor("the new message at the top of the stream", fmt.Sprintf(
			`(li => li && li.dataset.msgId === %s && li.textContent.includes(%s))(document.querySelector('#stream-list li.msg'))`,
			js(id), js(text[:30])))
	}
	if got, want := eval[string](p, `document.querySelector('#stream-count').textContent`), fmt.Sprint(before+3); !strings.Contains(got, want) {
		t.Errorf("#stream-count reads %q with %s messages in the stream", got, want)
	}

	p.do(clickCSS("a#nav-agents"))
	p.waitFor("bob's unread count", `(e => e && e.dataset.count === "4")(document.querySelector('li.agent[data-agent=bob] [data-field=unread]'))`)
	m.send("alice", "bob", "one more while the agents are in view")
	p.waitFor("bob's unread count to follow", `(e => e && e.dataset.count === "5")(document.querySelector('li.agent[data-agent=bob] [data-field=unread]'))`)
	m.check("bob")
	p.waitFor("bob's unread count to fall when bob reads", `(e => e && e.dataset.count === "0")(document.querySelector('li.agent[data-agent=bob] [data-field=unread]'))`)
	if !eval[bool](p, `window.__sameDocument === true`) {
		t.Errorf("the page reloaded: it must follow the mail over its event stream")
	}
}
