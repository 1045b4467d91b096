package maildir

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"time"
)

// Summaries of unread mail that cost the same whatever the backlog.
//
// A door shows the unread count and a few senders after every call, and an
// MCP channel announces each arrival. Both used to open every file in new/,
// so that at 100,000 unread each call read 100,000 files. Here the count
// comes from the directory's entry names alone (one listing, no stat, no
// open), the names give the arrival order and the priority (a letter ipc
// writes into the name: name.go's namer), and only the few messages a
// summary shows are opened. Mail other tools wrote carries no letter and
// counts as normal here, whatever its Priority header says.

// UnreadSenders is the most unread messages Unread opens to name their
// senders: the first ones a check would return.
const UnreadSenders = 8

// Unread summarizes the unread mail of a mailbox.
type Unread struct {
	Count int
	// Urgent is how many of them are urgent (by their names: see namer).
	Urgent int
	// From are the distinct senders of the first UnreadSenders unread
	// messages in the order a check returns them: urgent first, then
	// high, then normal, each in arrival order.
	From []string
	// Partial reports that more messages are unread than were looked at
	// for From, so other senders may be waiting too.
	Partial bool
}

// unreadSummary counts the unread mail of the maildir of id by its entry
// names and opens only the first UnreadSenders of them. While new/ has
// not changed since a summary was made, that summary is the answer: one
// stat instead of a listing (see unreadCache).
func (st *Store) unreadSummary(op Op, id string) (Unread, error) {
	st.sweepAliases(id)
	return st.unreadOf(op, id)
}

// unreadOf is unreadSummary without first taking in the mail of names that
// forward to id: what a listing of every agent shows, moving nothing.
func (st *Store) unreadOf(op Op, id string) (Unread, error) {
	dir := st.boxPath(id, dirNew)
	info, statErr := os.Stat(dir)
	cacheable := statErr == nil && !st.fs.Remote
	if cacheable {
		if u, ok := st.unreads.get(dir, info.ModTime()); ok {
			return u, nil
		}
	}
	listed := time.Now()
	names, err := listDir(dir)
	if err != nil {
		return Unread{}, ioError(op, id, err)
	}
	names = st.stuck.usable(dir, names)
	oldest := oldestNames(names, UnreadSenders)
	from, notMail := st.sendersOf(id, dir, oldest)
	u := Unread{
		Count:   len(names) - notMail,
		Urgent:  countUrgent(names),
		From:    from,
		Partial: len(names) > len(oldest),
	}
	if cacheable && notMail == 0 {
		st.unreads.put(dir, info.ModTime(), listed, u)
	}
	return u, nil
}

// racyWindow is how long after a directory's modification time a listing
// of it is not trusted to stand for that time: timestamps are taken from a
// clock that ticks in milliseconds (or seconds, on some filesystems), so
// two changes within one tick can leave the same time.
const racyWindow = 2 * time.Second

// unreadCache keeps the last summary of each new/ directory with the
// modification time the directory had before it was listed. Every
// delivery, claim and move changes that time, so an equal time means the
// same entries, provided the listing was made well after it (racyWindow,
// as git trusts its index only for files older than the index). Remote
// filesystems are not cached: their times come from another clock.
type unreadCache struct {
	mu sync.Mutex
	m  map[string]unreadEntry
}

type unreadEntry struct {
	mtime, listed time.Time
	u             Unread
}

// get returns the summary of dir if dir still has modification time mtime
// and it was listed more than racyWindow after that time.
func (c *unreadCache) get(dir string, mtime time.Time) (Unread, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.m[dir]
	if !ok || !e.mtime.Equal(mtime) || e.listed.Sub(mtime) <= racyWindow {
		return Unread{}, false
	}
	u := e.u
	u.From = slices.Clone(u.From)
	return u, true
}

// put records the summary u of dir, listed at listed, when dir had
// modification time mtime.
func (c *unreadCache) put(dir string, mtime, listed time.Time, u Unread) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil {
		c.m = map[string]unreadEntry{}
	}
	u.From = slices.Clone(u.From)
	c.m[dir] = unreadEntry{mtime: mtime, listed: listed, u: u}
}

