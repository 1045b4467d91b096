package durable

import (
	"errors"
	"io/fs"
	"path/filepath"
	"runtime"
	"testing"
)

// TestDetectFS checks DetectFS on the test's temp dir and on a missing path.
func TestDetectFS(t *testing.T) {
	info, err := DetectFS(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("temp dir filesystem: %+v", info)
	if info.Type == "" {
		t.Error("empty Type")
	}
	if info.Remote {
		t.Errorf("temp dir reported as remote: %+v", info)
	}
	if runtime.GOOS == "linux" && info.Free == 0 {
		t.Errorf("Free = 0 on linux: %+v", info)
	}

	if _, err := DetectFS(filepath.Join(t.TempDir(), "missing")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("missing path: err = %v, want not-exist", err)
	}
}
