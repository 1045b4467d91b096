package socket

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"testing"

	"github.com/ipc-dev/ipc/maildir"
)

var frameSeeds = []string{
	`{"action":"register","instance_id":"alice"}`,
	`{"action":"send","to_id":"b","message":{"content":"x","priority":2},"subject":"Re: \u00e9","reply_to":"1.M2P3.h","priority":"urgent","ack":true}`,
	`{"action":"reply","message_id":"1.M2P3.h","message":{"content":"y"},"priority":"high","ack":false}`,
	`{"action":"search","query":"\"auth module\" tok*","from":"a","to":"b","thread":"1.M2P3.h","since":"2025-01-02T15:04:05Z","unread":true,"limit":5,"after":"c"}`,
	`{"action":"thread","message_id":"1.M2P3.h","limit":-1,"after":null}`,
	`{"action":"sent","limit":"x"}`,
	`{"action":"ack","message_id":["x"]}`,
	`{"action": "send", "from_id": "a", "to_id": "b", "message": {"content": "hi \"there\" \u00e9", "data": {"k": [1, 2.5e3, true, null]}}, "session_token": "T"}`,
	"{\"action\":\"check\"}\n{\"action\":\"list\"}\n",
	`[1,2,{"a":[]}]`,
	`{"a":"}]"}`,
	`{"a":`,
	`hello`,
	`{"a":"\u12"}`,
	"  \n\t",
	``,
	`{}{}`,
	`{"a":1}xyz`,
}

// FuzzFramer checks the frame decoder: feeding an input in two or three
// chunks gives the same values and error as feeding it whole; every value
// is a complete object or array taken in order from the input; a valid
// JSON object or array is framed exactly; and no input panics.
func FuzzFramer(f *testing.F) {
	for _, s := range frameSeeds {
		f.Add([]byte(s), uint16(1), uint16(7))
	}
	f.Fuzz(func(t *testing.T, in []byte, a, b uint16) {
		const max = 1 << 12
		whole, wholeErr := collect(max, in)
		i, j := int(a)%(len(in)+1), int(b)%(len(in)+1)
		if i > j {
			i, j = j, i
		}
		split, splitErr := collect(max, in[:i], in[i:j], in[j:])
		if len(whole) != len(split) || !sameErr(wholeErr, splitErr) {
			t.Fatalf("whole: %q, %v; in chunks %d,%d: %q, %v", whole, wholeErr, i, j, split, splitErr)
		}
		rest := in
		for k, v := range whole {
			if !bytes.Equal(v, split[k]) {
				t.Fatalf("value %d: whole %q, chunked %q", k, v, split[k])
			}
			if v[0] != '{' && v[0] != '[' {
				t.Fatalf("value %q is not an object or array", v)
			}
			rest = bytes.TrimLeft(rest, " \t\r\n")
			if !bytes.HasPrefix(rest, v) {
				t.Fatalf("value %q is not next in the input %q", v, rest)
			}
			rest = rest[len(v):]
		}
		trimmed := bytes.Trim(in, " \t\r\n")
		if len(trimmed) > 0 && len(trimmed) <= max && (trimmed[0] == '{' || trimmed[0] == '[') && json.Valid(trimmed) {
			if len(whole) != 1 || !bytes.Equal(whole[0], trimmed) || wholeErr != io.EOF {
				t.Fatalf("valid JSON %q framed as %q, %v", trimmed, whole, wholeErr)
			}
		}
		for _, v := range whole {
			if json.Valid(v) {
				_ = parseRequestNoPanic(v)
			}
		}
	})
}

func collect(max int, chunks ...[]byte) ([][]byte, error) {
	r := &chunkReader{}
	for _, c := range chunks {
		r.chunks = append(r.chunks, append([]byte(nil), c...))
	}
	f := newFramer(r, max)
	var out [][]byte
	for {
		v, err := f.Next()
		if err != nil {
			return out, err
		}
		out = append(out, append([]byte(nil), v...))
	}
}

func sameErr(a, b error) bool {
	var sa, sb *syntaxError
	if errors.As(a, &sa) || errors.As(b, &sb) {
		return errors.As(a, &sa) && errors.As(b, &sb) && sa.Offset == sb.Offset
	}
	return a == b
}

func parseRequestNoPanic(v []byte) error {
	r, err := parseRequest(v)
	if err == nil {
		_ = r.actionName()
		_ = r.id()
		// The conversation fields: read as their actions read them, each
		// a value or a bad_request, never a panic.
		c := &call{req: r, action: r.actionName()}
		var p maildir.Payload
		if cerr := c.conversation(&p, true); cerr != nil && maildir.KindOf(cerr) != maildir.BadRequest {
			panic(cerr)
		}
		if _, perr := c.page(); perr != nil && maildir.KindOf(perr) != maildir.BadRequest {
			panic(perr)
		}
		if _, serr := c.since(); serr != nil && maildir.KindOf(serr) != maildir.BadRequest {
			panic(serr)
		}
	}
	return err
}
