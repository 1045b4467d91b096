package watch

import (
	"errors"
	"path/filepath"

	"github.com/fsnotify/fsnotify"
)

// run drains the fsnotify event and error channels until the watcher is closed.
func (w *Watcher) run(fsw *fsnotify.Watcher) {
	defer w.wg.Done()
	for {
		select {
		case ev, ok := <-fsw.Events:
			if !ok {
				return
			}
			w.handleEvent(ev)
		case err, ok := <-fsw.Errors:
			if !ok {
				return
			}
			w.handleError(err)
		}
	}
}

// handleEvent wakes the subscribers of the directory holding ev.Name, and of
// ev.Name itself when the watched directory is the subject. An event that
// matches no watched directory (e.g. one read just before its watch was
// removed, or a path spelled differently by the backend) wakes everyone.
// When a watched directory itself is removed or renamed its watch is gone,
// so it is polled from then on, which notices when it is created again.
func (w *Watcher) handleEvent(ev fsnotify.Event) {
	var lost *watchedDir
	w.mu.Lock()
	parent := w.dirs[filepath.Dir(ev.Name)]
	self := w.dirs[ev.Name]
	switch {
	case parent == nil && self == nil:
		w.wakeAllLocked()
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
	w.mu.Unlock()
	if lost != nil {
		w.pollLost(lost)
	}
}

// pollLost starts polling d, whose fsnotify watch ended with the removal or
// rename of the directory itself, unless d was cancelled or the Watcher
// closed meanwhile. Its subscribers are woken again once the poller's baseline
// is taken, so a rescan after that wake-up misses nothing.
func (w *Watcher) pollLost(d *watchedDir) {
	prev, err := readListing(d.path)
	if err != nil {
		w.logf("poll %s: %v", d.path, err)
	}
	w.mu.Lock()
	if w.closed || w.dirs[d.path] != d || d.stop != nil {
		w.mu.Unlock()
		return
	}
	// Close sets closed under mu before it waits, so this Add precedes its Wait.
	d.lost = true
	w.startPoll(d, prev)
	d.wakeLocked()
	w.mu.Unlock()
	w.logf("watch %s: directory removed or renamed; polling it every %s", d.path, w.interval)
}

// handleError wakes every subscriber: an overflow or a read error means events were lost.
func (w *Watcher) handleError(err error) {
	if errors.Is(err, fsnotify.ErrEventOverflow) {
		w.logf("watch: event queue overflow; rescanning all directories")
	} else {
		w.logf("watch: %v; rescanning all directories", err)
	}
	w.mu.Lock()
	w.wakeAllLocked()
	w.mu.Unlock()
}
