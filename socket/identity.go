package socket

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// IdentityFile, in the mailbox root, holds the mailbox's identity: a random
// id and the device and inode of the root it was made for. A server answers
// hello with the id, so that a client that knows its IPC_HOME can tell its
// own mailbox's server from another mailbox's (or another user's) on the
// same port. A copy of the mailbox carries the file, but not the root's
// inode: a copied or restored file names another directory and is ignored
// (and replaced by the next server).
const IdentityFile = "mailbox.json"

// Identity is what a server says about the mailbox it serves, in the
// "mailbox" field of its hello reply.
type Identity struct {
	ID   string `json:"id"`             // the random id of IdentityFile
	Root string `json:"root,omitempty"` // the mailbox directory, for humans
	PID  int    `json:"pid,omitempty"`  // the serving process
}

// identityRecord is the content of IdentityFile.
type identityRecord struct {
	ID  string `json:"id"`
	Dev uint64 `json:"dev,omitempty"` // of the root; 0 where the system has no inodes
	Ino uint64 `json:"ino,omitempty"`
}

// ErrWrongMailbox is returned by DialMailbox when the server that answers
// serves another mailbox.
var ErrWrongMailbox = errors.New("socket: the server that answered serves another mailbox")

// ReadIdentity returns the id of the mailbox at root, as its server
// answers hello; ok is false when the mailbox has none (no server ever ran
// for this directory, or the file was copied from another one).
func ReadIdentity(root string) (id string, ok bool, err error) {
	fi, err := os.Stat(root)
	if errors.Is(err, fs.ErrNotExist) {
		return "", false, nil
	}
	if err != nil {
		return "", false, fmt.Errorf("socket: %w", err)
	}
	rec, ok, err := readIdentityRecord(root)
	if err != nil || !ok {
		return "", false, err
	}
	if !rec.names(fi) {
		return "", false, nil
	}
	return rec.ID, true, nil
}

// ensureIdentity returns the id of the mailbox at root, making a new one if
// it has none or the file names another directory. Only the holder of the
// run lock calls it, so nobody else writes the file.
func ensureIdentity(root string) (string, error) {
	fi, err := os.Stat(root)
	if err != nil {
		return "", fmt.Errorf("socket: %w", err)
	}
	if rec, ok, err := readIdentityRecord(root); err == nil && ok && rec.names(fi) {
		return rec.ID, nil
	}
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("socket: mailbox id: %w", err)
	}
	rec := identityRecord{ID: hex.EncodeToString(b)}
	rec.Dev, rec.Ino = dirInode(fi)
	data, err := json.Marshal(rec)
	if err != nil {
		return "", err
	}
	if err := writeFileAtomic(filepath.Join(root, IdentityFile), append(data, '\n')); err != nil {
		return "", err
	}
	return rec.ID, nil
}

func readIdentityRecord(root string) (identityRecord, bool, error) {
	var rec identityRecord
	b, err := os.ReadFile(filepath.Join(root, IdentityFile))
	if errors.Is(err, fs.ErrNotExist) {
		return rec, false, nil
	}
	if err != nil {
		return rec, false, fmt.Errorf("socket: %w", err)
	}
	if json.Unmarshal(b, &rec) != nil || len(rec.ID) != 32 {
		return identityRecord{}, false, nil // damaged: as if absent
	}
	return rec, true, nil
}

// names reports whether the record was made for the directory fi.
func (rec identityRecord) names(fi os.FileInfo) bool {
	dev, ino := dirInode(fi)
	if rec.Ino == 0 || ino == 0 {
		return true // no inodes here (Windows): the id alone
	}
	return rec.Dev == dev && rec.Ino == ino
}
