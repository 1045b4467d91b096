//go:build !windows

package socket

import (
	"net"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/ipc-dev/ipc/client"
	"github.com/ipc-dev/ipc/maildir"
)

// TestUnixSocket: the socket is 0600 in a directory created 0700, a stale
// socket file is replaced, and a file that is not a socket is left alone.
func TestUnixSocket(t *testing.T) {
	st := mustStore(t, "", maildir.Options{Sync: maildir.SyncNone})
	dir := filepath.Join(sockDir(t), "run")
	path := filepath.Join(dir, "s.sock")

	// A stale socket: bound, then abandoned without removing the file.
	if err := os.Mkdir(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	l, err := net.ListenUnix("unix", &net.UnixAddr{Name: path, Net: "unix"})
	if err != nil {
		t.Fatal(err)
	}
	l.SetUnlinkOnClose(false)
	l.Close()

	srv := mustServe(t, st, Config{Socket: path})
	fi, err := os.Stat(path)
	if err != nil || fi.Mode().Perm() != 0o600 || fi.Mode()&os.ModeSocket == 0 {
		t.Fatalf("socket %v: %v", fi.Mode(), err)
	}
	rep, err := client.Legacy(testCtx(t), "unix", path, map[string]any{"action": "ping"})
	if err != nil {
		t.Fatal(err)
	}
	wantOK(t, rep)

	// A live socket is not stolen.
	if _, err := listen(st, Config{Socket: path}); err == nil || !strings.Contains(err.Error(), "another server") {
		t.Fatalf("Listen on a live socket = %v", err)
	}
	srv.Close()

	// Not a socket: refused.
	file := filepath.Join(dir, "file")
	os.WriteFile(file, []byte("x"), 0o600)
	if _, err := listen(st, Config{Socket: file}); err == nil || !strings.Contains(err.Error(), "not a socket") {
		t.Fatalf("Listen on a regular file = %v", err)
	}

	// Too long a path.
	long := filepath.Join(dir, strings.Repeat("x", 120)+".sock")
	if _, err := listen(st, Config{Socket: long}); err == nil || !strings.Contains(err.Error(), "limit") {
		t.Fatalf("Listen on a long path = %v", err)
	}
}

func TestDefaultSocketPath(t *testing.T) {
	xdg := os.Getenv("XDG_RUNTIME_DIR")
	a, b := DefaultSocketPath("/x/one", xdg), DefaultSocketPath("/x/two", xdg)
	if a == b || !strings.HasSuffix(a, ".sock") || len(a) > maxSocketPath {
		t.Fatalf("DefaultSocketPath = %q, %q", a, b)
	}
	if DefaultSocketPath("/x/one", xdg) != a {
		t.Fatalf("DefaultSocketPath is not stable")
	}
}

// TestDrvfsRefused: under WSL a socket on a Windows drive is refused with
// an explanation (bind would fail there).
func TestDrvfsRefused(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("WSL only")
	}
	for path, want := range map[string]bool{"/mnt/c/Users/me/x.sock": true, "/mnt/D/x.sock": true, "/mnt/wsl/ipc/x.sock": false, "/run/user/1000/ipc/x.sock": false} {
		if got := onDrvfs(path, "Test"); got != want {
			t.Errorf("onDrvfs(%s) = %v, want %v", path, got, want)
		}
	}
	st := mustStore(t, "", maildir.Options{Sync: maildir.SyncNone})
	if _, err := listen(st, Config{Socket: "/mnt/c/ipc.sock", WSLDistro: "Test"}); err == nil || !strings.Contains(err.Error(), "drvfs") {
		t.Fatalf("Listen on drvfs = %v", err)
	}
}
