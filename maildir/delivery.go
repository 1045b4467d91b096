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

	"github.com/ipc-dev/ipc/internal/durable"
	"github.com/ipc-dev/ipc/internal/text"
)

// What became of a message is read from the files alone, never from a
// database. Every record is a small file created once and never rewritten,
// so a crash leaves a record whole or absent, and `ls` shows them all:
//
//	mail/<sender>/sent/<id>           the sender's record of a message: to, requested, sent_at, and subject, priority, thread when set (JSON)
//	mail/<sender>/sent/<id>.expired   tombstone: retention removed it (text: why); mtime: when
//	mail/<sender>/sent/<id>.bounced   tombstone: undeliverable (text: why); mtime: when
//	mail/<box>/state/<id>.shown-<door> a door showed it to the model without claiming it
//	mail/<box>/state/<id>.read-<door>  a door claimed it (new/ -> cur/) and showed it whole
//	mail/<box>/state/<id>.ack          the recipient acknowledged it
//
// The state itself is where the message file is: new/ (queued when its
// box is not a registered name, unread, or surfaced when a door showed
// it) or cur/ with the seen flag "!2,S" (read). The sender's record names
// the box to look in, so a status costs a few stats, never a scan of the
// mailboxes. Records are not fsynced: after a power loss a message may lack
// one, and its status then says less (not_found to its sender, or a read
// without its door), never something false.

// Door names the way a message was shown to the model.
type Door string

// The doors that show mail.
const (
	DoorCLI     Door = "cli"     // ipc check, ipc watch
	DoorMCP     Door = "mcp"     // the check and auto_process tools
	DoorHook    Door = "hook"    // Claude Code hook context
	DoorChannel Door = "channel" // a Claude Code channel event: a preview, nothing claimed
	DoorSocket  Door = "socket"  // check on the legacy door or the fast path
	DoorPush    Door = "push"    // a fast-path subscription's mail event
)

// doors lists every Door, for the lookup of a message's records.
var doors = [...]Door{DoorCLI, DoorMCP, DoorHook, DoorChannel, DoorSocket, DoorPush}

// State is what became of a message.
type State string

// The delivery states.
const (
	StateQueued       State = "queued"       // its name was never registered: it waits for it
	StateUnread       State = "unread"       // in the recipient's new/, not shown yet
	StateSurfaced     State = "surfaced"     // shown to the model (a preview), not claimed yet
	StateRead         State = "read"         // claimed by a door and shown whole
	StateAcknowledged State = "acknowledged" // the recipient acknowledged it
	StateExpired      State = "expired"      // removed by retention
	StateBounced      State = "bounced"      // undeliverable: Reason says why
	StateUnknown      State = "unknown"      // gone without a record of why
)

// Surfacing is one door showing a message to the model.
type Surfacing struct {
	Door Door      `json:"door"`
	At   time.Time `json:"at"`
	Read bool      `json:"read"` // the door claimed it: it counts as read
}

// Delivery is what became of one message.
type Delivery struct {
	ID        string      `json:"id"`
	State     State       `json:"state"`
	From      string      `json:"from"`
	To        string      `json:"to"`                  // the mailbox holding it (after forwarding)
	Requested string      `json:"requested,omitempty"` // the address the sender used
	SentAt    time.Time   `json:"sent_at,omitzero"`
	Surfaced  []Surfacing `json:"surfaced,omitempty"` // every door that showed it, oldest first
	ReadAt    time.Time   `json:"read_at,omitzero"`
	ReadBy    Door        `json:"read_by,omitempty"`
	AckedAt   time.Time   `json:"acknowledged_at,omitzero"`
	EndedAt   time.Time   `json:"ended_at,omitzero"` // expired or bounced
	Reason    string      `json:"reason,omitempty"`  // why it bounced, expired or is unknown

	// From the sender's record, so that a listing of the outbox shows
	// them without opening the message; absent in records written before
	// they were kept.
	Subject  string   `json:"subject,omitempty"`
	Priority Priority `json:"priority,omitempty"`
	Thread   string   `json:"thread,omitempty"` // the conversation's id, when the message answers another
}

// Directories and suffixes of the delivery records.
const (
	dirSent      = "sent"
	dirState     = "state"
	sufExpired   = ".expired"
	sufBounced   = ".bounced"
	evShown      = "shown-"
	evRead       = "read-"
	evAck        = "ack"
	stateGrace   = time.Hour // a state record without its message is removed after this
	sentTmpExtra = ".sent"
)

