package maildir

import (
	"os"
	"sync"
	"time"
)

// committer is group commit under the batch policy. A delivery needs two
// things made durable, in order: its file in tmp/ (before it is published)
// and then the new/ directory holding the published name. Each caller hands
// its item to the committer and waits until a commit that started after the
// item was queued has finished; it gets that commit's error.
//
// Items queue in an open batch; one commit runs at a time and takes the
// whole batch. A commit of one item fsyncs exactly that item, so a lone
// sender pays what a bare fsync loop pays. A commit of several items syncs
// the whole filesystem once (syncfs on Linux): one round of writes and one
// device flush for the group, where fsyncing each item would flush the
// device once per item. The price is that the group's commit also writes out
// whatever else is dirty on that filesystem; IPC_SYNC=full avoids grouping.
//
// Gathering: the deliveries of the commit that just finished come back a
// moment later with their next item (the directory after the file, or the
// next message's file). A commit that started without them would make them
// wait a whole commit, so the next commit waits until every delivery under
// way has queued an item, for at most about one commit's duration. A lone
// delivery never waits.
type committer struct {
	mu      sync.Mutex
	cond    *sync.Cond
	open    *batch // filling; nil when empty
	running bool
	active  int           // deliveries under way (enter/leave)
	took    time.Duration // recent commit duration, smoothed
	last    int           // items in the last commit
}

// batch is the items one commit makes durable, and its outcome.
type batch struct {
	items []commitItem
	late  bool        // stop gathering
	timer *time.Timer // sets late
	done  bool
	err   error
}

// commitItem is a file still open after its write, or a directory whose
// entries changed.
type commitItem struct {
	file *os.File
	dir  string
}

func newCommitter() *committer {
	c := &committer{}
	c.cond = sync.NewCond(&c.mu)
	return c
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

// commit returns once it is durable, or with the error of the commit that
// covered it.
func (c *committer) commit(it commitItem) error {
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
		if len(b.items) < max(c.active, c.last) && !b.late && c.took > 0 {
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
		err := syncItems(b.items)
		took := time.Since(start)
		c.mu.Lock()
		c.running = false
		c.took = (c.took*7 + took) / 8
		c.last = len(b.items)
		b.done, b.err = true, err
		c.cond.Broadcast()
	}
	return b.err
}

// syncItems makes every item durable: one fsync for a single item (or for
// several items that are the same directory), one filesystem sync for more.
func syncItems(items []commitItem) error {
	items = uniqueDirs(items)
	if len(items) == 1 {
		return items[0].sync()
	}
	return syncAll(items)
}

// uniqueDirs drops repeated directories, which one fsync covers.
func uniqueDirs(items []commitItem) []commitItem {
	out := items[:0:0]
	seen := make(map[string]bool)
	for _, it := range items {
		if it.file == nil {
			if seen[it.dir] {
				continue
			}
			seen[it.dir] = true
		}
		out = append(out, it)
	}
	return out
}

func (it commitItem) sync() error {
	if it.file != nil {
		return it.file.Sync()
	}
	return syncDir(it.dir)
}
