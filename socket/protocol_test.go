package socket

import (
	"bytes"
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/ipc-dev/ipc/internal/wire"
)

// chunkReader returns its chunks one Read at a time, as TCP segments
// arrive.
type chunkReader struct{ chunks [][]byte }

func (r *chunkReader) Read(p []byte) (int, error) {
	for len(r.chunks) > 0 && len(r.chunks[0]) == 0 {
		r.chunks = r.chunks[1:]
	}
	if len(r.chunks) == 0 {
		return 0, io.EOF
	}
	n := copy(p, r.chunks[0])
	r.chunks[0] = r.chunks[0][n:]
	return n, nil
}

// frames reads every value of the chunks and the error that ended them.
func frames(max int, chunks ...string) ([]string, error) {
	r := &chunkReader{}
	for _, c := range chunks {
		r.chunks = append(r.chunks, []byte(c))
	}
	f := newFramer(r, max)
	var out []string
	for {
		v, err := f.Next()
		if err != nil {
			return out, err
		}
		out = append(out, string(v))
	}
}

func TestFramer(t *testing.T) {
	syntax := errors.New("a *syntaxError")
	for _, tc := range []struct {
		name   string
		chunks []string
		max    int
		want   []string
		err    error // io.EOF, io.ErrUnexpectedEOF, errFrameTooLarge, or syntax
	}{
		{"one object", []string{`{"a":1}`}, 0, []string{`{"a":1}`}, io.EOF},
		{"trailing newline", []string{"{\"a\":1}\n"}, 0, []string{`{"a":1}`}, io.EOF},
		{"leading space", []string{"  \r\n\t{}"}, 0, []string{`{}`}, io.EOF},
		{"split everywhere", []string{`{"a"`, `:`, `"b}`, `\"`, `"`, `}`}, 0, []string{`{"a":"b}\""}`}, io.EOF},
		{"one byte at a time", strings.Split(`{"k":[1,{"x":"\u00e9"}]}`, ""), 0, []string{`{"k":[1,{"x":"\u00e9"}]}`}, io.EOF},
		{"several values", []string{"{\"a\":1}\n{\"b\":2}\n", `{"c"`, `:3}`}, 0, []string{`{"a":1}`, `{"b":2}`, `{"c":3}`}, io.EOF},
		{"back to back", []string{`{}{}[]`}, 0, []string{`{}`, `{}`, `[]`}, io.EOF},
		{"brackets in strings", []string{`{"a":"}]{["}`}, 0, []string{`{"a":"}]{["}`}, io.EOF},
		{"array", []string{`[1,2]`}, 0, []string{`[1,2]`}, io.EOF},
		{"empty", nil, 0, nil, io.EOF},
		{"only space", []string{"  \n"}, 0, nil, io.EOF},
		{"cut short", []string{`{"a":`}, 0, nil, io.ErrUnexpectedEOF},
		{"cut in string", []string{`{"a":"x`}, 0, nil, io.ErrUnexpectedEOF},
		{"garbage", []string{`hello`}, 0, nil, syntax},
		{"a string", []string{`"x"`}, 0, nil, syntax},
		{"a number", []string{`42`}, 0, nil, syntax},
		{"garbage inside", []string{`{"a":`, `hello`}, 0, nil, syntax},
		{"mismatched", []string{`{"a":[1}`}, 0, nil, syntax},
		{"bad escape", []string{`{"a":"\x"}`}, 0, nil, syntax},
		{"bad unicode escape", []string{`{"a":"\u12G4"}`}, 0, nil, syntax},
		{"control char", []string{"{\"a\":\"\x01\"}"}, 0, nil, syntax},
		{"stray close", []string{`}`}, 0, nil, syntax},
		{"at the limit", []string{`{"a":"12345"}`}, 13, []string{`{"a":"12345"}`}, io.EOF},
		{"over the limit", []string{`{"a":"123456"}`}, 13, nil, errFrameTooLarge},
		{"over the limit in pieces", []string{`{"a":`, `"1234`, `56"}`}, 13, nil, errFrameTooLarge},
		{"space does not count", []string{"      ", `{"a":"12345"}`}, 13, []string{`{"a":"12345"}`}, io.EOF},
		{"too deep", []string{strings.Repeat("[", maxDepth+1)}, 1 << 20, nil, syntax},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := frames(tc.max, tc.chunks...)
			if strings.Join(got, "|") != strings.Join(tc.want, "|") {
				t.Errorf("frames = %q, want %q", got, tc.want)
			}
			var se *syntaxError
			if tc.err == syntax {
				if !errors.As(err, &se) {
					t.Errorf("err = %v, want a syntaxError", err)
				}
			} else if !errors.Is(err, tc.err) {
				t.Errorf("err = %v, want %v", err, tc.err)
			}
		})
	}
}

// TestFramerOnStart checks that OnStart runs once per value, when its
// first byte arrives, and not for whitespace.
func TestFramerOnStart(t *testing.T) {
	r := &chunkReader{chunks: [][]byte{[]byte("  "), []byte("\n{"), []byte("}{}")}}
	f := newFramer(r, 0)
	starts := 0
	f.OnStart = func() { starts++ }
	for i := 1; i <= 2; i++ {
		if _, err := f.Next(); err != nil {
			t.Fatal(err)
		}
		if starts != i {
			t.Fatalf("after value %d: OnStart called %d times", i, starts)
		}
	}
	if _, err := f.Next(); err != io.EOF {
		t.Fatalf("Next = %v, want EOF", err)
	}
	if starts != 2 {
		t.Fatalf("OnStart called %d times for 2 values", starts)
	}
}

// TestFramerShrinks checks that a buffer grown by a large value is given
// back once the value is consumed.
func TestFramerShrinks(t *testing.T) {
	big := `{"a":"` + strings.Repeat("x", 1<<20) + `"}`
	r := &chunkReader{chunks: [][]byte{[]byte(big), []byte(`{"b":1}`)}}
	f := newFramer(r, 0)
	if v, err := f.Next(); err != nil || len(v) != len(big) {
		t.Fatalf("Next = %d bytes, %v", len(v), err)
	}
	if v, err := f.Next(); err != nil || string(v) != `{"b":1}` {
		t.Fatalf("Next = %q, %v", v, err)
	}
	if cap(f.buf) > 16*minBuf {
		t.Fatalf("buffer still %d bytes after the large value", cap(f.buf))
	}
}

func TestEncodeOneLine(t *testing.T) {
	b, err := wire.Encode(wire.Reply{Status: wire.StatusOK, Message: "a\nb <&> é 📝"})
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Count(b, []byte("\n")) != 1 || b[len(b)-1] != '\n' {
		t.Fatalf("encode = %q: want one line", b)
	}
	if !bytes.Contains(b, []byte("<&> é 📝")) {
		t.Fatalf("encode = %q: want raw UTF-8 and no HTML escaping", b)
	}
}
