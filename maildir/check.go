package maildir

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/ipc-dev/ipc/internal/durable"
	"github.com/ipc-dev/ipc/internal/text"
	"github.com/ipc-dev/ipc/internal/watch"
)

// CheckOptions bound a Check.
type CheckOptions struct {
	// Max is the most messages returned; 0 means no limit.
	Max int
	// Accept, when set, is asked about each message before it is claimed;
	// returning false stops the check there and leaves that message and
	// the rest unread (a door uses it to fit a reply into a size limit).
	Accept func(*Message) bool
	// Door is the door that shows the messages claimed, recorded with
	// each claim for the sender's status (delivery.go); "" records none.
	Door Door
}

// CheckResult is what Check returns.
type CheckResult struct {
	Messages  []Message // urgent first, then high, then normal, each in arrival order
	Remaining int       // unread messages left for a later check

	// Quarantined lists the entries of new/ this check met that were not
	// messages (a FIFO, a link, a directory, an oversized or unreadable
	// file) and moved aside: a door reports them beside the mail.
	Quarantined []Quarantined
	// Stopped, when set, is the error that ended the check after Messages
	// were claimed (a full disk refusing a rename, say). The messages are
	// the caller's all the same: a door delivers them and reports Stopped
	// beside them. The rest stays unread.
	Stopped error
}

// Check returns unread messages, urgent first, then high, then normal,
// each in arrival order (by the priority ipc writes into a file's name:
// mail other tools wrote counts as normal), and marks them read by
// moving them from new/ to cur/. A message is returned to exactly one
// checker; read mail stays on disk (see Read and History), so a reply lost
// on its way loses nothing. An entry of new/ that is not a message is
// moved aside (see Quarantined) and the messages behind it are read. An
// error that ends the check after it claimed mail is set in
// CheckResult.Stopped, never returned alone: what was claimed is always
// returned. Errors: Closed, Expired, NoSpace, Internal.
func (s *Session) Check(ctx context.Context, opt CheckOptions) (CheckResult, error) {
	const op = OpCheck
	if err := s.begin(op); err != nil {
		return CheckResult{}, err
	}
	return s.st.check(ctx, s.ID(), opt)
}

// check claims unread messages of the maildir of id. The claim is the
// rename new/ -> cur/, so it is exactly-once even between processes that
// cannot see each other's locks.
func (st *Store) check(ctx context.Context, id string, opt CheckOptions) (CheckResult, error) {
	const op = OpCheck
	st.sweepAliases(id)
	newDir := st.boxPath(id, dirNew)
	names, later, err := stableList(newDir)
	if err != nil {
		return CheckResult{}, ioError(op, id, err)
	}
	names = st.stuck.usable(newDir, names)
	sortSurfacing(names)
	res := CheckResult{Remaining: later}
	for i, name := range names {
		if opt.Max > 0 && len(res.Messages) >= opt.Max || ctx.Err() != nil {
			res.Remaining += len(names) - i
			break
		}
		m, ok, err := st.readEntry(id, dirNew, name, &res.Quarantined)
		if err != nil {
			return res.stop(ioError(op, id, err), len(names)-i)
		}
		if !ok {
			continue // claimed by another checker, or moved aside
		}
		if opt.Accept != nil && !opt.Accept(&m) {
			res.Remaining += len(names) - i
			break
		}
		msgID := claimID(name)
		dst := st.boxPath(id, dirCur, msgID+infoSeen)
		if err := durable.Rename(filepath.Join(newDir, name), dst); err != nil {
			switch {
			case errors.Is(err, fs.ErrNotExist):
				continue // claimed by another checker
			case durable.IsNoSpace(err) || isShortOfResources(err):
				return res.stop(ioError(op, id, err), len(names)-i) // every later claim fails alike
			}
			// This one cannot be claimed (its name in cur/ is taken by a
			// directory, say): it stays unread, the rest is claimed.
			res.Remaining++
			if res.Stopped == nil {
				res.Stopped = ioError(op, id, err)
			}
			continue
		}
		markClaimed(dst, opt.Door)
		m.ID, m.Read, m.Path = msgID, true, dst
		res.Messages = append(res.Messages, m)
	}
	return res.settle()
}

// maxWarnings bounds the entries moved aside that Warnings names one by one.
const maxWarnings = 5

// Warnings are the sentences a door shows beside the messages of res: one
// per entry moved aside, then the error that stopped the check.
func (res CheckResult) Warnings() []string {
	var out []string
	for i, q := range res.Quarantined {
		if i == maxWarnings {
			out = append(out, fmt.Sprintf("and %d more entries that were not messages (ipc doctor lists them)", len(res.Quarantined)-i))
			break
		}
		out = append(out, q.String())
	}
	if res.Stopped != nil {
		out = append(out, fmt.Sprintf("the check stopped after %d messages: %v; the rest stays unread for the next check", len(res.Messages), res.Stopped))
	}
	return out
}

