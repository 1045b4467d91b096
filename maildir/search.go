package maildir

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/ipc-dev/ipc/internal/search"
	"github.com/ipc-dev/ipc/internal/text"
)

// Search pages, newest first.
const (
	DefaultSearchLimit = 20
	MaxSearchLimit     = 1000
)

// Search finds the mail the session's agent sent or received, newest
// first, through the search index (caught up first) or, with q.Scan or when
// the index cannot be used, by reading every file of that mail. Either way
// the hits are read from the files, and nothing is marked read. Errors:
// BadRequest (a malformed query or cursor, a prefix standing for too many
// terms), NotFound (q.Thread names no message of the agent's).
func (s *Session) Search(ctx context.Context, q SearchQuery) (SearchResult, error) {
	const op = OpSearch
	if err := s.begin(op); err != nil {
		return SearchResult{}, err
	}
	p, err := s.st.planSearch(op, s.ID(), q)
	if err != nil {
		return SearchResult{}, err
	}
	if !q.Scan {
		res, err := s.st.searchIndexed(ctx, p)
		switch {
		case err == nil:
			return res, nil
		case errors.Is(err, search.ErrQuery):
			return SearchResult{}, errorf(op, BadRequest, p.me, "%s", queryMsg(err))
		case ctx.Err() != nil:
			return SearchResult{}, ctx.Err()
		}
		s.st.opts.Logf("maildir: searching by a scan of the files, the index cannot be used: %v", err)
	}
	return s.st.searchScan(ctx, p)
}

// ParseSince reads a time bound as every door takes it: a duration before
// now ("90m", "2h", "3d", "1w"), an RFC 3339 time, or a date (YYYY-MM-DD,
// midnight local time); "" is no bound. Errors: BadRequest.
func ParseSince(op Op, s string, now time.Time) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	t, err := search.ParseSince(s, now)
	if err != nil {
		return time.Time{}, errorf(op, BadRequest, "", "%s", queryMsg(err))
	}
	return t, nil
}

// Snippet is the line a door shows for a search hit: the words of content
// around the first match of query (the text a Search was given), on one
// line of at most width runes, "…" marking cuts; content's start when the
// query matches elsewhere or does not parse.
func Snippet(query, content string, width int) string {
	q, err := search.ParseQuery(query, time.Now())
	if err != nil {
		q = search.Query{}
	}
	return search.Snippet(content, q, width)
}

// queryMsg is an engine's query error as a sentence.
func queryMsg(err error) string {
	return strings.TrimPrefix(err.Error(), search.ErrQuery.Error()+": ")
}

// searchPlan is a search checked and resolved: whose mail, which query,
// which page.
type searchPlan struct {
	op     Op
	me     string // whose mail; "" with all
	all    bool   // every mailbox's mail, for the overseer (SearchAll)
	q      search.Query
	unread bool
	limit  int
	after  uint64
}

// planSearch parses q's text and merges its fields with the query's
// inline ones (from:, to:, thread:, since:).
func (st *Store) planSearch(op Op, me string, q SearchQuery) (searchPlan, error) {
	p := searchPlan{op: op, me: me, all: me == "", unread: q.Unread}
	parsed, err := search.ParseQuery(q.Text, st.now())
	if err != nil {
		return p, errorf(op, BadRequest, me, "%s", queryMsg(err))
	}
	if parsed.Empty() && strings.TrimSpace(q.Text) != "" && parsed.From == "" && parsed.To == "" && parsed.Thread == "" && parsed.Since.IsZero() {
		return p, errorf(op, BadRequest, me, "the query %q holds no word to look for", text.Cut(q.Text, 40))
	}
	for _, f := range []struct {
		name     string
		dst      *string
		given    string
		resolves bool
	}{{"from", &parsed.From, q.From, false}, {"to", &parsed.To, q.To, false}, {"thread", &parsed.Thread, q.Thread, true}} {
		if f.given != "" && *f.dst != "" && f.given != *f.dst {
			return p, errorf(op, BadRequest, me, "%s is given twice: %q and %q", f.name, text.Cut(f.given, 40), text.Cut(*f.dst, 40))
		}
		if f.given != "" {
			*f.dst = f.given
		}
	}
	if parsed.Thread != "" {
		// Any message of the conversation names it, if it is the agent's.
		m, err := st.mineOrAny(op, me, parsed.Thread)
		if err != nil {
			return p, err
		}
		parsed.Thread = m.ThreadID()
	}
	if q.Since.After(parsed.Since) {
		parsed.Since = q.Since
	}
	p.q = parsed
	p.limit, err = pageSize(op, me, q.Limit, DefaultSearchLimit, MaxSearchLimit)
	if err != nil {
		return p, err
	}
	p.after, err = parseCursor(op, me, q.After)
	return p, err
}

