package maildir

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/fsnotify/fsnotify"
)

// notifierBound is the failure bound for every wait in these tests; a passing
// test never waits for it.
const notifierBound = 5 * time.Second

// notifierModes returns the two ways a notifier can run.
func notifierModes() []struct {
	name string
	poll bool
} {
	return []struct {
		name string
		poll bool
	}{
		{"fsnotify", false},
		{"poll", true},
	}
}

// newTestNotifier starts a notifier that is closed when the test ends. Create
// the test's directories first, so cleanup closes the notifier (releasing its
// watches) before the directories are removed.
func newTestNotifier(t *testing.T, poll bool) *notifier {
	t.Helper()
	n := newNotifier(poll, 20*time.Millisecond, t.Logf)
	if n.polling() != poll {
		t.Fatalf("polling() = %v, want %v", n.polling(), poll)
	}
	t.Cleanup(func() {
		if err := n.close(); err != nil {
			t.Errorf("close: %v", err)
		}
	})
	return n
}

// notifierLayout creates root/tmp and root/new and returns both.
func notifierLayout(t *testing.T) (tmp, newDir string) {
	t.Helper()
	root := t.TempDir()
	tmp = filepath.Join(root, "tmp")
	newDir = filepath.Join(root, "new")
	for _, d := range []string{tmp, newDir} {
		if err := os.Mkdir(d, 0o700); err != nil {
			t.Fatal(err)
		}
	}
	return tmp, newDir
}

