package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/ipc-dev/ipc/internal/present"
	"github.com/ipc-dev/ipc/maildir"
)

// framesOf parses the frames of a check result or hook context.
func framesOf(t *testing.T, text string) []present.Frame {
	t.Helper()
	frames, err := present.Parse(text)
	if err != nil {
		t.Fatalf("%v:\n%s", err, text)
	}
	return frames
}

// framedCount is how many frames of the texts (each its own result, with
// its own boundary) hold exactly body.
func framedCount(t *testing.T, body string, texts ...string) int {
	t.Helper()
	n := 0
	for _, text := range texts {
		for _, f := range framesOf(t, text) {
			if f.Body == body {
				n++
			}
		}
	}
	return n
}

// mustFrame fails unless each of wants lies inside a frame of text: peer
// text, byte for byte, never outside its frame.
func mustFrame(t *testing.T, text string, wants ...string) []present.Frame {
	t.Helper()
	frames := framesOf(t, text)
	for _, w := range wants {
		found := false
		for _, f := range frames {
			found = found || strings.Contains(f.Body, w) || strings.Contains(f.Data, w)
		}
		if !found {
			t.Fatalf("no frame holds %q:\n%s", w, text)
		}
	}
	return frames
}

// hookMail is a backlog for TestHookFitsClaudeCode: small messages, the
// measured 5,221-byte message of 2,602 lines (10,862 characters of
// context once quoted line by line, and marked read all the same), a
// message near the large threshold, non-ASCII text, and one whose data is
// over the budget.
func hookMail() (contents []string, data map[string]json.RawMessage) {
	data = map[string]json.RawMessage{}
	for i := range 12 {
		contents = append(contents, fmt.Sprintf("m%02d: short note", i))
	}
	contents = append(contents, "lines:\n"+strings.Repeat("x\n", 2600)+"the last line.") // 5,221 bytes, 2,602 lines
	contents = append(contents, "near: "+strings.Repeat("if a < b && c > \"d\" { return }\n", 320))
	contents = append(contents, "utf: "+strings.Repeat("日本語のテキスト😀 ", 200))
	over := "over: This one carries a big data object. Read its file."
	contents = append(contents, over, "last: after the big one")
	data[over] = json.RawMessage(`{"blob":"` + strings.Repeat("y", 20000) + `"}`)
	return contents, data
}

// TestHookFitsClaudeCode: the hook's whole stdout line stays within the
// hook profile (Claude Code replaces hook output over 10,000 characters),
// or within IPC_BUDGET; every message it marks read is in its context
// whole and byte-identical, or as its summary and the path of a file that
// holds it whole; the context says how many remain.
func TestHookFitsClaudeCode(t *testing.T) {
	for _, budget := range []string{"", "3000"} {
		t.Run("IPC_BUDGET="+budget, func(t *testing.T) {
			home := filepath.Join(t.TempDir(), "home")
			p, err := present.Hook.WithOverride(budget)
			if err != nil {
				t.Fatal(err)
			}
			st, err := maildir.Open(home, maildir.Options{Sync: maildir.SyncNone, RateBurst: -1})
			if err != nil {
				t.Fatal(err)
			}
			bob, err := st.Login(bg(), "bob", "")
			if err != nil {
				t.Fatal(err)
			}
			contents, data := hookMail()
			for _, c := range contents {
				if _, err := bob.Send(bg(), "alice", c, data[c]); err != nil {
					t.Fatal(err)
				}
			}
			bob.Close()
			st.Close()
			seen := map[string]bool{}
			runs, summaries, most := 0, 0, 0
			for len(seen) < len(contents) {
				if runs++; runs > len(contents) {
					t.Fatalf("%d hook runs injected %d of %d messages", runs, len(seen), len(contents))
				}
				cmd := ipcCmd(home, "alice", "hook")
				cmd.Env = append(cmd.Env, present.EnvBudget+"="+budget)
				cmd.Stdin = strings.NewReader(hookEvent("UserPromptSubmit"))
				out, err := cmd.Output()
				if err != nil {
					t.Fatalf("hook: %v", err)
				}
				if n := p.Measure(string(out)); n > p.Limit {
					t.Fatalf("hook output measures %d %s, over %d", n, p.Unit, p.Limit)
				} else {
					most = max(most, n)
				}
				ctx := parseHookOutput(t, string(out), "UserPromptSubmit")
				for _, f := range framesOf(t, ctx) {
					whole := f.Body
					if f.Attrs["shown"] == "summary" {
						summaries++
						if budget == "" && strings.HasPrefix(f.Body, "lines:") {
							t.Fatal("the 5,221-byte message of 2,602 lines fits the hook's budget, yet came as a summary")
						}
						b, err := os.ReadFile(f.Attrs["full"])
						if err != nil {
							t.Fatal(err)
						}
						whole = ""
						for _, c := range contents {
							if f.Body == maildir.Summary(c) && strings.Contains(string(b), "\n\n"+c+"\n") {
								whole = c
							}
						}
					} else if f.Data != string(data[f.Body]) {
						t.Fatalf("data of %.20q differs", f.Body)
					}
					if !slices.Contains(contents, whole) || seen[whole] {
						t.Fatalf("frame %v %.60q: not a message sent, or shown twice", f.Attrs, f.Body)
					}
					seen[whole] = true
				}
				unread, _ := os.ReadDir(filepath.Join(home, "mail", "alice", "new"))
				got := 0
				if m := regexp.MustCompile(`; (\d+) more unread`).FindStringSubmatch(ctx); m != nil {
					got, _ = strconv.Atoi(m[1])
				}
				if got != len(unread) {
					t.Fatalf("context says %d remain, %d are unread", got, len(unread))
				}
			}
			if summaries == 0 {
				t.Fatal("the message over the budget was never shown as a summary")
			}
			t.Logf("figures: %s: %v: %d messages in %d hook runs, %d as summaries, the fullest output %d %s", t.Name(), p, len(contents), runs, summaries, most, p.Unit)
		})
	}
}
