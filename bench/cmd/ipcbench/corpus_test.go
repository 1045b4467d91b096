package main

import (
	"context"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

func TestVocabulary(t *testing.T) {
	words := vocabulary()
	if len(words) != corpusVocab {
		t.Fatalf("%d words, want %d", len(words), corpusVocab)
	}
	seen := map[string]bool{}
	letters := regexp.MustCompile(`^[a-z]+$`)
	for _, w := range words {
		if seen[w] || !letters.MatchString(w) {
			t.Errorf("word %q repeated or not lowercase letters", w)
		}
		seen[w] = true
	}
}

// TestWriteCorpus writes a small corpus and reads its files back: every
// message is to or from the coordinator, some answer others, some are
// urgent, and the coordinator has read 90% of its mail.
func TestWriteCorpus(t *testing.T) {
	root := t.TempDir()
	const n = 400
	c, err := writeCorpus(context.Background(), root, n)
	if err != nil {
		t.Fatal(err)
	}
	if c.n != n || c.since.IsZero() || len(c.phrase) < 2 || len(c.workers) != corpusWorkers {
		t.Fatalf("corpus %+v", c)
	}
	var files, replies, urgent, toLead, leadRead int
	for _, dir := range []string{"new", "cur"} {
		paths, _ := filepath.Glob(filepath.Join(root, "mail", "*", dir, "*"))
		for _, p := range paths {
			bs, err := os.ReadFile(p)
			if err != nil {
				t.Fatal(err)
			}
			hdr, _, _ := strings.Cut(string(bs), "\n\n")
			files++
			box := filepath.Base(filepath.Dir(filepath.Dir(p)))
			if box == corpusLead {
				toLead++
				if dir == "cur" {
					leadRead++
				}
			} else if !strings.Contains(hdr, "\nFrom: "+corpusLead) && !strings.HasPrefix(hdr, "From: "+corpusLead) {
				t.Errorf("%s: a worker's mail not from the coordinator:\n%s", p, hdr)
			}
			if strings.Contains(hdr, "In-Reply-To: ") {
				replies++
			}
			if strings.Contains(hdr, "Priority: urgent") {
				urgent++
			}
		}
	}
	if files != n || replies < n/10 || urgent == 0 {
		t.Errorf("%d files (want %d), %d replies, %d urgent", files, n, replies, urgent)
	}
	if want := toLead * 9 / 10; leadRead != want {
		t.Errorf("the coordinator read %d of %d, want %d", leadRead, toLead, want)
	}
}

// TestSearchMix checks that every query of the mix asks for words the
// corpus holds, and that the rare one is rare.
func TestSearchMix(t *testing.T) {
	c, err := writeCorpus(context.Background(), t.TempDir(), 2000)
	if err != nil {
		t.Fatal(err)
	}
	mix := searchMix(c)
	if len(mix) != 8 {
		t.Fatalf("%d queries, want 8", len(mix))
	}
	for _, sc := range mix {
		if prefix, ok := strings.CutSuffix(sc.q.Text, "*"); ok {
			var holding int
			for r, w := range vocabulary() {
				if strings.HasPrefix(w, prefix) && c.df[r] > 0 {
					holding++
				}
			}
			if holding < 2 {
				t.Errorf("%s: %d words in the corpus start with %q", sc.name, holding, prefix)
			}
			continue
		}
		for _, w := range strings.Fields(strings.Trim(sc.q.Text, `"`)) {
			r, ok := rankOf[w]
			if !ok || c.df[r] == 0 {
				t.Errorf("%s: %q is in no message", sc.name, w)
			}
			if sc.name == "rare term" && (c.df[r] < 2 || c.df[r] > 5) {
				t.Errorf("the rare term %q is in %d messages", w, c.df[r])
			}
		}
	}
	if d := describeMix(mix, c); !strings.Contains(d, "--unread") || !strings.Contains(d, "--from worker3") {
		t.Errorf("describeMix: %s", d)
	}
}
