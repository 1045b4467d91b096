package present

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"strconv"
	"strings"
)

// Framing. Every message a model is shown is framed, byte for byte, between
// a begin line and an end line that carry a boundary chosen per result, as
// MIME does: the boundary is regenerated until it occurs in none of the
// texts of the result, so no message can forge the end of its frame or the
// start of another:
//
//	<<<ipc-msg-3f9c0a71d2e4 from=alice id=1700000000.M1P2Q3.host time=…>>>
//	the content, byte for byte
//	<<<ipc-data-3f9c0a71d2e4>>>
//	{"the":"data, when there is some"}
//	<<<end ipc-msg-3f9c0a71d2e4>>>

const (
	beginMark = "<<<ipc-msg-"
	dataMark  = "<<<ipc-data-"
	endMark   = "<<<end ipc-msg-"
	markClose = ">>>"
)

// boundaryLen is the number of hex digits of a boundary: 48 random bits.
const boundaryLen = 12

// A Frame is one framed message read back out of a text (see Parse).
type Frame struct {
	Attrs   map[string]string // the begin line's attributes: from, id, time, ...
	Body    string            // the content, byte for byte
	Data    string            // the data, byte for byte, or ""
	HasData bool
}

// Attr is one attribute of a begin line.
type Attr struct{ Key, Value string }

// NewBoundary returns a boundary that occurs in none of texts.
func NewBoundary(texts ...string) string {
	for {
		var b [boundaryLen / 2]byte
		_, _ = rand.Read(b[:])
		tok := hex.EncodeToString(b[:])
		if !occursIn(tok, texts) {
			return tok
		}
	}
}

func occursIn(tok string, texts []string) bool {
	for _, t := range texts {
		if strings.Contains(t, tok) {
			return true
		}
	}
	return false
}

// writeFrame appends one framed message to b. The boundary must occur in
// neither body nor data, nor in any attribute value.
func writeFrame(b *strings.Builder, boundary string, attrs []Attr, body string, data []byte) {
	b.WriteString(beginMark)
	b.WriteString(boundary)
	for _, a := range attrs {
		b.WriteByte(' ')
		b.WriteString(a.Key)
		b.WriteByte('=')
		b.WriteString(attrValue(a.Value))
	}
	b.WriteString(markClose)
	b.WriteByte('\n')
	b.WriteString(body)
	b.WriteByte('\n')
	if len(data) > 0 {
		b.WriteString(dataMark + boundary + markClose + "\n")
		b.Write(data)
		b.WriteByte('\n')
	}
	b.WriteString(endMark + boundary + markClose + "\n")
}

// attrValue writes v bare when it is one plain word, quoted (Go syntax,
// so on one line) otherwise.
func attrValue(v string) string {
	if v != "" && !strings.ContainsFunc(v, func(r rune) bool {
		return r <= ' ' || r == '"' || r == '\\' || r == '<' || r == '>' || r == '=' || r == 0x7f || r > 0x7e
	}) {
		return v
	}
	return strconv.Quote(v)
}

// Parse reads back every frame of text, in order. The boundary is taken
// from the first begin line at the start of a line; every later frame must
// use the same one. Text between frames is the mailbox's own and is
// skipped.
func Parse(text string) ([]Frame, error) {
	var frames []Frame
	boundary := ""
	for rest := text; ; {
		i := lineStart(rest, beginMark)
		if i < 0 {
			return frames, nil
		}
		rest = rest[i+len(beginMark):]
		nl := strings.IndexByte(rest, '\n')
		if nl < 0 {
			return frames, errors.New("begin line without an end")
		}
		line := rest[:nl]
		rest = rest[nl+1:]
		tok, attrText, _ := strings.Cut(strings.TrimSuffix(line, markClose), " ")
		if !strings.HasSuffix(line, markClose) || len(tok) != boundaryLen {
			return frames, errors.New("malformed begin line: " + line)
		}
		if boundary == "" {
			boundary = tok
		} else if tok != boundary {
			return frames, errors.New("a frame with another boundary: " + tok)
		}
		attrs, err := parseAttrs(attrText)
		if err != nil {
			return frames, err
		}
		end := "\n" + endMark + boundary + markClose + "\n"
		e := strings.Index(rest, end)
		if e < 0 {
			return frames, errors.New("frame without its end line")
		}
		f := Frame{Attrs: attrs, Body: rest[:e]}
		rest = rest[e+len(end):]
		if d := strings.Index(f.Body, "\n"+dataMark+boundary+markClose+"\n"); d >= 0 {
			f.Data = f.Body[d+len(dataMark)+len(boundary)+len(markClose)+2:]
			f.Body, f.HasData = f.Body[:d], true
		}
		frames = append(frames, f)
	}
}

// lineStart returns the index of the first occurrence of mark at the start
// of a line of s, or -1.
func lineStart(s, mark string) int {
	if strings.HasPrefix(s, mark) {
		return 0
	}
	if i := strings.Index(s, "\n"+mark); i >= 0 {
		return i + 1
	}
	return -1
}

// parseAttrs reads the attributes of a begin line: key=value pairs
// separated by spaces, values bare or Go-quoted.
func parseAttrs(s string) (map[string]string, error) {
	attrs := map[string]string{}
	for s != "" {
		k, rest, ok := strings.Cut(s, "=")
		if !ok || k == "" || strings.Contains(k, " ") {
			return attrs, errors.New("malformed attributes: " + s)
		}
		var v string
		if strings.HasPrefix(rest, `"`) {
			q, err := strconv.QuotedPrefix(rest)
			if err != nil {
				return attrs, err
			}
			v, _ = strconv.Unquote(q)
			rest = rest[len(q):]
			if rest != "" && rest[0] != ' ' {
				return attrs, errors.New("malformed attributes: " + s)
			}
			rest = strings.TrimPrefix(rest, " ")
		} else {
			v, rest, _ = strings.Cut(rest, " ")
		}
		attrs[k] = v
		s = rest
	}
	return attrs, nil
}
