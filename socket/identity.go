package socket

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
)

// IdentityFile, in the mailbox root, holds the mailbox's identity: a random
// id, a random key, and the device and inode of the root it was made for.
// It is 0600 in the 0700 root, so only the mailbox's owner reads it. A
// server proves it serves this mailbox by answering the challenge of a
// client's hello with an HMAC under the key (see Proof); neither the id nor
// the key is ever sent. A copy of the mailbox carries the file, but not the
// root's inode: a copied or restored file names another directory and is
// ignored (and replaced by the next server).
const IdentityFile = "mailbox.json"

// proofLabel starts the text a proof is the HMAC of; a new proof format
// gets a new label.
const proofLabel = "ipc-mailbox-proof-v1"

// Challenge sizes accepted in hello, in bytes (twice as many hex digits).
const (
	challengeBytes    = 32 // what this package's clients send
	minChallengeBytes = 16
	maxChallengeBytes = 64
)

// Identity is what a server says about itself in the "mailbox" field of
// its hello reply. Root and PID are claims anybody could repeat; only
// Proof, checked with Verify against the challenge the client sent, shows
// that the server holds the mailbox's key.
type Identity struct {
	Root  string `json:"root,omitempty"`  // the mailbox directory, for humans
	PID   int    `json:"pid,omitempty"`   // the serving process
	Proof string `json:"proof,omitempty"` // Proof of the hello's challenge; absent without one
}

// identityRecord is the content of IdentityFile.
type identityRecord struct {
	ID  string `json:"id"`            // 32 hex digits
	Key string `json:"key,omitempty"` // 64 hex digits; absent in files of older versions
	Dev uint64 `json:"dev,omitempty"` // of the root; 0 where the system has no inodes
	Ino uint64 `json:"ino,omitempty"`
}

// MailboxKey is the secret of a mailbox's IdentityFile, as its owner's
// clients read it to check a server's proof.
type MailboxKey struct {
	ID  string // the mailbox id, bound into every proof
	key []byte
}

// ErrWrongMailbox is returned by DialMailbox when the server that answers
// does not prove it serves the mailbox.
var ErrWrongMailbox = errors.New("socket: the server that answered does not prove it serves this mailbox")

// ReadMailboxKey returns the key of the mailbox at root; ok is false when
// it has none (no server of this version ever ran for this directory, or
// the file was copied from another one).
func ReadMailboxKey(root string) (k MailboxKey, ok bool, err error) {
	fi, err := os.Stat(root)
	if errors.Is(err, fs.ErrNotExist) {
		return MailboxKey{}, false, nil
	}
	if err != nil {
		return MailboxKey{}, false, fmt.Errorf("socket: %w", err)
	}
	rec, ok, err := readIdentityRecord(root)
	if err != nil || !ok || !rec.names(fi) {
		return MailboxKey{}, false, err
	}
	return rec.mailboxKey()
}

// ensureMailboxKey returns the key of the mailbox at root, making a new
// identity if it has none or the file names another directory, and adding
// a key to the id of a file written by an older version. Only the holder
// of the run lock calls it, so nobody else writes the file.
func ensureMailboxKey(root string) (MailboxKey, error) {
	fi, err := os.Stat(root)
	if err != nil {
		return MailboxKey{}, fmt.Errorf("socket: %w", err)
	}
	rec, ok, err := readIdentityRecord(root)
	if err != nil || !ok || !rec.names(fi) {
		rec = identityRecord{}
	}
	if k, ok, _ := rec.mailboxKey(); ok {
		return k, nil
	}
	if rec.ID == "" {
		if rec.ID, err = randomHex(16); err != nil {
			return MailboxKey{}, err
		}
	}
	if rec.Key, err = randomHex(32); err != nil {
		return MailboxKey{}, err
	}
	rec.Dev, rec.Ino = dirInode(fi)
	data, err := json.Marshal(rec)
	if err != nil {
		return MailboxKey{}, err
	}
	if err := writeFileAtomic(filepath.Join(root, IdentityFile), append(data, '\n')); err != nil {
		return MailboxKey{}, err
	}
	k, _, err := rec.mailboxKey()
	return k, err
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
	if json.Unmarshal(b, &rec) != nil || !isHexDigits(rec.ID, 32) {
		return identityRecord{}, false, nil // damaged: as if absent
	}
	return rec, true, nil
}

// mailboxKey decodes the record's key; ok is false if it has none.
func (rec identityRecord) mailboxKey() (MailboxKey, bool, error) {
	if !isHexDigits(rec.ID, 32) || !isHexDigits(rec.Key, 64) {
		return MailboxKey{}, false, nil
	}
	key, err := hex.DecodeString(rec.Key)
	if err != nil {
		return MailboxKey{}, false, nil
	}
	return MailboxKey{ID: rec.ID, key: key}, true, nil
}

// names reports whether the record was made for the directory fi.
func (rec identityRecord) names(fi os.FileInfo) bool {
	dev, ino := dirInode(fi)
	if rec.Ino == 0 || ino == 0 {
		return true // no inodes here (Windows): the id alone
	}
	return rec.Dev == dev && rec.Ino == ino
}

// Proof is the server's answer to a hello challenge: the hex HMAC-SHA256,
// under the mailbox key, of "ipc-mailbox-proof-v1\n<challenge>\n<id>\n<pid>"
// (the challenge as the client sent it, the mailbox id, the server's pid
// in decimal). It binds the pid the server states, so that a client may
// trust it.
func (k MailboxKey) Proof(challenge string, pid int) string {
	mac := hmac.New(sha256.New, k.key)
	mac.Write([]byte(proofLabel + "\n" + challenge + "\n" + k.ID + "\n" + strconv.Itoa(pid)))
	return hex.EncodeToString(mac.Sum(nil))
}

// Verify reports whether mb, a hello reply's mailbox, proves that its
// server holds this key, for the challenge the client sent.
func (k MailboxKey) Verify(challenge string, mb *Identity) bool {
	if len(k.key) == 0 || challenge == "" || mb == nil || mb.Proof == "" {
		return false
	}
	return hmac.Equal([]byte(mb.Proof), []byte(k.Proof(challenge, mb.PID)))
}

// servedMailbox is what a server of Run knows of its mailbox, to answer
// hello.
type servedMailbox struct {
	key  MailboxKey
	root string
	pid  int
}

// answer is the "mailbox" of a hello reply: the proof only for a
// challenge.
func (m *servedMailbox) answer(challenge string) *Identity {
	if m == nil {
		return nil
	}
	id := &Identity{Root: m.root, PID: m.pid}
	if challenge != "" {
		id.Proof = m.key.Proof(challenge, m.pid)
	}
	return id
}

// newChallenge returns a fresh random challenge for hello.
func newChallenge() (string, error) { return randomHex(challengeBytes) }

// validChallenge reports whether s is a challenge hello accepts.
func validChallenge(s string) bool {
	return len(s)%2 == 0 && len(s) >= 2*minChallengeBytes && len(s) <= 2*maxChallengeBytes && isHexDigits(s, len(s))
}

func randomHex(n int) (string, error) {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("socket: random: %w", err)
	}
	return hex.EncodeToString(b), nil
}

// isHexDigits reports whether s is n lowercase hex digits.
func isHexDigits(s string, n int) bool {
	if len(s) != n {
		return false
	}
	for _, c := range s {
		if (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}
