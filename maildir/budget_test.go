package maildir

import (
	"context"
	"fmt"
	"os"
	"strings"
	"testing"
)

// TestCheckWithinClaimsWhatFits: a budgeted check claims, in arrival
// order, exactly the messages whose rendered text fits (b, 681 bytes, fits
// alone but not after a1); a message that
// fits alone but not beside the others stays unread for the next check;
// one over the budget alone is surfaced as its summary and the path of
// its file in cur/, which holds it whole; the text is built before each
// claim, never after.
func TestCheckWithinClaimsWhatFits(t *testing.T) {
	st := mustOpen(t, Options{})
	alice, bob := mustLogin(t, st, "alice"), mustLogin(t, st, "bob")
	big := "Too big to show. " + strings.Repeat("z", 3000)
	for _, c := range []string{"a1", strings.Repeat("b", 681), "c3", big, "e5"} {
		mustSend(t, alice, "bob", c)
	}
	rendered := map[string]bool{} // texts rendered for a message before it was claimed
	render := func(sh Shown) string {
		var b strings.Builder
		fmt.Fprintf(&b, "%d remain\n", sh.Remaining)
		for _, it := range sh.Items {
			if it.Whole {
				b.WriteString(it.Content + "\n")
			} else {
				b.WriteString("summary: " + it.Summary + " in " + it.FullText + "\n")
			}
			if _, err := os.Stat(it.Path); err != nil { // not in cur/ yet: measured before its claim
				rendered[it.Path] = true
			}
		}
		return b.String()
	}
	budget := Budget{Limit: 700, Render: render}
	var got [][]string
	for range 5 {
		out, err := CheckWithin(context.Background(), bob, CheckOptions{}, budget)
		if err != nil {
			t.Fatal(err)
		}
		if len(out.Text) > budget.Limit {
			t.Fatalf("text of %d bytes over the limit %d", len(out.Text), budget.Limit)
		}
		var round []string
		for _, it := range out.Items {
			if !rendered[it.Path] {
				t.Fatalf("%s was claimed without being measured first", it.ID)
			}
			if !it.Whole {
				b, err := os.ReadFile(it.FullText)
				if err != nil || !strings.Contains(string(b), big) || it.Summary != "Too big to show." {
					t.Fatalf("summary %q of %s: file %v", it.Summary, it.FullText, err)
				}
				round = append(round, "summary")
				continue
			}
			round = append(round, it.Content[:2])
		}
		if want := fmt.Sprintf("%d remain\n", out.Remaining); !strings.HasPrefix(out.Text, want) {
			t.Fatalf("text %.40q, want it to start %q", out.Text, want)
		}
		if len(round) == 0 {
			break
		}
		got = append(got, round)
	}
	if fmt.Sprint(got) != "[[a1] [bb] [c3 summary e5]]" {
		t.Fatalf("checks returned %v", got)
	}
}