// sentRecord is the sender's record of one message. The conversation
// fields were added later: an older record without them reads as a
// message without subject, of normal priority, outside any thread.
type sentRecord struct {
	ID        string    `json:"id"`
	To        string    `json:"to"`
	Requested string    `json:"requested"`
	SentAt    time.Time `json:"sent_at"`
	Subject   string    `json:"subject,omitempty"`
	Priority  Priority  `json:"priority,omitempty"`
	Thread    string    `json:"thread,omitempty"`
}

// recordSent writes the sender's record of m (once m.ID is set), and a
// bounce tombstone when the delivery failed. The mailbox's own notices
// have no record. Failures are ignored: a record only helps a status.
func (st *Store) recordSent(m *Message, failed error) {
	if m.ID == "" || m.From == SystemID || !ValidID(m.From) {
		return
	}
	req := m.OrigTo
	if req == "" {
		req = m.To
	}
	rec := sentRecord{ID: m.ID, To: m.To, Requested: req, SentAt: m.Time, Subject: m.Subject, Priority: m.Priority}
	if m.InReplyTo != "" || m.Thread != "" || len(m.References) > 0 {
		rec.Thread = m.ThreadID()
	}
	body, _ := json.Marshal(rec)
	dir := st.boxPath(m.From, dirSent)
	if st.writeRecordFile(m.From, dir, m.ID, append(body, '\n')) != nil || failed == nil {
		return
	}
	_ = st.writeRecordFile(m.From, dir, m.ID+sufBounced, []byte(bounceReason(failed)+"\n"))
}

// bounceReason says why a delivery failed, in a line.
func bounceReason(err error) string {
	if durable.IsNoSpace(err) {
		return "the recipient's maildir could not take it: the disk is full or read-only"
	}
	return "the recipient's maildir could not take it: " + err.Error()
}

// writeRecordFile creates dir/name with body, atomically and never
// overwriting: written under the box's tmp/ and published into dir.
func (st *Store) writeRecordFile(box, dir, name string, body []byte) error {
	tmp := st.boxPath(box, dirTmp, name+sentTmpExtra)
	err := os.WriteFile(tmp, body, 0o600)
	if errors.Is(err, fs.ErrNotExist) {
		if err = os.MkdirAll(filepath.Dir(tmp), 0o700); err == nil {
			err = os.WriteFile(tmp, body, 0o600)
		}
	}
	if err != nil {
		_ = os.Remove(tmp) // a full disk may have left it half written
		return err
	}
	err = durable.Publish(tmp, filepath.Join(dir, name))
	if errors.Is(err, fs.ErrNotExist) {
		if err = os.MkdirAll(dir, 0o700); err == nil {
			err = durable.Publish(tmp, filepath.Join(dir, name))
		}
	}
	if err != nil {
		_ = os.Remove(tmp)
		if errors.Is(err, fs.ErrExist) {
			return nil
		}
	}
	return err
}

