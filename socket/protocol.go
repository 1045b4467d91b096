package socket

import (
	"errors"
	"fmt"
	"io"
)

// Framing limits.
const (
	// DefaultMaxFrame is the largest request accepted, in bytes.
	DefaultMaxFrame = 16 << 20
	// maxDepth is the deepest nesting of objects and arrays accepted, as
	// in encoding/json.
	maxDepth = 10000
	// minBuf is the initial and resting size of a framer's buffer.
	minBuf = 4 << 10
)

// errFrameTooLarge is returned by framer.Next for a value over the limit.
var errFrameTooLarge = errors.New("request too large")

// syntaxError is a framing error: the bytes cannot start or continue a JSON
// object or array. Offset counts bytes from the start of the value.
type syntaxError struct {
	Offset int64
	Msg    string
}

func (e *syntaxError) Error() string {
	return fmt.Sprintf("invalid JSON at byte %d: %s", e.Offset, e.Msg)
}

// A framer reads JSON values, one after another, from a byte stream: a
// value may arrive in any number of reads, and values may follow each other
// in one read. Only objects and arrays are framed; anything else is a
// syntaxError as soon as its first byte is seen.
//
// The framer checks structure as bytes arrive (brackets, strings, escapes,
// the characters allowed between tokens), so garbage is refused at once
// instead of waiting for more input; the complete value is then validated
// by encoding/json. Memory is bounded by the frame limit plus one read.
type framer struct {
	r   io.Reader
	max int

	buf        []byte
	start, end int // unconsumed bytes are buf[start:end]

	// OnStart, if set, is called once per value when its first byte has
	// been seen (used to switch from an idle to a request deadline).
	OnStart func()

	// scan state of the value being framed, relative to start
	scanned  int    // bytes of the value examined so far
	began    bool   // the value's first byte has been seen
	stack    []byte // open brackets
	inString bool
	escape   int // 0: none; 1: after a backslash; 2..5: hex digits left + 1
	broken   error
}

// newFramer returns a framer reading from r that refuses values over max
// bytes (DefaultMaxFrame if max <= 0).
func newFramer(r io.Reader, max int) *framer {
	if max <= 0 {
		max = DefaultMaxFrame
	}
	return &framer{r: r, max: max, buf: make([]byte, minBuf)}
}

// Next returns the next value, without surrounding whitespace. The slice is
// valid until the next call. At the end of the stream it returns io.EOF if
// no byte of a value was read, io.ErrUnexpectedEOF otherwise. After any
// other error (a syntaxError, errFrameTooLarge, a read error) the stream's
// position is unknown and every later call fails the same way.
func (f *framer) Next() ([]byte, error) {
	if f.broken != nil {
		return nil, f.broken
	}
	f.resetScan()
	for {
		if n, done, err := f.scan(); err != nil {
			f.broken = err
			return nil, err
		} else if done {
			v := f.buf[f.start : f.start+n]
			f.start += n
			return v, nil
		}
		if err := f.fill(); err != nil {
			if errors.Is(err, io.EOF) {
				if f.began {
					err = io.ErrUnexpectedEOF
				} else {
					err = io.EOF
				}
			}
			f.broken = err
			return nil, err
		}
	}
}

// Buffered returns the bytes read from the stream but not yet framed.
func (f *framer) Buffered() []byte { return f.buf[f.start:f.end] }

func (f *framer) resetScan() {
	f.scanned, f.began, f.inString, f.escape = 0, false, false, 0
	f.stack = f.stack[:0]
	// Give back a buffer grown by a large value once it is consumed.
	if cap(f.buf) > 16*minBuf && f.end-f.start <= minBuf {
		nb := make([]byte, minBuf)
		f.end = copy(nb, f.buf[f.start:f.end])
		f.start = 0
		f.buf = nb
	}
}

