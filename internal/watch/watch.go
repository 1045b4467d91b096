// Package watch wakes waiters when entries appear in directories: with
// fsnotify where the kernel's events cross (a local filesystem), and by
// listing the directory every interval where they do not (network mounts,
// 9p, or when asked to). Its wake-ups are hints to rescan, never the truth:
// a waiter lists the directory itself after every wake-up.
//
// It knows nothing of mailboxes: which directories are watched and what
// counts as mail are the caller's. It imports no package of this module.
package watch

import (
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"
	"sync"
	"time"

	"github.com/fsnotify/fsnotify"
)

// defaultInterval is the polling interval when Options.Interval is not positive.
const defaultInterval = time.Second

// errClosed is returned by Subscribe after Close.
var errClosed = errors.New("watcher closed")

// Options says how a Watcher watches.
type Options struct {
	// Poll lists every watched directory every Interval instead of using
	// fsnotify (for filesystems whose changes raise no events here).
	Poll bool
	// Interval between two listings when polling; 1s if not positive.
	Interval time.Duration
	// Logf receives diagnostics (fallbacks to polling, lost events); nil discards.
	Logf func(format string, args ...any)
}

// Watcher turns filesystem changes in watched directories into wake-ups.
// Events are hints only: subscribers rescan the directory themselves.
//
// One fsnotify.Watcher serves all subscriptions; several subscriptions to
// the same directory share one watch. In polling mode each watched directory
// has one polling goroutine shared by its subscribers.
type Watcher struct {
	interval time.Duration
	logf     func(format string, args ...any)
	fsw      *fsnotify.Watcher // nil when the whole Watcher polls; immutable after start

	// opMu serializes Subscribe, cancel and Close, so watches are added and
	// removed in order without holding mu across fsnotify calls (the fsnotify
	// backends may wait for their reader goroutine, which may be waiting for
	// the event loop, which takes mu). The event loop and pollers never take opMu.
	opMu sync.Mutex

	mu     sync.Mutex             // guards dirs, keys, closed and every watchedDir.subs
	dirs   map[string]*watchedDir // by resolved absolute path
	keys   map[string]string      // subscribers' spellings of a dir -> its key, for Hint
	closed bool

	wg sync.WaitGroup // event loop and pollers
}

// watchedDir is one watched directory and its subscribers.
type watchedDir struct {
	path string
	subs map[*subscriber]struct{} // guarded by Watcher.mu

	// stop is non-nil when this directory is polled; closing it stops the
	// poller. Guarded by Watcher.mu; once set it never changes.
	stop chan struct{}
	// lost records that the fsnotify watch of this directory ended because
	// the directory itself was removed or renamed; it is polled since.
	// Guarded by Watcher.mu.
	lost bool
}

// subscriber is one subscriber's wake-up channel.
type subscriber struct {
	ch chan struct{} // capacity 1
}

// wake queues a wake-up without blocking; a pending value already means "rescan".
func (s *subscriber) wake() {
	select {
	case s.ch <- struct{}{}:
	default:
	}
}

// dirKey returns the key under which dir is watched: its absolute path
// with symlinks resolved where possible, so aliases of one directory share
// one watch (inotify and ReadDirectoryChangesW watches are per directory, not
// per path, so two paths to one directory must not be watched separately).
func dirKey(dir string) (string, error) {
	p, err := filepath.Abs(dir)
	if err != nil {
		return "", err
	}
	if r, err := filepath.EvalSymlinks(p); err == nil {
		p = r
	}
	return p, nil
}

// New starts a Watcher. With opts.Poll every subscription is polled every
// opts.Interval (listing the directory) instead of using fsnotify. When
// fsnotify cannot be created (e.g. inotify instance limit) it falls back to
// polling by itself and says so through opts.Logf.
func New(opts Options) *Watcher {
	return start(opts, fsnotify.NewWatcher)
}

// start is New with the fsnotify constructor as a parameter.
func start(opts Options, newWatcher func() (*fsnotify.Watcher, error)) *Watcher {
	if opts.Interval <= 0 {
		opts.Interval = defaultInterval
	}
	if opts.Logf == nil {
		opts.Logf = func(string, ...any) {}
	}
	w := &Watcher{
		interval: opts.Interval,
		logf:     opts.Logf,
		dirs:     make(map[string]*watchedDir),
		keys:     make(map[string]string),
	}
	if opts.Poll {
		return w
	}
	fsw, err := newWatcher()
	if err != nil {
		w.logf("watch: %v; polling every %s instead", err, w.interval)
		return w
	}
	w.fsw = fsw
	w.wg.Add(1)
	go w.run(fsw)
	return w
}

// polling reports whether this Watcher polls (forced or fallen back).
func (w *Watcher) polling() bool {
	return w.fsw == nil
}

