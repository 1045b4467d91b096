package wire

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
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
	challengeBytes    = 32 // what NewChallenge makes
	MinChallengeBytes = 16
	MaxChallengeBytes = 64
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

// IdentityRecord is the content of IdentityFile.
type IdentityRecord struct {
	ID  string `json:"id"`            // 32 hex digits
	Key string `json:"key,omitempty"` // 64 hex digits; absent in files of older versions
	Dev uint64 `json:"dev,omitempty"` // of the root; 0 where the system has no inodes
	Ino uint64 `json:"ino,omitempty"`
}

// Valid reports whether the record has a well-formed id; a record without
// one is damaged, as if absent.
func (rec IdentityRecord) Valid() bool { return isHexDigits(rec.ID, 32) }

// MailboxKey decodes the record's key; ok is false if it has none.
func (rec IdentityRecord) MailboxKey() (k MailboxKey, ok bool) {
	if !isHexDigits(rec.ID, 32) || !isHexDigits(rec.Key, 64) {
		return MailboxKey{}, false
	}
	key, err := hex.DecodeString(rec.Key)
	if err != nil {
		return MailboxKey{}, false
	}
	return MailboxKey{ID: rec.ID, Key: key}, true
}

// Names reports whether the record was made for the directory of device
// dev and inode ino.
func (rec IdentityRecord) Names(dev, ino uint64) bool {
	if rec.Ino == 0 || ino == 0 {
		return true // no inodes here (Windows): the id alone
	}
	return rec.Dev == dev && rec.Ino == ino
}

// MailboxKey is the secret of a mailbox's IdentityFile, as its server
// proves with it and its owner's clients check the proof.
type MailboxKey struct {
	ID  string // the mailbox id, bound into every proof
	Key []byte
}

// Proof is the server's answer to a hello challenge: the hex HMAC-SHA256,
// under the mailbox key, of "ipc-mailbox-proof-v1\n<challenge>\n<id>\n<pid>"
// (the challenge as the client sent it, the mailbox id, the server's pid
// in decimal). It binds the pid the server states, so that a client may
// trust it.
func (k MailboxKey) Proof(challenge string, pid int) string {
	mac := hmac.New(sha256.New, k.Key)
	mac.Write([]byte(proofLabel + "\n" + challenge + "\n" + k.ID + "\n" + strconv.Itoa(pid)))
	return hex.EncodeToString(mac.Sum(nil))
}

// Verify reports whether mb, a hello reply's mailbox, proves that its
// server holds this key, for the challenge the client sent.
func (k MailboxKey) Verify(challenge string, mb *Identity) bool {
	if len(k.Key) == 0 || challenge == "" || mb == nil || mb.Proof == "" {
		return false
	}
	return hmac.Equal([]byte(mb.Proof), []byte(k.Proof(challenge, mb.PID)))
}

// NewChallenge returns a fresh random challenge for hello.
func NewChallenge() (string, error) { return RandomHex(challengeBytes) }

// ValidChallenge reports whether s is a challenge hello accepts.
func ValidChallenge(s string) bool {
	return len(s)%2 == 0 && len(s) >= 2*MinChallengeBytes && len(s) <= 2*MaxChallengeBytes && isHexDigits(s, len(s))
}

// RandomHex returns n random bytes in lowercase hex.
func RandomHex(n int) (string, error) {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("random: %w", err)
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
