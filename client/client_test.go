package client

import (
	"bufio"
	"errors"
	"io"
	"strings"
	"testing"
)

// TestReadLine: frames are the server's lines; a line over the limit and
// a line cut by the end of the stream are errors.
func TestReadLine(t *testing.T) {
	br := bufio.NewReaderSize(strings.NewReader("{\"a\":1}\n"+strings.Repeat("x", 40)+"\n{\"b\""), 16)
	if l, err := readLine(br, 64); err != nil || string(l) != `{"a":1}` {
		t.Fatalf("first line %q, %v", l, err)
	}
	if l, err := readLine(br, 64); err != nil || len(l) != 40 {
		t.Fatalf("a line longer than the buffer: %d bytes, %v", len(l), err)
	}
	if _, err := readLine(br, 64); !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Fatalf("a cut line: %v", err)
	}
	if _, err := readLine(br, 64); !errors.Is(err, io.EOF) {
		t.Fatalf("at the end: %v", err)
	}
	br = bufio.NewReaderSize(strings.NewReader(strings.Repeat("x", 100)+"\n"), 16)
	if _, err := readLine(br, 64); err == nil || !strings.Contains(err.Error(), "over 64 bytes") {
		t.Fatalf("a line over the limit: %v", err)
	}
}

// TestReplyError: an error reply is an *Error of its error_code, internal
// without one; an ok reply is no error.
func TestReplyError(t *testing.T) {
	if err := replyError("ping", Reply{Status: StatusOK}); err != nil {
		t.Fatalf("ok reply: %v", err)
	}
	err := replyError("register", Reply{Status: StatusError, ErrorCode: "in_use", Message: "alice is in use"})
	var e *Error
	if !errors.As(err, &e) || e.Action != "register" || e.Kind != "in_use" || err.Error() != "alice is in use" || KindOf(err) != "in_use" {
		t.Fatalf("error reply: %#v", err)
	}
	if KindOf(replyError("x", Reply{Status: StatusError, Message: "?"})) != KindInternal || KindOf(io.EOF) != KindInternal {
		t.Fatal("an error without error_code is internal")
	}
}
