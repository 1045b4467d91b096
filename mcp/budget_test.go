package mcp

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/ipc-dev/ipc/internal/present"
	"github.com/ipc-dev/ipc/maildir"

	mcpgo "github.com/mark3labs/mcp-go/mcp"
)

// budgetMail is the mail TestCheckFitsEachClient sends: many small
// messages, messages of many short lines (whose escapes make JSON grow),
// non-ASCII ones, messages near the large threshold, and one whose data
// is over every budget. Contents are unique, so a result names its
// message.
func budgetMail() (contents []string, data map[string]json.RawMessage) {
	data = map[string]json.RawMessage{}
	for i := range 20 {
		contents = append(contents, fmt.Sprintf("m%02d: short note %d", i, i))
	}
	for i := range 3 {
		contents = append(contents, fmt.Sprintf("lines%d:\n", i)+strings.Repeat("x\n", 2602)) // 5 KB, 2,602 lines
	}
	contents = append(contents, "utf: "+strings.Repeat("日本語のテキスト😀 ", 300)) // 3 bytes a character, 2 UTF-16 units an emoji
	code := "func main() {\n\tif a < b && c > \"d\" { return }\n}\n"
	for i := range 2 {
		c := fmt.Sprintf("near%d: ", i) + strings.Repeat(code, (maildir.DefaultLargeThreshold-64)/len(code))
		contents = append(contents, c) // just under the large threshold
	}
	over := "over: This message carries a big data object. Read its file for all of it."
	contents = append(contents, over)
	data[over] = json.RawMessage(`{"blob":"` + strings.Repeat("y", 45000) + `"}`)
	contents = append(contents, "last: after the big one")
	return contents, data
}

var remainingRE = regexp.MustCompile(`; (\d+) more unread: call check again\)`)

// TestCheckFitsEachClient: for each client profile, checks over a mixed
// backlog return results whose final text (the whole tool result, unread
// notice included) measures within that client's budget; every message
// marked read appears in exactly one result, whole and byte-identical in
// its frame, or, when over the budget alone, as its summary and the path
// of a file that holds it whole; each result says how many remain.
func TestCheckFitsEachClient(t *testing.T) {
	for _, tc := range []struct {
		client string
		cfg    Config
		want   present.Profile
	}{
		{"claude-code", Config{}, present.ClaudeCode},
		{"codex-mcp-client", Config{}, present.Codex},
		{"gemini-cli-mcp-client", Config{}, present.Gemini},
		{"some-other-client", Config{}, present.Unknown},
		{"claude-code", Config{MaxMCPTokens: "5000"}, present.Profile{Limit: 4000, Unit: present.Bytes}},
		{"codex-mcp-client", Config{Budget: "3000"}, present.Profile{Limit: 3000, Unit: present.JSONBytes}},
	} {
		t.Run(tc.client+tc.cfg.Budget+tc.cfg.MaxMCPTokens, func(t *testing.T) {
			root := t.TempDir()
			tc.cfg.ID = "bob"
			bob := newPeerClient(t, root, tc.cfg, tc.client, mcpgo.ClientCapabilities{})
			p := bob.srv.Profile()
			if p.Limit != tc.want.Limit || p.Unit != tc.want.Unit {
				t.Fatalf("profile %v, want %v", p, tc.want)
			}
			alice := mustSession(t, mustOpenAt(t, root), "alice")
			contents, data := budgetMail()
			for _, c := range contents {
				if _, err := alice.Send(context.Background(), "bob", c, data[c]); err != nil {
					t.Fatal(err)
				}
			}
			seen := map[string]int{}
			results, summaries, most := 0, 0, 0
			for len(seen) < len(contents) {
				if results++; results > len(contents) {
					t.Fatalf("%d checks returned %d of %d messages", results, len(seen), len(contents))
				}
				text := bob.ok("check", map[string]any{"instance_id": "bob"})
				if n := p.Measure(text); n > p.Limit {
					t.Fatalf("result %d measures %d %s, over the budget %d:\n%.600s", results, n, p.Unit, p.Limit, text)
				} else {
					most = max(most, n)
				}
				frames := mustFrames(t, text)
				if len(frames) == 0 {
					t.Fatalf("check %d returned nothing with %d unread:\n%s", results, len(contents)-len(seen), text)
				}
				for _, f := range frames {
					whole := f.Body
					if f.Attrs["shown"] == "summary" {
						summaries++
						whole = fullText(t, f, contents, data)
					} else if want := data[f.Body]; string(want) != f.Data {
						t.Fatalf("data of %.20q: %d bytes, want %d", f.Body, len(f.Data), len(want))
					}
					if !contains(contents, whole) {
						t.Fatalf("frame body %.80q is no message sent", whole)
					}
					if seen[whole]++; seen[whole] > 1 {
						t.Fatalf("%.40q returned twice", whole)
					}
				}
				unread, _ := os.ReadDir(filepath.Join(root, "mail", "bob", "new"))
				got := 0
				if m := remainingRE.FindStringSubmatch(text); m != nil {
					got, _ = strconv.Atoi(m[1])
				}
				if got != len(unread) {
					t.Fatalf("result says %d remain, %d are unread:\n%.300s", got, len(unread), text)
				}
			}
			if summaries == 0 {
				t.Fatalf("the message over every budget was never shown as a summary")
			}
			mustContain(t, bob.ok("check", map[string]any{"instance_id": "bob"}), "No new messages")
			t.Logf("figures: %s: %v: %d messages in %d checks, %d as summaries, the fullest result %d %s", t.Name(), p, len(contents), results, summaries, most, p.Unit)
		})
	}
}

// fullText checks a summary frame: its full= file holds the whole message,
// which it returns.
func fullText(t *testing.T, f present.Frame, contents []string, data map[string]json.RawMessage) string {
	t.Helper()
	b, err := os.ReadFile(f.Attrs["full"])
	if err != nil {
		t.Fatalf("summary frame %v: %v", f.Attrs, err)
	}
	for _, c := range contents {
		if f.Body == maildir.Summary(c) && strings.Contains(string(b), "\n\n"+c+"\n") {
			if f.Attrs["size"] != strconv.Itoa(len(c)+len(data[c])) {
				t.Fatalf("summary frame without its size: %v", f.Attrs)
			}
			return c
		}
	}
	t.Fatalf("the file %s of a summary frame holds no message sent whole", f.Attrs["full"])
	return ""
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// mustSession logs in as id on st.
func mustSession(tb testing.TB, st *maildir.Store, id string) *maildir.Session {
	tb.Helper()
	s, err := st.Login(context.Background(), id, "")
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { s.Close() })
	return s
}
