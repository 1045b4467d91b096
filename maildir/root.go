package maildir

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"

	"github.com/ipc-dev/ipc/internal/durable"
	"github.com/ipc-dev/ipc/internal/text"
)

// Opening a mailbox root, and the mistakes a person makes in naming one.
//
// A root that does not exist yet is created (Store.Created says so, so that
// a command can tell its user). What stands in the way is the caller's
// mistake, never Internal: a file where the root or one of its directories
// should be is BadRequest, a root this user may not enter or write is
// Denied, and a VERSION file that does not name this format is BadRequest.
// A full or read-only disk is NoSpace, as everywhere.

// prepareRoot creates the directories of the mailbox at abs and its VERSION
// file, and reports whether this call wrote VERSION, that is, created the
// mailbox.
func prepareRoot(abs string) (created bool, err error) {
	if info, err := os.Stat(abs); err == nil && !info.IsDir() {
		return false, notADirectory(abs, abs)
	}
	for _, d := range []string{"", mailDir, largeDir, indexDir, presenceDir} {
		if err := os.MkdirAll(filepath.Join(abs, d), 0o700); err != nil {
			return false, rootError(abs, err)
		}
	}
	vf := filepath.Join(abs, versionFile)
	b, err := os.ReadFile(vf)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		if err := durable.ReplaceFile(vf, []byte(versionText)); err != nil {
			return false, rootError(abs, err)
		}
		return true, nil
	case errors.Is(err, syscall.EISDIR):
		return false, errorf(OpOpen, BadRequest, "", "%s is a directory, not the mailbox's VERSION file: move it away, or point the mailbox elsewhere", vf)
	case err != nil:
		return false, rootError(abs, err)
	}
	if got := string(b); !strings.HasPrefix(got, versionPrefix) {
		return false, errorf(OpOpen, BadRequest, "", "%s says %q, not %q: %s is not a mailbox this version of ipc can open (another program's directory, or a newer format)",
			vf, text.OneLine(got, 64), strings.TrimSpace(versionText), abs)
	}
	return false, nil
}

// versionPrefix is the part of VERSION that names the format this package
// reads; what follows it describes the tree's options.
const versionPrefix = "ipc-maildir 1 "

// rootError classifies a failure to prepare the root at abs.
func rootError(abs string, err error) error {
	var pe *fs.PathError
	switch {
	case errors.Is(err, syscall.ENOTDIR), errors.Is(err, fs.ErrExist):
		path := abs
		if errors.As(err, &pe) {
			path = pe.Path
		}
		return notADirectory(abs, path)
	case errors.Is(err, fs.ErrPermission):
		return &Error{Op: OpOpen, Kind: Denied, Err: err,
			Msg: fmt.Sprintf("this user may not use the mailbox %s (its owner or mode forbids it): point the mailbox at a directory of yours, or fix its permissions", abs)}
	}
	return ioError(OpOpen, "", fmt.Errorf("maildir: open %s: %w", abs, err))
}

// notADirectory is the error of a file at path, where the mailbox abs
// needs a directory.
func notADirectory(abs, path string) error {
	what := "a directory of the mailbox " + abs
	if path == abs {
		what = "the mailbox directory"
	}
	return errorf(OpOpen, BadRequest, "", "%s is a file, where %s should be: point the mailbox elsewhere, or move the file away", path, what)
}
