package maildir

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"sync"
	"syscall"
	"time"
	"unicode/utf8"

	"github.com/ipc-dev/ipc/internal/durable"
	"github.com/ipc-dev/ipc/internal/text"
)

// Entries that are not messages.
//
// Anything can appear in new/ or cur/: a human, a script or another tool
// may leave a FIFO, a symbolic link (to /dev/zero, or to nothing), a
// directory, a device, a file larger than any message or one this process
// cannot read. A reader opens every entry without following links and
// without blocking (O_NOFOLLOW|O_NONBLOCK|O_NOCTTY), then accepts only a
// regular file of at most maxFileSize bytes, checked on the open
// descriptor. Anything else is moved aside, whole and unread, to
// quarantine/<id>/ under the mailbox root, reported once (Logf, the
// Quarantined list of a CheckResult or GCStats) and listed by ipc doctor;
// the messages behind it are read as usual. An entry that cannot even be
// moved (a read-only disk) is remembered by the Store and skipped, so no
// waiter is woken by it again and again.

// quarantineDir is the directory, under the mailbox root, that holds what
// readers moved aside.
const quarantineDir = "quarantine"

// headerAllowance is the room a message file has for its header block
// beyond its content and data.
const headerAllowance = 64 << 10

// maxFileSize is the largest message file a reader accepts: the largest
// content and data any door accepts (data escaped to ASCII takes at most
// three times its size) plus the header block. Content over LargeThreshold
// is stored in large/, so files written by ipc stay far smaller; the cap
// leaves room for other tools that write whole messages.
func (st *Store) maxFileSize() int64 {
	return int64(st.opts.MaxContent) + 3*int64(st.opts.MaxData) + headerAllowance
}

// notMessageError says why a directory entry is not a message file.
type notMessageError struct {
	what string // "a FIFO", "a symbolic link", "larger than ...", ...
}

func (e *notMessageError) Error() string { return e.what }

// isNotMessage reports an entry that readers move aside.
func isNotMessage(err error) bool {
	var e *notMessageError
	return errors.As(err, &e)
}

// describeMode names a file type for a report.
func describeMode(m fs.FileMode) string {
	switch {
	case m&fs.ModeSymlink != 0:
		return "a symbolic link"
	case m.IsDir():
		return "a directory"
	case m&fs.ModeNamedPipe != 0:
		return "a FIFO"
	case m&fs.ModeSocket != 0:
		return "a socket"
	case m&fs.ModeDevice != 0:
		return "a device"
	}
	return "not a regular file"
}

// openMessageFile opens the entry at path for reading if it is a regular
// file of at most limit bytes; it never follows a link and never blocks.
// Errors: fs.ErrNotExist (gone: claimed by another reader), a
// *notMessageError for an entry to move aside, or the cause when the
// failure may pass (the process is short of files or memory, a network
// filesystem's handle went stale): a message is never moved aside for
// what may pass.
func openMessageFile(path string, limit int64) (*os.File, fs.FileInfo, error) {
	f, err := durable.OpenNoFollow(path)
	if err != nil {
		return nil, nil, classifyOpen(path, err)
	}
	info, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, nil, classifyRead(err)
	}
	if !info.Mode().IsRegular() {
		f.Close()
		return nil, nil, &notMessageError{what: describeMode(info.Mode())}
	}
	if info.Size() > limit {
		f.Close()
		return nil, nil, &notMessageError{what: fmt.Sprintf("%d bytes, over the %d-byte limit of a message file", info.Size(), limit)}
	}
	return f, info, nil
}

// classifyOpen maps a failed open of a directory entry.
func classifyOpen(path string, err error) error {
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return err
	case durable.IsSymlinkRefusal(err):
		return &notMessageError{what: "a symbolic link"}
	case mayPass(err):
		return err // not the entry's fault
	}
	if info, lerr := os.Lstat(path); lerr == nil && !info.Mode().IsRegular() {
		return &notMessageError{what: describeMode(info.Mode())}
	}
	return &notMessageError{what: "unreadable: " + errText(err)}
}

