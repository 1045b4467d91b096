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
// and returned by Legacy; the other doors do not show it.
type Payload struct {
	Content string
	Data    json.RawMessage
	Extra   json.RawMessage
	Key     string // an idempotency key (dedupe.go); "" for none
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

// Payload returns the inner object as a payload to send.
func (in LegacyInner) Payload() Payload {
	return Payload{Content: in.Content, Data: in.Data, Extra: in.Extra}
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
