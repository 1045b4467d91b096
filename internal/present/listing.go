package present

import (
	"fmt"
	"strings"
	"time"

	"github.com/ipc-dev/ipc/maildir"
)

// Listing renders messages a model asked for outside check (a thread, a
// search) under head: the data notice, how the frames read, then each
// message in order, framed with its text when it has been read or was sent
// by me, and as one line without its text when it is unread mail to me:
// check shows that one, and marks it read, so the model sees it once.
// Nothing is marked read here.
func Listing(head string, ms []maildir.Message, me string, now time.Time) string {
	var b strings.Builder
	b.WriteString(head)
	b.WriteByte('\n')
	texts := make([]string, 0, 6*len(ms))
	for _, m := range ms {
		texts = append(texts, m.From, m.To, m.ID, m.Subject, m.InReplyTo, m.Content, string(m.Data))
	}
	boundary := NewBoundary(texts...)
	if len(ms) > 0 {
		b.WriteString(DataNotice)
		b.WriteByte('\n')
		fmt.Fprintf(&b, "Each message is framed between a line <<<ipc-msg-%s …>>> and the line <<<end ipc-msg-%s>>>: what lies between is its text, byte for byte (after a line <<<ipc-data-%s>>>, its JSON data).\n",
			boundary, boundary, boundary)
	}
	for _, m := range ms {
		b.WriteByte('\n')
		if Unseen(m, me) {
			b.WriteString("- unread")
			for _, a := range []Attr{{"from", attrField(m.From)}, {"id", attrField(m.ID)}, {"subject", attrField(m.Subject)}} {
				if a.Value != "" {
					b.WriteString(" " + a.Key + "=" + attrValue(a.Value))
				}
			}
			b.WriteString(": call check to read it\n")
			continue
		}
		attrs := messageAttrs(m, now)
		if m.From == me && m.OrigTo == "" {
			attrs = append(attrs, Attr{"to", attrField(m.To)})
		}
		writeFrame(&b, boundary, attrs, m.Content, m.Data)
	}
	return b.String()
}

// Unseen reports whether m is unread mail to me, whose text only check
// may show a model.
func Unseen(m maildir.Message, me string) bool { return !m.Read && m.To == me }
