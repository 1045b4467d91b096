package maildir

import (
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"
	"sync"
	"time"

	"github.com/fsnotify/fsnotify"
	"github.com/ipc-dev/ipc/internal/durable"
)

// defaultPollInterval is used when newNotifier is given a non-positive interval.
const defaultPollInterval = time.Second

// errNotifierClosed is returned by subscribe after close.
var errNotifierClosed = errors.New("notifier closed")

// notifier turns filesystem changes in watched directories into wake-ups.
// Events are hints only: subscribers rescan the directory themselves.
//
// One fsnotify.Watcher serves all subscriptions; several subscriptions to
// the same directory share one watch. In polling mode each watched directory
// has one polling goroutine shared by its subscribers.
type notifier struct {
	interval time.Duration
	logf     func(format string, args ...any)
	w        *fsnotify.Watcher // nil when the whole notifier polls; immutable after start

	// opMu serializes subscribe, cancel and close, so watches are added and
	// removed in order without holding mu across fsnotify calls (the fsnotify
	// backends may wait for their reader goroutine, which may be waiting for
	// the event loop, which takes mu). The event loop and pollers never take opMu.
	opMu sync.Mutex

	mu     sync.Mutex              // guards dirs, keys, closed and every notifierDir.subs
	dirs   map[string]*notifierDir // by resolved absolute path
	keys   map[string]string       // subscribers' spellings of a dir -> its key, for hint
	closed bool

	wg sync.WaitGroup // event loop and pollers
}

// notifierDir is one watched directory and its subscribers.
type notifierDir struct {
	path string
	subs map[*notifierSub]struct{} // guarded by notifier.mu

	// stop is non-nil when this directory is polled; closing it stops the
	// poller. Guarded by notifier.mu; once set it never changes.
	stop chan struct{}
	// lost records that the fsnotify watch of this directory ended because
	// the directory itself was removed or renamed; it is polled since.
	// Guarded by notifier.mu.
	lost bool
}

// notifierSub is one subscriber's wake-up channel.
type notifierSub struct {
	ch chan struct{} // capacity 1
}

// wake queues a wake-up without blocking; a pending value already means "rescan".
func (s *notifierSub) wake() {
	select {
	case s.ch <- struct{}{}:
	default:
	}
}

// pollListing is one poll of a directory.
type pollListing struct {
	exists bool
	names  map[string]struct{}
}

// changedFrom reports whether l differs from prev: the directory appeared or
// vanished, the number of entries changed, or an entry is new.
func (l pollListing) changedFrom(prev pollListing) bool {
	if l.exists != prev.exists || len(l.names) != len(prev.names) {
		return true
	}
	for name := range l.names {
		if _, ok := prev.names[name]; !ok {
			return true
		}
	}
	return false
}

// readPollListing lists dir. A missing directory is an empty listing, not an error.
func readPollListing(dir string) (pollListing, error) {
	f, err := durable.OpenDir(dir)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return pollListing{}, nil
		}
		return pollListing{}, err
	}
	names, err := f.Readdirnames(-1)
	f.Close()
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) { // removed while listing
			return pollListing{}, nil
		}
		return pollListing{}, err
	}
	l := pollListing{exists: true, names: make(map[string]struct{}, len(names))}
	for _, name := range names {
		l.names[name] = struct{}{}
	}
	return l, nil
}

// notifierKey returns the key under which dir is watched: its absolute path
// with symlinks resolved where possible, so aliases of one directory share
// one watch (inotify and ReadDirectoryChangesW watches are per directory, not
// per path, so two paths to one directory must not be watched separately).
func notifierKey(dir string) (string, error) {
	p, err := filepath.Abs(dir)
	if err != nil {
		return "", err
	}
	if r, err := filepath.EvalSymlinks(p); err == nil {
		p = r
	}
	return p, nil
}

// newNotifier starts a notifier. If poll is true every subscription is polled
// every interval (listing the directory) instead of using fsnotify. logf receives
// diagnostics (may be nil). When fsnotify cannot be created (e.g. inotify instance limit)
// it falls back to polling by itself and says so through logf.
func newNotifier(poll bool, interval time.Duration, logf func(format string, args ...any)) *notifier {
	return startNotifier(poll, interval, logf, fsnotify.NewWatcher)
}

// startNotifier is newNotifier with the fsnotify constructor as a parameter.
func startNotifier(poll bool, interval time.Duration, logf func(format string, args ...any), newWatcher func() (*fsnotify.Watcher, error)) *notifier {
	if interval <= 0 {
		interval = defaultPollInterval
	}
	if logf == nil {
		logf = func(string, ...any) {}
	}
	n := &notifier{
		interval: interval,
		logf:     logf,
		dirs:     make(map[string]*notifierDir),
		keys:     make(map[string]string),
	}
	if poll {
		return n
	}
	w, err := newWatcher()
	if err != nil {
		logf("watch: %v; polling every %s instead", err, interval)
		return n
	}
	n.w = w
	n.wg.Add(1)
	go n.run(w)
	return n
}

