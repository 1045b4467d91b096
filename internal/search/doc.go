// Package search is the full-text index of a mailbox: a cache of which
// documents (messages) hold which terms, in one bbolt file, rebuilt from the
// files whenever it is lost. It knows nothing of mailboxes: a document is
// an id with a place (a folder and a file name), a sender, a recipient, a
// thread and a time; what those mean is the caller's business.
//
// bbolt (go.etcd.io/bbolt) is a copy-on-write B+tree in one file, pure Go,
// with checksummed meta pages: a crash leaves the last committed state, and
// a file damaged otherwise fails to open or to read, which Open and Update
// report as ErrCorrupt (panics inside bbolt and faults of the mapped file
// included) so that the caller rebuilds it.
//
// In the file:
//
//	docs:    doc key -> the document (id, folder, name, from, to, thread, time)
//	ids:     id -> doc key
//	names:   folder 0x00 name -> id         what the index knows of each folder
//	stamps:  folder -> the caller's stamp of it when last listed
//	post:    term 0x00 last doc key -> a block of doc keys (postings.go)
//	meta:    format version, documents dropped since the last rebuild
//
// A doc key orders documents newest first: the complement of the time in
// nanoseconds, so that ascending B+tree order is newest first and a "since"
// bound is a seek limit; a key taken already is bumped to the next one.
package search

import (
	"encoding/binary"
	"math"
	"time"
)

// Doc is one indexed document.
type Doc struct {
	Key    uint64 // its place in the index's order: newest first
	ID     string
	Folder string // where its file is, as the caller names it
	Name   string // its file name in Folder
	From   string
	To     string
	Thread string
	Time   time.Time
}

// KeyOf is the doc key of a document of time t before any bump: the
// order of the index, for a scan that must page like it.
func KeyOf(t time.Time) uint64 {
	n := t.UnixNano()
	if n < 0 || t.IsZero() {
		n = 0
	}
	return math.MaxUint64 - uint64(n)
}

// timeOfKey is the latest time a doc key can stand for.
func timeOfKey(k uint64) time.Time { return time.Unix(0, int64(math.MaxUint64-k)) }

// encodeDoc writes a document record.
func encodeDoc(d Doc) []byte {
	b := make([]byte, 0, 64+len(d.ID)+len(d.Folder)+len(d.Name)+len(d.From)+len(d.To)+len(d.Thread))
	for _, s := range []string{d.ID, d.Folder, d.Name, d.From, d.To, d.Thread} {
		b = binary.AppendUvarint(b, uint64(len(s)))
		b = append(b, s...)
	}
	return binary.AppendVarint(b, d.Time.UnixNano())
}

// decodeDoc reads a document record; ok is false for one that does not decode.
func decodeDoc(key uint64, b []byte) (d Doc, ok bool) {
	d.Key = key
	fields := []*string{&d.ID, &d.Folder, &d.Name, &d.From, &d.To, &d.Thread}
	for _, f := range fields {
		n, w := binary.Uvarint(b)
		if w <= 0 || n > uint64(len(b)-w) {
			return d, false
		}
		*f = string(b[w : w+int(n)])
		b = b[w+int(n):]
	}
	ns, w := binary.Varint(b)
	if w <= 0 {
		return d, false
	}
	d.Time = time.Unix(0, ns)
	return d, true
}

func keyBytes(k uint64) []byte { return binary.BigEndian.AppendUint64(nil, k) }
