package maildir

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime/quotedprintable"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/ipc-dev/ipc/internal/text"
)

// Message is one message as stored in a message file.
type Message struct {
	ID      string          // the unique file name, without the info suffix
	From    string          // the sender's id, or SystemID
	To      string          // the mailbox it was delivered to
	OrigTo  string          // the address the sender used, when forwarding changed it
	Time    time.Time       // when it was sent
	Kind    string          // "" for a direct message, "broadcast" or "system"
	Content string          // the text
	Data    json.RawMessage // any JSON value, or nil
	Extra   json.RawMessage // the sender's other keys of the legacy "message" object, or nil (see Payload)
	Read    bool            // found in cur/ rather than new/
	Path    string          // where the file was found

	// The conversation headers (conversation.go); all optional, and a
	// message without them is the original's message.
	Subject      string   // Subject, decoded from RFC 2047 when encoded
	InReplyTo    string   // In-Reply-To: the id of the message this answers
	References   []string // References: the ids of the thread, oldest first
	Thread       string   // X-IPC-Thread: the id of the thread's first message
	Priority     Priority // Priority / Importance / X-Priority
	AckRequested bool     // Disposition-Notification-To: the sender asks for an acknowledgement
}

// Message kinds, in the X-IPC-Kind header.
const (
	KindDirect    = ""
	KindBroadcast = "broadcast"
	KindSystem    = "system"
)

// Header names of the message file format.
const (
	hdrFrom     = "From"
	hdrTo       = "To"
	hdrDate     = "Date"
	hdrMsgID    = "Message-ID"
	hdrTime     = "X-IPC-Time"
	hdrKind     = "X-IPC-Kind"
	hdrOrigTo   = "X-IPC-Original-To"
	hdrData     = "X-IPC-Data"
	hdrExtra    = "X-IPC-Extra"
	hdrSubject  = "Subject"
	hdrReplyTo  = "In-Reply-To"
	hdrRefs     = "References"
	hdrThread   = "X-IPC-Thread"
	hdrPriority = "Priority"
	hdrImport   = "Importance"
	hdrXPrio    = "X-Priority"
	hdrAckTo    = "Disposition-Notification-To"
	hdrMIME     = "MIME-Version"
	hdrType     = "Content-Type"
	hdrEncoding = "Content-Transfer-Encoding"
)

// format renders m as a message file: an RFC 5322 header block, a blank
// line, the content, and a final newline (which parse removes again). Every
// header is ASCII: data is compact JSON with non-ASCII escaped as \uXXXX.
func (m *Message) format() []byte {
	var b bytes.Buffer
	b.Grow(len(m.Content) + len(m.Data) + len(m.Extra) + 320)
	hdr := func(k, v string) {
		b.WriteString(k)
		b.WriteString(": ")
		b.WriteString(v)
		b.WriteByte('\n')
	}
	hdr(hdrFrom, m.From)
	hdr(hdrTo, m.To)
	hdr(hdrDate, m.Time.Format(time.RFC1123Z))
	hdr(hdrMsgID, "<"+m.ID+"@ipc>")
	hdr(hdrTime, m.Time.UTC().Format(time.RFC3339Nano))
	if m.Kind != "" {
		hdr(hdrKind, m.Kind)
	}
	if m.OrigTo != "" {
		hdr(hdrOrigTo, m.OrigTo)
	}
	if len(m.Data) > 0 {
		hdr(hdrData, asciiJSON(m.Data))
	}
	if len(m.Extra) > 0 {
		hdr(hdrExtra, asciiJSON(m.Extra))
	}
	m.formatConversation(hdr)
	hdr(hdrMIME, "1.0")
	hdr(hdrType, "text/plain; charset=utf-8")
	hdr(hdrEncoding, "8bit")
	b.WriteByte('\n')
	b.WriteString(m.Content)
	b.WriteByte('\n')
	return b.Bytes()
}

// errNoFrom is reported for a message file without a From header.
var errNoFrom = errors.New("no From header")