// isShortOfResources reports a process out of file descriptors or memory.
func isShortOfResources(err error) bool {
	return errors.Is(err, syscall.EMFILE) || errors.Is(err, syscall.ENFILE) || errors.Is(err, syscall.ENOMEM)
}

// mayPass reports a failure to open or read an entry that says nothing
// about the entry: the process is short of resources, the call was
// interrupted, or a network filesystem's handle went stale or timed out.
func mayPass(err error) bool {
	return isShortOfResources(err) || errors.Is(err, syscall.EINTR) || errors.Is(err, syscall.EAGAIN) ||
		errors.Is(err, syscall.ESTALE) || errors.Is(err, syscall.ETIMEDOUT)
}

// classifyRead maps a failed stat or read of an open entry: what may pass
// is returned as it is; anything else (EIO, say) makes the entry one to
// move aside, where it stays for a human to look at.
func classifyRead(err error) error {
	if errors.Is(err, fs.ErrNotExist) || mayPass(err) {
		return err
	}
	return &notMessageError{what: "unreadable: " + errText(err)}
}

// errText is the cause of err without the path os adds to it.
func errText(err error) string {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err.Error()
	}
	return err.Error()
}

// readMessageFile reads a whole message file of at most limit bytes.
func readMessageFile(path string, limit int64) ([]byte, fs.FileInfo, error) {
	f, info, err := openMessageFile(path, limit)
	if err != nil {
		return nil, nil, err
	}
	defer f.Close()
	b, err := readAllLimit(f, limit)
	if err != nil {
		return nil, nil, classifyRead(err)
	}
	return b, info, nil
}

// readAllLimit reads r to the end, failing if it holds more than limit bytes.
func readAllLimit(r io.Reader, limit int64) ([]byte, error) {
	b, err := io.ReadAll(io.LimitReader(r, limit+1))
	if err != nil {
		return nil, err
	}
	if int64(len(b)) > limit {
		return nil, fmt.Errorf("larger than %d bytes", limit)
	}
	return b, nil
}

// Quarantined is an entry of a maildir that was not a message file and was
// moved aside.
type Quarantined struct {
	Box    string // the maildir it was found in
	Name   string // its name there
	Reason string // why it is not a message: "a FIFO", "a symbolic link", ...
	Path   string // where it is now; "" when it could not be moved (it is skipped in place)
}

// String is the report of q: one sentence naming the entry, why, and where
// it went.
func (q Quarantined) String() string {
	where := "moved aside to " + q.Path
	if q.Path == "" {
		where = "left in place (it could not be moved) and skipped"
	}
	return fmt.Sprintf("mail/%s/%s is %s, not a message: %s", q.Box, text.Cut(q.Name, 80), q.Reason, where)
}

// stuckEntries remembers entries that are not messages and could not be
// moved aside, so that readers skip them and waiters are not woken by them.
// It holds only entries that still exist when their directory is listed.
type stuckEntries struct {
	mu    sync.Mutex
	paths map[string]bool
}

// add records path; it reports whether it is new.
func (s *stuckEntries) add(path string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.paths == nil {
		s.paths = map[string]bool{}
	}
	if s.paths[path] {
		return false
	}
	s.paths[path] = true
	return true
}

// usable returns the names of dir that are not stuck, and forgets stuck
// entries of dir that are no longer listed.
func (s *stuckEntries) usable(dir string, names []string) []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.paths) == 0 {
		return names
	}
	listed := make(map[string]bool, len(names))
	out := names[:0:0]
	for _, n := range names {
		p := filepath.Join(dir, n)
		listed[p] = true
		if !s.paths[p] {
			out = append(out, n)
		}
	}
	for p := range s.paths {
		if filepath.Dir(p) == dir && !listed[p] {
			delete(s.paths, p)
		}
	}
	return out
}

