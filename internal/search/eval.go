package search

import (
	"encoding/binary"

	bolt "go.etcd.io/bbolt"
)

// Search is one search of an index.
type Search struct {
	Query Query
	Me    string // only documents to Me or from Me
	All   bool   // every document, whoever it is to or from (Me is ignored)
	After uint64 // a cursor: only documents after this key (older); 0 starts at the newest
	Limit int    // at most this many hits; 0 means no limit
	// Accept is the caller's last word on a candidate that matches in the
	// index: it reads the file, checks the phrases against its text, and
	// may refuse it. Nil accepts every candidate.
	Accept func(Doc) bool
}

// Search returns the documents matching s, newest first, and the cursor of
// the next page (0 when there is none). It looks for one hit more than
// s.Limit to know whether there is a next page: Accept sees it. Errors: ErrQuery for a prefix that
// stands for too many terms.
func (t *Tx) Search(s Search) (hits []Doc, next uint64, err error) {
	it, err := t.plan(s)
	if err != nil || it == nil {
		return nil, 0, err
	}
	limit := ^uint64(0)
	if !s.Query.Since.IsZero() {
		limit = KeyOf(s.Query.Since)
	}
	for k := s.After + 1; k != 0; k++ { // k wraps to 0 past the last key
		var ok bool
		if k, ok = it.seek(k); !ok || k > limit {
			return hits, 0, nil
		}
		d, ok := t.doc(k)
		if !ok || !s.matches(d) || s.Accept != nil && !s.Accept(d) {
			continue
		}
		hits = append(hits, d)
		if s.Limit > 0 && len(hits) > s.Limit { // one more: there is a next page
			return hits[:s.Limit], hits[s.Limit-1].Key, nil
		}
	}
	return hits, 0, nil
}

// matches checks the fields of a document's record, which is the truth
// where a posting is stale (a document moved to another mailbox).
func (s Search) matches(d Doc) bool {
	q := s.Query
	return (s.All || d.To == s.Me || d.From == s.Me) &&
		(q.From == "" || d.From == q.From) && (q.To == "" || d.To == q.To) &&
		(q.Thread == "" || d.Thread == q.Thread) &&
		(q.Since.IsZero() || !d.Time.Before(q.Since))
}

// plan builds the iterator of s: the scope (to or from Me) and every term,
// phrase term, prefix and field. A nil iterator matches nothing.
func (t *Tx) plan(s Search) (iterator, error) {
	q := s.Query
	its := andIter{}
	term := func(tm string) { its = append(its, newTermIter(t.post, tm)) }
	// The rarest first would be best; fields first is a good guess.
	if q.Thread != "" {
		term(threadTerm(q.Thread))
	}
	if q.From != "" {
		term(fromTerm(q.From))
	}
	if q.To != "" {
		term(toTerm(q.To))
	}
	for _, tm := range q.Terms {
		term(tm)
	}
	for _, ph := range q.Phrases {
		for _, tm := range ph {
			term(tm)
		}
	}
	for _, p := range q.Prefixes {
		terms := prefixTerms(t.post, p, MaxPrefixTerms)
		if len(terms) > MaxPrefixTerms {
			return nil, queryErr("%s* stands for more than %d terms: give more of the word", cut(p), MaxPrefixTerms)
		}
		if len(terms) == 0 {
			return nil, nil
		}
		or := make([]iterator, len(terms))
		for i, tm := range terms {
			or[i] = newTermIter(t.post, tm)
		}
		its = append(its, newOr(or...))
	}
	if s.All {
		if len(its) == 0 {
			return docsIter{t.docs.Cursor()}, nil
		}
		return its, nil
	}
	if s.Me == "" {
		return nil, nil
	}
	its = append(its, newOr(newTermIter(t.post, toTerm(s.Me)), newTermIter(t.post, fromTerm(s.Me))))
	return its, nil
}

// docsIter is every document's key, in order: the scope of a search of
// every mailbox with no term to narrow it.
type docsIter struct{ c *bolt.Cursor }

func (d docsIter) seek(k uint64) (uint64, bool) {
	key, _ := d.c.Seek(keyBytes(k))
	if len(key) != 8 {
		return 0, false
	}
	return binary.BigEndian.Uint64(key), true
}
