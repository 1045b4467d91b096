//go:build unix

package e2e

import (
	"os"
	"strings"
	"testing"
)

// docBlock is the first fenced block of docs/mcp.md in lang that contains
// every one of marks: the setup a user copies, so the tests configure each
// client exactly as the documentation says and fail when it changes shape.
func docBlock(t *testing.T, lang string, marks ...string) string {
	t.Helper()
	b, err := os.ReadFile("../docs/mcp.md")
	if err != nil {
		t.Fatal(err)
	}
	rest := string(b)
	for {
		i := strings.Index(rest, "```"+lang+"\n")
		if i < 0 {
			t.Fatalf("docs/mcp.md has no ```%s block with %q", lang, marks)
		}
		rest = rest[i+len("```"+lang+"\n"):]
		end := strings.Index(rest, "```")
		if end < 0 {
			t.Fatalf("docs/mcp.md: unterminated ```%s block", lang)
		}
		block := rest[:end]
		rest = rest[end+3:]
		found := true
		for _, m := range marks {
			found = found && strings.Contains(block, m)
		}
		if found {
			return block
		}
	}
}

// replaceOnce replaces old in s, which must hold it: a documented snippet
// that no longer has the piece a test fills in fails the test by name.
func replaceOnce(t *testing.T, s, old, new string) string {
	t.Helper()
	if !strings.Contains(s, old) {
		t.Fatalf("docs/mcp.md snippet no longer holds %q:\n%s", old, s)
	}
	return strings.Replace(s, old, new, 1)
}
