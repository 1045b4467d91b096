package maildir

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"
)

// Following the traffic of the mailbox, for the overseer (ipc web's
// stream, ipc tail). A follower reads and never claims, marks or moves.
//
// Where it looks: every mailbox's new/ and cur/ (Boxes nil), or, for the
// mail of named agents, their new/ and cur/ (what they received) and their
// sent/ records (what they sent, which lands in other boxes). A message a
// reader claims moves from new/ to cur/ under the same id, so listing new/
// before cur/ sees it in one or the other, and the id says it is the same
// message; a message forwarding moves to another box keeps its id too.
// Each wake of the watcher (subscribed before the first listing, so that
// nothing lands unseen) lists the directories that changed since their
// last listing.
//
// What it remembers: the ids it has seen, by the time their names begin
// with. Names are made when the message is delivered, so a message cannot
// land long after its name's time: past trafficSlack, an id is forgotten,
// and a name older than that is taken as mail already seen or from before
// the follower began. Memory grows with the traffic of trafficSlack, not
// with the length of the run.

// trafficSlack is how long after its name's time a message may still
// land (or move) and be taken as new.
const trafficSlack = 2 * time.Minute

// TrafficQuery selects the traffic a follower sees.
type TrafficQuery struct {
	Boxes   []string  // the mailboxes whose mail (received and sent) is followed; nil: every mailbox
	From    string    // only mail from this agent
	Thread  string    // only this conversation (any message id of it)
	Since   time.Time // the backlog starts here; zero: Backlog decides
	Backlog int       // how many of the latest messages come first (0: none; with Since, at most this many)
	// LiveFrom is when the follower's live part begins: mail named at or
	// after it is handed over as live even when it landed before Traffic
	// listed the directories (a door passes the time its request came in).
	// Zero: the time Traffic is called.
	LiveFrom time.Time
}

// Traffic calls fn with each message of the backlog, oldest first, then
// with every message as it lands, until ctx ends (Traffic then returns
// nil) or fn returns an error (returned as is). It is woken by the
// watcher, never claims, and sees each message once even when a reader
// claims it at once or forwarding moves it. Entries that are not messages
// are skipped, never moved. Errors: InvalidID (a box), BadRequest (a
// malformed thread id, a negative backlog), NotFound (q.Thread names no
// message of any mailbox), Internal.
func (st *Store) Traffic(ctx context.Context, q TrafficQuery, fn func(Message) error) error {
	const op = OpWait
	f, err := st.newFollower(op, q)
	if err != nil {
		return err
	}
	wake, stop, err := f.watch(ctx)
	if err != nil {
		return ioError(op, "", err)
	}
	defer stop()
	if err := f.backlog(ctx, fn); err != nil {
		return err
	}
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-wake:
		}
		if err := f.round(ctx, fn); err != nil {
			return err
		}
	}
}

// follower is the state of one Traffic.
type follower struct {
	st     *Store
	op     Op
	q      TrafficQuery
	thread string           // the conversation's id (q.Thread resolved)
	seen   map[string]int64 // ids seen -> their names' time (µs), from floor on
	floor  int64            // µs: names before it are taken as seen
	listed map[string]dirListing
}

// dirListing is when a directory was last listed and its modification
// time then, to skip a directory that has not changed (as unreadCache).
type dirListing struct{ mtime, listed time.Time }

// candidate is one entry a listing found.
type candidate struct {
	id, box, sub, name string // sub: dirNew, dirCur, or dirSent (box is then the sender)
	t                  int64  // µs
}

func (st *Store) newFollower(op Op, q TrafficQuery) (*follower, error) {
	for _, b := range q.Boxes {
		if err := checkID(op, "mailbox", b); err != nil {
			return nil, err
		}
	}
	if q.Backlog < 0 {
		return nil, errorf(op, BadRequest, "", "a backlog must not be negative (got %d)", q.Backlog)
	}
	f := &follower{st: st, op: op, q: q, seen: map[string]int64{}, listed: map[string]dirListing{}}
	if q.Thread != "" {
		m, err := st.anywhere(op, q.Thread)
		if err != nil {
			return nil, err
		}
		f.thread = m.ThreadID()
	}
	return f, nil
}

