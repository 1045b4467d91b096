package maildir

import (
	"context"
	"time"
)

// Coalescing of Changes: after a hint fn waits until the mailboxes have
// been quiet for changeQuiet, and at most changeLatest after the first
// hint of a burst, then it is called once for the whole burst. A watch's
// start (a rescan per directory it subscribes) or a send (a file in tmp/,
// new/, a sent record) is one call, not one per file.
const (
	changeQuiet  = 75 * time.Millisecond
	changeLatest = 500 * time.Millisecond
)

// Changes calls fn each time a mailbox changes: a message lands, is read
// or leaves (new/, cur/), a delivery state is recorded (state/: an
// acknowledgement, a door's read or shown record), or a mailbox appears;
// and once when it starts watching, so that a caller that read what it
// shows before misses nothing in between. It returns when ctx ends (nil) or
// fn returns an error, which it returns. It is woken by the watcher and never
// reads a message: a hint for an overseer to look again at what it shows
// (a receipt's delivery states, a message's timeline). Bursts are
// coalesced: one call after changeQuiet without a hint (changeLatest at
// most after the burst's first).
func (st *Store) Changes(ctx context.Context, fn func() error) error {
	wake, stop, err := st.watchMailboxes(ctx, dirNew, dirCur, dirState)
	if err != nil {
		return ioError(OpWait, "", err)
	}
	defer stop()
	quiet := time.NewTimer(changeQuiet) // the start is a hint of its own
	defer quiet.Stop()
	first := time.Now()
	pending := true
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-wake:
			if !pending {
				pending, first = true, time.Now()
			}
			wait := min(changeQuiet, time.Until(first.Add(changeLatest)))
			quiet.Reset(max(wait, 0))
		case <-quiet.C:
			if !pending {
				continue
			}
			pending = false
			if err := fn(); err != nil {
				return err
			}
		}
	}
}
