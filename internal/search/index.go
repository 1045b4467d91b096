package search

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"runtime/debug"
	"slices"
	"syscall"
	"time"

	bolt "go.etcd.io/bbolt"
	bolterrors "go.etcd.io/bbolt/errors"
)

// Errors of the index. Any other error (a full disk, a read-only
// directory) means the index cannot be used now; the files still can.
var (
	ErrCorrupt = errors.New("the search index is damaged") // remove it and rebuild
	ErrBusy    = errors.New("the search index is locked by another process")
)

// formatVersion is written in meta; an index of another version is rebuilt.
const formatVersion = "ipc-search 1"

var (
	bDocs   = []byte("docs")
	bIDs    = []byte("ids")
	bNames  = []byte("names")
	bStamps = []byte("stamps")
	bPost   = []byte("post")
	bMeta   = []byte("meta")

	mVersion = []byte("version")
	mDocs    = []byte("docs")
	mGarbage = []byte("garbage")
)

// Index is an open index file. It holds the file's lock until Close:
// open it for one operation, so that other processes can use it too.
type Index struct {
	db   *bolt.DB
	path string
}

// Open opens the index at path, creating it (mode 0600) if missing, and
// waits at most timeout for another process's lock (ErrBusy). A file
// that is not an index of this format is ErrCorrupt.
func Open(path string, timeout time.Duration) (ix *Index, err error) {
	defer guard(&err)()
	db, err := bolt.Open(path, 0o600, &bolt.Options{
		Timeout:      timeout,
		NoSync:       true, // a cache: what a crash loses is rebuilt from the files
		NoGrowSync:   true,
		FreelistType: bolt.FreelistMapType,
	})
	switch {
	case errors.Is(err, bolterrors.ErrTimeout):
		return nil, ErrBusy
	case err != nil && unusable(err):
		return nil, err
	case err != nil:
		return nil, fmt.Errorf("%w: %v", ErrCorrupt, err)
	}
	ix = &Index{db: db, path: path}
	if err := ix.prepare(); err != nil {
		db.Close()
		return nil, err
	}
	return ix, nil
}

// unusable reports whether err is about the disk or the permissions rather
// than the file's content.
func unusable(err error) bool {
	return errors.Is(err, fs.ErrPermission) || errors.Is(err, syscall.ENOSPC) ||
		errors.Is(err, syscall.EROFS) || errors.Is(err, syscall.EDQUOT) || errors.Is(err, fs.ErrNotExist)
}

