package maildir

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/ipc-dev/ipc/internal/durable"
)

// agentRecord is the per-agent control file presence/<id>.json: the truth
// from which the agents and forward indices are rebuilt. Its mtime is the
// agent's last-seen time (touched by the heartbeat and by activity).
type agentRecord struct {
	ID         string    `json:"id"`
	Registered time.Time `json:"registered_at"`
	RenamedTo  string    `json:"renamed_to,omitempty"` // this name now forwards here
	RenamedAt  time.Time `json:"renamed_at,omitzero"`
	NamedAt    time.Time `json:"named_at,omitzero"` // when this name was taken by a rename (cooldown)
	PID        int       `json:"pid,omitempty"`     // the live holder, 0 when offline
	Host       string    `json:"host,omitempty"`
	Nonce      string    `json:"nonce,omitempty"`
	Since      time.Time `json:"since,omitzero"`
	Joinable   bool      `json:"joinable,omitempty"` // the holder is a person's command, which another may join (join.go)
	RateTokens float64   `json:"rate_tokens,omitempty"`
	RateAt     time.Time `json:"rate_at,omitzero"`
}

func (st *Store) recordPath(id string) string {
	return filepath.Join(st.root, presenceDir, id+".json")
}

func (st *Store) presenceLockPath(id string) string {
	return filepath.Join(st.root, presenceDir, id+".lock")
}

// readRecord returns the record of id; ok is false when there is none. A
// corrupt record is reported and treated as a registration of unknown date.
func (st *Store) readRecord(id string) (r agentRecord, lastSeen time.Time, ok bool, err error) {
	path := st.recordPath(id)
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return r, lastSeen, false, nil
	}
	if err != nil {
		return r, lastSeen, false, fmt.Errorf("read %s: %w", path, err)
	}
	if info, err := os.Stat(path); err == nil {
		lastSeen = info.ModTime()
	}
	if err := json.Unmarshal(b, &r); err != nil || r.ID != id {
		st.opts.Logf("maildir: %s is corrupt; treating %s as registered", path, id)
		r = agentRecord{ID: id, Registered: lastSeen}
	}
	return r, lastSeen, true, nil
}

// readRecordFile returns the bytes of the record of id as they are on disk;
// ok is false when there is none.
func (st *Store) readRecordFile(id string) (b []byte, ok bool, err error) {
	b, err = os.ReadFile(st.recordPath(id))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, fmt.Errorf("read %s: %w", st.recordPath(id), err)
	}
	return b, true, nil
}

func (st *Store) writeRecord(r agentRecord) error {
	b, err := json.MarshalIndent(r, "", " ")
	if err != nil {
		return fmt.Errorf("encode record %s: %w", r.ID, err)
	}
	path := st.recordPath(r.ID)
	if err := durable.ReplaceFile(path, append(b, '\n')); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}

// touch marks id as seen now.
func (st *Store) touch(id string) {
	now := st.now()
	_ = os.Chtimes(st.recordPath(id), now, now)
}

// heartbeat touches the record of every identity this process holds, so
// that processes which cannot see our flock (the other side of a WSL/Windows
// boundary) still see us as online; checks that each presence lock file is
// still the one held (see keepHold); and settles a rename left part-way by
// a process that died.
func (st *Store) heartbeat() {
	for _, s := range st.liveSessions() {
		s.keepHold()
		st.touch(s.ID())
	}
	if err := st.settleIfNeeded(); err != nil {
		st.opts.Logf("maildir: settling an unfinished rename: %v", err)
	}
}

