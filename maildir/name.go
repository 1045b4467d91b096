package maildir

import (
	"crypto/rand"
	"encoding/hex"
	"os"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Info separators. Files are written with infoSep ("!" is legal on every
// filesystem, unlike ":" on NTFS); ":" and its drvfs escape U+F03A are
// accepted on read.
const (
	infoSep     = "!"
	infoSeen    = infoSep + "2,S"
	drvfsColon  = "\uf03a"
	infoSepsAll = "!:" + drvfsColon
)

// namer generates unique maildir names of the form
//
//	<seconds>.M<microseconds>P<pid>Q<counter>R<random>[U|H].<host>
//
// Within one namer the time part strictly increases, so the messages of one
// sender sort in the order they were sent. The 64 random bits keep names
// unique across hosts and PID namespaces (WSL distros share a host name).
//
// The optional last letter of the unique part is the message's priority,
// U for urgent and H for high (none for normal), so that a check can put
// urgent mail first and an unread summary can count it from the directory
// listing alone, without opening a file (unread.go). The letter follows
// the random hex digits, which are lowercase, before the host: nameTime,
// namePID, writerOf and baseID read such a name as any other. Mail that
// other tools write has no letter: it is ordered as normal mail, and its
// Priority header still shows when it is read (namePriority).
type namer struct {
	mu   sync.Mutex
	last int64 // microseconds of the last name
	n    uint64
	pid  int
	host string
}

func newNamer() *namer {
	return &namer{pid: os.Getpid(), host: safeHost()}
}

// next is the name of a message of normal priority delivered at now.
func (g *namer) next(now time.Time) string { return g.nextFor(now, PriorityNormal) }

// nextFor is the name of a message of priority p delivered at now.
func (g *namer) nextFor(now time.Time, p Priority) string {
	g.mu.Lock()
	us := now.UnixMicro()
	if us <= g.last {
		us = g.last + 1
	}
	g.last = us
	g.n++
	n := g.n
	g.mu.Unlock()
	var rnd [8]byte
	_, _ = rand.Read(rnd[:])
	var b strings.Builder
	b.Grow(64)
	b.WriteString(strconv.FormatInt(us/1e6, 10))
	b.WriteString(".M")
	b.WriteString(strconv.FormatInt(us%1e6, 10))
	b.WriteString("P")
	b.WriteString(strconv.Itoa(g.pid))
	b.WriteString("Q")
	b.WriteString(strconv.FormatUint(n, 10))
	b.WriteString("R")
	b.WriteString(hex.EncodeToString(rnd[:]))
	switch p {
	case PriorityUrgent:
		b.WriteByte(markUrgent)
	case PriorityHigh:
		b.WriteByte(markHigh)
	}
	b.WriteString(".")
	b.WriteString(g.host)
	return b.String()
}

// The priority letters of a name's unique part (see namer).
const (
	markUrgent = 'U'
	markHigh   = 'H'
)

// randomDigits is how many hex digits of randomness a name carries.
const randomDigits = 16

// namePriority is the priority a name written by ipc carries (see namer):
// its unique part ends with R, 16 lowercase hex digits and U or H. Every
// other name, Python's mailbox's among them, is normal.
func namePriority(name string) Priority {
	_, rest, found := strings.Cut(name, ".")
	if !found || !strings.HasPrefix(rest, "M") {
		return PriorityNormal
	}
	mid, _, _ := strings.Cut(rest, ".")
	n := len(mid)
	if n < randomDigits+2 || mid[n-randomDigits-2] != 'R' {
		return PriorityNormal
	}
	for _, c := range mid[n-randomDigits-1 : n-1] {
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
			return PriorityNormal
		}
	}
	switch mid[n-1] {
	case markUrgent:
		return PriorityUrgent
	case markHigh:
		return PriorityHigh
	}
	return PriorityNormal
}

// safeHost is the host name reduced to characters that are safe in a file
// name on every platform and carry no maildir meaning.
func safeHost() string {
	h, err := os.Hostname()
	if err != nil || h == "" {
		return "localhost"
	}
	return strings.Map(func(r rune) rune {
		switch {
		case 'a' <= r && r <= 'z', 'A' <= r && r <= 'Z', '0' <= r && r <= '9', r == '-', r == '_':
			return r
		}
		return '_'
	}, h)
}

// baseID returns the unique part of a maildir file name (the name without
// its info suffix).
func baseID(name string) string {
	if i := strings.IndexAny(name, infoSepsAll); i >= 0 {
		return name[:i]
	}
	return name
}

// nameTime extracts the delivery time (microseconds) of a maildir name
// "<sec>.M<usec>..." as written by ipc, Python's mailbox and most agents;
// other names yield only their seconds, or 0.
func nameTime(name string) int64 {
	sec, rest, _ := strings.Cut(name, ".")
	s, err := strconv.ParseInt(sec, 10, 64)
	if err != nil {
		return 0
	}
	us := int64(0)
	if strings.HasPrefix(rest, "M") {
		end := 1
		for end < len(rest) && rest[end] >= '0' && rest[end] <= '9' {
			end++
		}
		if v, err := strconv.ParseInt(rest[1:end], 10, 64); err == nil && v < 1e6 {
			us = v
		}
	}
	return s*1e6 + us
}

// sortArrival orders maildir names by delivery time, then by name.
func sortArrival(names []string) {
	keys := make(map[string]int64, len(names))
	for _, n := range names {
		keys[n] = nameTime(n)
	}
	sort.Slice(names, func(i, j int) bool {
		ki, kj := keys[names[i]], keys[names[j]]
		if ki != kj {
			return ki < kj
		}
		return names[i] < names[j]
	})
}

// sortSurfacing orders the unread names of a check: urgent first, then
// high, then normal, each in arrival order (sortArrival's).
func sortSurfacing(names []string) {
	type key struct {
		rank int
		t    int64
	}
	keys := make(map[string]key, len(names))
	for _, n := range names {
		keys[n] = key{namePriority(n).rank(), nameTime(n)}
	}
	sort.Slice(names, func(i, j int) bool {
		ki, kj := keys[names[i]], keys[names[j]]
		switch {
		case ki.rank != kj.rank:
			return ki.rank < kj.rank
		case ki.t != kj.t:
			return ki.t < kj.t
		}
		return names[i] < names[j]
	})
}

// namePID returns the writer's pid and host recorded in a name written by
// ipc, for the safe cleaning of tmp/.
func namePID(name string) (pid int, host string, ok bool) {
	_, rest, found := strings.Cut(name, ".")
	if !found {
		return 0, "", false
	}
	mid, host, found := strings.Cut(rest, ".")
	if !found {
		return 0, "", false
	}
	p := strings.Index(mid, "P")
	q := strings.Index(mid, "Q")
	if p < 0 || q < p {
		return 0, "", false
	}
	pid, err := strconv.Atoi(mid[p+1 : q])
	if err != nil {
		return 0, "", false
	}
	return pid, host, true
}

func timeFromMicros(us int64) time.Time { return time.UnixMicro(us) }
