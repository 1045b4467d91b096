//go:build unix

package console

import (
	"testing"
)

// noOverflow is true when the page is no wider than the viewport: nothing
// to scroll sideways.
const noOverflow = `document.scrollingElement.scrollWidth <= window.innerWidth`

// TestNarrowScreen opens the console at 360 x 740, a phone held upright:
// the agents and the stream show their rows with nothing wider than the
// screen, and the compose form sends and shows its receipt.
func TestNarrowScreen(t *testing.T) {
	m := newMailbox(t)
	conv := seed(m)
	c := m.web()
	p := newPage(t, 360, 740)

	p.open(c.at("#/agents"))
	p.waitFor("the agents", `document.querySelectorAll('li.agent').length === 3`)
	if !eval[bool](p, noOverflow) {
		t.Errorf("the agents screen is %d px wide on a 360 px screen", eval[int](p, `document.scrollingElement.scrollWidth`))
	}

	p.do(clickCSS("a#nav-stream"))
	p.waitFor("the stream", `document.querySelectorAll('#stream-list li.msg').length === 4`)
	p.waitFor("the urgent message's text", rowOf(conv.freeze)+`.textContent.includes("auth freeze")`)
	if !eval[bool](p, noOverflow) {
		t.Errorf("the stream is %d px wide on a 360 px screen", eval[int](p, `document.scrollingElement.scrollWidth`))
	}
	if !eval[bool](p, `[...document.querySelectorAll('#stream-list li.msg')].every(li => li.getBoundingClientRect().right <= window.innerWidth + 0.5)`) {
		t.Errorf("a message row of the stream reaches past the 360 px screen")
	}
	p.screenshot("narrow")

	p.do(clickCSS("a#nav-compose"))
	p.waitFor("the compose form", `document.body.dataset.screen === "compose"`)
	if !eval[bool](p, noOverflow) {
		t.Errorf("the compose form is %d px wide on a 360 px screen", eval[int](p, `document.scrollingElement.scrollWidth`))
	}
	compose(p, "carol", "from a phone", "high", "Sent from the console on a narrow screen.")
	id := receiptOf(p, "carol")
	got := m.check("carol")
	if len(got) != 1 || got[0].ID != id || got[0].From != "human" {
		t.Errorf("carol's ipc check got %+v, want the message %s composed on the narrow screen", got, id)
	}
}
