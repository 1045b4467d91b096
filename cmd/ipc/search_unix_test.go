//go:build !windows

package main

import (
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/ipc-dev/ipc/internal/ipctest"
)

// TestSearchIndexDamagedUnderRunningServer deletes, truncates and fills
// with garbage the index of a mailbox whose server keeps it current: each
// time searches still answer with every message, the index is rebuilt,
// and no mail is lost or changed.
func TestSearchIndexDamagedUnderRunningServer(t *testing.T) {
	home := t.TempDir()
	srv := startServe(t, home, filepath.Join(shortDir(t), "s.sock"), nil)
	index := filepath.Join(home, "index", "search.db")
	want := []string{}
	send := func(text string) {
		mustIPC(t, home, "alice", "", "send", "bob", text)
		want = append([]string{text}, want...)
	}
	for i := range 20 {
		send(fmt.Sprintf("deploy note %d", i))
	}
	// The server catches the index up as mail lands, without any search.
	ipctest.WaitFor(t, "the server to index the mail", func() bool {
		info, err := os.Stat(index)
		return err == nil && info.Size() > 0
	})
	damages := []struct {
		name string
		do   func() error
	}{
		{"deleted", func() error { return os.Remove(index) }},
		{"truncated", func() error { return os.Truncate(index, 1000) }},
		{"garbage", func() error { return os.WriteFile(index, []byte(strings.Repeat("\xde\xad\xbe\xef", 8192)), 0o600) }},
	}
	for _, d := range damages {
		if err := d.do(); err != nil {
			t.Fatal(err)
		}
		send("after " + d.name) // wakes the server's catch-up too
		got, _ := cliSearch(t, home, "bob", "-n", "100", "--to", "bob")
		if !slices.Equal(got, want) {
			t.Fatalf("%s: search found %d of %d:\n%q", d.name, len(got), len(want), got)
		}
		// Rebuilt: the next search uses a sound index, without rebuilding.
		if _, res := cliSearch(t, home, "bob", "deploy"); res.Rebuilt || len(res.Results) != 20 {
			t.Fatalf("%s: after the rebuild: %d results, rebuilt=%v", d.name, len(res.Results), res.Rebuilt)
		}
	}
	select {
	case <-srv.exited:
		t.Fatalf("the server exited: %v\n%s", srv.err, srv.stderr)
	default:
	}
	// Nothing lost or changed: bob reads every message, once.
	if got := checkJSON(t, home, "bob"); len(got.Messages) != len(want) {
		t.Fatalf("bob reads %d of %d messages", len(got.Messages), len(want))
	}
	srv.stop()
	if s := srv.stderr.String(); strings.Contains(s, "panic") || strings.Contains(s, "DATA RACE") {
		t.Fatalf("server log:\n%s", s)
	}
}

// TestSearchAfterKillDuringIndexing kills (SIGKILL) a search that is
// building the index of a large mailbox at random points; after each kill
// a search must find exactly what a scan of the files finds.
func TestSearchAfterKillDuringIndexing(t *testing.T) {
	home := t.TempDir()
	mustIPC(t, home, "bob", "", "whoami")
	ipctest.FillUnread(t, home, "bob", 6000, func(i int) string { return []string{"alice", "carol"}[i%2] })
	mustIPC(t, home, "alice", "", "send", "bob", "backlog needle")
	scan, _ := cliSearch(t, home, "bob", "backlog", "--scan", "-n", "1000")
	for trial := range 8 {
		if trial%4 == 0 {
			os.Remove(filepath.Join(home, "index", "search.db")) // a build from nothing
		}
		cmd := ipcCmd(home, "bob", "search", "backlog", "-n", "5")
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		// A random point of its work: the kill is the test, not a wait.
		time.Sleep(time.Duration(rand.IntN(400)) * time.Millisecond)
		cmd.Process.Signal(syscall.SIGKILL)
		cmd.Wait()
		if trial%2 == 1 { // mail that lands between the kill and the next search
			ipctest.FillUnread(t, home, "bob", 3, func(int) string { return "dave" })
			more, _ := cliSearch(t, home, "bob", "backlog", "--scan", "-n", "1000")
			scan = more
		}
		got, _ := cliSearch(t, home, "bob", "backlog", "-n", "1000")
		if !slices.Equal(got, scan) {
			t.Fatalf("trial %d: index found %d, scan %d", trial, len(got), len(scan))
		}
	}
}