// touchRecord creates the empty record dir/name once; its mtime is when.
func touchRecord(dir, name string) error {
	p := filepath.Join(dir, name)
	f, err := os.OpenFile(p, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
	if errors.Is(err, fs.ErrNotExist) {
		if err = os.MkdirAll(dir, 0o700); err == nil {
			f, err = os.OpenFile(p, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
		}
	}
	if errors.Is(err, fs.ErrExist) {
		return nil
	}
	if err != nil {
		return err
	}
	return f.Close()
}

// boxOfPath returns the maildir directory holding a message file.
func boxOfPath(path string) string { return filepath.Dir(filepath.Dir(path)) }

// markClaimed records that door claimed the message now at path (in cur/).
func markClaimed(path string, door Door) {
	if door != "" {
		_ = touchRecord(filepath.Join(boxOfPath(path), dirState), baseID(filepath.Base(path))+"."+evRead+string(door))
	}
}

// RecordShown records that door showed m to the model without claiming it
// (a channel preview). m must come from this package (its Path is set).
func RecordShown(m Message, door Door) {
	if m.Path == "" || door == "" {
		return
	}
	_ = touchRecord(filepath.Join(boxOfPath(m.Path), dirState), m.ID+"."+evShown+string(door))
}

// Ack records that the session's agent acknowledged a message of its own
// mailbox. Acknowledging twice is one acknowledgement. Errors: BadRequest
// (malformed id), NotFound.
func (s *Session) Ack(ctx context.Context, msgID string) error {
	const op = OpAck
	if err := s.begin(op); err != nil {
		return err
	}
	id := s.ID()
	if err := checkMsgID(op, id, msgID); err != nil {
		return err
	}
	if _, _, found := s.st.locate(id, msgID); !found {
		return errorf(op, NotFound, id, "no message %s in the mailbox of %s", text.Cut(msgID, 80), id)
	}
	return ioError(op, id, touchRecord(s.st.boxPath(id, dirState), msgID+"."+evAck))
}

// Status says what became of a message the session's agent sent or
// received. Anyone else is told NotFound, as for an id that never existed.
// Errors: BadRequest (malformed id), NotFound.
func (s *Session) Status(ctx context.Context, msgID string) (Delivery, error) {
	const op = OpStatus
	if err := s.begin(op); err != nil {
		return Delivery{}, err
	}
	me := s.ID()
	if err := checkMsgID(op, me, msgID); err != nil {
		return Delivery{}, err
	}
	if rec, ok := s.st.readSent(me, msgID); ok {
		return s.st.deliveryOf(me, rec), nil
	}
	if path, read, found := s.st.locate(me, msgID); found {
		from, _ := peekFrom(path, s.st.maxFileSize())
		d := Delivery{ID: msgID, From: from, To: me, SentAt: timeFromMicros(nameTime(msgID))}
		s.st.describe(&d, me, path, read)
		return d, nil
	}
	return Delivery{}, errorf(op, NotFound, me, "no message %s sent by or to %s", text.Cut(msgID, 80), me)
}

// checkMsgID refuses an id that cannot be a message file's name.
func checkMsgID(op Op, id, msgID string) error {
	if msgID == "" || msgID == "." || msgID == ".." || len(msgID) > maxMsgIDLen || strings.HasPrefix(msgID, ".") ||
		strings.ContainsAny(msgID, "/\\\x00"+infoSepsAll) {
		return errorf(op, BadRequest, id, "malformed message id %q", text.Cut(msgID, 80))
	}
	return nil
}

// readSent reads the sender's record of msgID.
func (st *Store) readSent(sender, msgID string) (sentRecord, bool) {
	b, err := os.ReadFile(st.boxPath(sender, dirSent, msgID))
	if err != nil {
		return sentRecord{}, false
	}
	var r sentRecord
	if json.Unmarshal(b, &r) != nil || r.ID != msgID || !ValidID(r.To) {
		return sentRecord{}, false
	}
	if p, err := ParsePriority("", string(r.Priority)); err != nil || p != r.Priority {
		r.Priority = PriorityNormal // a record edited by hand
	}
	return r, true
}

// deliveryOf derives the state of a message from its sender's record: the
// box it went to (or the box that name forwards to now), then the
// tombstones.
func (st *Store) deliveryOf(sender string, rec sentRecord) Delivery {
	d := Delivery{ID: rec.ID, From: sender, To: rec.To, Requested: rec.Requested, SentAt: rec.SentAt,
		Subject: rec.Subject, Priority: rec.Priority, Thread: rec.Thread}
	boxes := []string{rec.To}
	if final, err := st.resolve(rec.To); err == nil && final != rec.To {
		boxes = append(boxes, final)
	}
	for _, box := range boxes {
		if path, read, found := st.locate(box, rec.ID); found {
			d.To = box
			st.describe(&d, box, path, read)
			return d
		}
	}
	for _, t := range []struct {
		suffix string
		state  State
	}{{sufBounced, StateBounced}, {sufExpired, StateExpired}} {
		p := st.boxPath(sender, dirSent, rec.ID+t.suffix)
		if info, err := os.Stat(p); err == nil {
			b, _ := os.ReadFile(p)
			d.State, d.EndedAt, d.Reason = t.state, info.ModTime(), strings.TrimSpace(string(b))
			return d
		}
	}
	d.State = StateUnknown
	d.Reason = "it is no longer in the mailbox of " + rec.To + " and nothing records why (removed by hand, or its recipient was renamed over " + ForwardFor.String() + " ago)"
	return d
}

// locate finds message msgID in the maildir of box: its path and whether
// it is read (in cur/ with the seen flag, as ipc and Python's mailbox
// write it). Files other tools renamed with other flags are not looked up:
// a status costs a few stats, never a scan.
func (st *Store) locate(box, msgID string) (path string, read, found bool) {
	for _, c := range []struct {
		path string
		read bool
	}{
		{st.boxPath(box, dirNew, msgID), false},
		{st.boxPath(box, dirCur, msgID+infoSeen), true},
		{st.boxPath(box, dirCur, msgID+":2,S"), true},
		{st.boxPath(box, dirCur, msgID+infoSep+"2,"), false},
	} {
		if info, err := os.Stat(c.path); err == nil && info.Mode().IsRegular() {
			return c.path, c.read, true
		}
	}
	return "", false, false
}

// describe fills the state of d, found at path in box, from the file's
// place and the box's state records.
func (st *Store) describe(d *Delivery, box, path string, read bool) {
	stateDir := st.boxPath(box, dirState)
	for _, door := range doors {
		for _, ev := range []string{evShown, evRead} {
			info, err := os.Stat(filepath.Join(stateDir, d.ID+"."+ev+string(door)))
			if err != nil {
				continue
			}
			s := Surfacing{Door: door, At: info.ModTime(), Read: ev == evRead}
			d.Surfaced = append(d.Surfaced, s)
			if s.Read && (d.ReadAt.IsZero() || s.At.Before(d.ReadAt)) {
				d.ReadAt, d.ReadBy = s.At, door
			}
		}
	}
	sortSurfacings(d.Surfaced)
	if info, err := os.Stat(filepath.Join(stateDir, d.ID+"."+evAck)); err == nil {
		d.AckedAt = info.ModTime()
	}
	switch {
	case !d.AckedAt.IsZero():
		d.State = StateAcknowledged
	case read:
		d.State = StateRead
		if d.ReadBy == "" {
			d.Reason = "read; the door that showed it left no record"
		}
	case len(d.Surfaced) > 0 || filepath.Base(filepath.Dir(path)) == dirCur:
		d.State = StateSurfaced
	case st.isRegistered(box):
		d.State = StateUnread
	default:
		d.State = StateQueued
		d.Reason = box + " is not registered yet: it gets the message when it registers (kept " + st.opts.FutureRetention.String() + ")"
	}
}

// sortSurfacings orders surfacings by time; at equal times (file times
// are coarse) a preview comes before the claim that ends it.
func sortSurfacings(s []Surfacing) {
	before := func(a, b Surfacing) bool { return a.At.Before(b.At) || a.At.Equal(b.At) && !a.Read && b.Read }
	for i := 1; i < len(s); i++ {
		for j := i; j > 0 && before(s[j], s[j-1]); j-- {
			s[j], s[j-1] = s[j-1], s[j]
		}
	}
}

// isRegistered reports whether id is a registered agent.
func (st *Store) isRegistered(id string) bool {
	agents, err := st.agents.load()
	if err != nil {
		return true // unknown: do not claim it is queued
	}
	_, ok := agents[id]
	return ok
}

// tombstone records, in the sender's records, why retention removed the
// message at path. It is written before the file is removed: a crash in
// between leaves the message in place, and its place wins over the
// tombstone. Messages without a sender's record get none.
func (st *Store) tombstone(path, suffix, reason string) {
	from, _ := peekFrom(path, st.maxFileSize())
	if !ValidID(from) || from == SystemID {
		return
	}
	msgID := baseID(filepath.Base(path))
	sender := from
	if _, ok := st.readSent(sender, msgID); !ok {
		final, err := st.resolve(from)
		if err != nil || final == from {
			return
		}
		if _, ok := st.readSent(final, msgID); !ok {
			return
		}
		sender = final
	}
	_ = st.writeRecordFile(sender, st.boxPath(sender, dirSent), msgID+suffix, []byte(reason+"\n"))
}

// sweepRecords removes the state records of messages no longer in box
// (older than stateGrace, so that a record of a message delivered during
// the collection stays) and the sender's records older than cutoff.
func (st *Store) sweepRecords(box string, present map[string]bool, now, sentCutoff time.Time) {
	stateDir := st.boxPath(box, dirState)
	names, _ := listDir(stateDir)
	for _, n := range names {
		i := strings.LastIndexByte(n, '.')
		if i <= 0 || present[n[:i]] {
			continue
		}
		if info, err := os.Stat(filepath.Join(stateDir, n)); err == nil && now.Sub(info.ModTime()) > stateGrace {
			_ = os.Remove(filepath.Join(stateDir, n))
		}
	}
	removeOlder(st.boxPath(box, dirSent), sentCutoff, nil, nil)
}