// sendersOf reads the From header of each named file of dir, the new/ of
// box, and returns the distinct senders in order. A file claimed meanwhile
// is skipped; an entry that is not a message is moved aside and counted in
// notMail.
func (st *Store) sendersOf(box, dir string, names []string) (from []string, notMail int) {
	seen := map[string]bool{}
	for _, n := range names {
		f, err := peekFrom(filepath.Join(dir, n), st.maxFileSize())
		switch {
		case errors.Is(err, fs.ErrNotExist):
			continue
		case isNotMessage(err):
			st.quarantine(box, dirNew, n, err)
			notMail++
			continue
		}
		if f != "" && !seen[f] {
			seen[f] = true
			from = append(from, f)
		}
	}
	return from, notMail
}

// countUrgent counts the names that carry the urgent letter.
func countUrgent(names []string) int {
	n := 0
	for _, name := range names {
		if namePriority(name) == PriorityUrgent {
			n++
		}
	}
	return n
}

// oldestNames returns the k names of names that a check returns first
// (sortSurfacing's order: urgent, high, normal, each oldest first),
// sorted, in one pass: O(len(names)·k) with k small, instead of sorting
// the whole backlog.
func oldestNames(names []string, k int) []string {
	type entry struct {
		rank int
		t    int64
		name string
	}
	if k <= 0 {
		return nil
	}
	before := func(a, b entry) bool {
		if a.rank != b.rank {
			return a.rank < b.rank
		}
		return a.t < b.t || a.t == b.t && a.name < b.name
	}
	best := make([]entry, 0, k)
	for _, n := range names {
		e := entry{namePriority(n).rank(), nameTime(n), n}
		if len(best) == k && !before(e, best[k-1]) {
			continue
		}
		i := len(best)
		if i < k {
			best = append(best, e)
		} else {
			i = k - 1
		}
		for ; i > 0 && before(e, best[i-1]); i-- {
			best[i] = best[i-1]
		}
		best[i] = e
	}
	out := make([]string, len(best))
	for i, e := range best {
		out[i] = e.name
	}
	return out
}

// Arrivals is what a mailbox holds beyond the unread mail a caller has
// already seen.
type Arrivals struct {
	Unread int      // every unread message, seen or not
	IDs    []string // ids of every unread message, in listing order
	New    int      // unread messages whose ids were not in seen
	// Messages are the new messages, oldest first, read whole, when there
	// are at most the max asked for; otherwise nil, and From names the
	// senders of the oldest UnreadSenders of them.
	Messages []Message
	From     []string
}

// Arrivals lists the session's unread mail and reads only what is new
// since seen (ids of messages the caller has already handled): at most max
// messages are read, and none when more than max are new. The cost of a
// call is one listing of new/ plus the new messages, whatever the backlog.
// Errors: Closed, Expired, Internal.
func (s *Session) Arrivals(ctx context.Context, seen map[string]bool, max int) (Arrivals, error) {
	const op = OpPeek
	if err := s.begin(op); err != nil {
		return Arrivals{}, err
	}
	return s.st.arrivals(ctx, op, s.ID(), seen, max)
}

// arrivals is Session.Arrivals for the maildir of id.
func (st *Store) arrivals(ctx context.Context, op Op, id string, seen map[string]bool, max int) (Arrivals, error) {
	st.sweepAliases(id)
	dir := st.boxPath(id, dirNew)
	names, err := listDir(dir)
	if err != nil {
		return Arrivals{}, ioError(op, id, err)
	}
	names = st.stuck.usable(dir, names)
	a := Arrivals{Unread: len(names), IDs: make([]string, 0, len(names))}
	var fresh []string
	for _, n := range names {
		b := baseID(n)
		a.IDs = append(a.IDs, b)
		if !seen[b] {
			fresh = append(fresh, n)
		}
	}
	a.New = len(fresh)
	if a.New > max {
		a.From, _ = st.sendersOf(id, dir, oldestNames(fresh, UnreadSenders))
		return a, nil
	}
	sortArrival(fresh)
	for _, n := range fresh {
		if err := ctx.Err(); err != nil {
			return a, err
		}
		m, err := st.readMessage(filepath.Join(dir, n))
		if errors.Is(err, fs.ErrNotExist) {
			continue // claimed meanwhile
		}
		if isNotMessage(err) {
			st.quarantine(id, dirNew, n, err)
			a.Unread--
			continue
		}
		if err != nil {
			return a, ioError(op, id, err)
		}
		a.Messages = append(a.Messages, m)
	}
	return a, nil
}
