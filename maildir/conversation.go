package maildir

import (
	"mime"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/ipc-dev/ipc/internal/text"
)

// Conversations live in the headers mail readers already understand, so
// that mutt, Python's email and mailbox modules, and any other maildir
// tool see subjects, threads and priorities without knowing ipc:
//
//	Subject: Re: the auth module            (RFC 2047 encoded when not ASCII)
//	In-Reply-To: <1733052000.123_4.host@ipc> the message this answers
//	References: <root@ipc> <1733052000.123_4.host@ipc>
//	X-IPC-Thread: root                       the id of the thread's first message
//	Priority: urgent                         RFC 2156, with Importance and X-Priority beside it
//	Importance: high
//	X-Priority: 1 (Highest)
//	Disposition-Notification-To: alice       RFC 8098: the sender asks for an acknowledgement
//
// Every one is optional; a message without them is the original's.

// Priority is how urgent a message is.
type Priority string

// The priorities. Normal is the zero value and writes no header.
const (
	PriorityNormal Priority = ""
	PriorityHigh   Priority = "high"
	PriorityUrgent Priority = "urgent"
)

// ParsePriority reads a priority as the doors take it: "", "normal",
// "high" or "urgent", in any case. Errors: BadRequest.
func ParsePriority(op Op, s string) (Priority, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "", "normal":
		return PriorityNormal, nil
	case "high":
		return PriorityHigh, nil
	case "urgent":
		return PriorityUrgent, nil
	}
	return "", errorf(op, BadRequest, "", "priority %q is not one of normal, high, urgent", text.Cut(s, 40))
}

// String names the priority: "normal", "high" or "urgent".
func (p Priority) String() string {
	if p == PriorityNormal {
		return "normal"
	}
	return string(p)
}

// rank orders priorities for surfacing: urgent first, then high, then normal.
func (p Priority) rank() int {
	switch p {
	case PriorityUrgent:
		return 0
	case PriorityHigh:
		return 1
	}
	return 2
}

// MaxSubject is the longest subject a sender may give, in bytes of UTF-8.
const MaxSubject = 256

// maxReferences is how many ids of a thread's history a reply carries in
// References: the first message and the latest ones, as mail readers trim
// them, so that a long conversation keeps its header small.
const maxReferences = 20

// ThreadID is the id of the conversation m belongs to: its thread header,
// else the first of its references (mail written by other tools), else
// its own id (a message that starts a conversation).
func (m *Message) ThreadID() string {
	switch {
	case m.Thread != "":
		return m.Thread
	case len(m.References) > 0:
		return m.References[0]
	case m.InReplyTo != "":
		return m.InReplyTo
	}
	return m.ID
}

// CheckSubject applies the rule for a subject, as Send will, so that a
// door can refuse a bad one before anything is sent. Errors: BadRequest,
// TooLarge.
func CheckSubject(subject string) error {
	_, err := checkSubject(OpSend, "", subject)
	return err
}

// checkSubject is the rule for a subject: one line of UTF-8 text of at most
// MaxSubject bytes. It returns the subject with its spaces trimmed.
func checkSubject(op Op, id, subject string) (string, error) {
	subject = strings.TrimSpace(subject)
	if !utf8.ValidString(subject) {
		return "", errorf(op, BadRequest, id, "the subject is not valid UTF-8 text")
	}
	if len(subject) > MaxSubject {
		return "", errorf(op, TooLarge, id, "the subject is %d bytes, over the %d-byte limit", len(subject), MaxSubject)
	}
	for _, r := range subject {
		if unicode.IsControl(r) {
			return "", errorf(op, BadRequest, id, "the subject must be one line of text without control characters")
		}
	}
	return subject, nil
}

// formatConversation writes m's conversation headers through hdr. Every
// value is ASCII: a subject that is not is RFC 2047 encoded, and ids are
// the maildir's own ASCII names.
func (m *Message) formatConversation(hdr func(k, v string)) {
	if m.Subject != "" {
		hdr(hdrSubject, mime.QEncoding.Encode("utf-8", m.Subject))
	}
	if m.InReplyTo != "" {
		hdr(hdrReplyTo, angleID(m.InReplyTo))
	}
	if len(m.References) > 0 {
		refs := make([]string, len(m.References))
		for i, r := range m.References {
			refs[i] = angleID(r)
		}
		hdr(hdrRefs, strings.Join(refs, " "))
	}
	if m.Thread != "" {
		hdr(hdrThread, m.Thread)
	}
	switch m.Priority {
	case PriorityUrgent:
		hdr(hdrPriority, "urgent")
		hdr(hdrImport, "high")
		hdr(hdrXPrio, "1 (Highest)")
	case PriorityHigh:
		hdr(hdrImport, "high")
		hdr(hdrXPrio, "2 (High)")
	}
	if m.AckRequested {
		hdr(hdrAckTo, m.From)
	}
}

// angleID is the Message-ID form of an id: <id@ipc> for the maildir's own
// ids, <id> for one that names its host already (mail from other tools).
func angleID(id string) string {
	if strings.Contains(id, "@") {
		return "<" + id + ">"
	}
	return "<" + id + "@ipc>"
}

// conversationHeaders collects the conversation headers of a file being
// parsed. Priority is decided once all are seen: Priority: urgent wins,
// then Importance, then X-Priority.
type conversationHeaders struct {
	subject, inReplyTo, thread  string
	refs                        []string
	priority, importance, xprio string
	ackTo                       bool
}

