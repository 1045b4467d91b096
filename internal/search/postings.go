package search

import (
	"bytes"
	"encoding/binary"
	"slices"

	bolt "go.etcd.io/bbolt"
)

// A posting list is the keys of the documents holding a term, ascending,
// which is newest first (see docKey). It is stored in blocks of at most
// blockMax keys, so that adding a document rewrites one small block per
// term rather than a list as long as the mailbox:
//
//	key:   term 0x00 <the block's last (greatest) doc key, 8 bytes big-endian>
//	value: uvarint gaps, walking down from the last key to the first
//
// Keying a block by its last key makes a seek one B+tree lookup: the first
// block whose key is at or after term+k holds the first doc key >= k.
const blockMax = 128

// postingKey is the key of term's block whose last doc key is last.
func postingKey(term string, last uint64) []byte {
	k := make([]byte, len(term)+9)
	copy(k, term)
	binary.BigEndian.PutUint64(k[len(term)+1:], last)
	return k
}

// splitPostingKey returns the term and last doc key of a block key.
func splitPostingKey(k []byte) (term []byte, last uint64, ok bool) {
	if len(k) < 9 || k[len(k)-9] != 0 {
		return nil, 0, false
	}
	return k[:len(k)-9], binary.BigEndian.Uint64(k[len(k)-8:]), true
}

// encodeBlock writes the keys of a block, ascending, as gaps from its last.
func encodeBlock(keys []uint64) []byte {
	out := make([]byte, 0, len(keys)*3)
	for i := len(keys) - 2; i >= 0; i-- {
		out = binary.AppendUvarint(out, keys[i+1]-keys[i])
	}
	return out
}

// decodeBlock reads a block whose last key is last, ascending. A block
// that does not decode yields what it could (the index is a cache: a
// wrong block costs a result, never a crash).
func decodeBlock(last uint64, val []byte, into []uint64) []uint64 {
	into = append(into[:0], last)
	for len(val) > 0 {
		gap, n := binary.Uvarint(val)
		if n <= 0 || gap > into[len(into)-1] {
			break
		}
		into = append(into, into[len(into)-1]-gap)
		val = val[n:]
	}
	slices.Reverse(into)
	return into
}

// addPostings adds sorted, distinct doc keys to term's list, merging each
// run of them into the block that holds their place.
func addPostings(b *bolt.Bucket, term string, keys []uint64) error {
	prefix := postingKey(term, 0)[:len(term)+1]
	c := b.Cursor()
	var block []uint64
	for len(keys) > 0 {
		bk, bv := c.Seek(postingKey(term, keys[0]))
		if bk == nil || !bytes.HasPrefix(bk, prefix) {
			return writeBlocks(b, term, keys) // older than every key of the term
		}
		_, last, _ := splitPostingKey(bk)
		block = decodeBlock(last, bv, block)
		n := 0
		for n < len(keys) && keys[n] <= last {
			n++
		}
		merged := mergeKeys(block, keys[:n])
		keys = keys[n:]
		if len(merged) == len(block) {
			continue
		}
		if err := writeBlocks(b, term, merged); err != nil { // the last block keeps its key
			return err
		}
	}
	return nil
}

// mergeKeys merges two ascending lists, without repeats.
func mergeKeys(a, b []uint64) []uint64 {
	out := make([]uint64, 0, len(a)+len(b))
	i, j := 0, 0
	for i < len(a) || j < len(b) {
		switch {
		case j == len(b) || i < len(a) && a[i] < b[j]:
			out = append(out, a[i])
			i++
		case i == len(a) || b[j] < a[i]:
			out = append(out, b[j])
			j++
		default:
			out = append(out, a[i])
			i, j = i+1, j+1
		}
	}
	return out
}

// writeBlocks writes sorted keys of a term that has none yet, in full blocks.
func writeBlocks(b *bolt.Bucket, term string, keys []uint64) error {
	for len(keys) > 0 {
		n := min(len(keys), blockMax)
		if len(keys) > blockMax && len(keys) < 2*blockMax {
			n = len(keys) / 2 // two half blocks rather than a full one and a sliver
		}
		if err := b.Put(postingKey(term, keys[n-1]), encodeBlock(keys[:n])); err != nil {
			return err
		}
		keys = keys[n:]
	}
	return nil
}

// iterator walks doc keys ascending. seek returns the least key >= k, or
// false when there is none; successive seeks never go back.
type iterator interface {
	seek(k uint64) (uint64, bool)
}

// termIter walks the posting list of one term.
type termIter struct {
	c      *bolt.Cursor
	term   string
	prefix []byte
	block  []uint64 // the current block, ascending
	done   bool
}

func newTermIter(b *bolt.Bucket, term string) *termIter {
	return &termIter{c: b.Cursor(), term: term, prefix: postingKey(term, 0)[:len(term)+1]}
}

func (it *termIter) seek(k uint64) (uint64, bool) {
	if it.done {
		return 0, false
	}
	if n := len(it.block); n == 0 || it.block[n-1] < k {
		// The first block whose last key is >= k holds the answer.
		bk, bv := it.c.Seek(postingKey(it.term, k))
		if bk == nil || !bytes.HasPrefix(bk, it.prefix) {
			it.done = true
			return 0, false
		}
		_, last, _ := splitPostingKey(bk)
		it.block = decodeBlock(last, bv, it.block)
	}
	i, _ := slices.BinarySearch(it.block, k)
	return it.block[i], true
}

// andIter is the keys every one of its iterators holds (leapfrog).
type andIter []iterator

func (a andIter) seek(k uint64) (uint64, bool) {
	for {
		agreed := true
		for _, it := range a {
			x, ok := it.seek(k)
			if !ok {
				return 0, false
			}
			if x != k {
				k, agreed = x, false
				break
			}
		}
		if agreed {
			return k, true
		}
	}
}

// orIter is the keys any one of its iterators holds.
type orIter struct {
	its  []iterator
	head []uint64 // each iterator's current key
	live []bool
	init bool
}

func newOr(its ...iterator) *orIter {
	return &orIter{its: its, head: make([]uint64, len(its)), live: make([]bool, len(its))}
}

func (o *orIter) seek(k uint64) (uint64, bool) {
	best, any := uint64(0), false
	for i, it := range o.its {
		if o.init && !o.live[i] {
			continue
		}
		if !o.init || o.head[i] < k {
			o.head[i], o.live[i] = it.seek(k)
		}
		if o.live[i] && (!any || o.head[i] < best) {
			best, any = o.head[i], true
		}
	}
	o.init = true
	return best, any
}

// prefixTerms lists the terms of the index starting with prefix, at most
// limit+1 of them (one more tells the caller the prefix is too broad).
func prefixTerms(b *bolt.Bucket, prefix string, limit int) []string {
	var terms []string
	c := b.Cursor()
	k, _ := c.Seek([]byte(prefix))
	for k != nil && bytes.HasPrefix(k, []byte(prefix)) && len(terms) <= limit {
		term, _, ok := splitPostingKey(k)
		if !ok || bytes.IndexByte(term, 0) >= 0 {
			k, _ = c.Next()
			continue
		}
		terms = append(terms, string(term))
		// Skip the term's other blocks: on to the first key after term 0x00 ff...
		k, _ = c.Seek(append(append([]byte(nil), term...), 1))
	}
	return terms
}
