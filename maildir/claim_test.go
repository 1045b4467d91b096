package maildir

import "testing"

// TestClaim: a session acts only as itself; an empty claim passes only
// where the door lets clients omit it.
func TestClaim(t *testing.T) {
	st := mustOpen(t, Options{})
	alice := mustLogin(t, st, "alice")
	mustLogin(t, st, "bob")
	for _, c := range []struct {
		claimed string
		mayOmit bool
		want    Kind
	}{
		{"alice", false, ""},
		{"alice", true, ""},
		{"", true, ""},
		{"", false, InvalidID},
		{"bob", true, NotOwner},
		{"bob", false, NotOwner},
		{"nobody", false, NotOwner},
		{"../etc", true, InvalidID},
	} {
		err := alice.Claim(OpSend, "from_id", c.claimed, c.mayOmit)
		if c.want == "" && err != nil || c.want != "" && KindOf(err) != c.want {
			t.Errorf("Claim(%q, mayOmit %v) = %v, want %q", c.claimed, c.mayOmit, err, c.want)
		}
	}
	err := alice.Claim(OpSend, "from_id", "bob", false)
	if want := `from_id "bob" names another identity: this session acts only as "alice", so pass from_id "alice"`; err == nil || err.(*Error).Msg != want {
		t.Errorf("Claim sentence %v, want %q", err, want)
	}
}
