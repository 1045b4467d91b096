package maildir

import "context"

// Changes calls fn each time a mailbox's new/ or cur/ changes (a message
// lands, is read, or a mailbox appears), until ctx ends or fn returns an
// error, which it returns. It is woken by the watcher and never reads a
// message: a hint for an overseer to look again at what it shows (a
// receipt's delivery states, a message's timeline). Bursts are coalesced.
func (st *Store) Changes(ctx context.Context, fn func() error) error {
	wake, stop, err := st.watchMailboxes(ctx)
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
