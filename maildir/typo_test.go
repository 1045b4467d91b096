package maildir

import "testing"

func TestOneTypoApart(t *testing.T) {
	cases := []struct {
		a, b string
		want bool
	}{
		{"bob", "bbo", true},     // neighbours swapped
		{"bob", "bo", true},      // one deleted
		{"bob", "bobb", true},    // one inserted
		{"bob", "bib", true},     // one replaced
		{"alice", "alcie", true}, // swapped in the middle
		{"alice", "xalice", true},
		{"alice", "alicex", true},
		{"bob", "bob", false},     // the same name
		{"bob", "obo", false},     // two apart
		{"bob", "b", false},       // two deleted
		{"ab", "cb", false},       // too short to tell
		{"a", "ab", false},        // too short to tell
		{"alice", "ilace", false}, // two apart
	}
	for _, c := range cases {
		if got := oneTypoApart(c.a, c.b); got != c.want {
			t.Errorf("oneTypoApart(%q, %q) = %v, want %v", c.a, c.b, got, c.want)
		}
		if got := oneTypoApart(c.b, c.a); got != c.want {
			t.Errorf("oneTypoApart(%q, %q) = %v, want %v", c.b, c.a, got, c.want)
		}
	}
}

func TestSuggestFor(t *testing.T) {
	reg := agentsIndex{"bob": {}, "bib": {}, "Carol": {}, "dave": {}}
	cases := map[string]string{
		"bbo":   "bob",
		"bub":   "bib", // bib and bob are both one away: the first in order
		"carol": "Carol",
		"dave":  "", // registered: nothing to suggest
		"zed":   "",
		"davex": "dave",
	}
	for name, want := range cases {
		if got := suggestFor(name, reg); got != want {
			t.Errorf("suggestFor(%q) = %q, want %q", name, got, want)
		}
	}
}

// TestSendSaysTypoAndSelf: mail to a name one typo from a registered one
// is still queued, and the result names the registered one; mail to
// oneself is delivered, and the result says so.
func TestSendSaysTypoAndSelf(t *testing.T) {
	st := mustOpen(t, Options{})
	alice := mustLogin(t, st, "alice")
	mustLogin(t, st, "bob")
	r := mustSend(t, alice, "bbo", "hi")
	if !r.Queued || r.Suggest != "bob" || r.ToSelf {
		t.Fatalf("send to bbo = %+v, want queued with Suggest bob", r)
	}
	if r := mustSend(t, alice, "bob", "hi"); r.Queued || r.Suggest != "" {
		t.Fatalf("send to bob = %+v, want delivered, no suggestion", r)
	}
	if r := mustSend(t, alice, "stranger", "hi"); !r.Queued || r.Suggest != "" {
		t.Fatalf("send to stranger = %+v, want queued, no suggestion", r)
	}
	r = mustSend(t, alice, "alice", "note to self")
	if !r.ToSelf || r.Queued {
		t.Fatalf("send to alice = %+v, want ToSelf", r)
	}
	if got := contents(mustCheck(t, alice)); len(got) != 1 || got[0] != "note to self" {
		t.Fatalf("alice's check = %q, want her note", got)
	}
}
