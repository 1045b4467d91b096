package maildir

import (
	"sort"
	"strings"
)

// The rule of "one typo away".
//
// Mail to a name nobody has registered is queued for a future agent of
// that name (SPEC: future messaging), so a mistyped recipient is never an
// error. But it is almost always a mistake when the name is one typo away
// from a registered one: the send is delivered as asked and its result
// names the registered agent the sender probably meant (SendResult.Suggest),
// for every door to show.
//
// One typo is one character inserted, deleted or replaced, two neighbours
// swapped, or the same name in other letter case. Names of one or two
// characters are all one typo from each other, so a suggestion needs the
// longer of the two names to have at least three characters.

// suggestFor returns the registered name that name is one typo away from,
// or "" when there is none. Of several, the one of the same letters in
// another case wins, then the first in sort order.
func suggestFor(name string, registered agentsIndex) string {
	var near []string
	for id := range registered {
		if id == name {
			return ""
		}
		if strings.EqualFold(id, name) {
			return id
		}
		if oneTypoApart(id, name) {
			near = append(near, id)
		}
	}
	if len(near) == 0 {
		return ""
	}
	sort.Strings(near)
	return near[0]
}

// oneTypoApart reports whether a and b differ by exactly one typo (see
// above) and the longer of them has at least three characters.
func oneTypoApart(a, b string) bool {
	if a == b || max(len(a), len(b)) < 3 {
		return false
	}
	if len(a) > len(b) {
		a, b = b, a
	}
	switch len(b) - len(a) {
	case 0:
		return oneReplacedOrSwapped(a, b)
	case 1:
		return oneInserted(a, b)
	}
	return false
}

// oneReplacedOrSwapped reports whether a and b, of equal length, differ in
// one character or in two neighbours swapped.
func oneReplacedOrSwapped(a, b string) bool {
	i := 0
	for i < len(a) && a[i] == b[i] {
		i++
	}
	if a[i+1:] == b[i+1:] {
		return true
	}
	return i+1 < len(a) && a[i] == b[i+1] && a[i+1] == b[i] && a[i+2:] == b[i+2:]
}

// oneInserted reports whether b is a with one character inserted.
func oneInserted(a, b string) bool {
	i := 0
	for i < len(a) && a[i] == b[i] {
		i++
	}
	return a[i:] == b[i+1:]
}
