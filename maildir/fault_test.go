package maildir

import (
	"os"
	"path/filepath"
	"reflect"
	"testing"
)

// TestHomeRemovedWhileRunning removes the whole mailbox root under a
// running Store (a human deleting IPC_HOME) and recreates it empty: the
// Store repairs its tree as it goes, and every operation works without
// reopening.
func TestHomeRemovedWhileRunning(t *testing.T) {
	for _, recreate := range []bool{true, false} {
		t.Run(map[bool]string{true: "recreated", false: "gone"}[recreate], func(t *testing.T) {
			root := filepath.Join(t.TempDir(), "home")
			st := mustOpenAt(t, root, Options{})
			alice, bob := mustLogin(t, st, "alice"), mustLogin(t, st, "bob")
			mustSend(t, alice, "bob", "before")
			if err := os.RemoveAll(root); err != nil {
				t.Fatal(err)
			}
			if recreate {
				if err := os.Mkdir(root, 0o700); err != nil {
					t.Fatal(err)
				}
			}
			mustSend(t, alice, "bob", "after")
			if got := contents(mustCheck(t, bob)); !reflect.DeepEqual(got, []string{"after"}) {
				t.Fatalf("check = %q", got)
			}
			carol := mustLogin(t, st, "carol")
			if _, err := carol.IssueToken(ctx); err != nil {
				t.Fatalf("IssueToken: %v", err)
			}
			mustSend(t, carol, "alice", "hi")
			if _, err := alice.Rename(ctx, "alice2"); err != nil {
				t.Fatalf("Rename: %v", err)
			}
			agents, err := st.Agents(ctx)
			if err != nil || len(agents) == 0 {
				t.Fatalf("Agents = %v, %v", agents, err)
			}
			if _, err := st.GC(ctx); err != nil {
				t.Fatalf("GC: %v", err)
			}
			fi, err := os.Stat(filepath.Join(root, "index"))
			if err != nil || fi.Mode().Perm() != 0o700 {
				t.Fatalf("index/ after repair: %v, %v", fi, err)
			}
		})
	}
}
