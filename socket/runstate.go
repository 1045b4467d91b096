package socket

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"github.com/gofrs/flock"
	"github.com/ipc-dev/ipc/internal/durable"
	"github.com/ipc-dev/ipc/internal/rootfile"
	"github.com/ipc-dev/ipc/internal/wire"
)

// Run-state files in the mailbox root (see internal/rootfile, which
// clients read them with).
const (
	RunStateFile = wire.RunStateFile // RunState of the serving process, 0600
	RunLogFile   = wire.RunLogFile   // stderr of a detached server
)

// RunState records a running server in RunStateFile.
type RunState = wire.RunState

// runLock is held by the one server of a mailbox.
type runLock struct {
	root string
	dir  os.FileInfo // the root when the lock was taken
	fl   *flock.Flock
}

// ErrRunning is returned by Run when another process serves the
// mailbox; errors.As gives its RunState (zero if it has not published one).
type ErrRunning struct {
	Root  string
	State RunState
}

func (e *ErrRunning) Error() string {
	if e.State.PID == 0 {
		return fmt.Sprintf("a server for %s is already running (starting up)", e.Root)
	}
	where := e.State.TCP
	if e.State.Socket != "" {
		if where != "" {
			where += " and "
		}
		where += e.State.Socket
	}
	return fmt.Sprintf("a server for %s is already running: pid %d on %s, listening on %s", e.Root, e.State.PID, e.State.Host, where)
}

// runLockPatience is how long acquireRunLock keeps trying a lock that a
// prober may hold.
const runLockPatience = 250 * time.Millisecond

// acquireRunLock makes this process the server of the mailbox at root, or
// returns *ErrRunning.
func acquireRunLock(root string) (*runLock, error) {
	if err := os.MkdirAll(root, 0o700); err != nil {
		return nil, fmt.Errorf("socket: %w", err)
	}
	fl := flock.New(filepath.Join(root, wire.RunLockFile), flock.SetPermissions(0o600))
	// Running probes with a shared lock held for an instant, so a refusal
	// is only believed once it has lasted a moment: a server holds the lock
	// for its whole life.
	deadline := time.Now().Add(runLockPatience)
	for {
		ok, err := fl.TryLock()
		if err != nil {
			return nil, fmt.Errorf("socket: lock %s: %w", fl.Path(), err)
		}
		if ok {
			dir, err := os.Stat(root)
			if err != nil {
				fl.Unlock()
				return nil, fmt.Errorf("socket: %w", err)
			}
			os.SameFile(dir, dir) // on Windows, reads the directory's id now
			return &runLock{root: root, dir: dir, fl: fl}, nil
		}
		if time.Now().After(deadline) {
			rs, _, _ := rootfile.ReadRunState(root)
			return nil, &ErrRunning{Root: root, State: rs}
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// Publish records rs in RunStateFile, atomically.
func (l *runLock) Publish(rs RunState) error {
	b, err := json.MarshalIndent(rs, "", "  ")
	if err != nil {
		return err
	}
	return writeFileAtomic(filepath.Join(l.root, RunStateFile), append(b, '\n'))
}

// Release removes the state file and gives the lock up. It is idempotent.
// If the root was removed or replaced meanwhile, the state file at its path
// belongs to another mailbox and is left alone.
func (l *runLock) Release() error {
	if l == nil || l.fl == nil {
		return nil
	}
	var err error
	if l.sameRoot() {
		err = os.Remove(filepath.Join(l.root, RunStateFile))
		if errors.Is(err, fs.ErrNotExist) {
			err = nil
		}
	}
	if uerr := l.fl.Unlock(); err == nil {
		err = uerr
	}
	l.fl = nil
	return err
}

// sameRoot reports whether the root is still the directory it was when
// the lock was taken.
func (l *runLock) sameRoot() bool {
	fi, err := os.Stat(l.root)
	return err == nil && os.SameFile(l.dir, fi)
}

// Running reports the server of the mailbox at root: ok is true when a
// process holds the run lock, and rs is what it published (zero while it
// is starting up). A state file left by a server that died is ignored.
func Running(root string) (rs RunState, ok bool, err error) { return rootfile.Running(root) }

// DefaultSocketPath is where the server of the mailbox at root puts its
// Unix socket when IPC_SOCKET is not set: a private runtime directory
// (xdgRuntimeDir/ipc, with xdgRuntimeDir the value of $XDG_RUNTIME_DIR,
// else <tmp>/ipc-<uid>; %LOCALAPPDATA%\ipc on Windows), never the mailbox
// itself, which may be on a Windows drive under WSL where sockets cannot
// live. The name is a hash of root, so every mailbox has its own socket.
func DefaultSocketPath(root, xdgRuntimeDir string) string {
	abs, err := filepath.Abs(root)
	if err != nil {
		abs = root
	}
	sum := sha256.Sum256([]byte(abs))
	return filepath.Join(runtimeDir(xdgRuntimeDir), hex.EncodeToString(sum[:6])+".sock")
}

// writeFileAtomic replaces path with data (0600), atomically and flushed.
func writeFileAtomic(path string, data []byte) error {
	if err := durable.ReplaceFile(path, data); err != nil {
		return fmt.Errorf("socket: write %s: %w", path, err)
	}
	return nil
}