// polling reports whether this notifier polls (forced or fallen back).
func (n *notifier) polling() bool {
	return n.w == nil
}

// subscribe watches dir (non-recursive) and returns a channel of capacity 1 that receives
// a value whenever the directory may have changed: any fsnotify event for an entry in dir
// (create, rename, remove, write, chmod), an fsnotify overflow or error (then EVERY
// subscription is woken, because events were lost), or, in polling mode, a listing that
// contains a name not present in the previous listing or has a different count.
// The watch is added BEFORE the first value is sent, and one value is sent immediately
// (the "rescan at start"), so a caller that subscribes, then drains the channel and scans,
// never misses an entry. Sends never block (channel cap 1, drop if full: the pending value
// already says "rescan"). Several subscriptions to the same dir share one fsnotify watch
// (reference-counted). cancel is idempotent and removes the subscription (and the watch when
// the last subscriber of the dir leaves). subscribe after close returns an error.
//
// With fsnotify a missing dir is an error; in polling mode it is watched as an
// empty directory. If fsnotify cannot watch an existing dir (e.g. the inotify
// watch limit is reached), that dir is polled instead and logf says so.
func (n *notifier) subscribe(dir string) (ch <-chan struct{}, cancel func(), err error) {
	path, err := notifierKey(dir)
	if err != nil {
		return nil, nil, fmt.Errorf("watch %s: %w", dir, err)
	}

	n.opMu.Lock()
	defer n.opMu.Unlock()

	n.mu.Lock()
	closed := n.closed
	d := n.dirs[path]
	n.mu.Unlock()
	if closed {
		return nil, nil, fmt.Errorf("watch %s: %w", dir, errNotifierClosed)
	}
	if d == nil {
		d, err = n.startWatch(path)
		if err != nil {
			return nil, nil, fmt.Errorf("watch %s: %w", dir, err)
		}
	}

	s := &notifierSub{ch: make(chan struct{}, 1)}
	s.ch <- struct{}{} // rescan at start; the watch is already in place
	n.mu.Lock()
	n.dirs[path] = d
	n.keys[dir] = path
	d.subs[s] = struct{}{}
	n.mu.Unlock()

	var once sync.Once
	cancel = func() { once.Do(func() { n.unsubscribe(d, s) }) }
	return s.ch, cancel, nil
}

// hint wakes the subscribers of dir at once: the caller has just changed it
// in this process, so no event from the kernel (or the next poll) is needed
// for them to see it. dir is spelled as subscribers spell it (the Store's
// paths); a directory nobody watches costs a map lookup.
func (n *notifier) hint(dir string) {
	n.mu.Lock()
	defer n.mu.Unlock()
	if d := n.dirs[n.keys[dir]]; d != nil {
		d.wakeLocked()
	}
}

// startWatch sets up the watch for a directory that has no subscribers yet.
// The caller holds opMu.
func (n *notifier) startWatch(path string) (*notifierDir, error) {
	d := &notifierDir{path: path, subs: make(map[*notifierSub]struct{})}
	if n.w == nil {
		prev, err := readPollListing(path)
		if err != nil {
			return nil, err
		}
		n.startPoll(d, prev)
		return d, nil
	}

	addErr := n.w.Add(path)
	if addErr == nil {
		return d, nil
	}
	if errors.Is(addErr, fs.ErrNotExist) {
		return nil, addErr
	}
	// The directory exists but cannot be watched (watch or descriptor limit):
	// poll it if it can at least be listed.
	prev, err := readPollListing(path)
	if err != nil || !prev.exists {
		return nil, addErr
	}
	n.logf("watch %s: %v; polling every %s instead", path, addErr, n.interval)
	n.startPoll(d, prev)
	return d, nil
}

// startPoll starts the poller of d with prev as its baseline listing. The
// caller has seen the notifier open and keeps close from starting (it holds
// opMu, or mu since the check), so close stops and joins this poller.
func (n *notifier) startPoll(d *notifierDir, prev pollListing) {
	d.stop = make(chan struct{})
	n.wg.Add(1)
	go n.poll(d, prev)
}

// unsubscribe removes s from d and drops the watch of d when s was its last subscriber.
func (n *notifier) unsubscribe(d *notifierDir, s *notifierSub) {
	n.opMu.Lock()
	defer n.opMu.Unlock()

	n.mu.Lock()
	delete(d.subs, s)
	last := len(d.subs) == 0
	if last {
		delete(n.dirs, d.path)
		for name, key := range n.keys {
			if key == d.path {
				delete(n.keys, name)
			}
		}
	}
	closed, stop, lost := n.closed, d.stop, d.lost
	n.mu.Unlock()
	if !last || closed {
		// After close the watcher is gone and the pollers are stopped.
		return
	}

	if stop != nil {
		close(stop)
	}
	switch {
	case lost:
		// The backend has usually dropped the watch already; make sure.
		_ = n.w.Remove(d.path)
	case stop == nil:
		if err := n.w.Remove(d.path); err != nil && !errors.Is(err, fsnotify.ErrNonExistentWatch) {
			n.logf("unwatch %s: %v", d.path, err)
		}
	}
}

