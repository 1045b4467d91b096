package maildir

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
)

// The budgeted check: the one rule every door follows to mark read only
// what its client shows whole.
//
// A client keeps a bounded part of what a door gives it (Codex about 12,000
// characters of a tool result, Claude Code 10,000 of hook output, ...) and
// drops or replaces the rest. So a door does not claim messages and then
// cut its text: it passes its formatter, and the check claims only the
// messages whose rendering, as the door will emit it, measures within the
// limit in the unit the client counts. The text is built before each claim
// (a crash in between leaves the message unread, never read and unshown).
// A message too big for the budget on its own is surfaced as its summary
// and the path of the file holding it whole, never cut in the middle
// (Oversize says whether others come beside it, and lets a client that
// takes any size have it whole); the rest stays unread and is counted.

// Budget is what a budgeted check must fit.
type Budget struct {
	// Limit is the most Measure may return for the final text.
	Limit int
	// Measure counts a text as the client does (UTF-16 units, bytes, ...);
	// nil counts bytes.
	Measure func(string) int
	// Render is the door's formatter: the exact text the door emits for
	// what a check shows, framing and all. A text for fewer messages, a
	// smaller remaining count or fewer warnings must not measure more.
	Render func(Shown) string
	// Oversize is how a message over Limit on its own is shown; the zero
	// value is SummaryBeside.
	Oversize Oversize
}

// Oversize is how a budgeted check shows a message over its budget on its
// own. The rule is the core's (never claimed then cut); what differs is
// only what a door's client can take.
type Oversize int

const (
	// SummaryBeside shows it as its summary and the path of its full text,
	// with the messages that fit beside it (MCP, the hook).
	SummaryBeside Oversize = iota
	// SummaryAlone shows it as its summary and the path of its full text,
	// alone in its check: the socket's legacy reply, which has always
	// answered such a message alone.
	SummaryAlone
	// WholeAlone shows it whole, alone, over the limit: for a client that
	// takes a reply of any size, where Limit bounds only how much one
	// reply gathers (the socket's fast path).
	WholeAlone
)

// Shown is what a budgeted check shows the client.
type Shown struct {
	Items     []Surfaced // the messages claimed, in arrival order
	Remaining int        // unread messages left for a later check
	Warnings  []string   // see CheckResult.Warnings
}

// Surfaced is one message a budgeted check shows: whole, or, when it alone
// is over the budget, as its summary and the path of its full text.
type Surfaced struct {
	Message        // as read; Path is its file in cur/ once claimed
	Whole   bool   // shown whole; otherwise only Summary and FullText
	Summary string // when not Whole: the first sentences of its content
	Size    int    // bytes of its content and data
	// FullText, when not Whole, is the file that holds the whole message
	// (content and data): its maildir file in cur/. The content of a large
	// message in it ends with the path of its markdown file.
	FullText string
}

// Checked is the result of a budgeted check.
type Checked struct {
	Shown
	Text   string      // Render's final text, within the budget
	Result CheckResult // the underlying check (quarantined entries, Stopped)
}

// Checker is a mailbox a check claims from and waits on (see CheckWait):
// a Session or an Inbox.
type Checker interface {
	Check(ctx context.Context, opt CheckOptions) (CheckResult, error)
	Wait(ctx context.Context) error
}

// Budget bounds used while measuring: the remaining count and the warnings
// are known only once the check is over, so candidates are measured with
// the largest remaining count and with the short warning line, which
// bound what the final text holds.
const measureRemaining = 999_999_999

// shortWarning replaces the warnings of a final text that would not fit
// with them.
func shortWarning(n int) string {
	return fmt.Sprintf("%d warnings about this mailbox: ipc doctor lists them", n)
}

// CheckWithin claims unread messages in arrival order while the text
// b.Render makes of them measures within b.Limit, and returns that text.
// opt.Max still bounds the count; opt.Accept is replaced. A message that
// would fit alone but not beside those already taken stays unread for the
// next check, where it comes first. Errors: as Check.
func CheckWithin(ctx context.Context, c Checker, opt CheckOptions, b Budget) (Checked, error) {
	if b.Measure == nil {
		b.Measure = func(s string) int { return len(s) }
	}
	fits := func(items []Surfaced) bool {
		text := b.Render(Shown{Items: items, Remaining: measureRemaining, Warnings: []string{shortWarning(measureRemaining)}})
		return b.Measure(text) <= b.Limit
	}
	var picked []Surfaced
	closed := false // an oversized message shown alone was taken
	opt.Accept = func(m *Message) bool {
		if closed {
			return false
		}
		whole := surface(*m, true)
		if fits(append(picked, whole)) {
			picked = append(picked, whole)
			return true
		}
		if len(picked) > 0 && (b.Oversize != SummaryBeside || fits([]Surfaced{whole})) {
			return false // shown by the next check, first
		}
		s := whole
		if b.Oversize != WholeAlone {
			if s = surface(*m, false); !fits(append(picked, s)) {
				return false
			}
		}
		picked = append(picked, s)
		closed = b.Oversize != SummaryBeside
		return true
	}
	res, err := c.Check(ctx, opt)
	if err != nil {
		return Checked{Result: res}, err
	}
	byPath := make(map[string]Surfaced, len(picked))
	for _, p := range picked {
		byPath[p.Path] = p
	}
	out := Checked{Result: res, Shown: Shown{Remaining: res.Remaining, Warnings: res.Warnings()}}
	for _, m := range res.Messages {
		p := byPath[m.Path]
		p.Message = m
		out.Items = append(out.Items, p)
	}
	out.Text = b.Render(out.Shown)
	if n := len(out.Warnings); n > 0 && b.Measure(out.Text) > b.Limit {
		short := out.Shown
		short.Warnings = []string{shortWarning(n)}
		// Over the limit by a message shown whole, the short line would
		// not bring it within: the warnings stay whole.
		if text := b.Render(short); b.Oversize != WholeAlone || b.Measure(text) <= b.Limit {
			out.Shown, out.Text = short, text
		}
	}
	return out, nil
}

// surface is m as a budgeted check shows it, with Path set to where the
// claim moves it (the file in cur/ that then holds it).
func surface(m Message, whole bool) Surfaced {
	if dir := filepath.Dir(m.Path); filepath.Base(dir) == dirNew {
		m.Path = filepath.Join(filepath.Dir(dir), dirCur, claimID(filepath.Base(m.Path))+infoSeen)
	}
	s := Surfaced{Message: m, Whole: whole, Size: len(m.Content) + len(m.Data)}
	if !whole {
		s.Summary = Summary(m.Content)
		s.FullText = m.Path
	}
	return s
}

// maxSummary bounds a summary, in characters: a "sentence" of a peer's
// text may be a whole file long.
const maxSummary = 300

// Summary returns the summary the original product gives a large message
// (its first two sentences, or its first 150 characters), at most
// maxSummary characters on one line.
func Summary(content string) string {
	s := strings.Join(strings.Fields(summarize(content)), " ")
	n := 0
	for i := range s {
		if n == maxSummary {
			return s[:i] + "…"
		}
		n++
	}
	return s
}
