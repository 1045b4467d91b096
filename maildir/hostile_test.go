package maildir

import (
	"strings"
	"testing"
)

// TestReadHostileIDs: Read refuses a malformed message id, or reports it
// not found; it never fails with an internal error (a 10,000-character id
// used to reach the filesystem and fail with "file name too long").
func TestReadHostileIDs(t *testing.T) {
	st := mustOpen(t, Options{})
	bob := mustLogin(t, st, "bob")
	for _, id := range []string{"", ".", "..", ".hidden", "../x", "a/b", `a\b`, "a\x00b", "x:2,S", "x!2,S", "x\uf03a2,S",
		strings.Repeat("z", 201), strings.Repeat("z", 10000)} {
		_, err := bob.Read(ctx, id)
		wantKind(t, err, BadRequest)
	}
	for _, id := range []string{"1700000000.M1P1Q1R1.host", strings.Repeat("z", 200), "\u00e9t\u00e9", "-"} {
		_, err := bob.Read(ctx, id)
		wantKind(t, err, NotFound)
	}
}