// close stops the watcher and all polling goroutines and waits for them (every goroutine is
// owned and joined). Idempotent. Channels are not closed by close (subscribers use their own ctx).
func (n *notifier) close() error {
	n.opMu.Lock()
	n.mu.Lock()
	if n.closed {
		n.mu.Unlock()
		n.opMu.Unlock()
		n.wg.Wait()
		return nil
	}
	n.closed = true
	var stops []chan struct{}
	for _, d := range n.dirs {
		if d.stop != nil {
			stops = append(stops, d.stop)
		}
	}
	n.mu.Unlock()

	for _, stop := range stops {
		close(stop)
	}
	var err error
	if n.w != nil {
		if cerr := n.w.Close(); cerr != nil {
			err = fmt.Errorf("close watcher: %w", cerr)
		}
	}
	n.opMu.Unlock()

	n.wg.Wait()
	return err
}

// run drains the fsnotify event and error channels until the watcher is closed.
func (n *notifier) run(w *fsnotify.Watcher) {
	defer n.wg.Done()
	for {
		select {
		case ev, ok := <-w.Events:
			if !ok {
				return
			}
			n.handleEvent(ev)
		case err, ok := <-w.Errors:
			if !ok {
				return
			}
			n.handleError(err)
		}
	}
}

// handleEvent wakes the subscribers of the directory holding ev.Name, and of
// ev.Name itself when the watched directory is the subject. An event that
// matches no watched directory (e.g. one read just before its watch was
// removed, or a path spelled differently by the backend) wakes everyone.
// When a watched directory itself is removed or renamed its watch is gone,
// so it is polled from then on, which notices when it is created again.
func (n *notifier) handleEvent(ev fsnotify.Event) {
	var lost *notifierDir
	n.mu.Lock()
	parent := n.dirs[filepath.Dir(ev.Name)]
	self := n.dirs[ev.Name]
	switch {
	case parent == nil && self == nil:
		n.wakeAllLocked()
	default:
		if parent != nil {
			parent.wakeLocked()
		}
		if self != nil {
			self.wakeLocked()
			if self.stop == nil && ev.Has(fsnotify.Remove|fsnotify.Rename) {
				lost = self
			}
		}
	}
	n.mu.Unlock()
	if lost != nil {
		n.pollLost(lost)
	}
}

// pollLost starts polling d, whose fsnotify watch ended with the removal or
// rename of the directory itself, unless d was cancelled or the notifier
// closed meanwhile. Its subscribers are woken again once the poller's baseline
// is taken, so a rescan after that wake-up misses nothing.
func (n *notifier) pollLost(d *notifierDir) {
	prev, err := readPollListing(d.path)
	if err != nil {
		n.logf("poll %s: %v", d.path, err)
	}
	n.mu.Lock()
	if n.closed || n.dirs[d.path] != d || d.stop != nil {
		n.mu.Unlock()
		return
	}
	// close sets closed under mu before it waits, so this Add precedes its Wait.
	d.lost = true
	n.startPoll(d, prev)
	d.wakeLocked()
	n.mu.Unlock()
	n.logf("watch %s: directory removed or renamed; polling it every %s", d.path, n.interval)
}

// handleError wakes every subscriber: an overflow or a read error means events were lost.
func (n *notifier) handleError(err error) {
	if errors.Is(err, fsnotify.ErrEventOverflow) {
		n.logf("watch: event queue overflow; rescanning all directories")
	} else {
		n.logf("watch: %v; rescanning all directories", err)
	}
	n.mu.Lock()
	n.wakeAllLocked()
	n.mu.Unlock()
}

// wakeAllLocked wakes every subscriber. The caller holds mu.
func (n *notifier) wakeAllLocked() {
	for _, d := range n.dirs {
		d.wakeLocked()
	}
}

// wakeLocked wakes every subscriber of d. The caller holds notifier.mu.
func (d *notifierDir) wakeLocked() {
	for s := range d.subs {
		s.wake()
	}
}

// poll lists d every interval and wakes its subscribers when the listing
// changes, until d.stop is closed. prev is the listing taken before the first
// subscriber received its initial wake-up.
func (n *notifier) poll(d *notifierDir, prev pollListing) {
	defer n.wg.Done()
	t := time.NewTicker(n.interval)
	defer t.Stop()
	lastErr := ""
	for {
		select {
		case <-d.stop:
			return
		case <-t.C:
		}
		cur, err := readPollListing(d.path)
		if err != nil {
			if msg := err.Error(); msg != lastErr {
				n.logf("poll %s: %v", d.path, err)
				lastErr = msg
			}
			continue
		}
		lastErr = ""
		if !cur.changedFrom(prev) {
			continue
		}
		prev = cur
		n.mu.Lock()
		d.wakeLocked()
		n.mu.Unlock()
	}
}
