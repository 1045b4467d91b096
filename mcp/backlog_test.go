package mcp

import (
	"fmt"
	"runtime"
	"strconv"
	"strings"
	"testing"

	"github.com/ipc-dev/ipc/internal/ipctest"
	"github.com/ipc-dev/ipc/internal/readcount"
)

// TestNoticeCostDoesNotGrowWithBacklog: the unread notice appended to every
// tool result reads as many files at 10,000 unread as at 8, and still
// names the oldest senders.
func TestNoticeCostDoesNotGrowWithBacklog(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("counts read system calls through /proc/self/io")
	}
	root := t.TempDir()
	few := newPeer(t, root, Config{ID: "few"})
	many := newPeer(t, root, Config{ID: "many"})
	sender := func(i int) string { return fmt.Sprintf("s%d", i%3) }
	ipctest.FillUnread(t, root, "few", 8, sender)
	ipctest.FillUnread(t, root, "many", 10_000, sender)

	var text string
	readsFew := readcount.Of(t, 5, func() { text = few.ok("list_instances", nil) })
	mustContain(t, text, "📬 8 unread: from s0, s1, s2 — call check")
	readsMany := readcount.Of(t, 5, func() { text = many.ok("list_instances", nil) })
	mustContain(t, text, "📬 10000 unread: from s0, s1, s2, … — call check")
	if readsMany > readsFew+ipctest.ProcessReadSlack {
		t.Fatalf("list_instances made %d read calls at 10,000 unread, %d at 8", readsMany, readsFew)
	}
	t.Logf("read calls per list_instances: %d at 8 unread, %d at 10,000", readsFew, readsMany)
}

// TestChannelCostDoesNotGrowWithBacklog: with 5,000 unread messages already
// announced, announcing one more reads about as many files as with none
// waiting (the old announcer read the whole backlog on every arrival).
func TestChannelCostDoesNotGrowWithBacklog(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("counts read system calls through /proc/self/io")
	}
	root := t.TempDir()
	alice := newPeer(t, root, Config{ID: "alice"})
	ipctest.FillUnread(t, root, "big", 5_000, func(int) string { return "carol" })
	small := newPeer(t, root, Config{ID: "small", Channel: true})
	big := newPeer(t, root, Config{ID: "big", Channel: true})
	notes := big.waitChannel(1) // the backlog, in one summary
	if _, meta := channelFields(t, notes[0]); meta["count"] != "5000" || meta["from"] != "carol" {
		t.Fatalf("backlog announced as %v", meta)
	}

	arrival := func(p *peer, to string) int {
		var got int
		n := 0
		got = readcount.Of(t, 5, func() {
			before := len(p.channelNotes())
			n++
			alice.ok("send", map[string]any{"from_id": "alice", "to_id": to, "content": "ping " + strconv.Itoa(n)})
			notes := p.waitChannel(before + 1)
			if c, _ := channelFields(t, notes[len(notes)-1]); !strings.Contains(c, "ping") {
				t.Fatalf("announced %q", c)
			}
		})
		return got
	}
	readsSmall, readsBig := arrival(small, "small"), arrival(big, "big")
	if readsBig > readsSmall+ipctest.ProcessReadSlack {
		t.Fatalf("one arrival cost %d read calls at 5,000 unread, %d at none", readsBig, readsSmall)
	}
	t.Logf("read calls per announced arrival: %d at 0 unread, %d at 5,000", readsSmall, readsBig)
}
