package watch

import (
	"errors"
	"io/fs"
	"time"
)

// listing is one poll of a directory.
type listing struct {
	exists bool
	names  map[string]struct{}
}

// changedFrom reports whether l differs from prev: the directory appeared or
// vanished, the number of entries changed, or an entry is new.
func (l listing) changedFrom(prev listing) bool {
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

// readListing lists dir. A missing directory is an empty listing, not an error.
func readListing(dir string) (listing, error) {
	f, err := openDir(dir)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return listing{}, nil
		}
		return listing{}, err
	}
	names, err := f.Readdirnames(-1)
	f.Close()
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) { // removed while listing
			return listing{}, nil
		}
		return listing{}, err
	}
	l := listing{exists: true, names: make(map[string]struct{}, len(names))}
	for _, name := range names {
		l.names[name] = struct{}{}
	}
	return l, nil
}

// startPoll starts the poller of d with prev as its baseline listing. The
// caller has seen the Watcher open and keeps Close from starting (it holds
// opMu, or mu since the check), so Close stops and joins this poller.
func (w *Watcher) startPoll(d *watchedDir, prev listing) {
	d.stop = make(chan struct{})
	w.wg.Add(1)
	go w.poll(d, prev)
}

// poll lists d every interval and wakes its subscribers when the listing
// changes, until d.stop is closed. prev is the listing taken before the first
// subscriber received its initial wake-up.
func (w *Watcher) poll(d *watchedDir, prev listing) {
	defer w.wg.Done()
	t := time.NewTicker(w.interval)
	defer t.Stop()
	lastErr := ""
	for {
		select {
		case <-d.stop:
			return
		case <-t.C:
		}
		cur, err := readListing(d.path)
		if err != nil {
			if msg := err.Error(); msg != lastErr {
				w.logf("poll %s: %v", d.path, err)
				lastErr = msg
			}
			continue
		}
		lastErr = ""
		if !cur.changedFrom(prev) {
			continue
		}
		prev = cur
		w.mu.Lock()
		d.wakeLocked()
		w.mu.Unlock()
	}
}
