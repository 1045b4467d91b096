package socket

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/ipc-dev/ipc/internal/present"
	"github.com/ipc-dev/ipc/internal/text"
	"github.com/ipc-dev/ipc/internal/wire"
	"github.com/ipc-dev/ipc/maildir"
)

// This file is the one place where errors become replies. The original
// product's clients print its error strings and scripts match them, so
// where the original had a sentence it is kept verbatim; error_code (a
// maildir.Kind, or one of the door's own kinds below) and recoverable are
// added beside it.

// The original's sentences.
const (
	msgBadToken      = "Invalid or missing session token"
	msgBadID         = "Invalid instance ID format. Use 1-32 alphanumeric characters, hyphens, or underscores."
	msgBadRecipient  = "Invalid recipient ID format"
	msgBadNewID      = "Invalid new instance ID format"
	msgBadAuth       = "Invalid auth token"
	msgRegisterLimit = "Too many registration attempts. Please wait."
	msgRateLimit     = "Rate limit exceeded. Please wait before sending more requests."
)

// doorError makes an error of the door, met serving action, with a kind
// and a sentence.
func doorError(action string, kind maildir.Kind, format string, args ...any) error {
	return &maildir.Error{Op: maildir.Op(action), Kind: kind, Msg: fmt.Sprintf(format, args...)}
}

// errorReply turns err, met while serving action, into an error reply.
func errorReply(action string, err error) wire.Reply {
	kind := maildir.KindOf(err)
	rec := kind.Recoverable()
	return wire.Reply{Status: wire.StatusError, Message: wording(action, err), ErrorCode: string(kind), Recoverable: &rec}
}

// wording is the sentence of an error reply: the original's where it had
// one, the core's otherwise.
func wording(action string, err error) string {
	var e *maildir.Error
	if !errors.As(err, &e) {
		return err.Error()
	}
	op := e.Op
	if op == "" {
		op = maildir.Op(action)
	}
	badID := e.Kind == maildir.InvalidID && !maildir.ValidID(e.Agent)
	switch {
	case e.Kind == maildir.InvalidToken && e.Agent != "":
		// A token revoked by a new registration of its name: the
		// original's sentence, then what happened.
		return msgBadToken + ": " + e.Msg
	case e.Kind == maildir.InvalidToken || e.Kind == maildir.TokenExpired:
		return msgBadToken
	case op == maildir.OpRegister && badID:
		return msgBadID
	case op == maildir.OpRegister && e.Kind == maildir.Denied:
		return msgBadAuth
	case op == maildir.OpRegister && e.Kind == maildir.RateLimited:
		return msgRegisterLimit
	case op == maildir.OpSend && badID:
		return msgBadRecipient
	case (op == maildir.OpSend || op == maildir.OpBroadcast) && e.Kind == maildir.RateLimited:
		return msgRateLimit
	case op == maildir.OpRename && badID:
		return msgBadNewID
	case op == maildir.OpRename && e.Kind == maildir.Exists:
		return "Instance " + e.Agent + " already exists"
	}
	return strings.TrimSpace(err.Error())
}

// unknownAction is the original's reply to an action it does not know,
// "Unknown action: <action>", where a missing action reads "None".
func unknownAction(raw json.RawMessage) error {
	name := "None"
	var s string
	if len(raw) > 0 && string(raw) != "null" {
		if json.Unmarshal(raw, &s) == nil {
			name = s
		} else {
			name = string(raw)
		}
	}
	return doorError("", maildir.UnknownAction, "Unknown action: %s", text.Cut(name, 80))
}

// legacyCheckMax bounds a legacy check reply, in bytes. The original
// clients read a reply with one recv(65536); 60 KiB also stays inside one
// loopback segment, so the whole reply is there for that single read.
const legacyCheckMax = 60 << 10

// fastCheckMax bounds a fast-path check reply or mail event, in bytes (one
// message larger than that is still sent whole).
const fastCheckMax = 1 << 20

