package durable

import (
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/ipc-dev/ipc/internal/ipctest"
)

// gatherForever makes a committer that, once it has gathering to do, would
// wait an hour for deliveries that never queue: a test that finishes shows
// the commit did not wait for them.
func gatherForever(t *testing.T) *committer {
	c := newCommitter(t.TempDir(), "ext4")
	t.Cleanup(c.close)
	c.took = time.Hour
	return c
}

func tempFile(t *testing.T, dir string, i int) *os.File {
	t.Helper()
	f, err := os.Create(filepath.Join(dir, fmt.Sprintf("f%d", i)))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.WriteString("message"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	return f
}

// mustOpenDir opens a directory for flushing, closed when the test ends.
func mustOpenDir(t *testing.T, dir string) *os.File {
	t.Helper()
	d, err := os.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	return d
}

func TestCommitLoneDeliveryDoesNotWait(t *testing.T) {
	c := gatherForever(t)
	f := tempFile(t, t.TempDir(), 0)
	ipctest.Within(t, "the deliveries", 10*time.Second, func() {
		c.enter()
		defer c.leave()
		if err := c.commit(&commitItem{file: f}); err != nil {
			t.Error(err)
		}
	})
	if c.last != 1 {
		t.Errorf("last commit had %d items, want 1", c.last)
	}
}

func TestCommitGathersEveryDeliveryUnderWay(t *testing.T) {
	const n = 16
	c := gatherForever(t)
	dir := t.TempDir()
	files := make([]*os.File, n)
	for i := range files {
		files[i] = tempFile(t, dir, i)
		c.enter()
	}
	ipctest.Within(t, "the deliveries", 10*time.Second, func() {
		var wg sync.WaitGroup
		for i, f := range files {
			wg.Add(1)
			go func() {
				defer wg.Done()
				defer c.leave()
				it := &commitItem{file: f}
				if i%2 == 1 {
					it = &commitItem{dir: mustOpenDir(t, dir)} // the same directory many times: one fsync
				}
				if err := c.commit(it); err != nil {
					t.Error(err)
				}
			}()
		}
		wg.Wait()
	})
	if c.last != n {
		t.Errorf("last commit had %d items, want all %d in one commit", c.last, n)
	}
}

func TestCommitStopsGatheringWhenADeliveryLeaves(t *testing.T) {
	c := gatherForever(t)
	f := tempFile(t, t.TempDir(), 0)
	c.enter()
	c.enter()
	ipctest.Within(t, "the deliveries", 10*time.Second, func() {
		errc := make(chan error, 1)
		go func() { errc <- c.commit(&commitItem{file: f}) }()
		// The other delivery gives up before queuing anything (its write
		// failed): the waiting commit must go ahead without it.
		c.leave()
		if err := <-errc; err != nil {
			t.Error(err)
		}
		c.leave()
	})
}

// TestCommitItemsFailAlone: in one commit, an item that cannot be made
// durable (a closed file or directory) fails, and the others succeed,
// including a directory removed meanwhile, which is flushed through its
// descriptor. An error reaching the others would fail sends that were
// delivered.
func TestCommitItemsFailAlone(t *testing.T) {
	c := gatherForever(t)
	dir := t.TempDir()
	good := tempFile(t, dir, 0)
	bad := tempFile(t, dir, 1)
	bad.Close()
	goneDir := filepath.Join(dir, "gone")
	if err := os.Mkdir(goneDir, 0o700); err != nil {
		t.Fatal(err)
	}
	gone := mustOpenDir(t, goneDir)
	if err := os.Remove(goneDir); err != nil {
		t.Fatal(err)
	}
	closed := mustOpenDir(t, dir)
	closed.Close()
	items := []*commitItem{{file: good}, {file: bad}, {dir: mustOpenDir(t, dir)}, {dir: gone}, {dir: closed}, {dir: mustOpenDir(t, dir)}}
	for range items {
		c.enter()
	}
	ipctest.Within(t, "the deliveries", 10*time.Second, func() {
		var wg sync.WaitGroup
		for _, it := range items {
			wg.Add(1)
			go func() { defer wg.Done(); defer c.leave(); c.commit(it) }()
		}
		wg.Wait()
	})
	if c.last != len(items) {
		t.Fatalf("last commit had %d items, want all %d in one", c.last, len(items))
	}
	for i, it := range items {
		wantErr := it.file == bad || it.dir == closed
		if (it.err != nil) != wantErr {
			t.Errorf("item %d (%s%s): err = %v, want error: %v", i, fileName(it.dir), fileName(it.file), it.err, wantErr)
		}
	}
	// The next commit is unaffected, and a lone delivery does not wait for
	// company although the last commit had five items (took is an hour).
	ipctest.Within(t, "the deliveries", 10*time.Second, func() {
		c.enter()
		defer c.leave()
		if err := c.commit(&commitItem{file: good}); err != nil {
			t.Errorf("next commit: %v", err)
		}
	})
}

func fileName(f *os.File) string {
	if f == nil {
		return ""
	}
	return f.Name()
}
