package maildir

import (
	"context"
	"encoding/binary"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/ipc-dev/ipc/internal/search"
)

// Catching up is a diff of the directories against what the index knows
// of them. The index records each folder's (box/new, box/cur) mtime and
// size when it was last listed; a folder whose stamp is unchanged is not
// listed again. A folder changed shortly before its listing may have
// changed again within the same timestamp (git's racy-index rule): its
// stamp is marked racy and it is listed again next time. How shortly
// depends on the filesystem's times: within indexRacyWindow where they
// have whole seconds, within indexRacyFine where they have more (a time
// whose nanoseconds are not zero says so).
//
// A name the index does not know is a message to index, or a known id in
// a new place (read: new/ -> cur/; a rename moved it between mailboxes);
// a name gone from its folder is dropped once nothing else holds its id.
// Dropped documents leave postings behind; past garbageRebuild of them,
// and more than the live documents, the index is rebuilt.

const (
	indexRacyWindow = 2 * time.Second        // on a filesystem whose times have whole seconds (FAT: 2 s)
	indexRacyFine   = 100 * time.Millisecond // on one with sub-second times (the kernel's clock ticks, ~10 ms)
	indexBatch      = 4000                   // messages indexed per committed transaction
	garbageRebuild  = 20_000                 // dropped documents that make a rebuild worth it
)

// folderOf names a directory of a mailbox as the index knows it.
func folderOf(box, sub string) string { return box + "/" + sub }

// knownFolder reports whether f names a folder the index may hold: the
// new/ or cur/ of a mailbox with a valid id. The index is a file anyone of
// this user can write; a folder it names otherwise is never listed or read.
func knownFolder(f string) bool {
	box, sub := splitFolder(f)
	return ValidID(box) && (sub == dirNew || sub == dirCur)
}

// knownEntry reports whether an index document names a file of a known
// folder by a bare name, and an id that could be a message file's: what
// search reads for it is then a file of the mailbox, never one elsewhere.
func knownEntry(d search.Doc) bool {
	return knownFolder(d.Folder) && validMsgID(d.ID) &&
		d.Name != "" && d.Name != "." && d.Name != ".." && !strings.ContainsAny(d.Name, "/\\\x00")
}

// splitFolder undoes folderOf.
func splitFolder(folder string) (box, sub string) {
	i := strings.LastIndexByte(folder, '/')
	if i < 0 {
		return folder, ""
	}
	return folder[:i], folder[i+1:]
}

// folderStamp is what the index records of a listed directory.
func folderStamp(info fs.FileInfo, listed time.Time) []byte {
	b := binary.BigEndian.AppendUint64(nil, uint64(info.ModTime().UnixNano()))
	b = binary.BigEndian.AppendUint64(b, uint64(info.Size()))
	window := indexRacyWindow
	if info.ModTime().Nanosecond() != 0 {
		window = indexRacyFine
	}
	racy := byte(0)
	if !info.ModTime().Before(listed.Add(-window)) {
		racy = 1
	}
	return append(b, racy)
}

// unchanged reports whether a folder recorded with old looks as it did.
func unchanged(old []byte, info fs.FileInfo) bool {
	return len(old) == 17 && old[16] == 0 &&
		binary.BigEndian.Uint64(old) == uint64(info.ModTime().UnixNano()) &&
		binary.BigEndian.Uint64(old[8:]) == uint64(info.Size())
}

// folderDiff is what changed in one folder since its last listing.
type folderDiff struct {
	folder string
	stamp  []byte   // to record once applied; nil: the folder is gone
	added  []string // names to index or relocate
	gone   []string // names no longer there
}

// catchUp applies the changes of the mailboxes' directories to ix.
func (st *Store) catchUp(ctx context.Context, ix *search.Index) (IndexStats, error) {
	var stats IndexStats
	diffs, err := st.diffFolders(ix)
	if err != nil {
		return stats, err
	}
	for _, d := range diffs {
		if err := ctx.Err(); err != nil {
			return stats, err
		}
		if err := st.applyDiff(ctx, ix, d, &stats); err != nil {
			return stats, err
		}
	}
	var garbage int64
	err = ix.View(func(tx *search.Tx) error {
		stats.Docs, garbage = tx.Docs(), tx.Garbage()
		return nil
	})
	if err == nil && garbage > garbageRebuild && garbage > stats.Docs {
		err = search.ErrCorrupt // rebuilt by withIndex: cheaper than the garbage
	}
	stats.Size = ix.Size()
	return stats, err
}

