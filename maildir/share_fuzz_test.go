package maildir

import (
	"reflect"
	"strings"
	"testing"
)

// FuzzSplitCommand checks that splitting never panics, and that words it
// returns come back unchanged when quoted and split again.
func FuzzSplitCommand(f *testing.F) {
	for _, s := range []string{
		"git status --short", `echo 'a b' "c d"`, `a"b c"d`, `echo "say \"hi\""`,
		`echo a\ b`, `echo "open`, `echo \`, "", `''`, "tab\tsep\nline", "héllo",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		words, err := splitCommand(s)
		if err != nil {
			return
		}
		quoted := make([]string, len(words))
		for i, w := range words {
			quoted[i] = "'" + strings.ReplaceAll(w, "'", `'\''`) + "'"
		}
		again, err := splitCommand(strings.Join(quoted, " "))
		if err != nil {
			t.Fatalf("re-split of %q: %v", quoted, err)
		}
		if len(words) == 0 && len(again) == 0 {
			return
		}
		if !reflect.DeepEqual(words, again) {
			t.Fatalf("SplitCommand(%q) = %q; quoted and split again = %q", s, words, again)
		}
	})
}
