package maildir

import (
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/ipc-dev/ipc/internal/durable"
)

// A delivery works on one maildir through a descriptor of its directory
// (durable.Dir) opened once, before anything is written: the message file is
// created in tmp/, published into new/ and new/ is made durable, all
// relative to that descriptor. A rename moving the whole maildir while a
// delivery is under way therefore moves it with the delivery, which ends in
// the moved maildir, published once. What a rename leaves behind (mail
// published into the old name's maildir after it was emptied message by
// message) is collected by the new name's next check (sweepAliases).
//
// A delivery is attempted again only when it failed before publishing:
// nothing of it is visible, so writing it again cannot make a second copy.
// Once published, a message is never written a second time.

// maxDeliveryAttempts bounds the attempts of one delivery whose maildir
// vanished before it published (a human removed it; a rename moved it and
// the name now forwards).
const maxDeliveryAttempts = 3

// deliver writes m into the maildir of m.To and returns once it is
// published and as durable as the sync policy says. m.ID is set; m.To and
// m.OrigTo change when m.To was renamed while the delivery ran. The
// sender's record of it is written (delivery.go), a bounce when it failed.
func (st *Store) deliver(m *Message) error {
	defer st.sync.Begin()()
	for attempt := 1; ; attempt++ {
		published, err := st.deliverOnce(m)
		if err == nil || published || attempt == maxDeliveryAttempts || !errors.Is(err, fs.ErrNotExist) {
			st.recordSent(m, err)
			return err
		}
		st.forgetBox(m.To)
	}
}

// knownBox reports whether the maildir of id was seen to exist.
func (st *Store) knownBox(id string) bool {
	st.mu.Lock()
	defer st.mu.Unlock()
	return st.boxes[id]
}

// follow readdresses m when its recipient now forwards elsewhere.
func (st *Store) follow(m *Message) {
	final, err := st.resolve(m.To)
	if err != nil || final == m.To {
		return
	}
	if m.OrigTo == "" {
		m.OrigTo = m.To
	}
	m.To = final
}

// deliverOnce makes one attempt and reports whether the message was
// published (visible in new/), whatever the error.
func (st *Store) deliverOnce(m *Message) (published bool, err error) {
	if !st.knownBox(m.To) {
		// The maildir is about to be created, or was just found missing:
		// a name renamed since the sender resolved it must not get one.
		st.follow(m)
	}
	if err := st.ensureBox(m.To); err != nil {
		return false, err
	}
	box, err := durable.Open(st.boxPath(m.To))
	if err != nil {
		return false, err
	}
	defer box.Close()
	m.ID = st.names.nextFor(st.now(), m.Priority)
	body := m.format()
	tmp, dst := dirTmp+"/"+m.ID, dirNew+"/"+m.ID
	f, err := box.Create(tmp)
	if err != nil {
		return false, err
	}
	err = st.sync.Fill(f, func(w io.Writer) error { _, err := w.Write(body); return err })
	var newDir *os.File // opened before publishing: it follows the maildir
	if err == nil && st.sync.SyncsDirs() {
		newDir, err = box.OpenDir(dirNew)
	}
	if err == nil {
		err = box.Publish(tmp, dst)
	}
	if err != nil {
		_ = box.Remove(tmp)
		if newDir != nil {
			newDir.Close()
		}
		return false, err
	}
	m.Path = st.boxPath(m.To, dirNew, m.ID)
	st.hint(filepath.Dir(m.Path))
	if st.onPublished != nil {
		st.onPublished(m)
	}
	if newDir == nil {
		return true, nil
	}
	err = st.sync.Dir(newDir)
	newDir.Close()
	if err != nil && box.Remove(dst) != nil {
		// A reader claimed the message before it could be taken back:
		// it was received, and an error would invite a second copy.
		err = nil
	}
	return true, err
}

// policy is the engine's policy for p.
func (p SyncPolicy) policy() durable.Policy {
	switch p {
	case SyncFull:
		return durable.Full
	case SyncNone:
		return durable.None
	}
	return durable.Batch
}
