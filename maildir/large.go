package maildir

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/ipc-dev/ipc/internal/text"
)

// summarize returns the summary the original product gives a large message:
// the first two sentences longer than ten characters (a sentence ends at
// '.', '!' or '?'), joined by a space; with no such sentence, the first 150
// characters and "..." if there was more.
func summarize(content string) string {
	text := strings.TrimSpace(content)
	var sentences []string
	start := 0
	for i, r := range text {
		if r != '.' && r != '!' && r != '?' {
			continue
		}
		end := i + len(string(r))
		s := strings.TrimSpace(text[start:end])
		if utf8.RuneCountInString(s) > 10 {
			sentences = append(sentences, s)
			start = end
			if len(sentences) == 2 {
				break
			}
		}
	}
	if len(sentences) > 0 {
		return strings.Join(sentences, " ")
	}
	// The first 150 characters, without converting all of a long text.
	n := 0
	for i := range text {
		if n == 150 {
			return text[:i] + "..."
		}
		n++
	}
	return text
}

// storeLarge writes content to a new markdown file under large/ and returns
// its absolute path. The name carries the time, sender, recipient and a
// unique part, and is created with O_EXCL: two large messages never share a
// file.
func (st *Store) storeLarge(from, to, content string, now time.Time) (string, error) {
	dir := filepath.Join(st.root, largeDir)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", err
	}
	uniq := baseID(st.names.next(now))
	if i := strings.IndexByte(uniq, 'R'); i >= 0 {
		uniq = uniq[i+1:]
		if j := strings.IndexByte(uniq, '.'); j >= 0 {
			uniq = uniq[:j]
		}
	}
	name := fmt.Sprintf("%s_%s_%s_%s_message.md", now.Format("20060102-150405"), from, to, uniq)
	path := filepath.Join(dir, name)
	head := fmt.Sprintf("# IPC Message\nFrom: %s\nTo: %s\nTime: %s\nSize: %.1fKB\n\n## Content\n",
		from, to, legacyTime(now), float64(len(content))/1024)
	err := st.sync.WriteFile(path, func(w io.Writer) error {
		// Written in parts: a copy of a 64 MiB content would double the memory.
		_, err := io.WriteString(w, head)
		if err == nil {
			_, err = io.WriteString(w, content)
		}
		if err == nil {
			_, err = io.WriteString(w, "\n")
		}
		return err
	})
	if err != nil {
		return "", err
	}
	return path, nil
}

// largeData is the data of a large message: the sender's object plus the
// file's path and the original size in KB (one decimal). Data that is not
// an object is kept under "data".
func largeData(data json.RawMessage, path string, size int) (json.RawMessage, error) {
	obj := map[string]json.RawMessage{}
	if len(data) > 0 && (json.Unmarshal(data, &obj) != nil || obj == nil) {
		obj = map[string]json.RawMessage{"data": data}
	}
	p, _ := json.Marshal(path)
	obj["large_message_file"] = p
	kb := math.Round(float64(size)/1024*10) / 10
	k, _ := json.Marshal(kb)
	obj["original_size_kb"] = k
	return json.Marshal(obj)
}

// legacyTime formats t as the original product did: naive local ISO 8601
// with microseconds (omitted when zero, as Python's isoformat does).
func legacyTime(t time.Time) string {
	if t.Nanosecond()/1000 == 0 {
		return t.Local().Format(time.DateOnly + "T" + time.TimeOnly)
	}
	return text.Stamp(t)
}
