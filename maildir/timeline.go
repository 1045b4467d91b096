package maildir

import (
	"context"
	"path/filepath"
	"slices"

	"github.com/ipc-dev/ipc/internal/text"
)

// Timeline says what became of any message of the mailbox, by id, for the
// overseer: the Delivery its sender's status gives (queued, unread,
// surfaced by which doors and when, read by which door, acknowledged,
// expired, bounced and why), and the message itself. The message is found
// by a few stats in each mailbox (the places a status looks), never by a
// scan of files; one no mailbox holds any more is found by its sender's
// record, and the Message then holds what the record says (who, to whom,
// when, subject, priority) without its text. Nothing is marked read.
// Errors: BadRequest (a malformed id), NotFound.
func (st *Store) Timeline(ctx context.Context, msgID string) (Delivery, Message, error) {
	const op = OpStatus
	if err := checkMsgID(op, "", msgID); err != nil {
		return Delivery{}, Message{}, err
	}
	if box, path, read, found := st.locateAnywhere(msgID); found {
		m, err := st.readMessage(path)
		if err != nil {
			return Delivery{}, Message{}, ioError(op, box, err)
		}
		m.Read = read
		if rec, ok := st.readSent(m.From, msgID); ok && ValidID(m.From) {
			return st.deliveryOf(m.From, rec), m, nil
		}
		// No sender's record (a notice, mail other tools wrote, a record
		// lost): the file's place and the box's records say the rest.
		d := Delivery{ID: msgID, From: m.From, To: box, SentAt: m.Time, Subject: m.Subject, Priority: m.Priority}
		if m.InReplyTo != "" || m.Thread != "" || len(m.References) > 0 {
			d.Thread = m.ThreadID()
		}
		st.describe(&d, box, path, read)
		return d, m, nil
	}
	for _, sender := range st.boxNames() {
		if ctx.Err() != nil {
			return Delivery{}, Message{}, ctx.Err()
		}
		if rec, ok := st.readSent(sender, msgID); ok {
			d := st.deliveryOf(sender, rec)
			m := Message{ID: msgID, From: sender, To: rec.To, OrigTo: rec.Requested, Time: rec.SentAt,
				Subject: rec.Subject, Priority: rec.Priority, Thread: rec.Thread}
			if m.OrigTo == m.To {
				m.OrigTo = ""
			}
			return d, m, nil
		}
	}
	return Delivery{}, Message{}, errorf(op, NotFound, "", "no message %s in any mailbox, and no sender's record of it", text.Cut(msgID, 80))
}

// locateAnywhere finds message msgID in whichever mailbox holds it: a few
// stats per mailbox (locate), no listing of any maildir.
func (st *Store) locateAnywhere(msgID string) (box, path string, read, found bool) {
	for _, b := range st.boxNames() {
		if path, read, found := st.locate(b, msgID); found {
			return b, path, read, true
		}
	}
	return "", "", false, false
}

// boxNames lists the mailboxes under mail/ (every valid name), sorted.
func (st *Store) boxNames() []string {
	names, _ := listDir(filepath.Join(st.root, mailDir))
	out := names[:0]
	for _, n := range names {
		if ValidID(n) {
			out = append(out, n)
		}
	}
	slices.Sort(out)
	return out
}
