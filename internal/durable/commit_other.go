//go:build !linux

package durable

// fsSync is the Linux syncfs refinement (commit_linux.go); elsewhere no
// filesystem-wide sync with a clear contract exists and every item gets its
// own fsync.
type fsSync struct{}

func newFSSync(root, fsType string) *fsSync { return nil }

func (*fsSync) close() {}

func (*fsSync) syncAll(items []*commitItem) { syncEach(items) }
