package main

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/ipc-dev/ipc/maildir"
)

// The corpus the search figures are measured on: a coordinator and its
// workers, every message to or from the coordinator, so that a search as
// the coordinator covers all of them.
const (
	corpusLead    = "lead"
	corpusWorkers = 7
	corpusVocab   = 4000 // distinct words
)

// commonWords are the most frequent words of the corpus, in rank order:
// the talk of agents at work. The rest of the vocabulary is made up
// (pseudoWord), so that its tail holds rare words.
var commonWords = strings.Fields(`the to a of and is in it for on this that with
	be we test build fix not as are at from have can will by run an but or so
	if all you now done i check file module change failing passes merge branch
	review api auth server client config error log index search query thread
	message reply deploy release version issue bug patch commit push pull main
	code type function handler request response timeout retry cache store disk
	lock race flaky ci pipeline step job queue worker lead plan task next after
	before again please need want looks good ready blocked waiting wait update
	added removed renamed moved tests docs readme benchmark latency throughput
	memory cpu schema migration database table column row key value token
	session user permission secret env path directory socket port http json`)

// pseudoWord is the i-th made-up word: two to four syllables, lowercase
// letters only, distinct for distinct i below 6,400.
func pseudoWord(i int) string {
	const cons, vows = "bcdfghklmnprstvz", "aeiou"
	var b strings.Builder
	n := 2 + i%3
	space := 1
	for s := 0; s < n; s++ {
		space *= len(cons) * len(vows)
	}
	x := (i*7919 + 13) % space // 7919 is prime to space: a permutation that varies the syllables
	for s := 0; s < n; s++ {
		b.WriteByte(cons[x%len(cons)])
		x /= len(cons)
		b.WriteByte(vows[x%len(vows)])
		x /= len(vows)
	}
	return b.String()
}

// vocabulary is the corpus's words in rank order (most frequent first).
func vocabulary() []string {
	seen := map[string]bool{}
	words := make([]string, 0, corpusVocab)
	for _, w := range commonWords {
		if !seen[w] {
			seen[w] = true
			words = append(words, w)
		}
	}
	for i := 0; len(words) < corpusVocab; i++ {
		if w := pseudoWord(i); !seen[w] {
			seen[w] = true
			words = append(words, w)
		}
	}
	return words
}

// textGen writes messages whose words follow a Zipf distribution over the
// vocabulary. It is not safe for concurrent use: each sender has its own.
type textGen struct {
	words []string
	r     *rand.Rand
	zipf  *rand.Zipf
	df    []int // messages each word appears in, for picking query terms
}

func newTextGen(words []string, seed uint64) *textGen {
	r := rand.New(rand.NewPCG(seed, 0x1b5))
	return &textGen{words: words, r: r, zipf: rand.NewZipf(r, 1.07, 2, uint64(len(words)-1)), df: make([]int, len(words))}
}

// sentence is n words.
func (g *textGen) sentence(n int) []string {
	s := make([]string, n)
	for i := range s {
		s[i] = g.words[g.zipf.Uint64()]
	}
	return s
}

// body is a message body of 2 to 6 sentences, and it counts each distinct
// word's message for the document frequencies. The first sentence is
// returned apart: a phrase query takes its words from one.
func (g *textGen) body(subject string) (string, []string) {
	var b strings.Builder
	var first []string
	seen := map[int]bool{}
	for i, n := 0, 2+g.r.IntN(5); i < n; i++ {
		s := g.sentence(4 + g.r.IntN(10))
		if i == 0 {
			first = s
		}
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(strings.ToUpper(s[0][:1]) + s[0][1:])
		for _, w := range s[1:] {
			b.WriteByte(' ')
			b.WriteString(w)
		}
		b.WriteByte('.')
	}
	for _, w := range strings.Fields(strings.ToLower(subject + " " + b.String())) {
		if r, ok := rankOf[strings.Trim(w, ".:")]; ok && !seen[r] {
			seen[r] = true
			g.df[r]++
		}
	}
	return b.String(), first
}

// rankOf maps each vocabulary word to its rank.
var rankOf = func() map[string]int {
	m := map[string]int{}
	for i, w := range vocabulary() {
		m[w] = i
	}
	return m
}()

// subject is a new thread's subject: 2 to 5 words.
func (g *textGen) subject() string {
	s := g.sentence(2 + g.r.IntN(4))
	s[0] = strings.ToUpper(s[0][:1]) + s[0][1:]
	return strings.Join(s, " ")
}

// priority is urgent for 2% of messages, high for 6%.
func (g *textGen) priority() maildir.Priority {
	switch x := g.r.IntN(100); {
	case x < 2:
		return maildir.PriorityUrgent
	case x < 8:
		return maildir.PriorityHigh
	}
	return maildir.PriorityNormal
}

