package maildir

import (
	"os"
	"path/filepath"
	"reflect"
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

// TestHostileCheckPartFailure: a check whose claim of one message fails
// (its name in cur/ is taken by a directory) returns every other message
// with the error beside them, leaves that one unread, and a later check
// returns it once the way is clear. With nothing else to claim the error
// comes alone, and nothing was claimed.
func TestHostileCheckPartFailure(t *testing.T) {
	st := mustOpen(t, Options{})
	alice, bob := mustLogin(t, st, "alice"), mustLogin(t, st, "bob")
	var ids []string
	for _, c := range []string{"one", "two", "three"} {
		ids = append(ids, mustSend(t, alice, "bob", c).ID)
	}
	blocker := st.boxPath("bob", dirCur, ids[1]+infoSeen)
	if err := os.MkdirAll(filepath.Join(blocker, "x"), 0o700); err != nil {
		t.Fatal(err)
	}
	res, err := bob.Check(ctx, CheckOptions{})
	if err != nil || !reflect.DeepEqual(contents(res.Messages), []string{"one", "three"}) || res.Remaining != 1 || res.Stopped == nil {
		t.Fatalf("check = %q remaining %d stopped %v, err %v", contents(res.Messages), res.Remaining, res.Stopped, err)
	}
	res, err = bob.Check(ctx, CheckOptions{})
	if err == nil || len(res.Messages) != 0 || res.Stopped != nil {
		t.Fatalf("check with only the blocked message = %+v, %v", res, err)
	}
	if err := os.RemoveAll(blocker); err != nil {
		t.Fatal(err)
	}
	if got := contents(mustCheck(t, bob)); !reflect.DeepEqual(got, []string{"two"}) {
		t.Fatalf("check after clearing = %q", got)
	}
}
