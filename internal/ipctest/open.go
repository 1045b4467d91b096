package ipctest

import (
	"io"
	"testing"
)

// Open opens what open opens at root with opts (a store, say), fails tb if
// it cannot, and closes it at the end of the test.
func Open[S io.Closer, O any](tb testing.TB, open func(root string, opts O) (S, error), root string, opts O) S {
	tb.Helper()
	s, err := open(root, opts)
	if err != nil {
		tb.Fatalf("open %s: %v", root, err)
	}
	tb.Cleanup(func() { s.Close() })
	return s
}
