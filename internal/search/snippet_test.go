package search

import (
	"testing"
	"time"
)

// TestSnippet: the words around the first match of a term, a prefix or a
// phrase, cut with "…" on either side; no match shows the start.
func TestSnippet(t *testing.T) {
	long := "Morning all. Yesterday we talked about lunch and the weather, then at last the auth module came up, and it is ready for review by friday."
	for _, c := range []struct{ query, text, want string }{
		{"auth", long, "…at last the auth module came up, and it is…"},
		{"aut*", long, "…at last the auth module came up, and it is…"},
		{`"module came"`, long, "…last the auth module came up, and it is…"},
		{"morning", long, "Morning all. Yesterday we talked about lunch…"},
		{"from:alice", long, "Morning all. Yesterday we talked about lunch…"},
		{"ready", "the auth\nmodule is   ready", "…auth module is ready"},
		{"short", "a short one", "a short one"},
	} {
		q, err := ParseQuery(c.query, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		if got := Snippet(c.text, q, 46); got != c.want {
			t.Errorf("Snippet(%q) = %q, want %q", c.query, got, c.want)
		}
	}
}