// checkReply claims as many unread messages as fit in budget bytes of
// encoded reply (and at most max, if max > 0) by the core's budgeted check
// (maildir.CheckWithin), leaving the rest unread and counted in
// "remaining". A single message too large for the budget on its own comes
// alone: with cut (the legacy reply, which must fit one read) as its
// summary and the file that keeps it whole (legacySummary); without (the
// fast path, whose frames take it), whole. Messages claimed before an
// error are still returned, with the error among the warnings of the fast
// path (maildir.CheckResult.Stopped); the legacy reply must fit one read,
// so its warnings are in the server's log only. id is the request's id,
// measured with the reply.
func checkReply(ctx context.Context, s *maildir.Session, door maildir.Door, id json.RawMessage, budget, max int, cut bool) (wire.Reply, error) {
	t := &checkText{id: id, fast: !cut, items: map[itemKey][]byte{}}
	b := maildir.Budget{Limit: budget, Render: t.render, Oversize: maildir.WholeAlone}
	if cut {
		b.Oversize = maildir.SummaryAlone
	}
	out, err := maildir.CheckWithin(ctx, s, maildir.CheckOptions{Max: max, Door: door}, b)
	if err != nil {
		return wire.Reply{}, err
	}
	return t.reply(out.Shown), nil
}

// checkText renders check replies as the server writes them (without the
// final newline), for maildir.CheckWithin to measure. Each message's
// encoding is kept, so that measuring a reply one message longer does not
// encode again those already measured.
type checkText struct {
	id    json.RawMessage
	fast  bool // a fast-path reply, with its warnings
	items map[itemKey][]byte
}

// itemKey names one form of one message in checkText's cache.
type itemKey struct {
	path, id string
	whole    bool
}

// reply is the check reply that shows sh.
func (t *checkText) reply(sh maildir.Shown) wire.Reply {
	msgs := make([]wire.LegacyMessage, len(sh.Items))
	for i, it := range sh.Items {
		msgs[i] = legacyItem(it)
	}
	remaining := sh.Remaining
	rep := wire.Reply{Status: wire.StatusOK, Messages: msgs, Remaining: &remaining}
	if t.fast {
		rep.Warnings = sh.Warnings
	}
	return rep
}

// messagesKey is where the messages go in an encoded check reply. No
// other field can hold it unescaped after the id, so its last occurrence
// is that place.
const messagesKey = `"messages":[]`

// render is the encoded reply that shows sh, with the request's id and,
// on the fast path, the event of a pushed reply too: the larger of the
// two forms a fast-path check reply takes.
func (t *checkText) render(sh maildir.Shown) string {
	frame := t.reply(maildir.Shown{Remaining: sh.Remaining, Warnings: sh.Warnings})
	frame.ID = t.id
	if t.fast {
		frame.Event = wire.EventMail
	}
	enc, _ := wire.Encode(frame)
	enc = enc[:len(enc)-1] // the newline that ends a frame
	at := bytes.LastIndex(enc, []byte(messagesKey)) + len(messagesKey) - 1
	var b strings.Builder
	b.Write(enc[:at])
	for i, it := range sh.Items {
		if i > 0 {
			b.WriteByte(',')
		}
		b.Write(t.item(it))
	}
	b.Write(enc[at:])
	return b.String()
}

// item is the encoding of it in a check reply.
func (t *checkText) item(it maildir.Surfaced) []byte {
	k := itemKey{it.Path, it.ID, it.Whole}
	enc, ok := t.items[k]
	if !ok {
		enc, _ = wire.Encode(legacyItem(it))
		enc = enc[:len(enc)-1]
		t.items[k] = enc
	}
	return enc
}

// legacyItem is it in the legacy message shape: whole, or legacySummary.
func legacyItem(it maildir.Surfaced) wire.LegacyMessage {
	if it.Whole {
		return present.LegacyMessage(it.Message)
	}
	return legacySummary(it)
}

// legacySummary is how the legacy shape shows a message too large for a
// reply on its own (the core's summary form): its content is the
// message's summary, then a note naming the file that holds the whole
// message; its data is {"truncated": true, "id", "path"}. The original's
// clients read content and data, so both keep their types: the note is
// where they find the rest, extra keys and all (read mail stays on disk,
// nothing is lost).
func legacySummary(it maildir.Surfaced) wire.LegacyMessage {
	lm := present.LegacyMessage(it.Message)
	marker, _ := json.Marshal(map[string]any{"truncated": true, "id": it.ID, "path": it.FullText})
	lm.Message = wire.LegacyInner{Data: marker,
		Content: fmt.Sprintf("%s\n[cut to fit one reply: the whole message (%d bytes) is message %s, kept in %s]", it.Summary, it.Size, it.ID, it.FullText)}
	return lm
}
