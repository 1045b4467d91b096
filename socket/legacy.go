package socket

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/ipc-dev/ipc/internal/present"
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
	return doorError("", maildir.UnknownAction, "Unknown action: %s", truncate(name, 80))
}

// legacyCheckMax bounds a legacy check reply, in bytes. The original
// clients read a reply with one recv(65536); 60 KiB also stays inside one
// loopback segment, so the whole reply is there for that single read.
const legacyCheckMax = 60 << 10

// fastCheckMax bounds a fast-path check reply or mail event, in bytes (one
// message larger than that is still sent whole).
const fastCheckMax = 1 << 20

// checkReply claims as many unread messages as fit in budget bytes of
// encoded reply (and at most max, if max > 0), leaving the rest unread and
// counted in "remaining". A single message too large for the budget on its
// own is claimed anyway: with cut (the legacy reply, which must fit one
// read) it is sent cut to fit, saying where the whole message is (read mail
// stays on disk, so nothing is lost); without, it is sent whole. Messages
// claimed before an error are still returned, with the error among the
// warnings of the fast path (maildir.CheckResult.Stopped).
func checkReply(ctx context.Context, s *maildir.Session, door maildir.Door, id json.RawMessage, budget, max int, cut bool) (wire.Reply, error) {
	big := 1 << 30
	base := encodedLen(wire.Reply{ID: id, Event: wire.EventMail, Status: wire.StatusOK, Messages: []wire.LegacyMessage{}, Remaining: &big})
	used, count, oversized := base, 0, false
	accept := func(m *maildir.Message) bool {
		n := encodedLen(present.LegacyMessage(*m))
		if count > 0 {
			n++ // the comma
		}
		switch {
		case n >= 0 && used+n <= budget:
			used += n
		case count == 0:
			oversized, used = true, budget // nothing else fits beside it
		default:
			return false
		}
		count++
		return true
	}
	res, err := s.Check(ctx, maildir.CheckOptions{Max: max, Accept: accept, Door: door})
	if err != nil && len(res.Messages) == 0 {
		return wire.Reply{}, err
	}
	msgs := make([]wire.LegacyMessage, len(res.Messages))
	for i, m := range res.Messages {
		msgs[i] = present.LegacyMessage(m)
	}
	if oversized && cut && len(msgs) > 0 {
		msgs[0] = cutToFit(res.Messages[0], budget-base)
	}
	remaining := res.Remaining
	rep := wire.Reply{ID: id, Status: wire.StatusOK, Messages: msgs, Remaining: &remaining}
	if !cut { // the legacy reply must fit one read: its warnings are in the server's log only
		rep.Warnings = res.Warnings()
	}
	return rep, nil
}

// cutToFit returns m in the legacy shape, cut so that it encodes in at most
// room bytes: the content is shortened and ends with a note naming the file
// that holds the whole message; data is replaced by a small marker.
func cutToFit(m maildir.Message, room int) wire.LegacyMessage {
	lm := present.LegacyMessage(m)
	note := fmt.Sprintf("\n[cut to fit one reply: the whole message (%d bytes) is message %s, kept in %s]", len(m.Content)+len(m.Data), m.ID, m.Path)
	marker, _ := json.Marshal(map[string]any{"truncated": true, "id": m.ID, "path": m.Path})
	lm.Message.Data = marker
	lm.Message.Content = note
	avail := room - encodedLen(lm)
	// The longest prefix of the content whose encoding fits in avail.
	lo, hi := 0, len(m.Content)
	for lo < hi {
		mid := (lo + hi + 1) / 2
		if encodedLen(validPrefix(m.Content, mid))-2 <= avail {
			lo = mid
		} else {
			hi = mid - 1
		}
	}
	lm.Message.Content = validPrefix(m.Content, lo) + note
	return lm
}

// validPrefix is s cut to at most n bytes without splitting a character.
func validPrefix(s string, n int) string {
	if n >= len(s) {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return validPrefix(s, n) + "..."
}
