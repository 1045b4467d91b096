package main

import (
	"flag"
	"fmt"
	"io"
	"strings"
)

// printNext prints, when a listing has a next page, the whole command that
// shows it: "<label>: ipc NAME WORDS... --flags as given... --CURSOR NEXT",
// each word quoted for a shell. words are the command's words, already
// quoted; the flags are those the command line set, but for the cursor's
// and --json.
func printNext(w io.Writer, label string, fs *flag.FlagSet, words []string, cursor, next string) {
	if next == "" {
		return
	}
	line := append([]string{"ipc", fs.Name()}, words...)
	fs.Visit(func(f *flag.Flag) {
		if f.Name == cursor || f.Name == "json" {
			return
		}
		dash := "--"
		if len(f.Name) == 1 {
			dash = "-"
		}
		if b, ok := f.Value.(interface{ IsBoolFlag() bool }); ok && b.IsBoolFlag() {
			if f.Value.String() == "true" {
				line = append(line, dash+f.Name)
			}
			return
		}
		line = append(line, dash+f.Name, shellQuote(f.Value.String()))
	})
	line = append(line, "--"+cursor, shellQuote(next))
	fmt.Fprintf(w, "%s: %s\n", label, strings.Join(line, " "))
}

// singleQuote is s in single quotes for a bash or zsh command line; a
// quote inside closes the quotes, is escaped, and reopens them.
func singleQuote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// noMore is the line of an empty page: "No <what>" on the first page,
// "No more <what>" on a page after cursor.
func noMore(cursor, what string) string {
	if cursor != "" {
		return "No more " + what
	}
	return "No " + what
}

// checkPageSize is the rule of -n for a listing: N > 0 messages a page.
func checkPageSize(name string, n int) error {
	if n <= 0 {
		return usageError("%s: -n must be at least 1 (got %d)", name, n)
	}
	return nil
}
