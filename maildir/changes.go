package maildir

import "context"

// Changes calls fn each time a mailbox changes: a message lands, is read
// or leaves (new/, cur/), a delivery state is recorded (state/: an
// acknowledgement, a door's read or shown record), or a mailbox appears;
// and once as soon as it watches, so that a caller that read what it shows
// before misses nothing in between. It returns when ctx ends (nil) or fn
// returns an error, which it returns. It is woken by the watcher and never
// reads a message: a hint for an overseer to look again at what it shows
// (a receipt's delivery states, a message's timeline). Bursts are
// coalesced.
func (st *Store) Changes(ctx context.Context, fn func() error) error {
	wake, stop, err := st.watchMailboxes(ctx, dirNew, dirCur, dirState)
	if err != nil {
		return ioError(OpWait, "", err)
	}
	defer stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-wake:
			if err := fn(); err != nil {
				return err
			}
		}
	}
}
