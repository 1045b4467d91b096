package maildir

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
	h, ok, err := tryHold(path, 0)
	if err != nil || !ok {
		t.Fatalf("tryHold(free, 0) = %v, %v; want the lock", ok, err)
	}
	if _, ok, err := tryHold(path, 0); ok || err != nil {
		t.Fatalf("tryHold(held, 0) = %v, %v; want refused", ok, err)
	}
	h.release()
	if h2, ok, err := tryHold(path, 0); !ok || err != nil {
		t.Fatalf("tryHold(released, 0) = %v, %v; want the lock", ok, err)
	} else {
		h2.release()
	}
}
