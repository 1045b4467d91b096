//go:build unix

package console

import (
	"encoding/json"
	"fmt"
	"testing"

	"github.com/chromedp/chromedp"
)

// TestComposeToOneAgent writes to bob as the human through the compose
// form, with a subject and urgent priority: the receipt appears in the
// page with the message's id, bob's own ipc check gets the message from
// human, and the receipt turns to read by itself once bob has read it.
func TestComposeToOneAgent(t *testing.T) {
	m := newMailbox(t)
	m.send("bob", "alice", "bob is here")
	c := m.web()
	p := newPage(t, 1280, 800)
	p.open(c.at("#/compose"))
	p.waitFor("the compose form", `document.body.dataset.screen === "compose"`)

	const text = "Stop the deploy: the migration has not finished on the replicas."
	fill(p, "bob", "deploy", "urgent", text)
	p.screenshot("compose")
	p.do(clickCSS("#compose-send"))
	id := receiptOf(p, "bob")

	var read struct {
		From, Subject, Priority string
		Message                 struct{ Content string }
	}
	if err := json.Unmarshal([]byte(m.ipc("bob", "read", "--json", id)), &read); err != nil {
		t.Fatal(err)
	}
	if read.From != "human" || read.Subject != "deploy" || read.Priority != "urgent" || read.Message.Content != text {
		t.Errorf("bob's copy of the composed message reads %+v, want from human, subject deploy, urgent, %q", read, text)
	}
	got := m.check("bob")
	if len(got) != 1 || got[0].ID != id || got[0].From != "human" || got[0].Message.Content != text {
		t.Fatalf("bob's ipc check got %+v, want the composed message %s from human", got, id)
	}
	p.waitFor("the receipt to say read", fmt.Sprintf(
		`(li => li && li.dataset.state === "read")(document.querySelector('li.receipt[data-to=bob]'))`))
}

// compose fills the compose form in view for one recipient and sends it.
func compose(p *page, to, subject, priority, body string) {
	p.t.Helper()
	fill(p, to, subject, priority, body)
	p.do(clickCSS("#compose-send"))
}

// fill fills the compose form in view for one recipient.
func fill(p *page, to, subject, priority, body string) {
	p.t.Helper()
	p.do(
		clickCSS("#compose-mode-one"),
		chromedp.Clear(chromedp.CSS("#compose-to")),
		typeInto("#compose-to", to),
		typeInto("#compose-subject", subject),
		chromedp.SetValue(chromedp.CSS("#compose-priority"), priority),
		typeInto("#compose-body", body),
	)
}

// receiptOf waits for the receipt of the copy sent to to, and returns the
// id of the message sent.
func receiptOf(p *page, to string) string {
	p.t.Helper()
	sel := fmt.Sprintf(`document.querySelector('#receipt li.receipt[data-to=%s]')`, js(to))
	p.waitFor("the receipt for "+to, sel+` && `+sel+`.dataset.msgId`)
	if state := eval[string](p, sel+`.dataset.state`); state == "failed" {
		p.t.Fatalf("the receipt for %s says failed: %s", to, eval[string](p, sel+`.textContent`))
	}
	return eval[string](p, sel+`.dataset.msgId`)
}
