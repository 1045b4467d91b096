package main

import (
	"fmt"
	"io"
	"os"
	"runtime"
	"unicode/utf8"
)

// Peer text on a terminal.
//
// A message's content, its data and the names around it come from other
// agents. Printed to a terminal as they are, their escape sequences would
// be obeyed: move the cursor, retitle the window, clear the screen, or hide
// what came before. When stdout is a terminal, the CLI's readable output
// goes through screen, which shows every such character instead of sending
// it: C0 controls other than newline and tab as ^X (ESC as ^[, DEL as ^?),
// C1 controls (U+0080 to U+009F), the bidirectional overrides and isolates
// that reorder what is shown, as \uXXXX, and bytes that are not UTF-8 as
// \xXX. Output to a pipe or a file, and --json output everywhere, stay
// exactly as they are.

// screen returns where the command's readable output goes: stdout, shown
// safely when it is a terminal.
func (c *cli) screen() io.Writer {
	if isTerminal(c.stdout) {
		return &visibleWriter{w: c.stdout}
	}
	return c.stdout
}

// isTerminal reports whether v is a file that is a terminal: a character
// device other than the null device.
func isTerminal(v any) bool {
	f, ok := v.(*os.File)
	if !ok || f == nil {
		return false
	}
	info, err := f.Stat()
	if err != nil || info.Mode()&os.ModeCharDevice == 0 {
		return false
	}
	null, err := os.Stat(os.DevNull)
	return err != nil || !os.SameFile(info, null)
}

// endOfInput is the key that ends input typed at a terminal.
var endOfInput = map[bool]string{true: "Ctrl-Z then Enter", false: "Ctrl-D"}[runtime.GOOS == "windows"]

// visibleWriter writes text with its control characters made visible
// (visible). A character split across two writes is joined first.
type visibleWriter struct {
	w     io.Writer
	carry []byte // the start of a character the last write ended in
}

func (v *visibleWriter) Write(p []byte) (int, error) {
	b := append(v.carry, p...)
	v.carry = nil
	if tail := incompleteTail(b); tail > 0 {
		v.carry = append([]byte(nil), b[len(b)-tail:]...)
		b = b[:len(b)-tail]
	}
	if _, err := io.WriteString(v.w, visible(string(b))); err != nil {
		return 0, err
	}
	return len(p), nil
}

// incompleteTail returns how many bytes at the end of b begin a character
// that is not complete yet (0 to 3).
func incompleteTail(b []byte) int {
	for n := 1; n <= utf8.UTFMax-1 && n <= len(b); n++ {
		if utf8.RuneStart(b[len(b)-n]) {
			if utf8.FullRune(b[len(b)-n:]) {
				return 0
			}
			return n
		}
	}
	return 0
}

// visible returns s with every character a terminal would obey instead of
// show written out (see above).
func visible(s string) string {
	if utf8.ValidString(s) && !hasObeyed(s) {
		return s
	}
	out := make([]byte, 0, len(s)+16)
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			out = fmt.Appendf(out, `\x%02x`, s[i])
		case r < 0x20 && r != '\n' && r != '\t':
			out = append(out, '^', byte(r)+0x40)
		case r == 0x7f:
			out = append(out, '^', '?')
		case obeyed(r):
			out = fmt.Appendf(out, `\u%04x`, r)
		default:
			out = append(out, s[i:i+size]...)
		}
		i += size
	}
	return string(out)
}

// hasObeyed reports whether s holds a character obeyed reports.
func hasObeyed(s string) bool {
	for _, r := range s {
		if obeyed(r) {
			return true
		}
	}
	return false
}

// obeyed reports whether a terminal acts on r instead of showing it, or
// shows the text around it in another order: controls (but newline and
// tab), and the bidirectional embeddings, overrides and isolates.
func obeyed(r rune) bool {
	switch {
	case r == '\n' || r == '\t':
		return false
	case r < 0x20 || r == 0x7f:
		return true
	case r >= 0x80 && r <= 0x9f:
		return true
	case r >= 0x202a && r <= 0x202e, r >= 0x2066 && r <= 0x2069:
		return true
	}
	return false
}