// quarantine moves the entry name of the maildir box (in its sub-directory
// sub) aside and reports it once through Logf. When it cannot be moved it
// is remembered as stuck and skipped from then on. It reports false when
// there is nothing to report: the entry vanished meanwhile (another reader
// moved it), or it was already known to be stuck.
func (st *Store) quarantine(box, sub, name string, why error) (Quarantined, bool) {
	q := Quarantined{Box: box, Name: sub + "/" + name, Reason: why.Error()}
	src := st.boxPath(box, sub, name)
	dir := filepath.Join(st.root, quarantineDir, box)
	err := os.MkdirAll(dir, 0o700)
	if err == nil {
		var to string
		if to, err = moveAside(src, filepath.Join(dir, quarantineName(sub, name))); err == nil {
			q.Path = to
			st.opts.Logf("maildir: %s", q)
			return q, true
		}
	}
	if _, lerr := os.Lstat(src); errors.Is(lerr, fs.ErrNotExist) {
		return Quarantined{}, false
	}
	if !st.stuck.add(src) {
		return Quarantined{}, false
	}
	st.opts.Logf("maildir: %s (%v)", q, err)
	return q, true
}

// moveAside renames src to dst without replacing anything, choosing
// another name when dst exists. It returns where src went.
func moveAside(src, dst string) (string, error) {
	for i := 0; ; i++ {
		try := dst
		if i > 0 {
			try = fmt.Sprintf("%s.%d", dst, i)
		}
		err := durable.Publish(src, try)
		if !errors.Is(err, fs.ErrExist) || i >= 100 {
			if err != nil {
				return "", err
			}
			return try, nil
		}
	}
}

// quarantineName is the name an entry of sub/ takes in quarantine/<id>/:
// its own, prefixed by where it was, shortened (with a hash, so names stay
// unique) when that would not fit the 255 bytes filesystems allow.
func quarantineName(sub, name string) string {
	return fitName(sub+"-"+name, 230)
}

// fitName returns name if it has at most max bytes, else a valid UTF-8
// prefix of it followed by "~" and 16 hex digits of its SHA-256.
func fitName(name string, max int) string {
	if len(name) <= max {
		return name
	}
	sum := sha256.Sum256([]byte(name))
	cut := max - 17
	for cut > 0 && !utf8.RuneStart(name[cut]) {
		cut--
	}
	return name[:cut] + "~" + hex.EncodeToString(sum[:8])
}

// claimID is the id under which a message of new/ is claimed into cur/:
// its base name, shortened when it is too long to be a message id (a name
// of up to 255 bytes fits in new/ but not with the info suffix in cur/).
func claimID(name string) string {
	return fitName(baseID(name), maxMsgIDLen)
}

// QuarantineEntry is one entry of quarantine/, as ipc doctor lists it.
type QuarantineEntry struct {
	Box  string // the maildir it came from
	Name string // its name in quarantine/<box>/
	Path string
	Mode fs.FileMode
	Size int64
	Time time.Time // when it was last modified
}

// Quarantine lists what readers moved aside, oldest first. It reads only
// directory entries (Lstat), so it is safe whatever they are.
func (st *Store) Quarantine() ([]QuarantineEntry, error) {
	root := filepath.Join(st.root, quarantineDir)
	boxes, err := listDir(root)
	if err != nil {
		return nil, ioError(OpQuarantine, "", err)
	}
	var out []QuarantineEntry
	for _, box := range boxes {
		names, err := listDir(filepath.Join(root, box))
		if err != nil {
			continue // not a directory
		}
		for _, n := range names {
			p := filepath.Join(root, box, n)
			info, err := os.Lstat(p)
			if err != nil {
				continue
			}
			out = append(out, QuarantineEntry{Box: box, Name: n, Path: p, Mode: info.Mode(), Size: info.Size(), Time: info.ModTime()})
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Time.Before(out[j].Time) })
	return out, nil
}