// fill reads more bytes, compacting or growing the buffer as needed.
func (f *framer) fill() error {
	if f.end == len(f.buf) {
		if f.start > 0 {
			f.end = copy(f.buf, f.buf[f.start:f.end]) // scanned is relative to start: unchanged
			f.start = 0
		} else {
			size := min(2*len(f.buf), f.max+minBuf)
			if size <= len(f.buf) {
				return errFrameTooLarge // unreachable: scan stops at max
			}
			nb := make([]byte, size)
			copy(nb, f.buf[:f.end])
			f.buf = nb
		}
	}
	for {
		n, err := f.r.Read(f.buf[f.end:])
		f.end += n
		if n > 0 {
			return nil
		}
		if err != nil {
			return err
		}
	}
}

// scan examines the unconsumed bytes. It returns the length of a complete
// value (done), or asks for more input. Leading whitespace is discarded.
func (f *framer) scan() (n int, done bool, err error) {
	if !f.began {
		for f.start < f.end && isSpace(f.buf[f.start]) {
			f.start++
		}
		if f.start == f.end {
			return 0, false, nil
		}
		f.began = true
		if f.OnStart != nil {
			f.OnStart()
		}
	}
	b := f.buf[f.start:f.end]
	for i := f.scanned; i < len(b); i++ {
		if i >= f.max {
			return 0, false, errFrameTooLarge
		}
		c := b[i]
		if i == 0 && c != '{' && c != '[' {
			return 0, false, &syntaxError{0, fmt.Sprintf("a request is a JSON object; found %s", quoteByte(c))}
		}
		if f.inString {
			switch {
			case f.escape == 1:
				switch c {
				case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
					f.escape = 0
				case 'u':
					f.escape = 5
				default:
					return 0, false, &syntaxError{int64(i), fmt.Sprintf("invalid escape \\%s in a string", quoteByte(c))}
				}
			case f.escape > 1:
				if !isHex(c) {
					return 0, false, &syntaxError{int64(i), "invalid \\u escape in a string"}
				}
				f.escape--
				if f.escape == 1 {
					f.escape = 0
				}
			case c == '\\':
				f.escape = 1
			case c == '"':
				f.inString = false
			case c < 0x20:
				return 0, false, &syntaxError{int64(i), "control character in a string"}
			}
			continue
		}
		switch c {
		case '{', '[':
			if len(f.stack) >= maxDepth {
				return 0, false, &syntaxError{int64(i), "nested too deeply"}
			}
			f.stack = append(f.stack, c)
		case '}', ']':
			if len(f.stack) == 0 {
				return 0, false, &syntaxError{int64(i), fmt.Sprintf("unexpected %s", quoteByte(c))}
			}
			open := f.stack[len(f.stack)-1]
			if open == '{' && c != '}' || open == '[' && c != ']' {
				return 0, false, &syntaxError{int64(i), fmt.Sprintf("%s closes %s", quoteByte(c), quoteByte(open))}
			}
			f.stack = f.stack[:len(f.stack)-1]
			if len(f.stack) == 0 {
				f.scanned = i + 1
				return i + 1, true, nil
			}
		case '"':
			f.inString = true
		default:
			if !isTokenByte(c) {
				return 0, false, &syntaxError{int64(i), fmt.Sprintf("unexpected %s", quoteByte(c))}
			}
		}
	}
	f.scanned = len(b)
	if len(b) >= f.max {
		return 0, false, errFrameTooLarge
	}
	return 0, false, nil
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

// isTokenByte reports bytes that may appear between strings inside a JSON
// value: separators, whitespace, numbers, and the letters of true, false
// and null.
func isTokenByte(c byte) bool {
	switch c {
	case ',', ':', ' ', '\t', '\n', '\r', '-', '+', '.',
		't', 'r', 'u', 'e', 'f', 'a', 'l', 's', 'n', 'E':
		return true
	}
	return '0' <= c && c <= '9'
}

func quoteByte(c byte) string {
	if c >= 0x20 && c < 0x7f {
		return fmt.Sprintf("%q", rune(c))
	}
	return fmt.Sprintf("byte 0x%02x", c)
}
