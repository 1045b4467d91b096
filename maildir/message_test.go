package maildir

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestMessageRoundTrip(t *testing.T) {
	now := time.Date(2026, 11, 21, 23, 14, 38, 937601000, time.UTC)
	cases := []Message{
		{ID: "a", From: "alice", To: "bob", Time: now, Content: "hello"},
		{ID: "b", From: "alice", To: "bob", Time: now, Content: ""},
		{ID: "c", From: "alice", To: "bob", Time: now, Content: "\n\nleading blank lines\n"},
		{ID: "d", From: "system", To: "bob", Time: now, Kind: KindSystem, Content: "📝 a renamed to b"},
		{ID: "e", From: "alice", To: "bob", OrigTo: "hank", Time: now, Kind: KindBroadcast, Content: "From: fake\n\nheader-looking body", Data: json.RawMessage(`{"x":"ünïcode 📝","y":[1,2,{"z":null}]}`)},
		{ID: "f", From: "alice", To: "bob", Time: now, Content: "crlf\r\nlines\r\n"},
	}
	for _, want := range cases {
		got, err := parseMessage(want.format())
		if err != nil {
			t.Fatalf("parse(format(%s)): %v", want.ID, err)
		}
		got.ID = want.ID
		if !got.Time.Equal(want.Time) {
			t.Errorf("%s: time %v, want %v", want.ID, got.Time, want.Time)
		}
		got.Time = want.Time
		if len(want.Data) > 0 {
			var a, b any
			json.Unmarshal(want.Data, &a)
			json.Unmarshal(got.Data, &b)
			if !reflect.DeepEqual(a, b) {
				t.Errorf("%s: data %s, want %s", want.ID, got.Data, want.Data)
			}
			got.Data = want.Data
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("round trip:\n got %+v\nwant %+v", got, want)
		}
	}
}

func TestHeadersAreASCII(t *testing.T) {
	m := Message{ID: "x", From: "a", To: "b", Time: time.Now(), Content: "body ü", Data: json.RawMessage(`{"k":"ü📝\u0001"}`)}
	b := m.format()
	head, _, _ := strings.Cut(string(b), "\n\n")
	for i := 0; i < len(head); i++ {
		if head[i] >= 0x80 {
			t.Fatalf("non-ASCII byte in header block:\n%s", head)
		}
	}
}

func TestParseForeignAndBroken(t *testing.T) {
	cases := []struct {
		in      string
		from    string
		content string
		wantErr bool
	}{
		{"From: carol\r\nTo: bob\r\n\r\nwindows body", "carol", "windows body", false},
		{"Subject: hi\nFrom: dave\n  folded\n\nbody", "dave folded", "body", false},
		{"no header block at all", "unknown", "no header block at all", true},
		{"To: bob\n\nanonymous", "unknown", "anonymous", true},
		{"", "unknown", "", true},
		{"X-IPC-Data: {broken\nFrom: e\n\nb", "e", "b", true},
	}
	for _, c := range cases {
		m, err := parseMessage([]byte(c.in))
		if (err != nil) != c.wantErr || m.From != c.from || m.Content != c.content {
			t.Errorf("parseMessage(%q) = from %q content %q err %v; want %q %q err %v", c.in, m.From, m.Content, err, c.from, c.content, c.wantErr)
		}
	}
}

func TestNamesUniqueAndOrdered(t *testing.T) {
	g := newNamer()
	now := time.Now()
	seen := map[string]bool{}
	var names []string
	for i := 0; i < 10000; i++ {
		n := g.next(now) // same instant: the time part still increases
		if seen[n] || strings.ContainsAny(n, ":/\\!") {
			t.Fatalf("name %q repeated or has a reserved character", n)
		}
		seen[n] = true
		names = append(names, n)
	}
	shuffled := append([]string(nil), names...)
	for i := range shuffled {
		j := (i * 7919) % len(shuffled)
		shuffled[i], shuffled[j] = shuffled[j], shuffled[i]
	}
	sortArrival(shuffled)
	if !reflect.DeepEqual(shuffled, names) {
		t.Fatal("sortArrival does not restore generation order")
	}
	// Python's mailbox names are not zero-padded; order must still hold.
	py := []string{"1700000000.M10P1Q2.h", "1700000000.M9P1Q1.h", "1699999999.M999999P1Q0.h"}
	sortArrival(py)
	if want := []string{"1699999999.M999999P1Q0.h", "1700000000.M9P1Q1.h", "1700000000.M10P1Q2.h"}; !reflect.DeepEqual(py, want) {
		t.Fatalf("sortArrival(python names) = %v", py)
	}
}