// dirs lists the directories the follower reads, in the order they are
// listed: a box's new/ before its cur/.
func (f *follower) dirs() []candidate {
	var out []candidate
	boxes, own := f.q.Boxes, true
	if boxes == nil {
		boxes, own = f.st.boxNames(), false
	}
	for _, b := range boxes {
		out = append(out, candidate{box: b, sub: dirNew}, candidate{box: b, sub: dirCur})
		if own {
			out = append(out, candidate{box: b, sub: dirSent})
		}
	}
	return out
}

// watch wakes the follower when one of its directories changes (and, for
// every mailbox, when a mailbox appears).
func (f *follower) watch(ctx context.Context) (<-chan struct{}, func(), error) {
	if f.q.Boxes == nil {
		return f.st.watchMailboxes(ctx, dirNew, dirCur)
	}
	var chans []<-chan struct{}
	var cancels []func()
	stopAll := func() {
		for _, c := range cancels {
			c()
		}
	}
	for _, d := range f.dirs() {
		ch, cancel, err := f.st.subscribe(f.st.boxPath(d.box, d.sub))
		if err != nil {
			stopAll()
			return nil, nil, err
		}
		chans, cancels = append(chans, ch), append(cancels, cancel)
	}
	wake, stopFan := fanIn(ctx, chans)
	return wake, func() { stopFan(); stopAll() }, nil
}

// fanIn merges chans into one wake channel until stop (or ctx).
func fanIn(ctx context.Context, chans []<-chan struct{}) (<-chan struct{}, func()) {
	wake := make(chan struct{}, 1)
	ctx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	for _, ch := range chans {
		wg.Go(func() { relay(ctx, ch, wake) })
	}
	return wake, func() { cancel(); wg.Wait() }
}

// list returns the entries of the follower's directories that are not
// seen yet and not before floor, oldest first, one per id; all lists
// every directory, changed or not.
func (f *follower) list(all bool) []candidate {
	var out []candidate
	byID := map[string]bool{}
	for _, d := range f.dirs() {
		dir := f.st.boxPath(d.box, d.sub)
		info, err := os.Stat(dir)
		if err != nil || !info.IsDir() {
			continue
		}
		if l, ok := f.listed[dir]; ok && !all && !f.st.fs.Remote && l.mtime.Equal(info.ModTime()) && l.listed.Sub(l.mtime) > racyWindow {
			continue // unchanged since a listing that can be trusted
		}
		listedAt := time.Now()
		names, err := listDir(dir)
		if err != nil {
			continue
		}
		f.listed[dir] = dirListing{mtime: info.ModTime(), listed: listedAt}
		for _, n := range names {
			c := candidate{box: d.box, sub: d.sub, name: n, id: baseID(n)}
			if d.sub == dirSent {
				if strings.HasSuffix(n, sufExpired) || strings.HasSuffix(n, sufBounced) {
					continue
				}
				c.id = n
			}
			if c.t = nameTime(n); c.t == 0 {
				if fi, err := os.Lstat(filepath.Join(dir, n)); err == nil {
					c.t = fi.ModTime().UnixMicro() // a name other tools made
				}
			}
			if _, seen := f.seen[c.id]; seen || c.t < f.floor || byID[c.id] {
				continue
			}
			byID[c.id] = true
			out = append(out, c)
		}
	}
	slices.SortFunc(out, func(a, b candidate) int {
		if a.t != b.t {
			return cmpInt(a.t, b.t)
		}
		return strings.Compare(a.id, b.id)
	})
	return out
}

