//go:build unix

package console

// conversation is the mail of a small team that the screen tests seed:
// a thread with a reply, an urgent unread message, and one message read
// and acknowledged, so that every screen has real content.
type conversation struct {
	freeze string // alice to bob, urgent, unread: "auth freeze"
	reply  string // bob's answer to alice, in the same thread, unread
	lunch  string // carol to bob, unread
	review string // alice to carol, high, asked to ack: read and acknowledged
	texts  []string
	unread map[string]int // the unread count each agent should show
}

// Texts of the seeded mail, as the page must show them.
const (
	freezeText = "Freeze the auth module until the session migration lands; the token refresh path is mid-rewrite."
	replyText  = "Freezing now. I parked my branch and will rebase after the migration."
	lunchText  = "Lunch at one? The usual place."
	reviewText = "Please review PR 42 before the release cut: the cache eviction change."
)

// seed writes the conversation into m with the CLI, as the agents would.
func seed(m *mailbox) conversation {
	m.t.Helper()
	var c conversation
	c.freeze = m.send("alice", "bob", freezeText, "--subject", "auth freeze", "--priority", "urgent")
	c.review = m.send("alice", "carol", reviewText, "--subject", "review PR 42", "--priority", "high", "--ack")
	c.lunch = m.send("carol", "bob", lunchText, "--subject", "lunch")
	c.reply = m.send("bob", "alice", replyText, "--reply-to", c.freeze)
	m.check("carol")
	m.ipc("carol", "ack", c.review)
	c.texts = []string{freezeText, replyText, lunchText, reviewText}
	c.unread = map[string]int{"alice": 1, "bob": 2, "carol": 0}
	return c
}
