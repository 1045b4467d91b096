package maildir

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestSummarize(t *testing.T) {
	cases := []struct{ in, want string }{
		{"Hi. This is short. Third.", "Hi. This is short."},
		{"exactly ten!! next sentence here.", "exactly ten! ! next sentence here."},
		{"First sentence is long. Second one is long too! Third is ignored?", "First sentence is long. Second one is long too!"},
		{"  padded sentence here.   ", "padded sentence here."},
		{strings.Repeat("x", 200), strings.Repeat("x", 150) + "..."},
		{"no punctuation", "no punctuation"},
		{strings.Repeat("é", 151), strings.Repeat("é", 150) + "..."},
	}
	for _, c := range cases {
		if got := summarize(c.in); got != c.want {
			t.Errorf("summarize(%.40q) = %q, want %q", c.in, got, c.want)
		}
	}
}

func TestLargeMessage(t *testing.T) {
	st := mustOpen(t, Options{})
	alice, bob := mustLogin(t, st, "alice"), mustLogin(t, st, "bob")
	inline := strings.Repeat("a", DefaultLargeThreshold)
	if r := mustSend(t, alice, "bob", inline); r.LargeFile != "" {
		t.Fatalf("10,240 bytes must stay inline, got file %s", r.LargeFile)
	}
	big := "This is the first sentence. And here is the second one! " + strings.Repeat("z", DefaultLargeThreshold)
	var files []string
	for i := 0; i < 3; i++ { // same sender, recipient and second: never one file
		r, err := alice.Send(ctx, "bob", big, json.RawMessage(`{"ticket":7}`))
		if err != nil {
			t.Fatal(err)
		}
		if r.LargeFile == "" || !filepath.IsAbs(r.LargeFile) {
			t.Fatalf("large send = %+v, want an absolute file path", r)
		}
		files = append(files, r.LargeFile)
	}
	if files[0] == files[1] || files[1] == files[2] {
		t.Fatalf("large files share a name: %v", files)
	}
	b, err := os.ReadFile(files[0])
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(string(b), "# IPC Message\nFrom: alice\nTo: bob\nTime: ") || !strings.Contains(string(b), "\n\n## Content\n"+big+"\n") {
		t.Fatalf("large file content:\n%.300s", b)
	}
	got := mustCheck(t, bob)
	if len(got) != 4 || got[0].Content != inline {
		t.Fatalf("check returned %d messages", len(got))
	}
	m := got[1]
	want := "This is the first sentence. And here is the second one! Full content saved to: " + files[0]
	if m.Content != want {
		t.Fatalf("large message content = %q, want %q", m.Content, want)
	}
	var d map[string]any
	if err := json.Unmarshal(m.Data, &d); err != nil {
		t.Fatal(err)
	}
	if d["ticket"] != 7.0 || d["large_message_file"] != files[0] || d["original_size_kb"] != 10.1 {
		t.Fatalf("large message data = %v", d)
	}
}
