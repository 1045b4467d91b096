package durable

import (
	"io/fs"
	"os"
	"sync"
	"time"
)

// committer is group commit under the Batch policy. A delivery needs two
// things made durable, in order: its file in tmp/ (before it is published)
// and then the new/ directory holding the published name. Each caller hands
// its item to the committer and waits until a commit that started after the
// item was queued has finished; it gets its own item's outcome.
//
// Items queue in an open batch; one commit runs at a time and takes the
// whole batch. A commit of one item fsyncs exactly that item, so a lone
// sender pays what a bare fsync loop pays. A commit of several items syncs
// the whole filesystem once (syncfs on Linux): one round of writes and one
// device flush for the group, where fsyncing each item would flush the
// device once per item. The price is that the group's commit also writes out
// whatever else is dirty on that filesystem (syncGate falls back to fsyncs
// while that makes it slow), and that a write error anywhere on it fails the
// whole group; the Full policy avoids grouping.
//
// Gathering: the deliveries of the commit that just finished come back a
// moment later with their next item (the directory after the file, or the
// next message's file). A commit that started without them would make them
// wait a whole commit, so while several deliveries are under way the next
// commit waits until each has queued an item, for at most about one
// commit's duration. A lone delivery never waits.
//
// The filesystem sync is used only where it is known to reach stable
// storage and to report write errors (fsSync), and only while it costs less
// than the items' own fsyncs would (syncGate); otherwise every item gets its
// own fsync, concurrently.
type committer struct {
	mu      sync.Mutex
	cond    *sync.Cond
	open    *batch // filling; nil when empty
	running bool
	active  int           // deliveries under way (enter/leave)
	took    time.Duration // recent commit duration, smoothed
	last    int           // items in the last commit
	fs      *fsSync       // one sync for many items; nil where not trusted
	gate    syncGate      // whether fs pays now; used by the running commit only
}

// batch is the items one commit makes durable.
type batch struct {
	items []*commitItem
	late  bool        // stop gathering
	timer *time.Timer // sets late
	done  bool
}

// commitItem is a file still open after its write, or a directory whose
// entries changed, and the outcome of making it durable. The directory is
// a descriptor opened before its entries changed, so a directory moved
// meanwhile (a rename moving the tree above it) is still the one flushed.
type commitItem struct {
	file *os.File
	dir  *os.File
	err  error
}

// newCommitter makes the committer of the tree at root, whose
// filesystem is fsType (as DetectFS names it).
func newCommitter(root, fsType string) *committer {
	c := &committer{fs: newFSSync(root, fsType)}
	c.cond = sync.NewCond(&c.mu)
	return c
}

// close releases the descriptor held for filesystem syncs.
func (c *committer) close() {
	c.fs.close()
}

// enter and leave bracket a delivery, so a commit knows who is coming.
func (c *committer) enter() {
	c.mu.Lock()
	c.active++
	c.mu.Unlock()
}

func (c *committer) leave() {
	c.mu.Lock()
	c.active--
	c.cond.Broadcast()
	c.mu.Unlock()
}

// commit returns once it is durable, or with the error met making it so.
// Items fail alone: an item that cannot be made durable (its directory
// was removed, say) does not fail the others of its commit, except where a
// single filesystem sync covering several items reports an error, which
// then reaches each of them.
func (c *committer) commit(it *commitItem) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.open == nil {
		c.open = &batch{}
	}
	b := c.open
	b.items = append(b.items, it)
	c.cond.Broadcast() // a gathering leader counts items
	for !b.done {
		if c.open != b || c.running {
			c.cond.Wait()
			continue
		}
		if c.gathering(b) {
			if b.timer == nil {
				b.timer = time.AfterFunc(c.took, func() {
					c.mu.Lock()
					b.late = true
					c.cond.Broadcast()
					c.mu.Unlock()
				})
			}
			c.cond.Wait()
			continue
		}
		if b.timer != nil {
			b.timer.Stop()
		}
		c.open = nil
		c.running = true
		c.mu.Unlock()
		start := time.Now()
		c.syncItems(b.items)
		took := time.Since(start)
		c.mu.Lock()
		c.running = false
		c.took = smooth(c.took, took)
		c.last = len(b.items)
		b.done = true
		c.cond.Broadcast()
	}
	return it.err
}

// gathering reports whether b should wait for more items: other
// deliveries are under way, fewer items are queued than there are
// deliveries (or than the last commit took, when deliveries come and go
// between steps, as over a socket), and the wait has not run out.
func (c *committer) gathering(b *batch) bool {
	return c.active > 1 && !b.late && c.took > 0 && len(b.items) < max(c.active, c.last)
}

// syncItems makes every item durable and records each outcome: one fsync
// for a single item (or for several items that are the same directory),
// one filesystem sync for more where the filesystem's sync is trusted.
func (c *committer) syncItems(items []*commitItem) {
	uniq, same := dedupDirs(items)
	switch {
	case len(uniq) == 1:
		start := time.Now()
		uniq[0].err = uniq[0].sync()
		c.gate.single(time.Since(start))
	case c.fs != nil && c.gate.open(time.Now()):
		start := time.Now()
		c.fs.syncAll(uniq)
		end := time.Now()
		c.gate.group(end, end.Sub(start))
	default:
		syncEach(uniq)
	}
	for it, first := range same {
		it.err = first.err
	}
}

// dedupDirs returns the items to sync, one per distinct directory, and for
// every other directory item the item whose sync covers it. Directories
// are the same when they are the same file, not merely the same path: a
// maildir moved and created again under its name is another directory.
func dedupDirs(items []*commitItem) (uniq []*commitItem, same map[*commitItem]*commitItem) {
	byName := map[string][]*commitItem{}
	infos := map[*commitItem]fs.FileInfo{}
	info := func(it *commitItem) fs.FileInfo {
		fi, ok := infos[it]
		if !ok {
			fi, _ = it.dir.Stat()
			infos[it] = fi
		}
		return fi
	}
	for _, it := range items {
		if it.dir == nil {
			uniq = append(uniq, it)
			continue
		}
		name := it.dir.Name()
		var first *commitItem
		for _, f := range byName[name] {
			if a, b := info(f), info(it); a != nil && b != nil && os.SameFile(a, b) {
				first = f
				break
			}
		}
		if first == nil {
			byName[name] = append(byName[name], it)
			uniq = append(uniq, it)
			continue
		}
		if same == nil {
			same = map[*commitItem]*commitItem{}
		}
		same[it] = first
	}
	return uniq, same
}

// syncEach makes each item durable with its own fsync, all at once: the
// filesystem may serve concurrent flushes together (a journal commits them
// in one transaction).
func syncEach(items []*commitItem) {
	var wg sync.WaitGroup
	for _, it := range items {
		wg.Add(1)
		go func() {
			defer wg.Done()
			it.err = it.sync()
		}()
	}
	wg.Wait()
}

func (it *commitItem) sync() error {
	if it.file != nil {
		return it.file.Sync()
	}
	return syncDirFile(it.dir)
}
