package main

import "testing"

// TestDoingSaysAndClears: ipc doing echoes the line, --clear says it is
// cleared.
func TestDoingSaysAndClears(t *testing.T) {
	home := t.TempDir()
	if out := mustIPC(t, home, "carol", "", "doing", "fixing", "the", "parser"); out != "carol: doing fixing the parser\n" {
		t.Errorf("doing: %q", out)
	}
	if out := mustIPC(t, home, "carol", "", "doing", "--clear"); out != "carol: doing cleared\n" {
		t.Errorf("doing --clear: %q", out)
	}
}
