package maildir

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/ipc-dev/ipc/internal/durable"
)

// Idempotency keys. A send or broadcast may carry a key chosen by the
// client (a UUID, say). The first call with a key delivers and its result
// is recorded under the sender's name; a call with the same key within
// DedupeWindow (2 minutes by default) delivers nothing and returns that
// result, marked Replayed. So a client that gave up waiting (MCP clients
// commonly stop at 60 s) and asks again does not send twice, as NATS
// JetStream's Msg-Id dedupe does. A repeat that arrives while the first call
// is still running waits for it. A key reused for a different message
// within the window is refused (BadRequest).
//
// On disk: dedupe/<sender>/<sha256 of the key>.json holds the result, written
// atomically after delivery; calls with keys hashing alike are serialized by
// one of dedupeBuckets lock files in the same directory, so the rule holds
// between processes. A call that failed outright (nothing delivered) is not
// recorded and may be retried with the same key. A process killed between
// delivering and recording leaves the key unrecorded: its retry delivers
// again. Records are keyed by the sender's current name.
const (
	dedupeDir     = "dedupe"
	dedupeBuckets = 16
	// MaxIdempotencyKey is the longest key accepted, in bytes.
	MaxIdempotencyKey = 256
)

// dedupeRecord is the file of one key.
type dedupeRecord struct {
	Op          Op              `json:"op"`
	Fingerprint string          `json:"fingerprint"` // what was sent: a different message may not reuse the key
	At          time.Time       `json:"at"`
	Result      json.RawMessage `json:"result"`
}

// checkIdempotencyKey validates a key; "" means none.
func checkIdempotencyKey(op Op, agent, key string) error {
	switch {
	case len(key) > MaxIdempotencyKey:
		return errorf(op, BadRequest, agent, "idempotency key is %d bytes, over the %d-byte limit", len(key), MaxIdempotencyKey)
	case !utf8.ValidString(key) || strings.ContainsFunc(key, func(r rune) bool { return r < ' ' || r == 0x7f }):
		return errorf(op, BadRequest, agent, "idempotency key must be printable text (a UUID, say)")
	}
	return nil
}

// fingerprint identifies what a keyed call sends.
func fingerprint(parts ...string) string {
	h := sha256.New()
	for _, p := range parts {
		fmt.Fprintf(h, "%d:%s;", len(p), p)
	}
	return hex.EncodeToString(h.Sum(nil)[:16])
}

// once runs call at most once per sender, key and dedupe window (see the
// comment above). keep says whether a result is recorded: whether the call
// delivered anything. With no key it just runs call.
func once[R any](s *Session, op Op, key, fp string, call func() (R, error), keep func(R, error) bool, replayed func(*R)) (R, error) {
	if key == "" {
		return call()
	}
	sum := sha256.Sum256([]byte(key))
	dir := filepath.Join(s.st.root, dedupeDir, s.ID())
	name := hex.EncodeToString(sum[:16]) + ".json"
	r, err := onceLocked(s, op, key, fp, dir, name, call, keep, replayed)
	s.st.sweepDedupe(dir)
	return r, err
}

// onceLocked is once under the lock of the key's bucket.
func onceLocked[R any](s *Session, op Op, key, fp, dir, name string, call func() (R, error), keep func(R, error) bool, replayed func(*R)) (R, error) {
	var zero R
	st, sender := s.st, s.ID()
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return zero, ioError(op, sender, err)
	}
	unlock, err := st.dedupeLock(dir, name).Lock()
	if err != nil {
		return zero, ioError(op, sender, err)
	}
	defer unlock()
	path := filepath.Join(dir, name)
	if rec, ok := st.readDedupe(path); ok {
		if rec.Op != op || rec.Fingerprint != fp {
			return zero, errorf(op, BadRequest, sender, "idempotency key %q was used for a different message %s ago: use a new key for a new message",
				key, st.now().Sub(rec.At).Round(time.Second))
		}
		var r R
		if err := json.Unmarshal(rec.Result, &r); err == nil {
			replayed(&r)
			return r, nil
		}
		// An unreadable result is no record: run the call.
	}
	r, err := call()
	if !keep(r, err) {
		return r, err
	}
	res, merr := json.Marshal(r)
	if merr == nil {
		rec, _ := json.Marshal(dedupeRecord{Op: op, Fingerprint: fp, At: st.now(), Result: res})
		merr = durable.ReplaceFile(path, rec)
	}
	if merr != nil {
		st.opts.Logf("maildir: %s: idempotency key not recorded: %v", op, merr)
	}
	return r, err
}

// readDedupe returns the record at path if it is within the window.
func (st *Store) readDedupe(path string) (dedupeRecord, bool) {
	var rec dedupeRecord
	b, err := os.ReadFile(path)
	if err != nil || json.Unmarshal(b, &rec) != nil {
		return rec, false
	}
	age := st.now().Sub(rec.At)
	return rec, age >= 0 && age < st.opts.DedupeWindow
}

// dedupeLock returns the lock of the bucket of the record name in dir,
// one per lock file in this process.
func (st *Store) dedupeLock(dir, name string) *durable.Lock {
	bucket := 0
	if b, err := hex.DecodeString(name[:2]); err == nil {
		bucket = int(b[0]) % dedupeBuckets
	}
	path := filepath.Join(dir, fmt.Sprintf("lock-%d", bucket))
	st.mu.Lock()
	defer st.mu.Unlock()
	l := st.dedupeLocks[path]
	if l == nil {
		l = durable.NewLock(path)
		st.dedupeLocks[path] = l
	}
	return l
}

// moveDedupe gives the idempotency records of a renamed sender to its new
// name, so that a client retrying under the new name after a rename does
// not send twice. Records already kept under the new name (an earlier
// holder's) are left alone; a failure only shortens the old records' life.
func (st *Store) moveDedupe(old, newID string) {
	src, dst := filepath.Join(st.root, dedupeDir, old), filepath.Join(st.root, dedupeDir, newID)
	if _, err := os.Lstat(dst); !errors.Is(err, fs.ErrNotExist) {
		return
	}
	if err := os.Rename(src, dst); err != nil && !errors.Is(err, fs.ErrNotExist) {
		st.opts.Logf("maildir: dedupe: %v", err)
	}
}

// sweepDedupe removes the expired records of a sender's directory, at
// most once per window per directory in this process, and returns how
// many it removed. Each record is removed under its bucket's lock, so a
// record written again meanwhile is kept. The lock files stay: there are
// at most dedupeBuckets of them per sender name.
func (st *Store) sweepDedupe(dir string) int {
	now := st.now()
	st.mu.Lock()
	last, swept := st.dedupeSwept[dir]
	if swept && now.Sub(last) < st.opts.DedupeWindow {
		st.mu.Unlock()
		return 0
	}
	st.dedupeSwept[dir] = now
	st.mu.Unlock()
	names, err := listDir(dir)
	if err != nil {
		return 0
	}
	removed := 0
	for _, name := range names {
		if !strings.HasSuffix(name, ".json") || len(name) < 2 {
			continue
		}
		unlock, err := st.dedupeLock(dir, name).Lock()
		if err != nil {
			return removed
		}
		path := filepath.Join(dir, name)
		if _, ok := st.readDedupe(path); !ok {
			switch err := os.Remove(path); {
			case err == nil:
				removed++
			case !errors.Is(err, fs.ErrNotExist):
				st.opts.Logf("maildir: dedupe: %v", err)
			}
		}
		unlock()
	}
	return removed
}
