//go:build !windows

package socket

import (
	"errors"
	"fmt"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// maxSocketPath is the longest Unix socket path every platform accepts
// (sun_path is 104 bytes on macOS and the BSDs, 108 on Linux, with a NUL).
const maxSocketPath = 103

// runtimeDir is the private directory for sockets: xdg/ipc (xdg is
// $XDG_RUNTIME_DIR), else <tmp>/ipc-<uid>.
func runtimeDir(xdg string) string {
	if filepath.IsAbs(xdg) {
		if fi, err := os.Stat(xdg); err == nil && fi.IsDir() {
			return filepath.Join(xdg, "ipc")
		}
	}
	return filepath.Join(os.TempDir(), "ipc-"+strconv.Itoa(os.Getuid()))
}

// listenUnix listens on a Unix socket at path, mode 0600, replacing a stale
// socket file left by a server that died. xdg and wslDistro are
// Config.RuntimeDir and Config.WSLDistro.
func listenUnix(path, xdg, wslDistro string) (net.Listener, error) {
	if err := checkSocketPath(path, wslDistro); err != nil {
		return nil, err
	}
	dir := filepath.Dir(path)
	if err := privateDir(dir, xdg); err != nil {
		return nil, err
	}
	if err := removeStale(path); err != nil {
		return nil, err
	}
	l, err := net.Listen("unix", path)
	if err != nil {
		return nil, fmt.Errorf("socket: listen on %s: %w", path, err)
	}
	if err := os.Chmod(path, 0o600); err != nil {
		l.Close()
		return nil, fmt.Errorf("socket: %w", err)
	}
	return l, nil
}

// checkSocketPath refuses paths where a socket cannot work.
func checkSocketPath(path, wslDistro string) error {
	if len(path) > maxSocketPath {
		return fmt.Errorf("socket: the socket path %s is %d bytes, over the %d-byte limit of Unix sockets: set IPC_SOCKET to a shorter path", path, len(path), maxSocketPath)
	}
	if onDrvfs(path, wslDistro) {
		return fmt.Errorf("socket: %s is on a Windows drive (drvfs), where WSL cannot create sockets: set IPC_SOCKET to a Linux path, e.g. under $XDG_RUNTIME_DIR, or /mnt/wsl/ipc/NAME.sock to share it between WSL distros", path)
	}
	return nil
}

// onDrvfs reports a path under /mnt/<drive letter>/ on WSL.
func onDrvfs(path, wslDistro string) bool {
	if !detectWSL(wslDistro) {
		return false
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return false
	}
	rest, ok := strings.CutPrefix(abs, "/mnt/")
	return ok && len(rest) >= 2 && rest[1] == '/' && ('a' <= rest[0] && rest[0] <= 'z' || 'A' <= rest[0] && rest[0] <= 'Z')
}

// privateDir makes sure dir exists. A directory it creates, or the default
// runtime directory, is 0700 and must belong to this user: nobody else may
// replace the socket inside it.
func privateDir(dir, xdg string) error {
	err := os.Mkdir(dir, 0o700)
	if err != nil && !errors.Is(err, fs.ErrExist) {
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return fmt.Errorf("socket: create %s: %w", dir, err)
		}
	}
	if filepath.Clean(dir) != filepath.Clean(runtimeDir(xdg)) {
		return nil
	}
	fi, err := os.Lstat(dir)
	if err != nil {
		return fmt.Errorf("socket: %w", err)
	}
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !fi.IsDir() || ok && int(st.Uid) != os.Getuid() {
		return fmt.Errorf("socket: %s is not a directory of this user: remove it, or set IPC_SOCKET elsewhere", dir)
	}
	if fi.Mode().Perm() != 0o700 {
		if err := os.Chmod(dir, 0o700); err != nil {
			return fmt.Errorf("socket: %w", err)
		}
	}
	return nil
}

// removeStale removes a socket file nobody listens on any more. A live
// socket, or a file that is not a socket, is left alone and reported.
func removeStale(path string) error {
	fi, err := os.Lstat(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("socket: %w", err)
	}
	if fi.Mode()&fs.ModeSocket == 0 {
		return fmt.Errorf("socket: %s exists and is not a socket: remove it, or set IPC_SOCKET to another path", path)
	}
	if c, err := net.DialTimeout("unix", path, 500*time.Millisecond); err == nil {
		c.Close()
		return fmt.Errorf("socket: another server is listening on %s: stop it, or set IPC_SOCKET to another path", path)
	}
	if err := os.Remove(path); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("socket: remove stale socket: %w", err)
	}
	return nil
}

// portBusy reports an error binding a port that another program holds.
func portBusy(err error) bool {
	return errors.Is(err, syscall.EADDRINUSE) || errors.Is(err, syscall.EACCES)
}

// detectWSL reports whether this is Linux under WSL: wslDistro
// ($WSL_DISTRO_NAME) is set, or the WSL interop is registered.
func detectWSL(wslDistro string) bool {
	if runtime.GOOS != "linux" {
		return false
	}
	if wslDistro != "" {
		return true
	}
	_, err := os.Stat("/proc/sys/fs/binfmt_misc/WSLInterop")
	return err == nil
}
