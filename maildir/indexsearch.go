package maildir

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/ipc-dev/ipc/internal/durable"
	"github.com/ipc-dev/ipc/internal/search"
)

// The search index (index/search.db, package internal/search) is a cache of
// the message files: senders never touch it, and whoever searches first
// catches it up with the files (indexcatchup.go). It is opened for one
// operation at a time, so that the CLI's searches and a server's share it
// through bbolt's file lock, and a Store uses it one operation at a time.
// An index that is missing or damaged is rebuilt from the files; one that
// cannot be written (a full disk, a read-only mailbox) is passed by: the
// search scans the files instead.

// searchIndexFile is the index's name under index/.
const searchIndexFile = "search.db"

// indexLockWait bounds the wait for another process's use of the index;
// past it a search scans the files.
const indexLockWait = 5 * time.Second

// IndexStats describes an index after catching it up or rebuilding it.
type IndexStats struct {
	Docs    int64         // messages indexed
	Added   int           // messages indexed by this call
	Moved   int           // messages found in a new place (read, renamed)
	Dropped int           // messages gone from the files
	Size    int64         // the index file's bytes
	Took    time.Duration // how long the call took
	Rebuilt bool          // the index was missing, damaged or full of garbage and was built anew
}

func (st *Store) searchIndexPath() string { return filepath.Join(st.root, indexDir, searchIndexFile) }

// withIndex opens the index, runs fn on it and closes it. A damaged index
// is removed and fn runs again on a new one (rebuilt reports it).
func (st *Store) withIndex(fn func(*search.Index) error) (rebuilt bool, err error) {
	st.searchMu.Lock()
	defer st.searchMu.Unlock()
	path := st.searchIndexPath()
	if _, err := os.Stat(path); errors.Is(err, os.ErrNotExist) {
		rebuilt = true // built from nothing: a first use, or one removed
	}
	for attempt := 1; ; attempt++ {
		err = st.useIndex(path, fn)
		if !errors.Is(err, search.ErrCorrupt) || attempt == 2 {
			return rebuilt, err
		}
		st.opts.Logf("maildir: the search index %s is damaged (%v): rebuilding it from the files", path, err)
		if rerr := os.Remove(path); rerr != nil && !errors.Is(rerr, os.ErrNotExist) {
			return rebuilt, rerr
		}
		rebuilt = true
	}
}

func (st *Store) useIndex(path string, fn func(*search.Index) error) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return err
	}
	// Opening follows a link and blocks reading a FIFO: anything but a
	// regular file is set aside first, and a new index built.
	if info, err := os.Lstat(path); err == nil && !info.Mode().IsRegular() {
		aside, err := setAside(path)
		if err != nil {
			return err
		}
		st.opts.Logf("maildir: the search index %s is not a regular file (%s): moved aside to %s, rebuilding it", path, info.Mode().Type(), aside)
	}
	ix, err := search.Open(path, indexLockWait)
	if err != nil {
		return err
	}
	err = fn(ix)
	if cerr := ix.Close(); err == nil {
		err = cerr
	}
	return err
}

// CatchUpIndex brings the search index up to date with the files: a few
// stats when nothing changed, a listing of each directory that did. It
// builds the index when there is none and rebuilds a damaged one.
func (st *Store) CatchUpIndex(ctx context.Context) (IndexStats, error) {
	start := time.Now()
	var stats IndexStats
	rebuilt, err := st.withIndex(func(ix *search.Index) error {
		var err error
		stats, err = st.catchUp(ctx, ix)
		return err
	})
	stats.Rebuilt = stats.Rebuilt || rebuilt
	stats.Took = time.Since(start)
	return stats, err
}

// RebuildIndex builds the search index anew from the files.
func (st *Store) RebuildIndex(ctx context.Context) (IndexStats, error) {
	st.searchMu.Lock()
	err := os.Remove(st.searchIndexPath())
	st.searchMu.Unlock()
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return IndexStats{}, err
	}
	stats, err := st.CatchUpIndex(ctx)
	stats.Rebuilt = true
	return stats, err
}

// indexDebounce gathers the wake-ups of a burst of deliveries into one
// catch-up; indexEvery catches up even without one (a missed event).
// indexShare bounds the time the loop spends catching up: after a catch-up
// that took d it rests at least d*(indexShare-1), so that while mail pours
// in it takes at most 1/indexShare of one core from the deliveries.
const (
	indexDebounce = 100 * time.Millisecond
	indexEvery    = time.Minute
	indexShare    = 50
)

