// Package maildir is the mailbox: the on-disk tree under IPC_HOME and every
// rule of the product (identities, sessions, delivery, forwarding, limits,
// retention). The doors (mcp, socket, the CLI) only translate requests into
// calls on a Store and a Session, and errors into their own form.
//
// # On disk
//
//	$IPC_HOME/
//	  VERSION                 format marker: "ipc-maildir 1 sep=!"
//	  mail/<id>/tmp/          one maildir per address; files being written
//	  mail/<id>/new/          unread messages, one file each
//	  mail/<id>/cur/          read messages, "<unique>!2,S"
//	  mail/<id>/state/        delivery records of its mail (delivery.go)
//	  mail/<id>/sent/         its records of mail it sent, and tombstones
//	  large/                  content over 10,240 bytes, as markdown files
//	  quarantine/<id>/        entries of mail/<id>/new|cur that were not
//	                          messages, moved aside (entry.go)
//	  dedupe/<id>/            results of sends with an idempotency key,
//	                          <hash>.json, and their lock-<n> files (dedupe.go)
//	  presence/<id>.json      an agent's record: registration, rename, holder
//	  presence/<id>.lock      flock held by the process acting as <id>
//	  presence/<id>.doing     what <id> says it is doing (doing.go)
//	  index/agents.json       cache of the registered agents (from presence/)
//	  index/forward.json      cache of forwarding old -> new (from presence/)
//	  index/sessions.json     session token hashes (sha256), never tokens
//	  index/rename.json       a rename under way (settled if its process died)
//	  index/gc.stamp          when retention last ran (RFC 3339)
//	  index/search.db         the search index, a cache of the message files
//	                          (indexsearch.go)
//	  index/*.lock            the locks guarding those files; identity.lock
//	                          serialises renames, registrations, forgets
//	  index/*.corrupt-<time>  an index or rename.json that could not be read,
//	                          moved aside
//	  hooks/<id>.wake         the one Claude Code Stop hook waiting for <id>'s
//	                          mail, "<nonce> wait <pid>" (written by package hook)
//	  hooks/<id>.lock         serialises that record with the waiter's claim
//	  server.lock             held by the mailbox's one server (package socket)
//	  server.json             where that server listens, its pid and version
//	  server.log, .log.1      the log of a server started in the background
//	                          (written by cmd/ipc), and the one before it
//	  mailbox.json            the mailbox's id and key with which its server
//	                          proves itself (written by package socket)
//
// Directories are created 0700 and files 0600.
//
// # Delivery and reading
//
// A message is written to tmp/ under a unique name created with O_EXCL,
// fsynced, then published into new/ without overwriting (renameat2
// RENAME_NOREPLACE, or link+unlink), then the directory is fsynced as the
// SyncPolicy says; under the default policy concurrent deliveries share
// these flushes (group commit). Every step goes through a descriptor of the
// maildir opened first, so a rename moving it meanwhile moves the delivery
// with it, and a published message is never written again (box.go; the
// engine doing these steps is internal/durable). A reader never sees a
// partial file. Reading claims a message by renaming it from new/ to cur/
// with the "!2,S" suffix: exactly one concurrent reader wins. Read mail
// stays in cur/ until retention removes it, so a reply lost on the way to
// the reader loses nothing. ":" is accepted as the info separator on read, for files other
// tools moved.
//
// Delivery and claiming rely only on unique names and atomic link/rename, so
// they stay correct where flock does not cross (WSL /mnt/c shared with
// Windows). The indices are caches: a corrupt one is moved aside and rebuilt
// from presence/, except sessions.json, whose loss only makes clients
// register again.
//
// # Who may act as whom
//
// One live process acts as a name: Login refuses a name another live
// process holds (InUse), so two agents are never both carol, and one
// agent's shell cannot act as another agent. A person's second terminal is
// not a second agent: JoinLocal, the CLI's login, shares a name that
// another command of the same OS user on this machine holds (ipc watch) in
// a session that sends and reads beside the holder but never takes its
// presence, renames it or gets a token (join.go). A process that only
// reads (the hook beside its agent) uses an Inbox (inbox.go).
//
// # Concurrency
//
// A Store is safe for concurrent use; so is a Session. Lock order: presence
// locks, which are only ever tried (never waited for), then the identity
// lock (every rename and registration), then an index lock (agents before
// forward before sessions); never the reverse. No lock is held across
// network I/O or while waiting for mail.
package maildir

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/ipc-dev/ipc/internal/durable"
	"github.com/ipc-dev/ipc/internal/watch"
)

