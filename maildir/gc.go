package maildir

import (
	"context"
	"encoding/json"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// GCStats counts what a collection removed.
type GCStats struct {
	TmpFiles    int // abandoned deliveries in tmp/
	ReadExpired int // read messages older than ReadRetention
	Future      int // unread mail to never-registered names older than FutureRetention
	LargeFiles  int // large-message files no longer referenced
	Tokens      int // expired session tokens
	Forwards    int // expired forwarding entries
	Quarantined int // entries of new/ or cur/ that were not messages, moved aside
	Dedupe      int // expired idempotency records
}

// tmpGrace is how old a tmp/ file of a writer that cannot be proven dead must be
// before it is removed (a delivery takes milliseconds).
const tmpGrace = 36 * time.Hour

// GC applies retention: it removes abandoned tmp/ files (whose writer is
// dead, or older than 36 hours), read mail older than ReadRetention, unread
// mail to never-registered names older than FutureRetention, large-message
// files that no kept message needs, expired tokens, forwarding and
// idempotency records. Unread mail of registered agents is never removed.
// The sender of a message it removes finds a tombstone in its records
// (expired, or bounced for mail nobody registered to take); delivery
// records of messages no longer kept go too (delivery.go).
func (st *Store) GC(ctx context.Context) (GCStats, error) {
	var s GCStats
	now := st.now()
	agents, err := st.agents.load()
	if err != nil {
		return s, ioError(OpGC, "", err)
	}
	fw, err := st.forward.load()
	if err != nil {
		return s, ioError(OpGC, "", err)
	}
	boxes, err := listDir(filepath.Join(st.root, mailDir))
	if err != nil {
		return s, ioError(OpGC, "", err)
	}
	keepLarge := map[string]bool{}
	for _, id := range boxes {
		if err := ctx.Err(); err != nil {
			return s, err
		}
		s.TmpFiles += st.cleanTmp(id, now)
		expired := "removed by retention: read mail is kept " + st.opts.ReadRetention.String()
		s.ReadExpired += removeOlder(st.boxPath(id, dirCur), now.Add(-st.opts.ReadRetention), nil,
			func(p string) { st.tombstone(p, sufExpired, expired) })
		_, registered := agents[id]
		_, forwarded := fw[id]
		if !registered && !forwarded {
			bounced := "nobody registered " + id + " within " + st.opts.FutureRetention.String()
			s.Future += removeOlder(st.boxPath(id, dirNew), now.Add(-st.opts.FutureRetention), nil,
				func(p string) { st.tombstone(p, sufBounced, bounced) })
		}
		// Large files referenced by what is left stay, and so do the
		// delivery records of what is left; what is not a message is
		// moved aside.
		present := map[string]bool{}
		for _, sub := range []string{dirNew, dirCur} {
			dir := st.boxPath(id, sub)
			names, _ := listDir(dir)
			for _, n := range st.stuck.usable(dir, names) {
				present[baseID(n)] = true
				p, err := st.largeRef(filepath.Join(dir, n))
				if p != "" {
					keepLarge[p] = true
				}
				if isNotMessage(err) {
					if _, report := st.quarantine(id, sub, n, err); report {
						s.Quarantined++
					}
				}
			}
		}
		st.sweepRecords(id, present, now, now.Add(-st.opts.ReadRetention-st.opts.FutureRetention))
	}
	senders, _ := listDir(filepath.Join(st.root, dedupeDir))
	for _, id := range senders {
		s.Dedupe += st.sweepDedupe(filepath.Join(st.root, dedupeDir, id))
	}
	ldir := filepath.Join(st.root, largeDir)
	s.LargeFiles = removeOlder(ldir, now.Add(-st.opts.ReadRetention), func(name string) bool {
		return keepLarge[filepath.Join(ldir, name)]
	}, nil)
	err = st.sessions.update(func(ix *sessionsIndex) error {
		for k, e := range *ix {
			if now.After(e.Expires) {
				delete(*ix, k)
				s.Tokens++
			}
		}
		if s.Tokens == 0 {
			return errSkipWrite
		}
		return nil
	})
	if err == nil {
		err = st.forward.update(func(ix *forwardIndex) error {
			for k, e := range *ix {
				if now.Sub(e.At) >= ForwardFor {
					delete(*ix, k)
					s.Forwards++
				}
			}
			if s.Forwards == 0 {
				return errSkipWrite
			}
			return nil
		})
	}
	return s, ioError(OpGC, "", err)
}

// cleanTmp removes tmp/ files whose writer (named in the file name) is a
// dead process of this host, and any older than tmpGrace.
func (st *Store) cleanTmp(id string, now time.Time) int {
	dir := st.boxPath(id, dirTmp)
	names, _ := listDir(dir)
	n := 0
	for _, name := range names {
		p := filepath.Join(dir, name)
		info, err := os.Stat(p)
		if err != nil {
			continue
		}
		pid, host, ok := namePID(name)
		dead := ok && host == st.host && pid != st.pid && !pidAlive(pid) && !st.fs.Remote
		if dead || now.Sub(info.ModTime()) > tmpGrace {
			if os.Remove(p) == nil {
				n++
			}
		}
	}
	return n
}

// removeOlder removes the files of dir last modified before cutoff, except
// those keep accepts, calling before (when set) with each file's path just
// before removing it, and returns how many it removed.
func removeOlder(dir string, cutoff time.Time, keep func(string) bool, before func(string)) int {
	names, _ := listDir(dir)
	n := 0
	for _, name := range names {
		if keep != nil && keep(name) {
			continue
		}
		p := filepath.Join(dir, name)
		info, err := os.Lstat(p) // a link is not mail: it is moved aside, not expired
		if err != nil || !info.Mode().IsRegular() || !info.ModTime().Before(cutoff) {
			continue
		}
		if before != nil {
			before(p)
		}
		if err := os.Remove(p); err == nil || errors.Is(err, fs.ErrNotExist) {
			n++
		}
	}
	return n
}

// largeRef returns the large-message file a message refers to, if any,
// and the error of an entry that is not a message file.
func (st *Store) largeRef(path string) (string, error) {
	f, _, err := openMessageFile(path, st.maxFileSize())
	if err != nil {
		return "", err
	}
	defer f.Close()
	head, err := readAllLimit(f, 4<<20)
	if err != nil || !strings.Contains(string(head), "large_message_file") {
		return "", nil
	}
	m, _ := parseMessage(head)
	var d struct {
		File string `json:"large_message_file"`
	}
	if json.Unmarshal(m.Data, &d) != nil {
		return "", nil
	}
	return d.File, nil
}
