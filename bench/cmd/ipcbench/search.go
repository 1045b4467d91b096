package main

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/ipc-dev/ipc/maildir"
)

// searchReference is the leader's published figure, printed beside ours
// and never measured here.
const searchReference = "reference, published by MCP Agent Mail and not measured here: search p50 0.68 ms over 15,000 messages (Tantivy index)"

// disagreement is a search whose index and scan answers differ: the bench
// fails on it, whatever the figures.
type disagreement struct{ msg string }

func (e disagreement) Error() string { return e.msg }

// searcher is what a search is made through: a session of the core.
type searcher interface {
	Search(ctx context.Context, q maildir.SearchQuery) (maildir.SearchResult, error)
}

// searchCase is one query of the fixed mix.
type searchCase struct {
	name string
	q    maildir.SearchQuery
}

// benchSearch: search over a corpus of 100,000 messages (2,000 with
// --quick) with the index and with a plain scan of the same files, in the
// same run; the rebuild of the index from the files; and durable sends
// with the server's indexer loop running and without it.
func benchSearch(ctx context.Context, b *bench) error {
	root, err := b.tempRoot()
	if err != nil {
		return err
	}
	n := b.n(2000, 100_000)
	b.stage("search: writing %d messages", n)
	c, err := writeCorpus(ctx, root, n)
	if err != nil {
		return err
	}
	b.value("search_corpus_msgs", "msgs", float64(n))
	b.value("search_corpus_write_s", "s", c.took.Seconds())
	b.rate("search_corpus_msgs_per_s", "msgs/s", n, c.took)
	syncFS(root)

	st, err := benchStore(root)
	if err != nil {
		return err
	}
	defer st.Close()
	lead, err := st.Login(ctx, corpusLead, "")
	if err != nil {
		return err
	}
	b.stage("search: rebuilding the index from %d files", n)
	stats, err := st.RebuildIndex(ctx)
	if err != nil {
		return fmt.Errorf("rebuild: %w", err)
	}
	if stats.Docs != int64(n) {
		return disagreement{fmt.Sprintf("search: the rebuild indexed %d messages of %d", stats.Docs, n)}
	}
	b.value("search_rebuild_s", "s", stats.Took.Seconds())
	b.value("search_index_mb", "MB", float64(stats.Size)/(1<<20))

	mix := searchMix(c)
	b.notes = append(b.notes, "search queries, as "+corpusLead+" over all its mail: "+describeMix(mix, c))
	if err := compareSearches(ctx, lead, mix); err != nil {
		return err
	}
	reps, scanReps := b.n(30, 30), b.n(10, 3)
	b.stage("search: %d queries × %d with the index, × %d scanning", len(mix), reps, scanReps)
	indexed := make([][]time.Duration, len(mix)) // per query
	scanned := make([][]time.Duration, len(mix))
	for r := 0; r < reps; r++ {
		for i, sc := range mix {
			d, err := timeSearch(ctx, lead, sc.q)
			if err != nil {
				return fmt.Errorf("%s: %w", sc.name, err)
			}
			indexed[i] = append(indexed[i], d)
			if r < scanReps {
				q := sc.q
				q.Scan = true
				if d, err = timeSearch(ctx, lead, q); err != nil {
					return fmt.Errorf("%s, scanning: %w", sc.name, err)
				}
				scanned[i] = append(scanned[i], d)
			}
		}
	}
	b.quantiles("search_index", slices.Concat(indexed...), 0.5, 0.95)
	b.quantiles("search_scan", slices.Concat(scanned...), 0.5, 0.95)
	perQuery := make([]string, len(mix))
	for i, sc := range mix {
		perQuery[i] = fmt.Sprintf("%s %.3f / %.0f", sc.name, medianMS(indexed[i]), medianMS(scanned[i]))
	}
	b.notes = append(b.notes, "search p50 per query, index / scan (ms): "+strings.Join(perQuery, "; "))
	b.notes = append(b.notes, searchReference)

	return benchSendIndexed(ctx, b, st, lead)
}