// Directory and file names of the tree.
const (
	mailDir     = "mail"
	largeDir    = "large"
	indexDir    = "index"
	presenceDir = "presence"
	versionFile = "VERSION"
	versionText = "ipc-maildir 1 sep=!\n"
	dirTmp      = "tmp"
	dirNew      = "new"
	dirCur      = "cur"
)

// Store is an open mailbox root.
type Store struct {
	root  string
	opts  Options
	names *namer
	host  string
	pid   int
	nonce string // identifies this process in presence records
	fs    durable.FSInfo

	created bool // Open made the mailbox (see Created)

	agents   *index[agentsIndex]
	forward  *index[forwardIndex]
	sessions *index[sessionsIndex]
	identity *durable.Lock // serialises renames and registrations (renametx.go)

	faultHook func(step string) error // test seam of the rename steps; nil in production

	mu       sync.Mutex
	live     map[string]*Session // identities this process acts as
	boxes    map[string]bool     // maildirs known to exist
	regTimes map[string][]time.Time
	sync     *durable.Syncer // flushes as opts.Sync says; group commit under SyncBatch

	stuck stuckEntries // entries that are not messages and could not be moved aside

	dedupeLocks map[string]*durable.Lock // idempotency key buckets, by lock file
	dedupeSwept map[string]time.Time     // sender directory -> last sweep

	// onPublished, set by tests, runs after a delivery published its
	// message and before new/ is made durable.
	onPublished func(*Message)

	watchOnce sync.Once
	watcher   atomic.Pointer[watch.Watcher] // set on first use, under watchOnce
	unreads   unreadCache                   // summaries of new/ directories (unread.go)

	searchMu sync.Mutex // one use of the search index at a time (indexsearch.go)

	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup
	closed atomic.Bool
}

// Open opens (creating if needed) the mailbox at root. Errors: BadRequest
// (a file where the mailbox or one of its directories should be, a VERSION
// of another format), Denied (this user may not use the directory),
// NoSpace, Internal (see root.go).
func Open(root string, opts Options) (*Store, error) {
	opts.setDefaults()
	abs, err := filepath.Abs(root)
	if err != nil {
		return nil, fmt.Errorf("maildir: open %s: %w", root, err)
	}
	created, err := prepareRoot(abs)
	if err != nil {
		return nil, err
	}
	var nonce [8]byte
	_, _ = rand.Read(nonce[:])
	st := &Store{
		root:     abs,
		opts:     opts,
		names:    newNamer(),
		host:     safeHost(),
		pid:      os.Getpid(),
		nonce:    hex.EncodeToString(nonce[:]),
		created:  created,
		live:     make(map[string]*Session),
		boxes:    make(map[string]bool),
		regTimes: make(map[string][]time.Time),

		dedupeLocks: make(map[string]*durable.Lock),
		dedupeSwept: make(map[string]time.Time),
	}
	st.fs, _ = durable.DetectFS(abs)
	st.sync = durable.NewSyncer(abs, st.fs.Type, opts.Sync.policy())
	st.agents = newIndex(st, "agents", func() agentsIndex { return agentsIndex{} }, st.rebuildAgents)
	st.forward = newIndex(st, "forward", func() forwardIndex { return forwardIndex{} }, st.rebuildForward)
	st.sessions = newIndex(st, "sessions", func() sessionsIndex { return sessionsIndex{} }, nil)
	st.identity = durable.NewLock(filepath.Join(abs, indexDir, "identity.lock"))
	if err := st.settleIfNeeded(); err != nil {
		st.opts.Logf("maildir: settling an unfinished rename: %v", err)
	}
	st.ctx, st.cancel = context.WithCancel(context.Background())
	st.wg.Add(1)
	go st.background()
	return st, nil
}

// Root returns the absolute path of the mailbox.
func (st *Store) Root() string { return st.root }