// KeepIndexed keeps the search index current until ctx ends: it catches up
// when the watcher says mail landed in or left a mailbox (debounced, and
// resting in proportion to the last catch-up's cost: see indexShare), and
// once a minute regardless, so that searches through a long-running server
// find it current. A search never waits for it: it catches up what is left
// itself. It returns nil when ctx ends.
func (st *Store) KeepIndexed(ctx context.Context) error {
	wake, stop, err := st.watchMailboxes(ctx, dirNew, dirCur)
	if err != nil {
		return err
	}
	defer stop()
	tick := time.NewTicker(indexEvery)
	defer tick.Stop()
	for {
		began := time.Now()
		if _, err := st.CatchUpIndex(ctx); err != nil && ctx.Err() == nil {
			st.opts.Logf("maildir: catching up the search index: %v", err)
		}
		rest := max(indexDebounce, time.Since(began)*(indexShare-1))
		select {
		case <-ctx.Done():
			return nil
		case <-wake:
		case <-tick.C:
		}
		select { // let a burst of deliveries land
		case <-ctx.Done():
			return nil
		case <-time.After(rest):
		}
		drain(wake)
	}
}

func drain(ch <-chan struct{}) {
	for {
		select {
		case <-ch:
		default:
			return
		}
	}
}

// watchMailboxes sends on wake when one of sub (dirNew, dirCur, dirState)
// of a mailbox changes or a mailbox appears, and once at start, when the
// watches are in place (each subscription's rescan at start). A mailbox's
// own directory is watched too, so that its subdirectories are watched as
// soon as they are made (a mailbox appears before its new/ and cur/, and
// its state/ is made at its first record). Its goroutine ends with stop
// (or ctx).
func (st *Store) watchMailboxes(ctx context.Context, sub ...string) (<-chan struct{}, func(), error) {
	mail := filepath.Join(st.root, mailDir)
	rootCh, cancelRoot, err := st.subscribe(mail)
	if err != nil {
		return nil, nil, err
	}
	wake := make(chan struct{}, 1)
	ctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		defer cancelRoot()
		var relays sync.WaitGroup
		defer relays.Wait() // after the subscriptions are cancelled: ctx has ended
		subs := map[string]func(){}
		defer func() {
			for _, c := range subs {
				c()
			}
		}()
		merged := make(chan struct{}, 1) // mail landed or left
		grew := make(chan struct{}, 1)   // a mailbox's directory changed
		forward := func(ch <-chan struct{}, to chan struct{}) {
			// Each subscription's channel is drained by its own relay,
			// which ends when ctx does.
			relays.Go(func() { relay(ctx, ch, to) })
		}
		resubscribe := func() {
			boxes, _ := listDir(mail)
			for _, b := range boxes {
				for _, d := range append([]string{""}, sub...) {
					dir := st.boxPath(b, d)
					if _, ok := subs[dir]; ok {
						continue
					}
					if info, err := os.Stat(dir); err != nil || !info.IsDir() {
						continue
					}
					ch, c, err := st.watcher.Load().Subscribe(dir)
					if err == nil {
						subs[dir] = c
						if d == "" {
							forward(ch, grew)
						} else {
							forward(ch, merged)
						}
					}
				}
			}
		}
		resubscribe()
		for {
			select {
			case <-ctx.Done():
				return
			case <-rootCh:
				resubscribe()
			case <-grew:
				resubscribe()
			case <-merged:
			}
			select {
			case wake <- struct{}{}:
			default:
			}
		}
	}()
	return wake, func() { cancel(); <-done }, nil
}

// LargeFile is the path of the file holding the text of a large message
// (its Content is then a summary), or "" for a message that is whole.
func (m *Message) LargeFile() string { return largeFileOf(m) }

// largeFileOf is the path of the file holding a large message's text, or "".
func largeFileOf(m *Message) string {
	if len(m.Data) == 0 || !bytes.Contains(m.Data, []byte("large_message_file")) {
		return ""
	}
	var d struct {
		File string `json:"large_message_file"`
	}
	if json.Unmarshal(m.Data, &d) != nil {
		return ""
	}
	return d.File
}

// maxIndexedLarge bounds the text of a large message's file that is indexed.
const maxIndexedLarge = 1 << 20

// searchText is the text of a message that search matches: its subject, its
// content and, for a large message, the start of its file's text.
func (st *Store) searchText(m *Message) string {
	t := m.Subject + "\n" + m.Content
	if path := largeFileOf(m); path != "" && filepath.Dir(path) == filepath.Join(st.root, largeDir) {
		// The path comes from the sender's data: only a regular file of
		// large/, opened without following a link or blocking on a FIFO.
		if f, err := durable.OpenNoFollow(path); err == nil {
			if info, err := f.Stat(); err == nil && info.Mode().IsRegular() {
				b, _ := io.ReadAll(io.LimitReader(f, maxIndexedLarge))
				t += "\n" + strings.ToValidUTF8(string(b), "\uFFFD")
			}
			f.Close()
		}
	}
	return t
}
