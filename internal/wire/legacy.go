package wire

import (
	"bytes"
	"encoding/json"
	"errors"
	"time"
)

// LegacyMessage is a message in the shape of the original's check reply:
// {"from","to","timestamp","message":{"content","data"}} plus its id, and
// the conversation fields a message carries when it has them (a message
// without them is exactly the original's). The conversation actions
// (thread, search) add "time" and "read".
type LegacyMessage struct {
	ID        string      `json:"id"`
	From      string      `json:"from"`
	To        string      `json:"to"`
	Timestamp string      `json:"timestamp"`
	Message   LegacyInner `json:"message"`

	Subject      string   `json:"subject,omitempty"`
	InReplyTo    string   `json:"in_reply_to,omitempty"` // the id of the message this answers
	References   []string `json:"references,omitempty"`  // the ids of its thread's history, oldest first
	Thread       string   `json:"thread,omitempty"`      // the id of its conversation
	Priority     string   `json:"priority,omitempty"`    // "high" or "urgent"; left out when normal
	AckRequested bool     `json:"ack_requested,omitempty"`

	Time string `json:"time,omitempty"` // thread, search: RFC 3339, UTC, microseconds
	Read *bool  `json:"read,omitempty"` // thread, search: whether its recipient has read it
}

// LegacyInner is the "message" object of a LegacyMessage: content, data
// when present, and the sender's extra keys (the other keys of the
// original's object, kept as they came), encoded as one object by
// MarshalJSON.
type LegacyInner struct {
	Content string
	Data    json.RawMessage
	Extra   json.RawMessage
}

// MarshalJSON writes content, then data when present, then the extra keys
// in the order they came.
func (in LegacyInner) MarshalJSON() ([]byte, error) {
	var b bytes.Buffer
	c, err := json.Marshal(in.Content)
	if err != nil {
		return nil, err
	}
	b.WriteString(`{"content":`)
	b.Write(c)
	if len(in.Data) > 0 {
		b.WriteString(`,"data":`)
		b.Write(in.Data)
	}
	if extra := bytes.TrimSpace(in.Extra); len(extra) > 2 && extra[0] == '{' {
		b.WriteByte(',')
		b.Write(extra[1:])
	} else {
		b.WriteByte('}')
	}
	return b.Bytes(), nil
}

// UnmarshalJSON reads the original's "message" object: content (a string,
// "" when absent), data (any JSON value), and every other key as extra,
// keeping their order. "data": null is kept as an extra key, as the
// original returns it.
func (in *LegacyInner) UnmarshalJSON(b []byte) error {
	dec := json.NewDecoder(bytes.NewReader(b))
	tok, err := dec.Token()
	if err != nil {
		return err
	}
	if d, ok := tok.(json.Delim); !ok || d != '{' {
		return errors.New("a message is a JSON object")
	}
	*in = LegacyInner{}
	var extra bytes.Buffer
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return err
		}
		key, _ := tok.(string)
		var v json.RawMessage
		if err := dec.Decode(&v); err != nil {
			return err
		}
		switch {
		case key == "content":
			if err := json.Unmarshal(v, &in.Content); err != nil {
				return errors.New("content must be a string")
			}
		case key == "data" && string(v) != "null":
			in.Data = v
		default:
			k, _ := json.Marshal(key)
			if extra.Len() == 0 {
				extra.WriteByte('{')
			} else {
				extra.WriteByte(',')
			}
			extra.Write(k)
			extra.WriteByte(':')
			if err := json.Compact(&extra, v); err != nil {
				return err
			}
		}
	}
	if _, err := dec.Token(); err != nil {
		return err
	}
	if extra.Len() > 0 {
		extra.WriteByte('}')
		in.Extra = extra.Bytes()
	}
	return nil
}

// LegacyAgent is an agent in the shape of the original's list reply, with
// the online flag and registration time added.
type LegacyAgent struct {
	ID         string `json:"id"`
	LastSeen   string `json:"last_seen"`
	Online     bool   `json:"online"`
	Registered string `json:"registered_at"`
}

// LegacyTime formats t as the original product did: naive local ISO 8601
// with microseconds (omitted when zero, as Python's isoformat does).
func LegacyTime(t time.Time) string {
	t = t.Local()
	if t.Nanosecond()/1000 == 0 {
		return t.Format("2006-01-02T15:04:05")
	}
	return t.Format("2006-01-02T15:04:05.000000")
}

// TimeLayout is RFC 3339 to the microsecond, the precision of the legacy
// timestamps: the "time" of the conversation actions' messages.
const TimeLayout = "2006-01-02T15:04:05.000000Z07:00"
