// Package rootfile reads what a mailbox's server publishes in the mailbox
// root for its clients: whether a process holds the run lock
// (server.lock), where it listens (server.json), and the mailbox's key
// (mailbox.json) with which a client checks the server's proof. Reading is
// the clients' side; making and publishing these files is the server's
// (package socket).
//
// It imports nothing of the project but internal/wire, and no file-locking
// library: probing the lock takes a shared lock for an instant with the
// system's own call, as the Python clients in tools/ do.
package rootfile

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/ipc-dev/ipc/internal/wire"
)

// Running reports the server of the mailbox at root: ok is true when a
// process holds the run lock, and rs is what it published (zero while it
// is starting up). A state file left by a server that died is ignored.
func Running(root string) (rs wire.RunState, ok bool, err error) {
	path := filepath.Join(root, wire.RunLockFile)
	held, err := lockHeld(path)
	if err != nil {
		return wire.RunState{}, false, fmt.Errorf("socket: probe %s: %w", path, err)
	}
	if !held {
		return wire.RunState{}, false, nil
	}
	rs, _, err = ReadRunState(root)
	return rs, true, err
}

// lockHeld reports whether another process holds the lock file at path,
// taking a shared lock for an instant; a missing file is held by nobody.
func lockHeld(path string) (bool, error) {
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	defer f.Close()
	return tryShared(f)
}

// ReadRunState reads wire.RunStateFile; ok is false if there is none.
func ReadRunState(root string) (wire.RunState, bool, error) {
	var rs wire.RunState
	b, err := os.ReadFile(filepath.Join(root, wire.RunStateFile))
	if errors.Is(err, fs.ErrNotExist) {
		return rs, false, nil
	}
	if err != nil {
		return rs, false, err
	}
	if err := json.Unmarshal(b, &rs); err != nil {
		return wire.RunState{}, false, fmt.Errorf("socket: %s: %w", wire.RunStateFile, err)
	}
	return rs, true, nil
}

// ReadMailboxKey returns the key of the mailbox at root; ok is false when
// it has none (no server of this version ever ran for this directory, or
// the file was copied from another one).
func ReadMailboxKey(root string) (k wire.MailboxKey, ok bool, err error) {
	fi, err := os.Stat(root)
	if errors.Is(err, fs.ErrNotExist) {
		return wire.MailboxKey{}, false, nil
	}
	if err != nil {
		return wire.MailboxKey{}, false, fmt.Errorf("socket: %w", err)
	}
	rec, ok, err := ReadIdentity(root)
	if err != nil || !ok || !rec.Names(DirInode(fi)) {
		return wire.MailboxKey{}, false, err
	}
	k, ok = rec.MailboxKey()
	return k, ok, nil
}

// ReadIdentity reads wire.IdentityFile; ok is false if there is none or it
// is damaged.
func ReadIdentity(root string) (wire.IdentityRecord, bool, error) {
	var rec wire.IdentityRecord
	b, err := os.ReadFile(filepath.Join(root, wire.IdentityFile))
	if errors.Is(err, fs.ErrNotExist) {
		return rec, false, nil
	}
	if err != nil {
		return rec, false, fmt.Errorf("socket: %w", err)
	}
	if json.Unmarshal(b, &rec) != nil || !rec.Valid() {
		return wire.IdentityRecord{}, false, nil // damaged: as if absent
	}
	return rec, true, nil
}