// stop ends a check on err with left messages not examined. What was
// claimed is the caller's: err goes beside it, and is returned alone only
// when nothing was claimed.
func (res CheckResult) stop(err error, left int) (CheckResult, error) {
	res.Remaining += left
	if res.Stopped == nil {
		res.Stopped = err
	}
	return res.settle()
}

// settle returns a finished check: an error beside no message is returned
// alone, so that "error" always means "nothing was claimed".
func (res CheckResult) settle() (CheckResult, error) {
	if res.Stopped != nil && len(res.Messages) == 0 {
		err := res.Stopped
		res.Stopped = nil
		return res, err
	}
	return res, nil
}

// readEntry reads the message sub/name of the maildir box. ok is false,
// with no error, when the entry is gone (claimed by another reader) or is
// not a message (moved aside, and reported in *moved when moved is not
// nil). An error means this process cannot read now (out of files or
// memory); it is not the entry's fault.
func (st *Store) readEntry(box, sub, name string, moved *[]Quarantined) (m Message, ok bool, err error) {
	m, err = st.readMessage(st.boxPath(box, sub, name))
	switch {
	case err == nil:
		return m, true, nil
	case errors.Is(err, fs.ErrNotExist):
		return m, false, nil
	case isNotMessage(err):
		if q, report := st.quarantine(box, sub, name, err); report && moved != nil {
			*moved = append(*moved, q)
		}
		return m, false, nil
	}
	return m, false, err
}

// hasMail reports whether the names listed in new/ of id hold a message.
// It opens entries without reading them until it meets a message file,
// moving aside those before it that are not messages, so that a waiter is
// never woken for good by an entry no check can return.
func (st *Store) hasMail(id string, names []string) bool {
	dir := st.boxPath(id, dirNew)
	for _, n := range st.stuck.usable(dir, names) {
		f, _, err := openMessageFile(filepath.Join(dir, n), st.maxFileSize())
		switch {
		case err == nil:
			f.Close()
			return true
		case isNotMessage(err):
			st.quarantine(id, dirNew, n, err)
		case !errors.Is(err, fs.ErrNotExist):
			return true // out of files: the check that follows reports it
		}
	}
	return false
}

// stableList lists a new/ directory for claiming in per-sender order.
//
// A directory listing is not a snapshot: an entry added while it runs may be
// missed while a later one is seen, so one listing could show a sender's
// third message but not its second. The directory is therefore listed
// twice. An entry of the first listing was published before the second
// began, and so was every earlier message of the same writer, which the
// second listing therefore holds. The result is every entry of the second
// listing that is in the first, or older than an entry of the same writer
// that is; the rest (published during the listings) are left for the next
// check and counted in later.
func stableList(dir string) (names []string, later int, err error) {
	first, err := listDir(dir)
	if err != nil || len(first) == 0 {
		return nil, 0, err
	}
	second, err := listDir(dir)
	if err != nil {
		return nil, 0, err
	}
	inFirst := make(map[string]bool, len(first))
	for _, n := range first {
		inFirst[n] = true
	}
	newest := map[string]int64{} // writer -> newest entry seen in both listings
	for _, n := range second {
		if inFirst[n] {
			w := writerOf(n)
			newest[w] = max(newest[w], nameTime(n))
		}
	}
	for _, n := range second {
		if t, ok := newest[writerOf(n)]; inFirst[n] || ok && nameTime(n) <= t {
			names = append(names, n)
		} else {
			later++
		}
	}
	return names, later, nil
}

// writerOf identifies the process that wrote a maildir name ("P<pid>" and
// host); names of other formats share one anonymous writer.
func writerOf(name string) string {
	if pid, host, ok := namePID(name); ok {
		return strconv.Itoa(pid) + "@" + host
	}
	return ""
}

// readMessage reads and parses one message file, which must be a regular
// file of at most maxFileSize bytes (see openMessageFile). A file that does
// not parse is still returned (sender "unknown", the whole text as
// content): nothing a human or another tool put in a maildir is dropped.
func (st *Store) readMessage(path string) (Message, error) {
	b, info, err := readMessageFile(path, st.maxFileSize())
	if err != nil {
		return Message{}, err
	}
	m, _ := parseMessage(b)
	name := filepath.Base(path)
	m.ID = baseID(name)
	m.Path = path
	if m.Time.IsZero() {
		if t := nameTime(name); t > 0 {
			m.Time = timeFromMicros(t)
		} else {
			m.Time = info.ModTime()
		}
	}
	return m, nil
}

// sweepAliases moves mail that landed in the maildir of a name forwarding
// to id (a sender that resolved the name just before a rename) into id's
// maildir.
func (st *Store) sweepAliases(id string) {
	for _, old := range st.aliases(id) {
		names, _ := listDir(st.boxPath(old, dirNew))
		for _, n := range names {
			_ = durable.Publish(st.boxPath(old, dirNew, n), st.boxPath(id, dirNew, n))
		}
	}
}

