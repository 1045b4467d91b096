package maildir

import (
	"slices"
	"strings"
)

// Suggest returns the words of known that typed is likely a mistyped form
// of, nearest first (ties in known's order): the CLI's "did you mean" for
// a command. A word is likely meant when typed begins it ("sta" for
// status) or is at most two edits from it and at most half the length of
// the shorter of the two (so "ls" is not taken for gc); an edit inserts,
// deletes or replaces a letter or swaps two neighbours ("sned" is one
// edit from send). Case is ignored, and a word that differs from typed in
// case alone is the only one suggested. Nothing is suggested for an empty
// word or for a word of known.
func Suggest(typed string, known []string) []string {
	t := strings.ToLower(typed)
	if t == "" || slices.Contains(known, typed) {
		return nil
	}
	type near struct {
		word string
		dist int
	}
	var found []near
	for _, k := range known {
		lk := strings.ToLower(k)
		d := editDistance(t, lk)
		if d == 0 {
			return []string{k}
		}
		if strings.HasPrefix(lk, t) || d <= min(2, len([]rune(t))/2, len([]rune(lk))/2) {
			found = append(found, near{k, d})
		}
	}
	slices.SortStableFunc(found, func(a, b near) int { return a.dist - b.dist })
	out := make([]string, len(found))
	for i, f := range found {
		out[i] = f.word
	}
	return out
}

// editDistance is the optimal string alignment distance of a and b, in
// letters: the fewest insertions, deletions, replacements and swaps of
// neighbours that turn a into b, no letter edited twice.
func editDistance(a, b string) int {
	x, y := []rune(a), []rune(b)
	// d[i][j] is the distance of x[:i] and y[:j].
	d := make([][]int, len(x)+1)
	for i := range d {
		d[i] = make([]int, len(y)+1)
		d[i][0] = i
	}
	for j := range d[0] {
		d[0][j] = j
	}
	for i := 1; i <= len(x); i++ {
		for j := 1; j <= len(y); j++ {
			cost := 1
			if x[i-1] == y[j-1] {
				cost = 0
			}
			d[i][j] = min(d[i-1][j]+1, d[i][j-1]+1, d[i-1][j-1]+cost)
			if i > 1 && j > 1 && x[i-1] == y[j-2] && x[i-2] == y[j-1] {
				d[i][j] = min(d[i][j], d[i-2][j-2]+1)
			}
		}
	}
	return d[len(x)][len(y)]
}
