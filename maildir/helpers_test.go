package maildir

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/ipc-dev/ipc/internal/ipctest"
)

// mustOpen opens a store in a fresh temporary root.
func mustOpen(tb testing.TB, opts Options) *Store {
	tb.Helper()
	return mustOpenAt(tb, tb.TempDir(), opts)
}

func mustOpenAt(tb testing.TB, root string, opts Options) *Store {
	tb.Helper()
	return ipctest.Open(tb, Open, root, testOptions(opts))
}

func mustLogin(tb testing.TB, st *Store, id string) *Session {
	tb.Helper()
	s, err := st.Login(context.Background(), id, "")
	if err != nil {
		tb.Fatalf("Login(%q): %v", id, err)
	}
	return s
}

func mustSend(tb testing.TB, s *Session, to, content string) SendResult {
	tb.Helper()
	r, err := s.Send(context.Background(), to, content, nil)
	if err != nil {
		tb.Fatalf("%s.Send(%q): %v", s.ID(), to, err)
	}
	return r
}

func mustCheck(tb testing.TB, s *Session) []Message {
	tb.Helper()
	r, err := s.Check(context.Background(), CheckOptions{})
	if err != nil {
		tb.Fatalf("%s.Check: %v", s.ID(), err)
	}
	return r.Messages
}

func contents(ms []Message) []string {
	out := make([]string, len(ms))
	for i, m := range ms {
		out[i] = m.Content
	}
	return out
}

func wantKind(tb testing.TB, err error, k Kind) {
	tb.Helper()
	if err == nil {
		tb.Fatalf("err = nil, want kind %s", k)
	}
	if got := KindOf(err); got != k {
		tb.Fatalf("KindOf(%v) = %s, want %s", err, got, k)
	}
}

// clock is a settable clock for rules measured in hours.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *clock { return &clock{t: time.Now()} }

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}
