package search

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// MaxTermLen is the longest term indexed, in bytes; longer runs of letters
// (hashes, base64) are dropped rather than cut, so that a cut never matches
// a term it was not.
const MaxTermLen = 64

// Tokens splits text into its terms: runs of Unicode letters and digits,
// lowercased, in order, with repeats. Runs over MaxTermLen bytes are dropped.
func Tokens(text string) []string {
	var out []string
	eachToken(text, func(t string) { out = append(out, t) })
	return out
}

// eachToken calls fn with each term of text, in order.
func eachToken(text string, fn func(string)) {
	start := -1
	flush := func(end int) {
		if start < 0 {
			return
		}
		t := text[start:end]
		start = -1
		if t = lower(t); len(t) <= MaxTermLen {
			fn(t)
		}
	}
	for i, r := range text {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			if start < 0 {
				start = i
			}
			continue
		}
		flush(i)
	}
	flush(len(text))
}

// lower lowercases a term, without allocating when it is lowercase ASCII.
func lower(t string) string {
	for i := 0; i < len(t); i++ {
		c := t[i]
		if c >= utf8.RuneSelf || 'A' <= c && c <= 'Z' {
			return strings.ToLower(t)
		}
	}
	return t
}

// uniqueTokens is the set of terms of text, each once.
func uniqueTokens(text string, into map[string]struct{}) {
	eachToken(text, func(t string) { into[t] = struct{}{} })
}

// ContainsPhrase reports whether the terms of phrase occur in text one
// after the other. It is the check a phrase query makes on each candidate,
// and the plain scan's matcher for phrases, so both agree.
func ContainsPhrase(text string, phrase []string) bool {
	n := len(phrase)
	if n == 0 {
		return true
	}
	window := make([]string, 0, n) // the latest n tokens, as a ring once full
	seen := 0
	found := false
	eachToken(text, func(t string) {
		if found {
			return
		}
		if len(window) < n {
			window = append(window, t)
		} else {
			window[seen%n] = t
		}
		seen++
		if seen < n {
			return
		}
		for i := range n {
			if window[(seen+i)%n] != phrase[i] {
				return
			}
		}
		found = true
	})
	return found
}
