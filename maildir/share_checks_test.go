package maildir

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestShareCommandChecksBeforeRunning: a share its sender may not make
// never reaches the runner. (internal/sharecmd runs the same cases with a
// real command and a marker file.)
func TestShareCommandChecksBeforeRunning(t *testing.T) {
	st := mustOpen(t, Options{RateBurst: 1, RatePerSecond: 0.001, MaxContent: 4096})
	alice := mustLogin(t, st, "alice")
	mustLogin(t, st, "bob")
	r := &recorder{}
	mustSend(t, alice, "bob", "uses the only token")
	_, err := alice.ShareCommand(ctx, "bob", "touch marker", "", r.run)
	wantKind(t, err, RateLimited)

	carol := mustLogin(t, st, "carol")
	_, err = carol.ShareCommand(ctx, SystemID, "touch marker", "", r.run)
	wantKind(t, err, InvalidID)
	_, err = carol.ShareCommand(ctx, "bob", "touch marker", strings.Repeat("d", 5000), r.run)
	wantKind(t, err, TooLarge)
	_, err = carol.ShareCommand(ctx, "bob", "touch marker", "\xff", r.run)
	wantKind(t, err, BadRequest)
	carol.Close()
	_, err = carol.ShareCommand(ctx, "bob", "touch marker", "", r.run)
	wantKind(t, err, SessionClosed)
	if len(r.calls) != 0 {
		t.Fatalf("refused shares ran %q", r.calls)
	}
}

// TestShareFileChecksBeforeReading: the session, the recipient and the rate
// limit are checked before the file is looked at.
func TestShareFileChecksBeforeReading(t *testing.T) {
	st := mustOpen(t, Options{RateBurst: 1, RatePerSecond: 0.001})
	alice := mustLogin(t, st, "alice")
	missing := filepath.Join(t.TempDir(), "missing")
	mustSend(t, alice, "bob", "uses the only token")
	_, err := alice.ShareFile(ctx, "bob", missing, "")
	wantKind(t, err, RateLimited)
	_, err = alice.ShareFile(ctx, SystemID, missing, "")
	wantKind(t, err, InvalidID)
	alice.Close()
	_, err = alice.ShareFile(ctx, "bob", missing, "")
	wantKind(t, err, SessionClosed)

	// A file whose message would be over the content limit is refused by
	// its size, before it is read.
	small := mustOpen(t, Options{MaxContent: 100})
	carol := mustLogin(t, small, "carol")
	path := filepath.Join(t.TempDir(), "long")
	if err := os.WriteFile(path, []byte(strings.Repeat("x", 100)), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err = carol.ShareFile(ctx, "bob", path, "")
	wantKind(t, err, TooLarge)
	if !strings.Contains(err.Error(), "content limit") {
		t.Fatalf("refused by %v, want the content limit named before reading", err)
	}
}

// TestShareCostsOneToken: the token a share holds while it acts is the one
// its delivery spends, and a share that fails before delivery costs none.
func TestShareCostsOneToken(t *testing.T) {
	st := mustOpen(t, Options{RateBurst: 3, RatePerSecond: 0.001})
	alice := mustLogin(t, st, "alice")
	mustLogin(t, st, "bob")
	path := filepath.Join(t.TempDir(), "notes")
	if err := os.WriteFile(path, []byte("notes"), 0o600); err != nil {
		t.Fatal(err)
	}
	r := &recorder{}
	if _, err := alice.ShareFile(ctx, "bob", path+".missing", ""); KindOf(err) != NotFound {
		t.Fatalf("missing file: %v", err)
	}
	if _, err := alice.ShareCommand(ctx, "bob", "true", "", r.run); err != nil {
		t.Fatal(err)
	}
	if _, err := alice.ShareFile(ctx, "bob", path, ""); err != nil {
		t.Fatal(err)
	}
	mustSend(t, alice, "bob", "the third token")
	_, err := alice.ShareCommand(ctx, "bob", "true", "", r.run)
	wantKind(t, err, RateLimited)
	if len(r.calls) != 1 {
		t.Fatalf("the runner ran %d commands, want 1", len(r.calls))
	}
}
