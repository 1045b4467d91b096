package main

import (
	"context"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/ipc-dev/ipc/maildir"
)

// runSearch: ipc search QUERY... [--from A] [--to B] [--thread ID]
// [--since WHEN] [--unread] [-n N] [--after CURSOR] [--json] — the mail you
// sent or received that holds every term, newest first. Nothing is marked
// read; unread mail is labelled so.
func runSearch(ctx context.Context, c *cli, args []string) error {
	fs := flags("search")
	from := fs.String("from", "", "only mail from `AGENT`")
	to := fs.String("to", "", "only mail to `AGENT`")
	thread := fs.String("thread", "", "only the conversation of message `ID`")
	since := fs.String("since", "", "only mail sent since `WHEN`: a duration (2h, 3d), an RFC 3339 time or a date")
	unread := fs.Bool("unread", false, "only mail you have not read")
	limit := fs.Int("n", maildir.DefaultSearchLimit, "`N` results a page (at least 1)")
	after := fs.String("after", "", "the next page: the `CURSOR` a page ended with")
	scan := fs.Bool("scan", false, "read every file instead of using the index (slower; the same results)")
	asJSON := fs.Bool("json", false, "print JSON (times in RFC 3339)")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if err := checkPageSize("search", *limit); err != nil {
		return err
	}
	q := maildir.SearchQuery{
		Text: strings.Join(pos, " "), From: *from, To: *to, Thread: *thread, Unread: *unread,
		Page: maildir.Page{Limit: *limit, After: *after}, Scan: *scan,
	}
	if q.Since, err = maildir.ParseSince(maildir.OpSearch, *since, time.Now()); err != nil {
		return usageError("search: --since: %s", refusal(err))
	}
	if q.Text == "" && q.From == "" && q.To == "" && q.Thread == "" && q.Since.IsZero() && !q.Unread {
		return usageError("search: want a query: ipc search WORDS, \"a phrase\", prefix*, or a filter such as --from")
	}
	return c.inSession(ctx, func(_ *maildir.Store, s *maildir.Session) error {
		res, err := s.Search(ctx, q)
		if err != nil {
			return err
		}
		if *asJSON {
			return writeJSON(c.stdout, jsonSearch{Results: jsonFound(res.Messages), Next: res.Next, Rebuilt: res.Rebuilt})
		}
		w := c.screen()
		if len(res.Messages) == 0 {
			fmt.Fprintln(w, noMore(*after, "mail matches")+".")
		}
		for _, m := range res.Messages {
			printFound(w, m, "", stateLabel(ctx, s, m), maildir.Snippet(q.Text, m.Content, snippetWidth))
		}
		var words []string
		if q.Text != "" {
			words = []string{singleQuote(q.Text)}
		}
		printNext(w, "More", fs, words, "after", res.Next)
		return nil
	})
}

// jsonSearch is a page of search results in the CLI's JSON.
type jsonSearch struct {
	Results []jsonFoundMessage `json:"results"`
	Next    string             `json:"next,omitempty"`
	Rebuilt bool               `json:"rebuilt,omitempty"`
}

// jsonFoundMessage is a message of a search or thread: the legacy shape and
// time, its conversation headers, and whether it is read.
type jsonFoundMessage struct {
	jsonMessage
	Subject   string `json:"subject,omitempty"`
	Thread    string `json:"thread"`
	InReplyTo string `json:"in_reply_to,omitempty"`
	Priority  string `json:"priority,omitempty"`
	Unread    bool   `json:"unread"`
}

func jsonFound(ms []maildir.Message) []jsonFoundMessage {
	out := make([]jsonFoundMessage, len(ms))
	for i, m := range ms {
		out[i] = jsonFoundMessage{
			jsonMessage: newJSONMessage(m), Subject: m.Subject, Thread: m.ThreadID(),
			InReplyTo: m.InReplyTo, Priority: string(m.Priority), Unread: !m.Read,
		}
	}
	return out
}

// snippetWidth is the runes of a result's second line.
const snippetWidth = 100

// printFound prints a message as one heading line and a one-line snippet
// (the words around a search's match, or the text's start):
//
//	1733052000.M1P2Q3.host  2025-01-02 03:04  alice -> bob  [unread]  Subject
//	    …the words around the match…
//
// state is the label stateLabel gives.
func printFound(w io.Writer, m maildir.Message, indent, state, snippet string) {
	var labels []string
	if state != "" {
		labels = append(labels, state)
	}
	if m.Priority != maildir.PriorityNormal {
		labels = append(labels, "["+m.Priority.String()+"]")
	}
	if m.Subject != "" {
		labels = append(labels, m.Subject)
	}
	fmt.Fprintf(w, "%s%s  %s  %s -> %s", indent, m.ID, m.Time.Local().Format("2006-01-02 15:04"), m.From, m.To)
	if len(labels) > 0 {
		fmt.Fprintf(w, "  %s", strings.Join(labels, "  "))
	}
	fmt.Fprintf(w, "\n%s    %s\n", indent, snippet)
}

// stateLabel labels m for the session's agent: "[unread]" on mail it
// received and has not read; on mail it sent to another, where that mail
// is, in words ("[read by alice]", "[acknowledged by alice]").
func stateLabel(ctx context.Context, s *maildir.Session, m maildir.Message) string {
	if m.From != s.ID() || m.To == s.ID() {
		if m.Read {
			return ""
		}
		return "[unread]"
	}
	state := maildir.StateUnread
	if m.Read {
		state = maildir.StateRead
	}
	if d, err := s.Status(ctx, m.ID); err == nil {
		state = d.State
	}
	switch state {
	case maildir.StateQueued:
		return "[queued for " + m.To + "]"
	case maildir.StateSurfaced:
		return "[shown to " + m.To + "]"
	case maildir.StateExpired, maildir.StateBounced, maildir.StateUnknown:
		return "[" + string(state) + "]"
	}
	return "[" + string(state) + " by " + m.To + "]"
}