// stage reports progress within a long scenario.
func (b *bench) stage(format string, args ...any) {
	fmt.Fprintf(b.progress, "\r\033[Kbench: "+format, args...)
}

// timeSearch runs one search and times it. A search that had to rebuild
// the index is an error: the timed searches must find it in place.
func timeSearch(ctx context.Context, s searcher, q maildir.SearchQuery) (time.Duration, error) {
	t0 := time.Now()
	r, err := s.Search(ctx, q)
	d := time.Since(t0)
	if err == nil && r.Rebuilt {
		err = errors.New("the search rebuilt the index")
	}
	return d, err
}

// compareSearches runs every query with the index and with a scan and
// fails when their first pages differ (the same ids in the same order).
func compareSearches(ctx context.Context, s searcher, mix []searchCase) error {
	var bad []string
	for _, sc := range mix {
		q := sc.q
		withIndex, err := s.Search(ctx, q)
		if err != nil {
			return fmt.Errorf("%s: %w", sc.name, err)
		}
		q.Scan = true
		scanned, err := s.Search(ctx, q)
		if err != nil {
			return fmt.Errorf("%s, scanning: %w", sc.name, err)
		}
		a, c := pageIDs(withIndex.Messages), pageIDs(scanned.Messages)
		if len(c) == 0 {
			bad = append(bad, fmt.Sprintf("%s: the scan found nothing (the query picks no mail: a bad mix)", sc.name))
		} else if !slices.Equal(a, c) {
			bad = append(bad, fmt.Sprintf("%s: the index's first page (%d) differs from the scan's (%d): first difference %s", sc.name, len(a), len(c), firstDifference(a, c)))
		}
	}
	if len(bad) > 0 {
		return disagreement{"search: index and scan disagree: " + strings.Join(bad, "; ")}
	}
	return nil
}

func pageIDs(ms []maildir.Message) []string {
	ids := make([]string, len(ms))
	for i, m := range ms {
		ids[i] = m.ID
	}
	return ids
}

// firstDifference describes where two id lists first differ.
func firstDifference(a, c []string) string {
	for i := 0; i < max(len(a), len(c)); i++ {
		x, y := "(none)", "(none)"
		if i < len(a) {
			x = a[i]
		}
		if i < len(c) {
			y = c[i]
		}
		if x != y {
			return fmt.Sprintf("at %d: index %s, scan %s", i, x, y)
		}
	}
	return "none"
}

// searchMix is the fixed mix of queries: a rare term, a common one, two
// terms, a phrase, a prefix, and a term with each filter (from, unread,
// since).
func searchMix(c *corpus) []searchCase {
	words := vocabulary()
	return []searchCase{
		{"rare term", maildir.SearchQuery{Text: rareWord(c, words)}},
		{"common term", maildir.SearchQuery{Text: "test"}},
		{"two terms", maildir.SearchQuery{Text: "auth timeout"}},
		{"phrase", maildir.SearchQuery{Text: `"` + phraseOf(c.phrase) + `"`}},
		{"prefix", maildir.SearchQuery{Text: "re*"}},
		{"from", maildir.SearchQuery{Text: "build", From: c.workers[2]}},
		{"unread", maildir.SearchQuery{Text: "fix", Unread: true}},
		{"since", maildir.SearchQuery{Text: "error", Since: c.since}},
	}
}

// rareWord is the made-up word found in the fewest messages, two or
// more.
func rareWord(c *corpus, words []string) string {
	best := words[len(words)-1]
	for r := len(words) - 1; r >= len(commonWords); r-- {
		if d := c.df[r]; d >= 2 && (c.df[rankOf[best]] < 2 || d < c.df[rankOf[best]]) {
			best = words[r]
		}
	}
	return best
}

