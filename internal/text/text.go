// Package text holds the small rules of text that the core and the doors
// share: a string cut to a length for quoting in a sentence or shown on one
// line, and the timestamp of the original product. It imports nothing of the project.
package text

import (
	"strings"
	"time"
	"unicode/utf8"
)

// Prefix is s cut to at most n bytes without splitting a character.
func Prefix(s string, n int) string {
	if n >= len(s) {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

// Cut is s cut to at most n bytes (Prefix), with "..." when it was cut:
// for quoting a peer's long value in a message.
func Cut(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return Prefix(s, n) + "..."
}

// OneLine is s on one line (runs of white space made one space), cut to
// its first n characters with "..." when longer: for naming a message by
// its start.
func OneLine(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n]) + "..."
}

// StampLayout is the time format of the original product: naive local
// ISO 8601 with microseconds.
const StampLayout = "2006-01-02T15:04:05.000000"

// Stamp formats t as the original product did (StampLayout, local time).
func Stamp(t time.Time) string { return t.Local().Format(StampLayout) }
