package maildir

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
)

// Payload is what a sender gives: the text, optional data (any JSON value),
// and the other keys of the original protocol's "message" object (a JSON
// object without "content" or "data"), which the original stored and
// returned as they came. Extra is kept in the message file (X-IPC-Extra)
// and returned in the legacy check reply; the other doors do not show it.
type Payload struct {
	Content string
	Data    json.RawMessage
	Extra   json.RawMessage
	Key     string // an idempotency key (dedupe.go); "" for none

	// The conversation (conversation.go), all optional.
	Subject  string   // one line, at most MaxSubject bytes
	Priority Priority // normal, high or urgent
	Ack      bool     // ask the recipient to acknowledge it
	ReplyTo  string   // the id of a message this answers: it joins that message's thread
}

// compactExtra validates extra keys (a JSON object whose keys are not
// content or data; "data": null is allowed, as the original keeps it) and
// returns them compact, or nil for none.
func compactExtra(extra json.RawMessage) (json.RawMessage, error) {
	extra = bytes.TrimSpace(extra)
	if len(extra) == 0 || string(extra) == "null" {
		return nil, nil
	}
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(extra, &obj); err != nil || obj == nil {
		return nil, errors.New("the extra keys of a message must be a JSON object")
	}
	if len(obj) == 0 {
		return nil, nil
	}
	for k, v := range obj {
		if k == "content" || k == "data" && string(v) != "null" {
			return nil, fmt.Errorf("the extra keys of a message repeat %q", k)
		}
	}
	var buf bytes.Buffer
	if err := json.Compact(&buf, extra); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// conversationKey is the part of the idempotency fingerprint that the
// conversation fields make: a repeat with another subject is another
// message.
func (p Payload) conversationKey() string {
	return fmt.Sprintf("%q %q %t %q", p.Subject, p.Priority, p.Ack, p.ReplyTo)
}
