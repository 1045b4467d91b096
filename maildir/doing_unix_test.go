//go:build unix

package maildir

import (
	"context"
	"syscall"
	"testing"
)

// TestDoingFIFO: a FIFO where a doing file belongs neither blocks nor
// shows in Agents.
func TestDoingFIFO(t *testing.T) {
	st := mustOpen(t, Options{})
	mustLogin(t, st, "alice")
	if err := syscall.Mkfifo(st.doingPath("alice"), 0o600); err != nil {
		t.Fatal(err)
	}
	agents, err := st.Agents(context.Background())
	if err != nil || len(agents) != 1 || agents[0].Doing != "" {
		t.Fatalf("Agents = %+v, %v", agents, err)
	}
}