func cmpInt(a, b int64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// read reads the message of c. done is false when c must be looked at
// again on a later wake: it moved to another box, or this process is
// short of resources.
func (f *follower) read(c candidate) (m Message, ok, done bool) {
	st := f.st
	box, path := c.box, st.boxPath(c.box, c.sub, c.name)
	if c.sub == dirSent {
		if fi, err := os.Lstat(path); err != nil || !fi.Mode().IsRegular() {
			return m, false, true // not a record: nothing to follow
		}
		rec, recOK := st.readSent(c.box, c.id)
		if !recOK {
			return m, false, true
		}
		box, path = rec.To, st.boxPath(rec.To, dirNew, rec.ID)
		if final, err := st.resolve(rec.To); err == nil && final != rec.To {
			if _, _, found := st.locate(rec.To, rec.ID); !found {
				box, path = final, st.boxPath(final, dirNew, rec.ID)
			}
		}
	}
	m, err := st.readMessage(path)
	if errors.Is(err, fs.ErrNotExist) {
		p, read, found := st.locate(box, c.id) // claimed: now in cur/
		if !found {
			// Gone from here: moved to another box (it shows there), or
			// a sent record of a message no box holds (bounced, removed).
			return m, false, c.sub == dirSent
		}
		if m, err = st.readMessage(p); err == nil {
			m.Read = read
		}
	} else if err == nil {
		m.Read = filepath.Base(filepath.Dir(path)) == dirCur
	}
	switch {
	case err == nil:
		return m, true, true
	case isNotMessage(err), errors.Is(err, fs.ErrNotExist):
		return m, false, true // not a message: skipped, never moved
	}
	st.opts.Logf("maildir: following the traffic: %v", err)
	return m, false, false
}

// wanted reports whether m passes the query's filters.
func (f *follower) wanted(m *Message) bool {
	return (f.q.From == "" || m.From == f.q.From) && (f.thread == "" || m.ThreadID() == f.thread)
}

// backlog lists every directory, remembers what it holds, and hands fn
// the latest messages the query asks for, oldest first.
func (f *follower) backlog(ctx context.Context, fn func(Message) error) error {
	start := time.Now()
	live := start.UnixMicro()
	if !f.q.LiveFrom.IsZero() && f.q.LiveFrom.Before(start) {
		live = f.q.LiveFrom.UnixMicro()
	}
	f.floor = start.Add(-trafficSlack).UnixMicro()
	floor := f.floor
	f.floor = 0
	listed := f.list(true)
	f.floor = floor
	// What was named before the live part began is the backlog's (seen
	// from now on); what was named since is live mail that landed before
	// the listing, handed over after the backlog.
	all, fresh := listed, []candidate(nil)
	for i, c := range listed {
		if c.t >= live {
			all, fresh = listed[:i], listed[i:]
			break
		}
		if c.t >= f.floor {
			f.seen[c.id] = c.t
		}
	}
	if err := f.backlogOf(ctx, all, fn); err != nil {
		return err
	}
	return f.hand(ctx, fresh, fn)
}

// backlogOf hands fn the backlog the query asks for out of all (sorted
// oldest first): the latest Backlog, from Since on.
func (f *follower) backlogOf(ctx context.Context, all []candidate, fn func(Message) error) error {
	if f.q.Backlog == 0 && f.q.Since.IsZero() {
		return nil
	}
	since := int64(0)
	if !f.q.Since.IsZero() {
		since = f.q.Since.UnixMicro()
	}
	var out []Message
	for i := len(all) - 1; i >= 0 && all[i].t >= since; i-- {
		if f.q.Backlog > 0 && len(out) == f.q.Backlog {
			break
		}
		if ctx.Err() != nil {
			return nil
		}
		if m, ok, _ := f.read(all[i]); ok && f.wanted(&m) {
			out = append(out, m)
		}
	}
	for i := len(out) - 1; i >= 0; i-- {
		if err := fn(out[i]); err != nil {
			return err
		}
	}
	return nil
}

// hand reads each candidate (oldest first) and hands fn those the query
// wants, remembering each as seen; one that cannot be read yet has its
// directory listed again on the next wake.
func (f *follower) hand(ctx context.Context, cands []candidate, fn func(Message) error) error {
	for _, c := range cands {
		if ctx.Err() != nil {
			return nil
		}
		m, ok, done := f.read(c)
		if done {
			f.seen[c.id] = c.t
		} else {
			delete(f.listed, f.st.boxPath(c.box, c.sub)) // list it again on the next wake
		}
		if ok && f.wanted(&m) {
			if err := fn(m); err != nil {
				return err
			}
		}
	}
	return nil
}

// round hands fn what landed since the last listing, oldest first, and
// forgets the ids that fell behind the floor.
func (f *follower) round(ctx context.Context, fn func(Message) error) error {
	start := time.Now()
	if err := f.hand(ctx, f.list(false), fn); err != nil {
		return err
	}
	if floor := start.Add(-trafficSlack).UnixMicro(); floor > f.floor+int64(time.Second/time.Microsecond) {
		f.floor = floor
		for id, t := range f.seen {
			if t < floor {
				delete(f.seen, id)
			}
		}
	}
	return nil
}

// relay passes each wake-up of ch on to to, which holds one (a wake-up
// already waiting there stands for this one too), until ctx ends.
func relay(ctx context.Context, ch <-chan struct{}, to chan<- struct{}) {
	for {
		select {
		case <-ctx.Done():
			return
		case <-ch:
			select {
			case to <- struct{}{}:
			default:
			}
		}
	}
}