// keepHold checks that the presence lock of the session is still held on
// the file at its path. When the file was deleted or replaced (a human
// cleaning presence/, say), the lock is taken again on the file now there,
// so the name keeps excluding other processes; if another process holds
// that file, the loss is reported. The agent record (pid, host, nonce and
// the heartbeat) is the second witness that keeps a live holder from being
// taken over meanwhile (liveElsewhere).
func (s *Session) keepHold() {
	s.mu.Lock()
	h, id, closed := s.hold, s.id, s.closed
	s.mu.Unlock()
	if closed || h == nil || h.Intact() {
		return
	}
	st := s.st
	fresh, ok, err := durable.TryHold(st.presenceLockPath(id), 0)
	if err != nil || !ok {
		st.opts.Logf("maildir: the presence lock of %s was replaced and another process holds the new one; this process still acts as %s (its record says so)", id, id)
		return
	}
	s.mu.Lock()
	if s.closed || s.hold != h {
		s.mu.Unlock()
		fresh.Release()
		return
	}
	s.hold = fresh
	s.mu.Unlock()
	h.Release()
	st.opts.Logf("maildir: the presence lock of %s was removed; taken again", id)
}

// liveElsewhere reports whether r (last touched at seen) shows a holder
// other than this process that is still alive. It is the second witness
// beside the flock: a lock file deleted or replaced under a live holder
// lets the flock probe succeed, but the holder's record still names it,
// and on this host its pid is still alive. Where the holder is on another
// host or OS instance, a fresh heartbeat is the witness.
func (st *Store) liveElsewhere(r agentRecord, seen time.Time) bool {
	if r.PID == 0 || r.Nonce == "" || r.Nonce == st.nonce {
		return false
	}
	if st.now().Sub(seen) > 3*st.opts.Heartbeat {
		return false
	}
	if r.Host == st.host {
		return pidAlive(r.PID)
	}
	return true
}

// agentsIndex caches the registered agents: id -> registration time.
type agentsIndex map[string]time.Time

// forwardIndex caches forwarding: old name -> new name and when.
type forwardIndex map[string]forwardEntry

type forwardEntry struct {
	To string    `json:"to"`
	At time.Time `json:"at"`
}

// records reads every agent record.
func (st *Store) records() ([]agentRecord, error) {
	names, err := listDir(filepath.Join(st.root, presenceDir))
	if err != nil {
		return nil, err
	}
	var out []agentRecord
	for _, n := range names {
		id, ok := strings.CutSuffix(n, ".json")
		if !ok || !ValidID(id) {
			continue
		}
		r, _, ok, err := st.readRecord(id)
		if err != nil {
			return nil, err
		}
		if ok {
			out = append(out, r)
		}
	}
	return out, nil
}

func (st *Store) rebuildAgents() (agentsIndex, error) {
	recs, err := st.records()
	ix := agentsIndex{}
	for _, r := range recs {
		if r.RenamedTo == "" {
			ix[r.ID] = r.Registered
		}
	}
	return ix, err
}

func (st *Store) rebuildForward() (forwardIndex, error) {
	recs, err := st.records()
	ix := forwardIndex{}
	for _, r := range recs {
		if r.RenamedTo != "" && st.now().Sub(r.RenamedAt) < ForwardFor {
			ix[r.ID] = forwardEntry{To: r.RenamedTo, At: r.RenamedAt}
		}
	}
	return ix, err
}

// resolve follows forwarding from id through every unexpired hop and
// returns the final address.
func (st *Store) resolve(id string) (string, error) {
	fw, err := st.forward.load()
	if err != nil {
		return id, err
	}
	now := st.now()
	seen := map[string]bool{id: true}
	for {
		e, ok := fw[id]
		if !ok || now.Sub(e.At) >= ForwardFor || seen[e.To] {
			return id, nil
		}
		id = e.To
		seen[id] = true
	}
}

// aliases returns the names whose forwarding currently resolves to id.
func (st *Store) aliases(id string) []string {
	fw, err := st.forward.load()
	if err != nil || len(fw) == 0 {
		return nil
	}
	var out []string
	for old := range fw {
		if to, _ := st.resolve(old); to == id && old != id {
			out = append(out, old)
		}
	}
	return out
}