// corpus is what writeCorpus made, for the queries to pick their terms.
type corpus struct {
	n       int
	took    time.Duration // the sends alone
	df      []int         // per rank: messages the word appears in
	phrase  []string      // a sentence of some message: a phrase query takes two of its words
	since   time.Time     // when 90% of the messages had been sent
	workers []string
}

// received is what a sender remembers of the mail it got, to reply to.
type received struct {
	mu   sync.Mutex
	last []receivedMsg // the latest 64
}

type receivedMsg struct{ id, from string }

func (r *received) add(m receivedMsg) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.last) == 64 {
		copy(r.last, r.last[1:])
		r.last = r.last[:63]
	}
	r.last = append(r.last, m)
}

func (r *received) pick(g *textGen) (receivedMsg, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.last) == 0 {
		return receivedMsg{}, false
	}
	return r.last[g.r.IntN(len(r.last))], true
}

// writeCorpus writes n messages into root: the coordinator and each
// worker send in parallel (one goroutine each, n/8 messages apiece), the
// coordinator to the workers in turn, each worker to the coordinator; 30%
// of messages answer one the sender received (ReplyTo: they join its
// thread), the rest start a thread with a subject of their own; 2% are
// urgent, 6% high, 5% ask for an acknowledgement. The store never
// fsyncs (SyncNone): the corpus is set-up, not a figure. At the end the
// coordinator reads the oldest 90% of its mail, so that --unread has
// something to leave out.
func writeCorpus(ctx context.Context, root string, n int) (*corpus, error) {
	st, err := maildir.Open(root, maildir.Options{Sync: maildir.SyncNone, RateBurst: -1})
	if err != nil {
		return nil, err
	}
	defer st.Close()
	ids := []string{corpusLead}
	for i := 1; i <= corpusWorkers; i++ {
		ids = append(ids, fmt.Sprintf("worker%d", i))
	}
	sessions := make([]*maildir.Session, len(ids))
	inbox := make([]*received, len(ids))
	for i, id := range ids {
		if sessions[i], err = st.Login(ctx, id, ""); err != nil {
			return nil, err
		}
		inbox[i] = &received{}
	}
	words := vocabulary()
	c := &corpus{n: n, df: make([]int, len(words)), workers: ids[1:]}
	gens := make([]*textGen, len(ids))
	var sent atomic.Int64
	var sinceOnce sync.Once
	errs := make([]error, len(ids))
	var wg sync.WaitGroup
	start := time.Now()
	for i := range ids {
		gens[i] = newTextGen(words, uint64(i+1))
		share := n / len(ids)
		if i < n%len(ids) {
			share++
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			g, me := gens[i], sessions[i]
			for k := 0; k < share && ctx.Err() == nil; k++ {
				to := 0 // a worker writes to the coordinator
				if i == 0 {
					to = 1 + k%corpusWorkers
				}
				p := maildir.Payload{Priority: g.priority(), Ack: g.r.IntN(100) < 5}
				if orig, ok := inbox[i].pick(g); ok && g.r.IntN(100) < 30 {
					p.ReplyTo = orig.id
					to = slices.Index(ids, orig.from)
				} else {
					p.Subject = g.subject()
				}
				var first []string
				p.Content, first = g.body(p.Subject)
				res, err := me.SendPayload(ctx, ids[to], p)
				if err != nil {
					errs[i] = fmt.Errorf("corpus: %s to %s: %w", ids[i], ids[to], err)
					return
				}
				inbox[to].add(receivedMsg{id: res.ID, from: ids[i]})
				if i == 0 && k == share/2 {
					c.phrase = first
				}
				if sent.Add(1) == int64(n*9/10) {
					sinceOnce.Do(func() { c.since = time.Now() })
				}
			}
		}()
	}
	wg.Wait()
	c.took = time.Since(start)
	for _, err := range errs {
		if err != nil {
			return nil, err
		}
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	for _, g := range gens {
		for r, d := range g.df {
			c.df[r] += d
		}
	}
	lead := sessions[0]
	unread, err := lead.Unread(ctx)
	if err != nil {
		return nil, err
	}
	for left := unread.Count * 9 / 10; left > 0; {
		r, err := lead.Check(ctx, maildir.CheckOptions{Max: min(left, 1000)})
		if err != nil {
			return nil, err
		}
		if r.Stopped != nil {
			return nil, r.Stopped
		}
		if len(r.Messages) == 0 {
			break
		}
		left -= len(r.Messages)
	}
	return c, nil
}