// Subscribe watches dir (non-recursive) and returns a channel of capacity 1 that receives
// a value whenever the directory may have changed: any fsnotify event for an entry in dir
// (create, rename, remove, write, chmod), an fsnotify overflow or error (then EVERY
// subscription is woken, because events were lost), or, in polling mode, a listing that
// contains a name not present in the previous listing or has a different count.
// The watch is added BEFORE the first value is sent, and one value is sent immediately
// (the "rescan at start"), so a caller that subscribes, then drains the channel and scans,
// never misses an entry. Sends never block (channel cap 1, drop if full: the pending value
// already says "rescan"). Several subscriptions to the same dir share one fsnotify watch
// (reference-counted). cancel is idempotent and removes the subscription (and the watch when
// the last subscriber of the dir leaves). Subscribe after Close returns an error.
//
// With fsnotify a missing dir is an error; in polling mode it is watched as an
// empty directory. If fsnotify cannot watch an existing dir (e.g. the inotify
// watch limit is reached), that dir is polled instead and Logf says so.
func (w *Watcher) Subscribe(dir string) (ch <-chan struct{}, cancel func(), err error) {
	path, err := dirKey(dir)
	if err != nil {
		return nil, nil, fmt.Errorf("watch %s: %w", dir, err)
	}

	w.opMu.Lock()
	defer w.opMu.Unlock()

	w.mu.Lock()
	closed := w.closed
	d := w.dirs[path]
	w.mu.Unlock()
	if closed {
		return nil, nil, fmt.Errorf("watch %s: %w", dir, errClosed)
	}
	if d == nil {
		d, err = w.startWatch(path)
		if err != nil {
			return nil, nil, fmt.Errorf("watch %s: %w", dir, err)
		}
	}

	s := &subscriber{ch: make(chan struct{}, 1)}
	s.ch <- struct{}{} // rescan at start; the watch is already in place
	w.mu.Lock()
	w.dirs[path] = d
	w.keys[dir] = path
	d.subs[s] = struct{}{}
	w.mu.Unlock()

	var once sync.Once
	cancel = func() { once.Do(func() { w.unsubscribe(d, s) }) }
	return s.ch, cancel, nil
}

// Hint wakes the subscribers of dir at once: the caller has just changed it
// in this process, so no event from the kernel (or the next poll) is needed
// for them to see it. dir is spelled as subscribers spell it; a directory
// nobody watches costs a map lookup.
func (w *Watcher) Hint(dir string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if d := w.dirs[w.keys[dir]]; d != nil {
		d.wakeLocked()
	}
}

// Watching reports whether dir, spelled as a subscriber spelled it, has a
// subscriber now.
func (w *Watcher) Watching(dir string) bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	d := w.dirs[w.keys[dir]]
	return d != nil && len(d.subs) > 0
}

// startWatch sets up the watch for a directory that has no subscribers yet.
// The caller holds opMu.
func (w *Watcher) startWatch(path string) (*watchedDir, error) {
	d := &watchedDir{path: path, subs: make(map[*subscriber]struct{})}
	if w.fsw == nil {
		prev, err := readListing(path)
		if err != nil {
			return nil, err
		}
		w.startPoll(d, prev)
		return d, nil
	}

	addErr := w.fsw.Add(path)
	if addErr == nil {
		return d, nil
	}
	if errors.Is(addErr, fs.ErrNotExist) {
		return nil, addErr
	}
	// The directory exists but cannot be watched (watch or descriptor limit):
	// poll it if it can at least be listed.
	prev, err := readListing(path)
	if err != nil || !prev.exists {
		return nil, addErr
	}
	w.logf("watch %s: %v; polling every %s instead", path, addErr, w.interval)
	w.startPoll(d, prev)
	return d, nil
}

// unsubscribe removes s from d and drops the watch of d when s was its last subscriber.
func (w *Watcher) unsubscribe(d *watchedDir, s *subscriber) {
	w.opMu.Lock()
	defer w.opMu.Unlock()

	w.mu.Lock()
	delete(d.subs, s)
	last := len(d.subs) == 0
	if last {
		delete(w.dirs, d.path)
		for name, key := range w.keys {
			if key == d.path {
				delete(w.keys, name)
			}
		}
	}
	closed, stop, lost := w.closed, d.stop, d.lost
	w.mu.Unlock()
	if !last || closed {
		// After Close the fsnotify watcher is gone and the pollers are stopped.
		return
	}

	if stop != nil {
		close(stop)
	}
	switch {
	case lost:
		// The backend has usually dropped the watch already; make sure.
		_ = w.fsw.Remove(d.path)
	case stop == nil:
		if err := w.fsw.Remove(d.path); err != nil && !errors.Is(err, fsnotify.ErrNonExistentWatch) {
			w.logf("unwatch %s: %v", d.path, err)
		}
	}
}

// Close stops the fsnotify watcher and all polling goroutines and waits for them (every
// goroutine is owned and joined). Idempotent. Channels are not closed by Close
// (subscribers use their own ctx).
func (w *Watcher) Close() error {
	w.opMu.Lock()
	w.mu.Lock()
	if w.closed {
		w.mu.Unlock()
		w.opMu.Unlock()
		w.wg.Wait()
		return nil
	}
	w.closed = true
	var stops []chan struct{}
	for _, d := range w.dirs {
		if d.stop != nil {
			stops = append(stops, d.stop)
		}
	}
	w.mu.Unlock()

	for _, stop := range stops {
		close(stop)
	}
	var err error
	if w.fsw != nil {
		if cerr := w.fsw.Close(); cerr != nil {
			err = fmt.Errorf("close watcher: %w", cerr)
		}
	}
	w.opMu.Unlock()

	w.wg.Wait()
	return err
}

// wakeAllLocked wakes every subscriber. The caller holds mu.
func (w *Watcher) wakeAllLocked() {
	for _, d := range w.dirs {
		d.wakeLocked()
	}
}

// wakeLocked wakes every subscriber of d. The caller holds Watcher.mu.
func (d *watchedDir) wakeLocked() {
	for s := range d.subs {
		s.wake()
	}
}
