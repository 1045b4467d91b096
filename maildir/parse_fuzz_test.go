package maildir

import (
	"encoding/json"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

// FuzzParseMessage: the parser never panics, and whatever it accepts
// without error formats and parses back to the same message.
func FuzzParseMessage(f *testing.F) {
	now := time.Date(2026, 11, 21, 23, 0, 0, 0, time.UTC)
	seeds := []Message{
		{ID: "1", From: "alice", To: "bob", Time: now, Content: "hello"},
		{ID: "2", From: "system", To: "bob", Kind: KindSystem, Time: now, Content: "📝 a renamed to b"},
		{ID: "3", From: "a", To: "b", OrigTo: "c", Time: now, Content: "x\n\ny", Data: json.RawMessage(`{"k":[1,"ü"]}`)},
		{ID: "4", From: "alice", To: "bob", Time: now, Content: "urgent", Subject: "Überprüfung — 認証", Priority: PriorityUrgent, AckRequested: true},
		{ID: "5", From: "bob", To: "alice", Time: now, Content: "re", Subject: "Re: auth", InReplyTo: "4", References: []string{"1", "4"}, Thread: "1", Priority: PriorityHigh},
	}
	for _, m := range seeds {
		f.Add(m.format())
	}
	for _, b := range realFiles(f, "mail") {
		f.Add(b)
	}
	f.Add([]byte("From: carol\r\nTo: bob\r\n\r\nbody"))
	// As mutt and Python's email write them: encoded words, foreign ids,
	// folded References, the three priority headers.
	f.Add([]byte("From: carol\nTo: bob\nSubject: =?utf-8?q?Gr=C3=BC=C3=9Fe?= =?utf-8?b?4piV?=\n" +
		"Message-ID: <20261201101500.GA12345@mutt.example.org>\nIn-Reply-To: <1.M2P3Q4.h@ipc>\n" +
		"References: <20261130090000.GB777@mutt.example.org>\n <1.M2P3Q4.h@ipc>\nPriority: urgent\nImportance: High\n" +
		"X-Priority: 2 (High)\nDisposition-Notification-To: carol <carol@example.org>\nX-IPC-Thread: 1.M2P3Q4.h\n\nbody\n"))
	f.Add([]byte("no separator"))
	f.Add([]byte("\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := parseMessage(b)
		if err != nil || !utf8.ValidString(m.Content) || !ValidID(m.From) || !ValidID(m.To) {
			return
		}
		if m.Time.IsZero() || m.Kind != "" && m.Kind != KindBroadcast && m.Kind != KindSystem || m.OrigTo != "" && !ValidID(m.OrigTo) {
			return
		}
		m2, err := parseMessage(m.format())
		if err != nil {
			t.Fatalf("reparse: %v", err)
		}
		if m2.Content != m.Content || m2.From != m.From || m2.To != m.To || !m2.Time.Equal(m.Time) {
			t.Fatalf("round trip changed the message:\n%+v\n%+v", m, m2)
		}
		if m2.InReplyTo != m.InReplyTo || strings.Join(m2.References, " ") != strings.Join(m.References, " ") ||
			m2.Thread != m.Thread || m2.Priority != m.Priority || m2.AckRequested != m.AckRequested {
			t.Fatalf("round trip changed the conversation:\n%+v\n%+v", m, m2)
		}
	})
}

// FuzzIndex: every index decoder rejects or accepts without panicking, and
// what it accepts re-encodes and decodes to an equal value.
func FuzzIndex(f *testing.F) {
	f.Add([]byte(`{"version":1,"data":{"alice":"2026-11-21T23:00:00Z"}}`))
	f.Add([]byte(`{"version":1,"data":{"hank":{"to":"hank2","at":"2026-11-21T23:00:00Z"}}}`))
	f.Add([]byte(`{"version":1,"data":{"ab12":{"id":"bob","created":"2026-11-21T23:00:00Z","expires":"2026-11-22T23:00:00Z"}}}`))
	for _, b := range realFiles(f, "index") {
		f.Add(b)
	}
	for _, b := range realFiles(f, "presence") {
		f.Add(b)
	}
	f.Add([]byte(`{"version":2}`))
	f.Add([]byte("\x00garbage{"))
	f.Fuzz(func(t *testing.T, b []byte) {
		roundTrip[agentsIndex](t, b)
		roundTrip[forwardIndex](t, b)
		roundTrip[sessionsIndex](t, b)
		var r agentRecord
		_ = json.Unmarshal(b, &r)
	})
}

func roundTrip[T any](t *testing.T, b []byte) {
	v, err := decodeIndex[T](b)
	if err != nil {
		return
	}
	enc, err := json.Marshal(indexFile[T]{Version: indexVersion, Data: v})
	if err != nil {
		return // e.g. a time outside the encodable range
	}
	if _, err := decodeIndex[T](enc); err != nil {
		t.Fatalf("re-decode of %s: %v", enc, err)
	}
}

// realFiles runs a short real session (register, send with data, a large
// message, a broadcast, a rename, a token) and returns the files it wrote
// under sub/, to seed the fuzzers with what the product actually writes.
func realFiles(f *testing.F, sub string) [][]byte {
	st := mustOpen(f, Options{})
	alice, bob := mustLogin(f, st, "alice"), mustLogin(f, st, "bob")
	alice.Send(ctx, "bob", "hello ü 📬\nline two", json.RawMessage(`{"pr":42}`))
	alice.Send(ctx, "bob", strings.Repeat("Long text here. ", 1000), nil)
	alice.Broadcast(ctx, "all hands", nil)
	alice.IssueToken(ctx)
	bob.Check(ctx, CheckOptions{})
	bob.Rename(ctx, "robert")
	var out [][]byte
	filepath.WalkDir(filepath.Join(st.Root(), sub), func(p string, d fs.DirEntry, err error) error {
		if err == nil && d.Type().IsRegular() && !strings.HasSuffix(p, ".lock") {
			if b, err := os.ReadFile(p); err == nil {
				out = append(out, b)
			}
		}
		return nil
	})
	if len(out) == 0 {
		f.Fatalf("no real files under %s", sub)
	}
	return out
}