// diffFolders stats every folder of every mailbox (and every folder the
// index knows) and lists the ones that changed.
func (st *Store) diffFolders(ix *search.Index) ([]folderDiff, error) {
	boxes, err := listDir(filepath.Join(st.root, mailDir))
	if err != nil {
		return nil, err
	}
	folders := map[string]bool{}
	for _, b := range boxes {
		if ValidID(b) {
			folders[folderOf(b, dirNew)], folders[folderOf(b, dirCur)] = true, true
		}
	}
	var diffs []folderDiff
	err = ix.View(func(tx *search.Tx) error {
		for _, f := range tx.Folders() {
			if knownFolder(f) {
				folders[f] = true // a folder gone since: its documents go too
			}
		}
		for f := range folders {
			d, changed, err := st.diffFolder(tx, f)
			if err != nil {
				return err
			}
			if changed {
				diffs = append(diffs, d)
			}
		}
		return nil
	})
	// Folders with additions first: a message moved between folders is then
	// relocated before its old place is seen empty, and never read twice.
	for i, j := 0, len(diffs)-1; i < j; {
		if len(diffs[i].added) > 0 {
			i++
			continue
		}
		diffs[i], diffs[j] = diffs[j], diffs[i]
		j--
	}
	return diffs, err
}

// diffFolder lists folder f if it changed since the index's stamp of it.
func (st *Store) diffFolder(tx *search.Tx, f string) (folderDiff, bool, error) {
	d := folderDiff{folder: f}
	box, sub := splitFolder(f)
	dir := st.boxPath(box, sub)
	old := tx.Stamp(f)
	info, err := os.Stat(dir)
	switch {
	case errors.Is(err, fs.ErrNotExist) || err == nil && !info.IsDir():
		if old == nil {
			return d, false, nil
		}
	case err != nil:
		return d, false, err
	case unchanged(old, info):
		return d, false, nil
	default:
		listed := time.Now()
		d.stamp = folderStamp(info, listed)
	}
	var names []string
	if d.stamp != nil {
		if names, err = listDir(dir); err != nil {
			return d, false, err
		}
	}
	known := tx.Names(f)
	for _, n := range names {
		if _, ok := known[n]; ok {
			delete(known, n)
		} else if !strings.HasSuffix(n, ".tmp") {
			d.added = append(d.added, n)
		}
	}
	for n := range known {
		d.gone = append(d.gone, n)
	}
	return d, true, nil
}

// applyDiff indexes a folder's additions, in committed batches, then drops
// what is gone and records the folder's stamp. A process killed midway
// leaves batches committed and the stamp unrecorded: the next catch-up
// lists the folder again and goes on from there.
func (st *Store) applyDiff(ctx context.Context, ix *search.Index, d folderDiff, stats *IndexStats) error {
	box, sub := splitFolder(d.folder)
	for len(d.added) > 0 {
		if err := ctx.Err(); err != nil {
			return err
		}
		batch := d.added[:min(len(d.added), indexBatch)]
		d.added = d.added[len(batch):]
		err := ix.Update(func(tx *search.Tx) error {
			for _, name := range batch {
				if err := st.indexEntry(tx, box, sub, name, stats); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return err
		}
	}
	return ix.Update(func(tx *search.Tx) error {
		for _, name := range d.gone {
			id := baseID(name)
			doc, ok := tx.Lookup(id)
			if !ok || doc.Folder != d.folder || doc.Name != name {
				continue // it lives elsewhere now
			}
			if err := tx.Drop(id); err != nil {
				return err
			}
			stats.Dropped++
		}
		return tx.SetStamp(d.folder, d.stamp)
	})
}

// indexEntry indexes file name of box's sub folder, or records that a
// known message is there now.
func (st *Store) indexEntry(tx *search.Tx, box, sub, name string, stats *IndexStats) error {
	id := baseID(name)
	folder := folderOf(box, sub)
	if _, ok := tx.Lookup(id); ok {
		stats.Moved++
		return tx.Move(id, folder, name, box)
	}
	m, err := st.readMessage(st.boxPath(box, sub, name))
	if err != nil {
		return nil // gone meanwhile, or not a message: a check deals with it
	}
	stats.Added++
	return tx.Add(search.Doc{
		ID: id, Folder: folder, Name: name,
		From: m.From, To: box, Thread: m.ThreadID(), Time: sortTime(&m),
	}, st.searchText(&m))
}
