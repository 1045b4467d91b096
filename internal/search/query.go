package search

import (
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"
)

// Query is a parsed search: every Term, every Phrase and one term of each
// Prefix must occur in a message; the fields narrow it further.
//
// The text form, as people type it:
//
//	auth module            both terms
//	"freeze the branch"    the terms one after the other
//	auth*                  any term starting with auth
//	from:alice to:bob thread:<id> since:2h    fields (since: a duration, RFC 3339 time or date)
type Query struct {
	Terms    []string   // each must occur
	Phrases  [][]string // each must occur in this order
	Prefixes []string   // some term with each prefix must occur
	From     string
	To       string
	Thread   string
	Since    time.Time
}

// Limits of a query, so that one cannot make the index do unbounded work.
const (
	MaxQueryLen    = 1024 // bytes of query text
	MaxQueryParts  = 16   // terms, phrases and prefixes together
	MinPrefixLen   = 2    // bytes before the *
	MaxPrefixTerms = 128  // distinct indexed terms one prefix may stand for
)

// ErrQuery is the error of a query that is not well formed or too broad;
// the message says why.
var ErrQuery = errors.New("bad query")

func queryErr(format string, a ...any) error {
	return fmt.Errorf("%w: %s", ErrQuery, fmt.Sprintf(format, a...))
}

// ParseQuery reads the text form of a query. now anchors a since: given
// as a duration. Errors wrap ErrQuery.
func ParseQuery(s string, now time.Time) (Query, error) {
	var q Query
	if len(s) > MaxQueryLen {
		return q, queryErr("the query is %d bytes, over the %d-byte limit", len(s), MaxQueryLen)
	}
	if !utf8.ValidString(s) {
		return q, queryErr("the query is not valid UTF-8 text")
	}
	rest := s
	for {
		rest = strings.TrimLeft(rest, " \t\r\n")
		if rest == "" {
			break
		}
		var word string
		if rest[0] == '"' {
			end := strings.IndexByte(rest[1:], '"')
			if end < 0 {
				return q, queryErr("a phrase opened with \" is not closed")
			}
			q.addPhrase(Tokens(rest[1 : 1+end]))
			rest = rest[end+2:]
			continue
		}
		if i := strings.IndexAny(rest, " \t\r\n\""); i >= 0 {
			word, rest = rest[:i], rest[i:]
		} else {
			word, rest = rest, ""
		}
		if err := q.addWord(word, now); err != nil {
			return q, err
		}
	}
	if n := len(q.Terms) + len(q.Phrases) + len(q.Prefixes); n > MaxQueryParts {
		return q, queryErr("the query has %d terms, over the limit of %d", n, MaxQueryParts)
	}
	return q, nil
}

// addWord takes one unquoted word: a field, a prefix or terms.
func (q *Query) addWord(word string, now time.Time) error {
	if k, v, ok := strings.Cut(word, ":"); ok {
		switch strings.ToLower(k) {
		case "from", "to", "thread", "since":
			if v == "" {
				return queryErr("%s: needs a value, as in %s:alice", k, k)
			}
			return q.setField(strings.ToLower(k), v, now)
		}
	}
	if strings.HasSuffix(word, "*") {
		toks := Tokens(strings.TrimSuffix(word, "*"))
		if len(toks) != 1 || strings.Count(word, "*") != 1 {
			return queryErr("%q: a prefix is letters and digits followed by one *, as in auth*", cut(word))
		}
		if len(toks[0]) < MinPrefixLen {
			return queryErr("%q: a prefix needs at least %d characters before the *", cut(word), MinPrefixLen)
		}
		q.Prefixes = append(q.Prefixes, toks[0])
		return nil
	}
	toks := Tokens(word)
	if len(toks) > 1 { // auth-module, v1.2: its terms in order
		q.addPhrase(toks)
		return nil
	}
	q.Terms = append(q.Terms, toks...)
	return nil
}

// addPhrase adds the terms of a phrase; a one-term phrase is a term.
func (q *Query) addPhrase(toks []string) {
	switch len(toks) {
	case 0:
	case 1:
		q.Terms = append(q.Terms, toks[0])
	default:
		q.Phrases = append(q.Phrases, toks)
	}
}

// setField sets one field of the query, refusing a second different value.
func (q *Query) setField(k, v string, now time.Time) error {
	if k == "since" {
		t, err := ParseSince(v, now)
		if err != nil {
			return err
		}
		q.Since = t
		return nil
	}
	dst := map[string]*string{"from": &q.From, "to": &q.To, "thread": &q.Thread}[k]
	if *dst != "" && *dst != v {
		return queryErr("%s: is given twice (%q and %q)", k, cut(*dst), cut(v))
	}
	*dst = v
	return nil
}

// Empty reports whether the query has no terms, phrases or prefixes.
func (q Query) Empty() bool {
	return len(q.Terms) == 0 && len(q.Phrases) == 0 && len(q.Prefixes) == 0
}

// ParseSince reads a time bound as the doors take it: a duration before
// now ("90m", "2h", "3d", "1w"), an RFC 3339 time, or a date (YYYY-MM-DD,
// midnight local time). Errors wrap ErrQuery.
func ParseSince(s string, now time.Time) (time.Time, error) {
	s = strings.TrimSpace(s)
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return t, nil
	}
	if t, err := time.ParseInLocation("2006-01-02", s, now.Location()); err == nil {
		return t, nil
	}
	unit := time.Duration(0)
	switch {
	case strings.HasSuffix(s, "d"):
		unit = 24 * time.Hour
	case strings.HasSuffix(s, "w"):
		unit = 7 * 24 * time.Hour
	}
	if unit != 0 {
		var n int
		if _, err := fmt.Sscanf(s[:len(s)-1], "%d", &n); err == nil && n >= 0 && n < 100000 && fmt.Sprint(n) == s[:len(s)-1] {
			return now.Add(-time.Duration(n) * unit), nil
		}
	} else if d, err := time.ParseDuration(s); err == nil && d >= 0 {
		return now.Add(-d), nil
	}
	return time.Time{}, queryErr("since %q is not a duration (2h, 3d), an RFC 3339 time or a date (2006-01-02)", cut(s))
}

// cut shortens text quoted in an error.
func cut(s string) string {
	if len(s) <= 40 {
		return s
	}
	i := 40
	for i > 0 && !utf8.RuneStart(s[i]) {
		i--
	}
	return s[:i] + "..."
}