// phraseOf is two neighbouring words of a sentence, the first pair of
// words of three letters or more.
func phraseOf(s []string) string {
	for i := 0; i+1 < len(s); i++ {
		if len(s[i]) >= 3 && len(s[i+1]) >= 3 {
			return s[i] + " " + s[i+1]
		}
	}
	return strings.Join(s[:min(2, len(s))], " ")
}

// describeMix names each query and, for single words, how many messages
// hold it.
func describeMix(mix []searchCase, c *corpus) string {
	parts := make([]string, len(mix))
	for i, sc := range mix {
		p := fmt.Sprintf("%s %s", sc.name, sc.q.Text)
		if r, ok := rankOf[sc.q.Text]; ok {
			p += fmt.Sprintf(" (in %d messages)", c.df[r])
		}
		switch {
		case sc.q.From != "":
			p += " --from " + sc.q.From
		case sc.q.Unread:
			p += " --unread"
		case !sc.q.Since.IsZero():
			p += " --since (the last 10% of the corpus)"
		}
		parts[i] = p
	}
	return strings.Join(parts, "; ")
}

// quantiles records the q-quantiles of samples as prefix_pNN_ms.
func (b *bench) quantiles(prefix string, samples []time.Duration, qs ...float64) {
	ms := make([]float64, len(samples))
	for i, d := range samples {
		ms[i] = float64(d) / float64(time.Millisecond)
	}
	sort.Float64s(ms)
	for _, q := range qs {
		b.value(fmt.Sprintf("%s_p%02.0f_ms", prefix, q*100), "ms", quantile(ms, q))
	}
}

// benchSendIndexed: durable sends (the default sync policy) with the
// server's indexer loop running, indexing the mail as it lands, and
// without it, on the same store, in rounds that alternate which goes
// first, so that drift in the machine's speed weighs on both alike. A
// round with the loop starts once the index has caught up with the mail
// sent before it, and stops the loop once it has caught up with its own:
// neither catch-up is timed, the loop's work during the sends is.
func benchSendIndexed(ctx context.Context, b *bench, st *maildir.Store, lead *maildir.Session) error {
	rounds, per := b.n(4, 10), b.n(250, 1000)
	body := strings.Repeat("deploy the auth module after review ", 6)[:200]
	var on, off sendRound
	send := func(into *sendRound) error {
		start := time.Now()
		for i := 0; i < per; i++ {
			t0 := time.Now()
			if _, err := lead.Send(ctx, "worker1", body, nil); err != nil {
				return err
			}
			into.samples = append(into.samples, time.Since(t0))
		}
		into.took += time.Since(start)
		return nil
	}
	indexing := func() error {
		if _, err := st.CatchUpIndex(ctx); err != nil {
			return fmt.Errorf("catch-up: %w", err)
		}
		loopCtx, stop := context.WithCancel(ctx)
		var wg sync.WaitGroup
		var loopErr error
		wg.Go(func() { loopErr = st.KeepIndexed(loopCtx) })
		err := send(&on)
		if err == nil {
			_, err = st.CatchUpIndex(ctx)
		}
		stop()
		wg.Wait()
		if err == nil && loopErr != nil && !errors.Is(loopErr, context.Canceled) {
			err = fmt.Errorf("indexer loop: %w", loopErr)
		}
		return err
	}
	for r := 0; r < rounds; r++ {
		b.stage("search: durable sends with the indexer loop and without (round %d/%d)", r+1, rounds)
		steps := []func() error{indexing, func() error { return send(&off) }}
		if r%2 == 1 {
			slices.Reverse(steps)
		}
		for _, step := range steps {
			if err := step(); err != nil {
				return err
			}
		}
	}
	b.latency("send_index_on", on.samples)
	b.latency("send_index_off", off.samples)
	b.rate("send_index_on_msgs_per_s", "msgs/s", len(on.samples), on.took)
	b.rate("send_index_off_msgs_per_s", "msgs/s", len(off.samples), off.took)
	return nil
}

// sendRound is what the rounds of one side measured.
type sendRound struct {
	samples []time.Duration
	took    time.Duration
}
