package maildir

import (
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"
)

// gatherForever makes a committer that, once it has gathering to do, would
// wait an hour for deliveries that never queue: a test that finishes shows
// the commit did not wait for them.
func gatherForever() *committer {
	c := newCommitter()
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

// within runs fn and fails the test if it has not returned by the deadline.
func within(t *testing.T, d time.Duration, fn func()) {
	t.Helper()
	done := make(chan struct{})
	go func() {
		defer close(done)
		fn()
	}()
	select {
	case <-done:
	case <-time.After(d):
		t.Fatalf("still waiting after %s", d)
	}
}

func TestCommitLoneDeliveryDoesNotWait(t *testing.T) {
	c := gatherForever()
	f := tempFile(t, t.TempDir(), 0)
	within(t, 10*time.Second, func() {
		c.enter()
		defer c.leave()
		if err := c.commit(commitItem{file: f}); err != nil {
			t.Error(err)
		}
	})
	if c.last != 1 {
		t.Errorf("last commit had %d items, want 1", c.last)
	}
}

func TestCommitGathersEveryDeliveryUnderWay(t *testing.T) {
	const n = 16
	c := gatherForever()
	dir := t.TempDir()
	files := make([]*os.File, n)
	for i := range files {
		files[i] = tempFile(t, dir, i)
		c.enter()
	}
	within(t, 10*time.Second, func() {
		var wg sync.WaitGroup
		for i, f := range files {
			wg.Add(1)
			go func() {
				defer wg.Done()
				defer c.leave()
				it := commitItem{file: f}
				if i%2 == 1 {
					it = commitItem{dir: dir} // the same directory many times: one fsync
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
	c := gatherForever()
	f := tempFile(t, t.TempDir(), 0)
	c.enter()
	c.enter()
	within(t, 10*time.Second, func() {
		errc := make(chan error, 1)
		go func() { errc <- c.commit(commitItem{file: f}) }()
		// The other delivery gives up before queuing anything (its write
		// failed): the waiting commit must go ahead without it.
		c.leave()
		if err := <-errc; err != nil {
			t.Error(err)
		}
		c.leave()
	})
}

func TestCommitErrorReachesTheWholeBatchOnly(t *testing.T) {
	c := gatherForever()
	dir := t.TempDir()
	good := tempFile(t, dir, 0)
	bad := tempFile(t, dir, 1)
	bad.Close()
	c.enter()
	c.enter()
	var errGood, errBad error
	within(t, 10*time.Second, func() {
		var wg sync.WaitGroup
		wg.Add(2)
		go func() { defer wg.Done(); defer c.leave(); errGood = c.commit(commitItem{file: good}) }()
		go func() { defer wg.Done(); defer c.leave(); errBad = c.commit(commitItem{file: bad}) }()
		wg.Wait()
	})
	if errBad == nil {
		t.Error("a closed file's commit reported success")
	}
	if errGood == nil {
		t.Error("a commit that failed reported success to a caller it covered")
	}
	// The failure belongs to that commit: the next one succeeds. (After a
	// commit of two, a lone delivery waits up to one commit's duration for
	// a second one: give it a real duration.)
	c.took = time.Millisecond
	within(t, 10*time.Second, func() {
		c.enter()
		defer c.leave()
		if err := c.commit(commitItem{file: good}); err != nil {
			t.Errorf("next commit: %v", err)
		}
	})
}