// prepare creates the buckets of a new index and checks an old one's version.
func (ix *Index) prepare() error {
	var version []byte
	err := ix.db.View(func(tx *bolt.Tx) error {
		if m := tx.Bucket(bMeta); m != nil {
			version = slices.Clone(m.Get(mVersion))
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("%w: %v", ErrCorrupt, err)
	}
	if version != nil {
		if string(version) != formatVersion {
			return fmt.Errorf("%w: format %q, not %q", ErrCorrupt, version, formatVersion)
		}
		return nil
	}
	return ix.db.Update(func(tx *bolt.Tx) error {
		for _, name := range [][]byte{bDocs, bIDs, bNames, bStamps, bPost, bMeta} {
			if _, err := tx.CreateBucketIfNotExists(name); err != nil {
				return err
			}
		}
		return tx.Bucket(bMeta).Put(mVersion, []byte(formatVersion))
	})
}

// guard turns a panic in bbolt (a damaged page) or a fault of the mapped
// file (one truncated under it) into ErrCorrupt. Use: defer guard(&err)().
func guard(err *error) func() {
	old := debug.SetPanicOnFault(true)
	return func() {
		debug.SetPanicOnFault(old)
		if r := recover(); r != nil {
			*err = fmt.Errorf("%w: %v", ErrCorrupt, r)
		}
	}
}

// Close releases the index and its lock.
func (ix *Index) Close() (err error) {
	defer guard(&err)()
	return ix.db.Close()
}

// Size is the index file's size in bytes.
func (ix *Index) Size() int64 {
	info, err := os.Stat(ix.path)
	if err != nil {
		return 0
	}
	return info.Size()
}

// Update runs fn in a write transaction, committed when fn returns nil.
func (ix *Index) Update(fn func(*Tx) error) (err error) {
	defer guard(&err)()
	return ix.db.Update(func(btx *bolt.Tx) error {
		t, err := newTx(btx)
		if err != nil {
			return err
		}
		if err := fn(t); err != nil {
			return err
		}
		return t.flush()
	})
}

// View runs fn in a read transaction.
func (ix *Index) View(fn func(*Tx) error) (err error) {
	defer guard(&err)()
	return ix.db.View(func(btx *bolt.Tx) error {
		t, err := newTx(btx)
		if err != nil {
			return err
		}
		return fn(t)
	})
}

// Tx is a transaction on the index.
type Tx struct {
	tx                                     *bolt.Tx
	docs, ids, names, stamps, post, meta   *bolt.Bucket
	pending                                map[string][]uint64 // postings added, written at commit
	docCount, garbage, docDelta, dropDelta int64
}

func newTx(btx *bolt.Tx) (*Tx, error) {
	t := &Tx{tx: btx, pending: map[string][]uint64{}}
	for _, b := range []struct {
		dst  **bolt.Bucket
		name []byte
	}{{&t.docs, bDocs}, {&t.ids, bIDs}, {&t.names, bNames}, {&t.stamps, bStamps}, {&t.post, bPost}, {&t.meta, bMeta}} {
		if *b.dst = btx.Bucket(b.name); *b.dst == nil {
			return nil, fmt.Errorf("%w: no %s bucket", ErrCorrupt, b.name)
		}
	}
	t.docCount, t.garbage = t.counter(mDocs), t.counter(mGarbage)
	return t, nil
}

func (t *Tx) counter(name []byte) int64 {
	v := t.meta.Get(name)
	if len(v) != 8 {
		return 0
	}
	return int64(binary.BigEndian.Uint64(v))
}

// Docs is how many documents the index holds.
func (t *Tx) Docs() int64 { return t.docCount + t.docDelta }

// Garbage is how many documents were dropped since the index was built:
// their postings stay until a rebuild.
func (t *Tx) Garbage() int64 { return t.garbage + t.dropDelta }

// flush writes the postings added in the transaction and its counters.
func (t *Tx) flush() error {
	terms := make([]string, 0, len(t.pending))
	for term := range t.pending {
		terms = append(terms, term)
	}
	slices.Sort(terms) // B+tree writes in key order
	for _, term := range terms {
		keys := t.pending[term]
		slices.Sort(keys)
		if err := addPostings(t.post, term, slices.Compact(keys)); err != nil {
			return err
		}
	}
	t.pending = map[string][]uint64{}
	for _, c := range []struct {
		name []byte
		v    int64
	}{{mDocs, t.Docs()}, {mGarbage, t.Garbage()}} {
		if err := t.meta.Put(c.name, binary.BigEndian.AppendUint64(nil, uint64(max(c.v, 0)))); err != nil {
			return err
		}
	}
	return nil
}

// Field terms: a prefix byte no text term has keeps them apart (and out of
// prefix queries).
func fromTerm(v string) string   { return "\x01from:" + v }
func toTerm(v string) string     { return "\x01to:" + v }
func threadTerm(v string) string { return "\x01thread:" + v }

// Lookup returns the document of id.
func (t *Tx) Lookup(id string) (Doc, bool) {
	k := t.ids.Get([]byte(id))
	if len(k) != 8 {
		return Doc{}, false
	}
	return t.doc(binary.BigEndian.Uint64(k))
}

func (t *Tx) doc(k uint64) (Doc, bool) {
	v := t.docs.Get(keyBytes(k))
	if v == nil {
		return Doc{}, false
	}
	return decodeDoc(k, v)
}

// Add indexes a document with its text (subject, content...). A document
// whose id the index holds already is moved to d's place instead.
func (t *Tx) Add(d Doc, text string) error {
	if _, ok := t.Lookup(d.ID); ok {
		return t.Move(d.ID, d.Folder, d.Name, d.To)
	}
	k := KeyOf(d.Time)
	for t.docs.Get(keyBytes(k)) != nil && k < ^uint64(0) {
		k++
	}
	d.Key = k
	if err := t.putDoc(d); err != nil {
		return err
	}
	if err := t.ids.Put([]byte(d.ID), keyBytes(k)); err != nil {
		return err
	}
	terms := map[string]struct{}{fromTerm(d.From): {}, toTerm(d.To): {}, threadTerm(d.Thread): {}}
	uniqueTokens(text, terms)
	for term := range terms {
		t.pending[term] = append(t.pending[term], k)
	}
	t.docDelta++
	return nil
}

func nameKey(folder, name string) []byte { return []byte(folder + "\x00" + name) }

func (t *Tx) putDoc(d Doc) error {
	if err := t.docs.Put(keyBytes(d.Key), encodeDoc(d)); err != nil {
		return err
	}
	return t.names.Put(nameKey(d.Folder, d.Name), []byte(d.ID))
}

// Move records that document id is now file name of folder, in the
// mailbox of to.
func (t *Tx) Move(id, folder, name, to string) error {
	d, ok := t.Lookup(id)
	if !ok {
		return nil
	}
	if err := t.names.Delete(nameKey(d.Folder, d.Name)); err != nil {
		return err
	}
	if d.To != to {
		t.pending[toTerm(to)] = append(t.pending[toTerm(to)], d.Key)
	}
	d.Folder, d.Name, d.To = folder, name, to
	return t.putDoc(d)
}

// Drop removes document id. Its postings stay (Garbage counts them):
// a search skips keys without a document.
func (t *Tx) Drop(id string) error {
	d, ok := t.Lookup(id)
	if !ok {
		return nil
	}
	for _, err := range []error{
		t.names.Delete(nameKey(d.Folder, d.Name)),
		t.ids.Delete([]byte(id)),
		t.docs.Delete(keyBytes(d.Key)),
	} {
		if err != nil {
			return err
		}
	}
	t.docDelta--
	t.dropDelta++
	return nil
}

// Names returns the files the index knows in folder: name -> id.
func (t *Tx) Names(folder string) map[string]string {
	out := map[string]string{}
	prefix := []byte(folder + "\x00")
	c := t.names.Cursor()
	for k, v := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, v = c.Next() {
		out[string(k[len(prefix):])] = string(v)
	}
	return out
}

// Stamp returns what SetStamp recorded of folder, or nil.
func (t *Tx) Stamp(folder string) []byte { return slices.Clone(t.stamps.Get([]byte(folder))) }

// SetStamp records the caller's stamp of folder (its mtime and size when
// listed); nil removes it.
func (t *Tx) SetStamp(folder string, stamp []byte) error {
	if stamp == nil {
		return t.stamps.Delete([]byte(folder))
	}
	return t.stamps.Put([]byte(folder), stamp)
}

// Folders lists every folder with a stamp.
func (t *Tx) Folders() []string {
	var out []string
	_ = t.stamps.ForEach(func(k, _ []byte) error { out = append(out, string(k)); return nil })
	return out
}
