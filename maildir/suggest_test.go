package maildir

import (
	"slices"
	"testing"
)

func TestSuggest(t *testing.T) {
	known := []string{"send", "broadcast", "check", "watch", "history", "read", "status", "ack", "list", "rename", "gc", "doctor", "serve", "stop", "version"}
	cases := []struct {
		typed string
		want  []string
	}{
		{"sned", []string{"send"}},       // two neighbours swapped: one edit
		{"chekc", []string{"check"}},     // swap at the end
		{"SEND", []string{"send"}},       // case alone: that word only
		{"lsit", []string{"list"}},       // swap
		{"histroy", []string{"history"}}, // swap in a long word
		{"renmae", []string{"rename"}},
		{"sta", []string{"status"}},        // a prefix
		{"st", []string{"stop", "status"}}, // prefixes, nearest first
		{"s", []string{"send", "stop", "serve", "status"}},
		{"brodcast", []string{"broadcast"}}, // a letter missing
		{"gcc", []string{"gc"}},             // one edit, half of "gc"
		{"ls", nil},                         // two edits from gc and list: more than half of "ls"
		{"frobnicate", nil},
		{"", nil},
		{"send", nil}, // a known word is no typo
	}
	for _, c := range cases {
		got := Suggest(c.typed, known)
		if !slices.Equal(got, c.want) {
			t.Errorf("Suggest(%q) = %q, want %q", c.typed, got, c.want)
		}
	}
}

func TestEditDistance(t *testing.T) {
	cases := []struct {
		a, b string
		want int
	}{
		{"", "", 0}, {"a", "", 1}, {"", "abc", 3}, {"send", "send", 0},
		{"sned", "send", 1}, {"ab", "ba", 1}, {"kitten", "sitting", 3},
		{"ca", "abc", 3}, // optimal string alignment: no letter edited twice
		{"héllo", "hello", 1},
	}
	for _, c := range cases {
		if got := editDistance(c.a, c.b); got != c.want {
			t.Errorf("editDistance(%q, %q) = %d, want %d", c.a, c.b, got, c.want)
		}
	}
}
