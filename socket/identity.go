package socket

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"

	"github.com/ipc-dev/ipc/internal/rootfile"
	"github.com/ipc-dev/ipc/internal/wire"
)

// ensureMailboxKey returns the key of the mailbox at root, making a new
// identity (wire.IdentityFile) if it has none or the file names another
// directory, and adding a key to the id of a file written by an older
// version. Only the holder of the run lock calls it, so nobody else writes
// the file.
func ensureMailboxKey(root string) (wire.MailboxKey, error) {
	fi, err := os.Stat(root)
	if err != nil {
		return wire.MailboxKey{}, fmt.Errorf("socket: %w", err)
	}
	rec, ok, err := rootfile.ReadIdentity(root)
	if err != nil || !ok || !rec.Names(rootfile.DirInode(fi)) {
		rec = wire.IdentityRecord{}
	}
	if k, ok := rec.MailboxKey(); ok {
		return k, nil
	}
	if rec.ID == "" {
		if rec.ID, err = wire.RandomHex(16); err != nil {
			return wire.MailboxKey{}, err
		}
	}
	if rec.Key, err = wire.RandomHex(32); err != nil {
		return wire.MailboxKey{}, err
	}
	rec.Dev, rec.Ino = rootfile.DirInode(fi)
	data, err := json.Marshal(rec)
	if err != nil {
		return wire.MailboxKey{}, err
	}
	if err := writeFileAtomic(filepath.Join(root, wire.IdentityFile), append(data, '\n')); err != nil {
		return wire.MailboxKey{}, err
	}
	k, _ := rec.MailboxKey()
	return k, nil
}

// servedMailbox is what a server of Run knows of its mailbox, to answer
// hello.
type servedMailbox struct {
	key  wire.MailboxKey
	root string
	pid  int
}

// answer is the "mailbox" of a hello reply: the proof only for a
// challenge.
func (m *servedMailbox) answer(challenge string) *wire.Identity {
	if m == nil {
		return nil
	}
	id := &wire.Identity{Root: m.root, PID: m.pid}
	if challenge != "" {
		id.Proof = m.key.Proof(challenge, m.pid)
	}
	return id
}
