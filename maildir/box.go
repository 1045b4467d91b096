package maildir

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
)

// A delivery works on one maildir through a descriptor of its directory
// (boxDir) opened once, before anything is written: the message file is
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
	if st.opts.Sync == SyncBatch {
		st.commit.enter()
		defer st.commit.leave()
	}
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
	box, err := openBoxDir(st.boxPath(m.To))
	if err != nil {
		return false, err
	}
	defer box.close()
	m.ID = st.names.next(st.now())
	body := m.format()
	f, err := box.createTmp(m.ID)
	if err != nil {
		return false, err
	}
	_, err = f.Write(body)
	if err == nil {
		err = st.syncFile(f)
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	var newDir *os.File // opened before publishing: it follows the maildir
	if err == nil && st.syncsDirs() {
		newDir, err = box.openNew()
	}
	if err == nil {
		err = box.publish(m.ID)
	}
	if err != nil {
		box.removeTmp(m.ID)
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
	err = st.syncDirFile(newDir)
	newDir.Close()
	if err != nil && !box.withdraw(m.ID) {
		// A reader claimed the message before it could be taken back:
		// it was received, and an error would invite a second copy.
		err = nil
	}
	return true, err
}

// syncsDirs reports whether deliveries make new/ durable after publishing.
func (st *Store) syncsDirs() bool {
	return st.opts.Sync != SyncNone && dirsSync
}

// syncDirFile makes the entries of an open directory durable according to
// the policy.
func (st *Store) syncDirFile(d *os.File) error {
	switch {
	case st.opts.Sync == SyncNone || !dirsSync:
		return nil
	case st.opts.Sync == SyncFull:
		return syncDirFile(d)
	}
	return st.commit.commit(&commitItem{dir: d})
}

// syncDir makes a directory's entries durable according to the policy.
func (st *Store) syncDir(dir string) error {
	if !st.syncsDirs() {
		return nil
	}
	d, err := openDir(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return st.syncDirFile(d)
}

// syncFile makes a file just written durable according to the policy.
func (st *Store) syncFile(f *os.File) error {
	switch st.opts.Sync {
	case SyncNone:
		return nil
	case SyncFull:
		return f.Sync()
	}
	return st.commit.commit(&commitItem{file: f})
}
