package durable

import (
	"path/filepath"
	"testing"
)

// TestTryHoldTriesOnce: a free lock is taken even when the wait is over
// before the first attempt (as on a loaded machine, where the 50 ms a
// registration waits for a name can pass before it first tries): the name
// is not reported in use. A held lock is still refused.
func TestTryHoldTriesOnce(t *testing.T) {
	path := filepath.Join(t.TempDir(), "x.lock")
	h, ok, err := TryHold(path, 0)
	if err != nil || !ok {
		t.Fatalf("TryHold(free, 0) = %v, %v; want the lock", ok, err)
	}
	if _, ok, err := TryHold(path, 0); ok || err != nil {
		t.Fatalf("TryHold(held, 0) = %v, %v; want refused", ok, err)
	}
	h.Release()
	if h2, ok, err := TryHold(path, 0); !ok || err != nil {
		t.Fatalf("TryHold(released, 0) = %v, %v; want the lock", ok, err)
	} else {
		h2.Release()
	}
}