// pageSize is a page's size: def for 0, at most max (0: no most).
func pageSize(op Op, me string, n, def, max int) (int, error) {
	switch {
	case n < 0:
		return 0, errorf(op, BadRequest, me, "a page size must not be negative (got %d)", n)
	case n == 0:
		return def, nil
	case max > 0:
		return min(n, max), nil
	}
	return n, nil
}

// A cursor is the index's key of the last message of a page, in hex: the
// same order in the index and in a scan (which uses the key the message's
// time gives; two messages of the same nanosecond may page differently).
func formatCursor(k uint64) string { return fmt.Sprintf("%016x", k) }

func parseCursor(op Op, me, s string) (uint64, error) {
	if s == "" {
		return 0, nil
	}
	k, err := strconv.ParseUint(s, 16, 64)
	if err != nil || len(s) != 16 {
		return 0, errorf(op, BadRequest, me, "cursor %q is not one a page returned", text.Cut(s, 40))
	}
	return k, nil
}

// searchIndexed answers p through the index, caught up first.
func (st *Store) searchIndexed(ctx context.Context, p searchPlan) (SearchResult, error) {
	var res SearchResult
	rebuilt, err := st.withIndex(func(ix *search.Index) error {
		res = SearchResult{}
		if _, err := st.catchUp(ctx, ix); err != nil {
			return err
		}
		return ix.View(func(tx *search.Tx) error {
			_, next, err := tx.Search(search.Search{
				Query: p.q, Me: p.me, All: p.all, After: p.after, Limit: p.limit,
				Accept: func(d search.Doc) bool {
					m, ok := st.hit(p, d)
					if ok {
						res.Messages = append(res.Messages, m)
					}
					return ok
				},
			})
			if next != 0 {
				res.Next = formatCursor(next)
				res.Messages = res.Messages[:p.limit] // without the one that told there is more
			}
			return err
		})
	})
	res.Rebuilt = rebuilt
	return res, err
}

// hit reads the message of an index document from its file and checks it
// against the plan: the file (found again if it moved), the agent's scope
// by the files (the recipient's box, or the sender's own record), unread,
// and the query's text. An index entry never stands in for the file.
func (st *Store) hit(p searchPlan, d search.Doc) (Message, bool) {
	if !knownEntry(d) {
		return Message{}, false
	}
	box, sub := splitFolder(d.Folder)
	m, err := st.readMessage(st.boxPath(box, sub, d.Name))
	read := sub == dirCur
	if err != nil {
		path, r, found := st.locate(box, d.ID)
		if !found {
			return Message{}, false
		}
		if m, err = st.readMessage(path); err != nil {
			return Message{}, false
		}
		read = r
	}
	m.Read = read
	return m, st.inScope(p, box, &m) && st.matchesText(p.q, &m)
}

// inScope reports whether message m of box is the plan's agent's (received,
// or sent by its own record) and passes the unread filter, which reads only
// received mail: unread is the file in the agent's new/ now.
func (st *Store) inScope(p searchPlan, box string, m *Message) bool {
	if p.all {
		return !p.unread || !m.Read
	}
	if box != p.me {
		if rec, ok := st.readSent(p.me, m.ID); !ok || m.From != p.me || rec.ID != m.ID {
			return false
		}
	}
	return !p.unread || box == p.me && !m.Read
}

// matchesText reports whether m's text holds every term, phrase and prefix
// of q: the scan's matcher, and the index's check of its candidates.
func (st *Store) matchesText(q search.Query, m *Message) bool {
	if q.Empty() {
		return true
	}
	text := st.searchText(m)
	terms := map[string]bool{}
	for _, t := range search.Tokens(text) {
		terms[t] = true
	}
	for _, t := range q.Terms {
		if !terms[t] {
			return false
		}
	}
	for _, pre := range q.Prefixes {
		if !hasPrefixed(terms, pre) {
			return false
		}
	}
	for _, ph := range q.Phrases {
		if !search.ContainsPhrase(text, ph) {
			return false
		}
	}
	return true
}

