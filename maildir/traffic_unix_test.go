//go:build unix

package maildir

import (
	"os"
	"testing"

	"github.com/ipc-dev/ipc/internal/ipctest"
)

// TestTrafficHostileEntries: entries that are not messages, in new/ and
// cur/ before the follower starts and while it runs, neither block nor end
// the stream, and are left where they are.
func TestTrafficHostileEntries(t *testing.T) {
	st := mustOpen(t, Options{})
	alice := mustLogin(t, st, "alice")
	mustLogin(t, st, "bob")
	plant := func(sub string) []string {
		var names []string
		for _, h := range ipctest.HostileEntries(st.now(), st.maxFileSize()+1) {
			p := st.boxPath("bob", sub, h.Name)
			if err := h.Make(p); err != nil {
				t.Fatal(err)
			}
			names = append(names, h.Name)
		}
		return names
	}
	planted := plant(dirNew)
	first := mustSend(t, alice, "bob", "first").ID
	f := follow(t, st, TrafficQuery{Backlog: 50}, first)
	planted = append(planted, plant(dirCur)...)
	second := mustSend(t, alice, "bob", "second").ID
	f.waitFor(t, second)
	onceEach(t, f.ids())
	for _, n := range planted {
		if _, err := os.Lstat(st.boxPath("bob", dirNew, n)); err != nil {
			if _, err := os.Lstat(st.boxPath("bob", dirCur, n)); err != nil {
				t.Fatalf("hostile entry %s was moved: %v", n, err)
			}
		}
	}
}