// Unread counts unread messages and names the senders of the oldest few
// (see Unread) without marking anything read.
func (s *Session) Unread(ctx context.Context) (Unread, error) {
	const op = OpUnread
	if err := s.begin(op); err != nil {
		return Unread{}, err
	}
	return s.st.unread(op, s.ID())
}

// unread summarizes the unread mail of the maildir of id (unread.go).
// Entries that are not messages are moved aside and not counted.
func (st *Store) unread(op Op, id string) (Unread, error) {
	return st.unreadSummary(op, id)
}

// peekFrom reads the From header from the start of a message file of at
// most limit bytes ("unknown" when it has none).
func peekFrom(path string, limit int64) (string, error) {
	f, _, err := openMessageFile(path, limit)
	if err != nil {
		return "", err
	}
	defer f.Close()
	var buf [512]byte
	n, _ := io.ReadFull(f, buf[:])
	head := buf[:n]
	if i := bytes.Index(head, []byte("\n\n")); i >= 0 {
		head = head[:i]
	}
	for _, line := range strings.Split(string(head), "\n") {
		if k, v, ok := strings.Cut(line, ":"); ok && strings.EqualFold(k, hdrFrom) {
			return strings.TrimSpace(v), nil
		}
	}
	return "unknown", nil
}

// maxMsgIDLen is the longest message id Read looks up: a file name with its
// info suffix must fit the 255 bytes filesystems allow.
const maxMsgIDLen = 200

// Read returns one message of the session's mailbox by id, read or not,
// or one the session sent (Read then says whether its recipient read it),
// without changing its state. Errors: BadRequest (malformed id), NotFound.
func (s *Session) Read(ctx context.Context, msgID string) (Message, error) {
	const op = OpRead
	if err := s.begin(op); err != nil {
		return Message{}, err
	}
	id := s.ID()
	if err := checkMsgID(op, id, msgID); err != nil {
		return Message{}, err
	}
	cur := s.st.boxPath(id, dirCur)
	candidates := []string{
		filepath.Join(cur, msgID+infoSeen),
		filepath.Join(cur, msgID+":2,S"),
		s.st.boxPath(id, dirNew, msgID),
	}
	for _, p := range candidates {
		m, ok, err := s.st.readEntry(id, filepath.Base(filepath.Dir(p)), filepath.Base(p), nil)
		if err != nil {
			return Message{}, ioError(op, id, err)
		}
		if ok {
			m.Read = filepath.Dir(p) == cur
			return m, nil
		}
	}
	// Files renamed by other tools may carry other flags: look them up.
	names, err := listDir(cur)
	if err != nil {
		return Message{}, ioError(op, id, err)
	}
	for _, n := range names {
		if baseID(n) == msgID {
			m, ok, err := s.st.readEntry(id, dirCur, n, nil)
			if err != nil {
				return Message{}, ioError(op, id, err)
			}
			if ok {
				m.Read = true
				return m, nil
			}
		}
	}
	// Mail the session sent is its too: search, thread and sent list it.
	if _, sent := s.st.readSent(id, msgID); sent {
		return s.st.mine(op, id, msgID)
	}
	return Message{}, errorf(op, NotFound, id, "no message %s in the mailbox of %s", text.Cut(msgID, 80), id)
}

// Wait blocks until the session has unread mail or ctx ends. It is woken by
// the watcher (fsnotify, or polling where events do not cross), never by
// sleeping. It returns ctx.Err() when ctx ends first.
func (s *Session) Wait(ctx context.Context) error {
	const op = OpWait
	if err := s.begin(op); err != nil {
		return err
	}
	id := s.ID()
	ch, cancel, err := s.st.subscribe(s.st.boxPath(id, dirNew))
	if err != nil {
		return ioError(op, id, err)
	}
	defer cancel()
	for {
		select {
		case <-ch:
		case <-ctx.Done():
			return ctx.Err()
		}
		if s.ID() != id { // renamed while waiting: the caller re-waits
			return nil
		}
		names, err := listDir(s.st.boxPath(id, dirNew))
		if err != nil {
			return ioError(op, id, err)
		}
		if s.st.hasMail(id, names) {
			return nil
		}
	}
}

// subscribe watches dir through the Store's watcher, created on first use.
func (st *Store) subscribe(dir string) (<-chan struct{}, func(), error) {
	st.watchOnce.Do(func() {
		st.watcher.Store(watch.New(watch.Options{
			Poll:     st.opts.Poll || st.fs.Remote,
			Interval: st.opts.PollInterval,
			Logf:     st.opts.Logf,
		}))
	})
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, nil, err
	}
	return st.watcher.Load().Subscribe(dir)
}

// hint tells this process's waiters on dir that it just changed, ahead of
// the kernel's event or the next poll: mail delivered here is seen here at
// once, even where events do not cross (polling).
func (st *Store) hint(dir string) {
	if w := st.watcher.Load(); w != nil {
		w.Hint(dir)
	}
}