// parseMessage reads a message file. It never panics. On error it still
// returns what it could recover, with the whole file as Content when the
// header block is unusable, so that no text is ever dropped.
func parseMessage(b []byte) (Message, error) {
	var m Message
	head, body, ok := cutBody(b)
	if !ok {
		m.From = "unknown"
		m.Content = string(b)
		return m, errors.New("no blank line after the header block")
	}
	m.Content = strings.TrimSuffix(string(body), "\n")
	var firstErr error
	fail := func(err error) {
		if firstErr == nil {
			firstErr = err
		}
	}
	var date, encoding string
	var conv conversationHeaders
	for lineNo, line := range splitHeaderLines(head) {
		k, v, found := strings.Cut(line, ":")
		if !found || k == "" || strings.ContainsAny(k, " \t") {
			fail(fmt.Errorf("header line %d: not a header: %q", lineNo+1, text.Cut(line, 60)))
			continue
		}
		v = strings.TrimSpace(v)
		switch {
		case strings.EqualFold(k, hdrFrom):
			m.From = v
		case strings.EqualFold(k, hdrTo):
			m.To = v
		case strings.EqualFold(k, hdrDate):
			date = v
		case strings.EqualFold(k, hdrTime):
			t, err := time.Parse(time.RFC3339Nano, v)
			if err != nil {
				fail(fmt.Errorf("%s: %w", hdrTime, err))
			} else {
				m.Time = t
			}
		case strings.EqualFold(k, hdrKind):
			m.Kind = v
		case strings.EqualFold(k, hdrOrigTo):
			m.OrigTo = v
		case strings.EqualFold(k, hdrEncoding):
			encoding = v
		case strings.EqualFold(k, hdrData):
			if !json.Valid([]byte(v)) {
				fail(fmt.Errorf("%s: not valid JSON", hdrData))
			} else {
				m.Data = json.RawMessage(v)
			}
		case strings.EqualFold(k, hdrExtra):
			if extra, err := compactExtra(json.RawMessage(v)); err != nil {
				fail(fmt.Errorf("%s: %w", hdrExtra, err))
			} else {
				m.Extra = extra
			}
		default:
			conv.add(k, v)
		}
	}
	conv.apply(&m)
	if text, ok := decodeBody(encoding, m.Content); ok {
		m.Content = text
	}
	if m.Time.IsZero() && date != "" {
		if t, err := parseMailDate(date); err == nil {
			m.Time = t
		}
	}
	if m.From == "" {
		m.From = "unknown"
		fail(errNoFrom)
	}
	return m, firstErr
}

// cutBody splits a file at the first empty line (LF or CRLF line endings).
func cutBody(b []byte) (head, body []byte, ok bool) {
	if bytes.HasPrefix(b, []byte("\n")) {
		return nil, b[1:], true
	}
	if bytes.HasPrefix(b, []byte("\r\n")) {
		return nil, b[2:], true
	}
	lf := bytes.Index(b, []byte("\n\n"))
	crlf := bytes.Index(b, []byte("\r\n\r\n"))
	switch {
	case lf >= 0 && (crlf < 0 || lf < crlf):
		return b[:lf], b[lf+2:], true
	case crlf >= 0:
		return b[:crlf], b[crlf+4:], true
	}
	return nil, nil, false
}

// splitHeaderLines unfolds a header block: a line starting with a space or
// tab continues the previous header.
func splitHeaderLines(head []byte) []string {
	var lines []string
	for _, raw := range strings.Split(string(head), "\n") {
		raw = strings.TrimSuffix(raw, "\r")
		if (strings.HasPrefix(raw, " ") || strings.HasPrefix(raw, "\t")) && len(lines) > 0 {
			lines[len(lines)-1] += " " + strings.TrimSpace(raw)
			continue
		}
		lines = append(lines, raw)
	}
	return lines
}

func parseMailDate(s string) (time.Time, error) {
	for _, layout := range []string{time.RFC1123Z, time.RFC1123, "Mon, 2 Jan 2006 15:04:05 -0700", "2 Jan 2006 15:04:05 -0700"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("unrecognised date %q", s)
}

// decodeBody undoes a base64 or quoted-printable transfer encoding, which
// other tools use (Python's email module writes UTF-8 text as base64). It
// reports false, keeping the text as it is, for other encodings and when
// the result would not be UTF-8 text.
func decodeBody(encoding, body string) (string, bool) {
	var b []byte
	var err error
	switch strings.ToLower(encoding) {
	case "base64":
		b, err = base64.StdEncoding.DecodeString(strings.Join(strings.Fields(body), ""))
	case "quoted-printable":
		b, err = io.ReadAll(quotedprintable.NewReader(strings.NewReader(body)))
	default:
		return "", false
	}
	if err != nil || !utf8.Valid(b) {
		return "", false
	}
	return strings.TrimSuffix(string(b), "\n"), true
}

// asciiJSON returns compact JSON with every non-ASCII rune escaped, so it
// can travel in a mail header. Invalid UTF-8 becomes U+FFFD.
func asciiJSON(raw json.RawMessage) string {
	var buf bytes.Buffer
	if err := json.Compact(&buf, raw); err != nil {
		buf.Reset()
		buf.Write(raw)
	}
	src := buf.Bytes()
	var b strings.Builder
	b.Grow(len(src))
	for i := 0; i < len(src); {
		c := src[i]
		if c < utf8.RuneSelf {
			if c < 0x20 { // only possible if Compact failed; keep the header one line
				fmt.Fprintf(&b, `\u%04x`, c)
			} else {
				b.WriteByte(c)
			}
			i++
			continue
		}
		r, n := utf8.DecodeRune(src[i:])
		i += n
		if r >= 0x10000 {
			r -= 0x10000
			fmt.Fprintf(&b, `\u%04x\u%04x`, 0xD800+(r>>10), 0xDC00+(r&0x3FF))
		} else {
			fmt.Fprintf(&b, `\u%04x`, r)
		}
	}
	return b.String()
}