// notifierWrite creates dir/name with some content.
func notifierWrite(t *testing.T, dir, name string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte("hello\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// notifierDeliver writes tmp/name and renames it into newDir/name, the way a
// maildir delivery does.
func notifierDeliver(t *testing.T, tmp, newDir, name string) {
	t.Helper()
	src := notifierWrite(t, tmp, name)
	if err := os.Rename(src, filepath.Join(newDir, name)); err != nil {
		t.Fatal(err)
	}
}

// notifierSubscribe subscribes and checks the immediate first wake-up.
func notifierSubscribe(t *testing.T, n *notifier, dir string) (<-chan struct{}, func()) {
	t.Helper()
	ch, cancel, err := n.subscribe(dir)
	if err != nil {
		t.Fatalf("subscribe %s: %v", dir, err)
	}
	if cap(ch) != 1 {
		t.Fatalf("channel capacity %d, want 1", cap(ch))
	}
	select {
	case <-ch:
	default:
		t.Fatal("no immediate wake-up after subscribe")
	}
	return ch, cancel
}

// notifierWait fails the test unless ch receives within notifierBound.
func notifierWait(t *testing.T, ch <-chan struct{}, what string) {
	t.Helper()
	select {
	case <-ch:
	case <-time.After(notifierBound):
		t.Fatalf("no wake-up within %s after %s", notifierBound, what)
	}
}

// notifierDrain empties ch without waiting.
func notifierDrain(chs ...<-chan struct{}) {
	for _, ch := range chs {
		select {
		case <-ch:
		default:
		}
	}
}

// notifierPending reports whether ch holds a wake-up.
func notifierPending(ch <-chan struct{}) bool {
	select {
	case <-ch:
		return true
	default:
		return false
	}
}

// notifierWatchCount returns how many directories n watches, checking that
// the fsnotify watch list agrees.
func notifierWatchCount(t *testing.T, n *notifier) int {
	t.Helper()
	n.mu.Lock()
	count := len(n.dirs)
	n.mu.Unlock()
	if n.w != nil {
		if got := len(n.w.WatchList()); got != count {
			t.Errorf("fsnotify watches %d paths, notifier has %d directories", got, count)
		}
	}
	return count
}

// TestNotifierWakes checks the immediate first wake-up and a wake-up for each
// kind of change a maildir sees, with fsnotify and with polling.
func TestNotifierWakes(t *testing.T) {
	actions := []struct {
		name         string
		fsnotifyOnly bool // polling compares names only
		setup        func(t *testing.T, tmp, newDir string)
		act          func(t *testing.T, tmp, newDir string)
	}{
		{
			name: "rename from sibling",
			act: func(t *testing.T, tmp, newDir string) {
				notifierDeliver(t, tmp, newDir, "1.msg")
			},
		},
		{
			name: "link",
			act: func(t *testing.T, tmp, newDir string) {
				src := notifierWrite(t, tmp, "2.msg")
				if err := os.Link(src, filepath.Join(newDir, "2.msg")); err != nil {
					t.Fatal(err)
				}
			},
		},
		{
			name:  "remove",
			setup: func(t *testing.T, tmp, newDir string) { notifierWrite(t, newDir, "3.msg") },
			act: func(t *testing.T, tmp, newDir string) {
				if err := os.Remove(filepath.Join(newDir, "3.msg")); err != nil {
					t.Fatal(err)
				}
			},
		},
		{
			name:  "rename within",
			setup: func(t *testing.T, tmp, newDir string) { notifierWrite(t, newDir, "4.msg") },
			act: func(t *testing.T, tmp, newDir string) {
				if err := os.Rename(filepath.Join(newDir, "4.msg"), filepath.Join(newDir, "4.msg,S")); err != nil {
					t.Fatal(err)
				}
			},
		},
		{
			name:         "write",
			fsnotifyOnly: true,
			setup:        func(t *testing.T, tmp, newDir string) { notifierWrite(t, newDir, "5.msg") },
			act: func(t *testing.T, tmp, newDir string) {
				f, err := os.OpenFile(filepath.Join(newDir, "5.msg"), os.O_WRONLY|os.O_APPEND, 0)
				if err != nil {
					t.Fatal(err)
				}
				defer f.Close()
				if _, err := f.WriteString("more\n"); err != nil {
					t.Fatal(err)
				}
			},
		},
	}
	for _, mode := range notifierModes() {
		for _, a := range actions {
			t.Run(mode.name+"/"+a.name, func(t *testing.T) {
				if a.fsnotifyOnly && mode.poll {
					t.Skip("polling only sees changes in the set of names")
				}
				tmp, newDir := notifierLayout(t)
				n := newTestNotifier(t, mode.poll)
				if a.setup != nil {
					a.setup(t, tmp, newDir)
				}
				ch, cancel := notifierSubscribe(t, n, newDir)
				defer cancel()
				a.act(t, tmp, newDir)
				notifierWait(t, ch, a.name)
			})
		}
	}
}

// TestNotifierSharedWatch checks that subscribers of one dir share a watch,
// all wake, and that cancelling one leaves the others working.
func TestNotifierSharedWatch(t *testing.T) {
	for _, mode := range notifierModes() {
		t.Run(mode.name, func(t *testing.T) {
			tmp, newDir := notifierLayout(t)
			n := newTestNotifier(t, mode.poll)

			ch1, cancel1 := notifierSubscribe(t, n, newDir)
			ch2, cancel2 := notifierSubscribe(t, n, newDir)
			if got := notifierWatchCount(t, n); got != 1 {
				t.Fatalf("two subscriptions to one dir use %d watches, want 1", got)
			}

			notifierDeliver(t, tmp, newDir, "a")
			notifierWait(t, ch1, "delivery (subscriber 1)")
			notifierWait(t, ch2, "delivery (subscriber 2)")

			cancel1()
			cancel1() // idempotent
			if got := notifierWatchCount(t, n); got != 1 {
				t.Fatalf("after one cancel %d watches, want 1", got)
			}
			notifierDrain(ch1, ch2)
			notifierDeliver(t, tmp, newDir, "b")
			notifierWait(t, ch2, "delivery after the other subscriber cancelled")
			if notifierPending(ch1) {
				t.Error("cancelled subscription was woken")
			}

			cancel2()
			if got := notifierWatchCount(t, n); got != 0 {
				t.Fatalf("after last cancel %d watches, want 0", got)
			}

			// The watch is set up again for a new subscriber.
			ch3, cancel3 := notifierSubscribe(t, n, newDir)
			defer cancel3()
			notifierDeliver(t, tmp, newDir, "c")
			notifierWait(t, ch3, "delivery after resubscribe")
		})
	}
}

// TestNotifierSymlinkAlias checks that a dir and a symlink to it share a watch.
func TestNotifierSymlinkAlias(t *testing.T) {
	for _, mode := range notifierModes() {
		t.Run(mode.name, func(t *testing.T) {
			tmp, newDir := notifierLayout(t)
			alias := filepath.Join(t.TempDir(), "alias")
			if err := os.Symlink(newDir, alias); err != nil {
				t.Skipf("symlink: %v", err)
			}
			n := newTestNotifier(t, mode.poll)
			ch1, cancel1 := notifierSubscribe(t, n, newDir)
			defer cancel1()
			ch2, cancel2 := notifierSubscribe(t, n, alias)
			defer cancel2()
			if got := notifierWatchCount(t, n); got != 1 {
				t.Errorf("a dir and its alias use %d watches, want 1", got)
			}
			notifierDeliver(t, tmp, newDir, "a")
			notifierWait(t, ch1, "delivery (real path)")
			notifierWait(t, ch2, "delivery (alias)")
		})
	}
}

// TestNotifierMissingDir checks that fsnotify mode rejects a missing dir and
// polling mode waits for it to appear.
func TestNotifierMissingDir(t *testing.T) {
	t.Run("fsnotify", func(t *testing.T) {
		missing := filepath.Join(t.TempDir(), "missing")
		n := newTestNotifier(t, false)
		_, _, err := n.subscribe(missing)
		if err == nil {
			t.Fatal("subscribe to a missing dir succeeded")
		}
		if !errors.Is(err, fs.ErrNotExist) || !strings.Contains(err.Error(), "watch "+missing) {
			t.Errorf("error %q: want a not-exist error naming the dir", err)
		}
		if got := notifierWatchCount(t, n); got != 0 {
			t.Errorf("failed subscribe left %d watches", got)
		}
	})
	t.Run("poll", func(t *testing.T) {
		missing := filepath.Join(t.TempDir(), "missing")
		n := newTestNotifier(t, true)
		ch, cancel := notifierSubscribe(t, n, missing)
		defer cancel()
		if err := os.Mkdir(missing, 0o700); err != nil {
			t.Fatal(err)
		}
		notifierWait(t, ch, "the dir appeared")
		notifierWrite(t, missing, "a")
		notifierWait(t, ch, "a file appeared")
	})
}

// TestNotifierDirRecreated checks that subscribers of a dir that is removed
// and created again keep being woken (fsnotify mode falls back to polling it).
func TestNotifierDirRecreated(t *testing.T) {
	for _, mode := range notifierModes() {
		t.Run(mode.name, func(t *testing.T) {
			tmp, newDir := notifierLayout(t)
			n := newTestNotifier(t, mode.poll)
			ch1, cancel1 := notifierSubscribe(t, n, newDir)
			defer cancel1()
			ch2, cancel2 := notifierSubscribe(t, n, newDir)

			if err := os.Remove(newDir); err != nil {
				t.Fatal(err)
			}
			notifierWait(t, ch1, "the dir was removed")
			if err := os.Mkdir(newDir, 0o700); err != nil {
				t.Fatal(err)
			}
			notifierDrain(ch1)
			notifierDeliver(t, tmp, newDir, "a")
			notifierWait(t, ch1, "delivery into the re-created dir")
			notifierWait(t, ch2, "delivery into the re-created dir (subscriber 2)")

			cancel2()
			notifierDrain(ch1)
			notifierDeliver(t, tmp, newDir, "b")
			notifierWait(t, ch1, "delivery after the other subscriber cancelled")
			cancel1()
			if got := notifierWatchCount(t, n); got != 0 {
				t.Errorf("%d watches left after every subscription was cancelled", got)
			}
		})
	}
}

// TestNotifierErrorWakesAll checks that overflows, watcher errors and
// unattributable events wake every subscriber, and ordinary events only theirs.
func TestNotifierErrorWakesAll(t *testing.T) {
	_, dirA := notifierLayout(t)
	_, dirB := notifierLayout(t)
	unwatched := t.TempDir()
	n := newTestNotifier(t, false)
	chA, cancelA := notifierSubscribe(t, n, dirA)
	defer cancelA()
	chB, cancelB := notifierSubscribe(t, n, dirB)
	defer cancelB()

	for _, err := range []error{fsnotify.ErrEventOverflow, errors.New("read error")} {
		n.handleError(err)
		if !notifierPending(chA) || !notifierPending(chB) {
			t.Errorf("%v did not wake every subscriber", err)
		}
	}

	n.handleEvent(fsnotify.Event{Name: filepath.Join(unwatched, "x"), Op: fsnotify.Create})
	if !notifierPending(chA) || !notifierPending(chB) {
		t.Error("an event for an unknown dir did not wake every subscriber")
	}

	n.handleEvent(fsnotify.Event{Name: filepath.Join(dirA, "x"), Op: fsnotify.Create})
	if !notifierPending(chA) {
		t.Error("an event in dir A did not wake A")
	}
	if notifierPending(chB) {
		t.Error("an event in dir A woke B")
	}
}

// TestNotifierFallback checks the fall-back to polling when fsnotify cannot start.
func TestNotifierFallback(t *testing.T) {
	var (
		mu   sync.Mutex
		logs []string
	)
	logf := func(format string, args ...any) {
		mu.Lock()
		defer mu.Unlock()
		logs = append(logs, fmt.Sprintf(format, args...))
	}
	tmp, newDir := notifierLayout(t)
	n := startNotifier(false, 20*time.Millisecond, logf, func() (*fsnotify.Watcher, error) {
		return nil, errors.New("too many open inotify instances")
	})
	defer n.close()
	if !n.polling() {
		t.Fatal("notifier does not poll after fsnotify failed")
	}
	mu.Lock()
	logged := strings.Join(logs, "\n")
	mu.Unlock()
	if !strings.Contains(logged, "too many open inotify instances") || !strings.Contains(logged, "polling") {
		t.Errorf("fallback not logged; got %q", logged)
	}

	ch, cancel := notifierSubscribe(t, n, newDir)
	defer cancel()
	notifierDeliver(t, tmp, newDir, "a")
	notifierWait(t, ch, "delivery while polling")
}

// TestNotifierClose checks that close is idempotent, joins its goroutines,
// stops wake-ups and makes later subscribes fail.
func TestNotifierClose(t *testing.T) {
	for _, mode := range notifierModes() {
		t.Run(mode.name, func(t *testing.T) {
			_, dirA := notifierLayout(t)
			_, dirB := notifierLayout(t)
			before := runtime.NumGoroutine()

			n := newNotifier(mode.poll, 20*time.Millisecond, nil)
			_, cancelA := notifierSubscribe(t, n, dirA)
			chB, _ := notifierSubscribe(t, n, dirB)
			if err := n.close(); err != nil {
				t.Fatalf("close: %v", err)
			}
			if err := n.close(); err != nil {
				t.Fatalf("second close: %v", err)
			}
			cancelA() // after close: no panic, no effect
			if _, _, err := n.subscribe(dirA); !errors.Is(err, errNotifierClosed) {
				t.Errorf("subscribe after close: err = %v, want %v", err, errNotifierClosed)
			}
			notifierDeliver(t, dirA, dirB, "a")
			if notifierPending(chB) {
				t.Error("woken after close")
			}

			// close joined its own goroutines; allow the runtime a moment to
			// retire exited goroutines from the count.
			deadline := time.Now().Add(notifierBound)
			for runtime.NumGoroutine() > before {
				if time.Now().After(deadline) {
					buf := make([]byte, 1<<16)
					t.Fatalf("goroutines: %d before, %d after close\n%s",
						before, runtime.NumGoroutine(), buf[:runtime.Stack(buf, true)])
				}
				time.Sleep(time.Millisecond)
			}
		})
	}
}

// TestNotifierConcurrent subscribes and cancels from many goroutines while
// files arrive, for the race detector.
func TestNotifierConcurrent(t *testing.T) {
	for _, mode := range notifierModes() {
		t.Run(mode.name, func(t *testing.T) {
			tmp, dirA := notifierLayout(t)
			_, dirB := notifierLayout(t)
			n := newTestNotifier(t, mode.poll)
			dirs := []string{dirA, dirB}

			stop := make(chan struct{})
			var writer sync.WaitGroup
			writer.Add(1)
			go func() {
				defer writer.Done()
				for i := 0; i < 5000; i++ {
					select {
					case <-stop:
						return
					default:
					}
					src := filepath.Join(tmp, fmt.Sprint(i))
					if err := os.WriteFile(src, nil, 0o600); err != nil {
						t.Error(err)
						return
					}
					if err := os.Rename(src, filepath.Join(dirs[i%2], fmt.Sprint(i))); err != nil {
						t.Error(err)
						return
					}
				}
			}()

			var subs sync.WaitGroup
			errs := make(chan error, 8)
			for g := range 8 {
				subs.Add(1)
				go func() {
					defer subs.Done()
					for range 20 {
						ch, cancel, err := n.subscribe(dirs[g%2])
						if err != nil {
							errs <- err
							return
						}
						select {
						case <-ch:
						default:
							errs <- errors.New("no immediate wake-up")
						}
						cancel()
						cancel()
					}
				}()
			}
			subs.Wait()
			close(stop)
			writer.Wait()
			close(errs)
			for err := range errs {
				t.Error(err)
			}
			if got := notifierWatchCount(t, n); got != 0 {
				t.Errorf("%d watches left after every subscription was cancelled", got)
			}
		})
	}
}
