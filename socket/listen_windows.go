//go:build windows

package socket

import (
	"errors"
	"fmt"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"time"

	"golang.org/x/sys/windows"
)

// maxSocketPath is the longest AF_UNIX path Windows accepts.
const maxSocketPath = 107

// runtimeDir is the private directory for sockets: %LOCALAPPDATA%\ipc,
// else <tmp>\ipc. Both are inside the user's profile, whose ACL keeps
// other users out. XDG_RUNTIME_DIR plays no part on Windows.
func runtimeDir(string) string {
	if d, err := os.UserCacheDir(); err == nil {
		return filepath.Join(d, "ipc")
	}
	return filepath.Join(os.TempDir(), "ipc")
}

// listenUnix listens on an AF_UNIX socket at path (Windows 10 1803 and
// later, on NTFS), replacing a stale socket file. Config.RuntimeDir and
// Config.WSLDistro play no part on Windows.
func listenUnix(path, _, _ string) (net.Listener, error) {
	if len(path) > maxSocketPath {
		return nil, fmt.Errorf("socket: the socket path %s is over the %d-byte limit: set IPC_SOCKET to a shorter path", path, maxSocketPath)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("socket: %w", err)
	}
	if _, err := os.Lstat(path); err == nil {
		if c, err := net.DialTimeout("unix", path, 500*time.Millisecond); err == nil {
			c.Close()
			return nil, fmt.Errorf("socket: another server is listening on %s: stop it, or set IPC_SOCKET to another path", path)
		}
		if err := os.Remove(path); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("socket: remove stale socket: %w", err)
		}
	}
	l, err := net.Listen("unix", path)
	if err != nil {
		return nil, fmt.Errorf("socket: listen on %s: %w", path, err)
	}
	return l, nil
}

// portBusy reports an error binding a port that another program holds, or
// that Windows reserves (Hyper-V and WinNAT exclude port ranges: binding
// one fails with "access forbidden").
func portBusy(err error) bool {
	return errors.Is(err, windows.WSAEADDRINUSE) || errors.Is(err, windows.WSAEACCES)
}
