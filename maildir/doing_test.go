package maildir

import (
	"context"
	"os"
	"strings"
	"testing"
)

// TestSetDoing: one line is kept and shown in Agents with its time and
// the unread count; "" clears it; what is not one short line of text is
// refused; a file at its place that SetDoing did not write shows nothing.
func TestSetDoing(t *testing.T) {
	ctx := context.Background()
	st := mustOpen(t, Options{})
	alice := mustLogin(t, st, "alice")
	bob := mustLogin(t, st, "bob")
	mustSend(t, alice, "bob", "one")
	mustSend(t, alice, "bob", "two")
	if err := bob.SetDoing(ctx, "  reviewing the parser ✓ "); err != nil {
		t.Fatal(err)
	}
	agent := func(id string) Agent {
		t.Helper()
		agents, err := st.Agents(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, a := range agents {
			if a.ID == id {
				return a
			}
		}
		t.Fatalf("%s not listed", id)
		return Agent{}
	}
	if a := agent("bob"); a.Doing != "reviewing the parser ✓" || a.DoingAt.IsZero() || a.Unread != 2 {
		t.Fatalf("bob = %+v", a)
	}
	if a := agent("alice"); a.Doing != "" || a.Unread != 0 {
		t.Fatalf("alice = %+v", a)
	}
	for _, bad := range []struct {
		text string
		kind Kind
	}{
		{"two\nlines", BadRequest},
		{"a\x1b[31m colour", BadRequest},
		{"bad \xff utf-8", BadRequest},
		{strings.Repeat("é", MaxDoing+1), TooLarge},
	} {
		wantKind(t, bob.SetDoing(ctx, bad.text), bad.kind)
	}
	if err := bob.SetDoing(ctx, strings.Repeat("é", MaxDoing)); err != nil {
		t.Fatalf("%d characters: %v", MaxDoing, err)
	}
	if err := bob.SetDoing(ctx, ""); err != nil {
		t.Fatal(err)
	}
	if a := agent("bob"); a.Doing != "" || !a.DoingAt.IsZero() {
		t.Fatalf("cleared: %+v", a)
	}
	if err := os.WriteFile(st.doingPath("alice"), []byte(`{"doing":"x\u001b[2J","at":"2024-01-01T00:00:00Z"}`), 0o600); err != nil {
		t.Fatal(err)
	}
	if a := agent("alice"); a.Doing != "" {
		t.Fatalf("a hand-edited control character shows %+v", a)
	}
	if err := bob.Close(); err != nil {
		t.Fatal(err)
	}
	wantKind(t, bob.SetDoing(ctx, "late"), SessionClosed)
}
