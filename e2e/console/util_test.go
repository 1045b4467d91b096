//go:build unix

package console

import (
	"fmt"
	"slices"
)

// rowOf is the JavaScript expression of the message row of id, on the
// screen in view.
func rowOf(id string) string {
	return fmt.Sprintf(`document.querySelector('section:not([hidden]) li.msg[data-msg-id=%s]')`, js(id))
}

// ordered reports whether want appear in got in that order (with others
// between them allowed).
func ordered(got []string, want ...string) bool {
	i := 0
	for _, g := range got {
		if i < len(want) && g == want[i] {
			i++
		}
	}
	return i == len(want)
}

// sorted is a sorted copy of s.
func sorted(s []string) []string {
	s = slices.Clone(s)
	slices.Sort(s)
	return s
}