func hasPrefixed(terms map[string]bool, prefix string) bool {
	for t := range terms {
		if strings.HasPrefix(t, prefix) {
			return true
		}
	}
	return false
}

// scanned is one message of a scan, with its place in the index's order.
type scanned struct {
	key uint64
	msg Message
}

// scanMine reads every message the agent me received or sent, in no order,
// keeping those keep accepts; with me "", every message of every mailbox.
func (st *Store) scanMine(ctx context.Context, me string, keep func(box string, m *Message) bool) ([]scanned, error) {
	if me == "" {
		return st.scanAll(ctx, keep)
	}
	var out []scanned
	add := func(box, path string, read bool) {
		m, err := st.readMessage(path)
		if err != nil {
			return
		}
		m.Read = read
		if keep(box, &m) {
			out = append(out, scanned{search.KeyOf(sortTime(&m)), m})
		}
	}
	for _, sub := range []string{dirNew, dirCur} {
		names, err := listDir(st.boxPath(me, sub))
		if err != nil {
			return nil, err
		}
		for _, n := range names {
			if ctx.Err() != nil {
				return nil, ctx.Err()
			}
			add(me, st.boxPath(me, sub, n), sub == dirCur)
		}
	}
	sent, err := listDir(st.boxPath(me, dirSent))
	if err != nil {
		return nil, err
	}
	for _, n := range sent {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		if strings.HasSuffix(n, sufExpired) || strings.HasSuffix(n, sufBounced) || strings.HasSuffix(n, sentTmpExtra) {
			continue
		}
		rec, ok := st.readSent(me, n)
		if !ok || rec.To == me {
			continue // mail to oneself was read from the box
		}
		if path, read, found := st.locate(rec.To, rec.ID); found {
			add(rec.To, path, read)
		}
	}
	return out, nil
}

// searchScan answers p by reading every file of the agent's mail.
func (st *Store) searchScan(ctx context.Context, p searchPlan) (SearchResult, error) {
	q := p.q
	all, err := st.scanMine(ctx, p.me, func(box string, m *Message) bool {
		return (q.From == "" || m.From == q.From) && (q.To == "" || box == q.To) &&
			(q.Thread == "" || m.ThreadID() == q.Thread) && (q.Since.IsZero() || !sortTime(m).Before(q.Since)) &&
			st.inScope(p, box, m) && st.matchesText(q, m)
	})
	if err != nil {
		return SearchResult{}, ioError(p.op, p.me, err)
	}
	slices.SortFunc(all, func(a, b scanned) int { return cmpKey(a.key, b.key, a.msg.ID, b.msg.ID) })
	return SearchResult{MessagePage: scannedPage(all, p.limit, func(k uint64) bool { return k <= p.after })}, nil
}

// scannedPage is the page of a scan's messages, sorted in the page's order:
// the first limit not skipped (those of earlier pages), and the cursor of
// the next page when more are left.
func scannedPage(all []scanned, limit int, skip func(key uint64) bool) MessagePage {
	var page MessagePage
	for _, h := range all {
		if skip(h.key) {
			continue
		}
		if len(page.Messages) == limit {
			page.Next = formatCursor(search.KeyOf(sortTime(&page.Messages[len(page.Messages)-1])))
			break
		}
		page.Messages = append(page.Messages, h.msg)
	}
	return page
}

// sortTime is the time that orders a message in search and threads: its
// time, made precise by its file name's microseconds when the header gave
// whole seconds only (a Date header, from other tools), so that fewer
// messages tie.
func sortTime(m *Message) time.Time {
	if m.Time.Nanosecond() != 0 {
		return m.Time
	}
	if us := nameTime(filepath.Base(m.Path)); us/1e6 == m.Time.Unix() {
		return timeFromMicros(us)
	}
	return m.Time
}

// cmpKey orders by key, then id.
func cmpKey(a, b uint64, ida, idb string) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return strings.Compare(ida, idb)
}
