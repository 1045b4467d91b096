package search

import (
	"strings"
	"unicode"
)

// SnippetBefore is how many words a snippet shows before its match.
const SnippetBefore = 3

// Snippet is the part of text a result line shows for q: a few words
// before the first place a term, prefix or phrase of q matches, the match,
// and what follows, on one line of at most width runes, "…" marking what
// is cut on either side. Text without a match (the hit was in the subject,
// or q has only fields) shows from its start.
func Snippet(text string, q Query, width int) string {
	spans := tokenSpans(text)
	start := 0
	if i := firstMatch(spans, q); i >= 0 {
		start = spans[max(0, i-SnippetBefore)].from
	}
	line := strings.Join(strings.Fields(text[start:]), " ")
	lead := ""
	if start > 0 {
		lead = "…"
		width--
	}
	if r := []rune(line); len(r) > width {
		cut := string(r[:max(0, width-1)])
		if i := strings.LastIndexByte(cut, ' '); i > len(cut)/2 {
			cut = cut[:i] // at a word's end
		}
		line = strings.TrimRightFunc(cut, unicode.IsSpace) + "…"
	}
	return lead + line
}

// span is one term of a text and where it is.
type span struct {
	term     string
	from, to int
}

// tokenSpans is eachToken with each term's place in text, over-long runs
// included (they match nothing).
func tokenSpans(text string) []span {
	var out []span
	start := -1
	for i, r := range text {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			if start < 0 {
				start = i
			}
			continue
		}
		if start >= 0 {
			out = append(out, span{lower(text[start:i]), start, i})
			start = -1
		}
	}
	if start >= 0 {
		out = append(out, span{lower(text[start:]), start, len(text)})
	}
	return out
}

// firstMatch is the index of the first span where a term, prefix or
// phrase of q matches, or -1.
func firstMatch(spans []span, q Query) int {
	for i, s := range spans {
		for _, t := range q.Terms {
			if s.term == t {
				return i
			}
		}
		for _, p := range q.Prefixes {
			if strings.HasPrefix(s.term, p) {
				return i
			}
		}
		for _, ph := range q.Phrases {
			if len(ph) > 0 && i+len(ph) <= len(spans) && phraseAt(spans[i:], ph) {
				return i
			}
		}
	}
	return -1
}

func phraseAt(spans []span, phrase []string) bool {
	for j, w := range phrase {
		if spans[j].term != w {
			return false
		}
	}
	return true
}