// Created reports whether Open made the mailbox: it did not exist (had no
// VERSION file) before. A command tells its user so, since a mailbox made
// where none was meant (a mistyped path) would otherwise go unnoticed.
func (st *Store) Created() bool { return st.created }

// liveSessions returns the sessions this process acts as, at this moment.
func (st *Store) liveSessions() []*Session {
	st.mu.Lock()
	defer st.mu.Unlock()
	sessions := make([]*Session, 0, len(st.live))
	for _, s := range st.live {
		sessions = append(sessions, s)
	}
	return sessions
}

// Close ends every session of this process, stops the watcher and the
// background work, and waits for them. It is idempotent.
func (st *Store) Close() error {
	if !st.closed.CompareAndSwap(false, true) {
		return nil
	}
	for _, s := range st.liveSessions() {
		s.Close()
	}
	st.cancel()
	st.wg.Wait()
	st.sync.Close()
	st.watchOnce.Do(func() {}) // no watcher starts after Close
	if w := st.watcher.Load(); w != nil {
		return w.Close()
	}
	return nil
}

func (st *Store) now() time.Time { return st.opts.Now() }

func (st *Store) boxPath(id string, sub ...string) string {
	return filepath.Join(append([]string{st.root, mailDir, id}, sub...)...)
}

// ensureBox creates the maildir of id if it does not exist yet.
func (st *Store) ensureBox(id string) error {
	st.mu.Lock()
	ok := st.boxes[id]
	st.mu.Unlock()
	if ok {
		return nil
	}
	for _, d := range []string{dirTmp, dirNew, dirCur} {
		if err := os.MkdirAll(st.boxPath(id, d), 0o700); err != nil {
			return fmt.Errorf("create mailbox %s: %w", id, err)
		}
	}
	st.mu.Lock()
	st.boxes[id] = true
	st.mu.Unlock()
	return nil
}

func (st *Store) forgetBox(id string) {
	st.mu.Lock()
	delete(st.boxes, id)
	st.mu.Unlock()
}

// background runs periodic work owned by the Store: presence heartbeats
// and, with AutoGC, garbage collection.
func (st *Store) background() {
	defer st.wg.Done()
	hb := time.NewTicker(st.opts.Heartbeat)
	defer hb.Stop()
	var gcC <-chan time.Time
	if st.opts.AutoGC {
		gc := time.NewTicker(st.opts.GCInterval)
		defer gc.Stop()
		gcC = gc.C
		st.maybeGC()
	}
	for {
		select {
		case <-st.ctx.Done():
			return
		case <-hb.C:
			st.heartbeat()
		case <-gcC:
			st.maybeGC()
		}
	}
}

func (st *Store) maybeGC() {
	stamp := filepath.Join(st.root, indexDir, "gc.stamp")
	if info, err := os.Stat(stamp); err == nil && st.now().Sub(info.ModTime()) < st.opts.GCInterval {
		return
	}
	_ = durable.ReplaceFile(stamp, []byte(st.now().UTC().Format(time.RFC3339)+"\n"))
	if _, err := st.GC(st.ctx); err != nil && st.ctx.Err() == nil {
		st.opts.Logf("maildir: gc: %v", err)
	}
}

// FSInfo describes the filesystem holding the mailbox.
type FSInfo struct {
	Type    string
	Remote  bool   // events from other machines or OS instances are not seen
	Free    uint64 // bytes available, 0 if unknown
	Polling bool   // whether watching polls instead of using events
}

// FS reports the filesystem of the mailbox and how it is watched.
func (st *Store) FS() FSInfo {
	return FSInfo{Type: st.fs.Type, Remote: st.fs.Remote, Free: st.fs.Free, Polling: st.opts.Poll || st.fs.Remote}
}

// listDir returns the visible entry names of dir (no dotfiles); a missing
// directory is empty.
func listDir(dir string) ([]string, error) {
	f, err := durable.OpenDir(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	names, err := f.Readdirnames(-1)
	f.Close()
	out := names[:0]
	for _, n := range names {
		if !strings.HasPrefix(n, ".") {
			out = append(out, n)
		}
	}
	return out, err
}
