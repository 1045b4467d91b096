//go:build unix

package console

import (
	"testing"

	"github.com/chromedp/chromedp/kb"
)

// TestKeyboardShortcuts drives the console with keys only: / focuses the
// search field, Esc leaves it, c opens compose, g s the stream, j selects
// the newest row and Enter opens it, t its conversation, ? the shortcuts.
// A key typed into a field is text, not a shortcut.
func TestKeyboardShortcuts(t *testing.T) {
	m := newMailbox(t)
	seed(m)
	c := m.web()
	p := newPage(t, 1280, 800)
	p.open(c.at("#/agents"))
	p.waitFor("the agents", `document.querySelectorAll('li.agent').length === 3`)

	p.key("/")
	p.waitFor("/ to focus the search field", `document.body.dataset.screen === "search" && document.activeElement === document.querySelector('#search-q')`)
	p.key("c")
	p.waitFor("c typed into the search field as text", `document.querySelector('#search-q').value === "c"`)
	if got := eval[string](p, `document.body.dataset.screen`); got != "search" {
		t.Errorf("c typed into the search field switched to %q", got)
	}
	p.key(kb.Escape)
	p.waitFor("Esc to leave the field", `document.activeElement !== document.querySelector('#search-q')`)

	p.key("c")
	p.waitFor("c to open compose", `document.body.dataset.screen === "compose"`)
	p.key(kb.Escape)
	p.waitFor("Esc to leave compose's field", `!document.activeElement || !document.activeElement.matches('input, textarea, select')`)

	p.key("gs")
	p.waitFor("g s to open the stream", `document.body.dataset.screen === "stream" && document.querySelectorAll('#stream-list li.msg').length === 4`)
	p.key("j")
	p.waitFor("j to select the newest row", `(li => li && li.getAttribute("aria-selected") === "true")(document.querySelector('#stream-list li.msg'))`)
	p.key(kb.Enter)
	p.waitFor("Enter to open the selected message", `document.body.dataset.screen === "message" && document.querySelector('#message-body').textContent === `+js(replyText))
	p.key("t")
	p.waitFor("t to open its conversation", `document.body.dataset.screen === "thread" && document.querySelectorAll('#thread-list li.msg').length === 2`)

	p.key("?")
	p.waitFor("? to show the shortcuts", `!document.querySelector('#help').hidden`)
	p.key(kb.Escape)
	p.waitFor("Esc to close them", `document.querySelector('#help').hidden`)
}