// add takes one header, ignoring the ones that are not about conversations.
func (c *conversationHeaders) add(k, v string) {
	switch {
	case strings.EqualFold(k, hdrSubject):
		c.subject = decodeSubject(v)
	case strings.EqualFold(k, hdrReplyTo):
		if ids := parseMsgIDs(v); len(ids) > 0 {
			c.inReplyTo = ids[0]
		}
	case strings.EqualFold(k, hdrRefs):
		c.refs = parseMsgIDs(v)
	case strings.EqualFold(k, hdrThread):
		if validMsgID(v) {
			c.thread = v
		}
	case strings.EqualFold(k, hdrPriority):
		c.priority = strings.ToLower(v)
	case strings.EqualFold(k, hdrImport):
		c.importance = strings.ToLower(v)
	case strings.EqualFold(k, hdrXPrio):
		c.xprio = v
	case strings.EqualFold(k, hdrAckTo):
		c.ackTo = v != ""
	}
}

// apply sets the collected headers on m.
func (c *conversationHeaders) apply(m *Message) {
	m.Subject, m.InReplyTo, m.References, m.Thread, m.AckRequested = c.subject, c.inReplyTo, c.refs, c.thread, c.ackTo
	switch {
	case c.priority == "urgent" || strings.HasPrefix(c.xprio, "1"):
		m.Priority = PriorityUrgent
	case c.importance == "high" || strings.HasPrefix(c.xprio, "2"):
		m.Priority = PriorityHigh
	}
}

// decodeSubject undoes RFC 2047 encoding; a subject that does not decode
// is kept as it came, and invalid UTF-8 becomes U+FFFD, never dropped.
func decodeSubject(v string) string {
	dec := new(mime.WordDecoder)
	if s, err := dec.DecodeHeader(v); err == nil {
		v = s
	}
	return strings.ToValidUTF8(v, "\uFFFD")
}

// parseMsgIDs reads a list of <id> in a header, each as an id: <x@ipc>
// becomes x, a foreign <x@host> stays x@host. Ids that could not name a
// file of this mailbox, nor a foreign message, are skipped.
func parseMsgIDs(v string) []string {
	var ids []string
	for {
		open := strings.IndexByte(v, '<')
		if open < 0 {
			return ids
		}
		end := strings.IndexByte(v[open:], '>')
		if end < 0 {
			return ids
		}
		id := strings.TrimSuffix(v[open+1:open+end], "@ipc")
		v = v[open+end+1:]
		if validMsgID(id) || (strings.Contains(id, "@") && len(id) <= maxMsgIDLen && !strings.ContainsAny(id, " \t/\\")) {
			ids = append(ids, id)
		}
	}
}

// validMsgID reports whether id could be a message file's name: the form
// checkMsgID accepts.
func validMsgID(id string) bool {
	return checkMsgID("", "", id) == nil && !strings.ContainsAny(id, " \t<>")
}

// trimReferences keeps the first id of refs (the thread's start) and the
// latest ones, at most maxReferences in all.
func trimReferences(refs []string) []string {
	if len(refs) <= maxReferences {
		return refs
	}
	out := append([]string{refs[0]}, refs[len(refs)-maxReferences+1:]...)
	return out
}

// converse checks the conversation fields of p and sets them on tmpl, the
// message being sent. A reply (p.ReplyTo) joins the thread of the message
// it answers, which must be one the session's agent received or sent (for
// the human at the console, any message of the mailbox: mine), and takes
// its subject with "Re: " when p gives none. It returns the message
// answered, or nil. Errors: BadRequest, TooLarge, NotFound.
func (s *Session) converse(op Op, p Payload, tmpl *Message) (*Message, error) {
	me := s.ID()
	subject, err := checkSubject(op, me, p.Subject)
	if err != nil {
		return nil, err
	}
	priority, err := ParsePriority(op, string(p.Priority))
	if err != nil {
		return nil, err
	}
	tmpl.Subject, tmpl.Priority, tmpl.AckRequested = subject, priority, p.Ack
	if p.ReplyTo == "" {
		return nil, nil
	}
	orig, err := s.st.mine(op, me, p.ReplyTo)
	if err != nil {
		return nil, err
	}
	tmpl.InReplyTo = orig.ID
	tmpl.References = trimReferences(append(append([]string(nil), orig.References...), orig.ID))
	tmpl.Thread = orig.ThreadID()
	if tmpl.Subject == "" && orig.Subject != "" {
		tmpl.Subject = replySubject(orig.Subject)
	}
	return &orig, nil
}

// replySubject is the subject of a reply: "Re: " once, however deep the
// conversation.
func replySubject(s string) string {
	if len(s) >= 3 && strings.EqualFold(s[:3], "re:") {
		return s
	}
	if r := "Re: " + s; len(r) <= MaxSubject {
		return r
	}
	return "Re: " + text.Cut(s, MaxSubject-4)
}

// mine reads message msgID that agent me received (in its mailbox) or sent
// (through its sent record, in its recipient's mailbox). Anything else is
// NotFound, as for an id that never existed: an agent answers, threads and
// replies only within its own conversations.
//
// The human at the console (HumanID) watches every conversation and may
// step into any: for it, msgID may also be any message of any mailbox
// (found as Store.Timeline finds it). Its reply then joins that message's
// thread and goes to whom the human addresses; Session.Reply answers the
// message's sender. Errors: BadRequest, NotFound.
func (st *Store) mine(op Op, me, msgID string) (Message, error) {
	if err := checkMsgID(op, me, msgID); err != nil {
		return Message{}, err
	}
	box := me
	if rec, ok := st.readSent(me, msgID); ok {
		box = rec.To
	}
	if path, read, found := st.locate(box, msgID); found {
		m, err := st.readMessage(path)
		if err == nil {
			m.Read = read
			return m, nil
		}
	}
	if me == HumanID {
		return st.anywhere(op, msgID)
	}
	return Message{}, errorf(op, NotFound, me, "no message %s sent by or to %s", text.Cut(msgID, 80), me)
}
