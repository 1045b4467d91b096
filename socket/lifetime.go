package socket

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"github.com/fsnotify/fsnotify"
	"github.com/ipc-dev/ipc/maildir"
)

// rootCheckEvery is how often a server checks that its mailbox root is
// still there when no filesystem event says so (remote filesystems, a
// watch that could not be set).
const rootCheckEvery = 5 * time.Second

// Stopped is returned by Run when the server stopped by itself: its
// mailbox root was removed or replaced, or it was idle for
// Config.IdleExit.
type Stopped struct {
	Idle   bool // idle, not gone
	Reason string
}

func (e *Stopped) Error() string { return e.Reason }

// lifetime decides when a running server should stop by itself. It is
// owned by Run's goroutine.
type lifetime struct {
	srv   *Server
	st    *maildir.Store
	root  string
	dir   os.FileInfo // the root when the server started
	idle  time.Duration
	quiet time.Time // since when nobody used the server
}

// watch waits until ctx ends (nil) or the server should stop (*Stopped).
// The root is checked on every event about it in its parent directory (its
// removal or rename is one: the root's own delete event waits until no
// process has it open) and on a periodic tick; the idle rule is checked on
// the tick.
func (lt *lifetime) watch(ctx context.Context) error {
	w, err := fsnotify.NewWatcher()
	var events <-chan fsnotify.Event
	var errs <-chan error
	if err == nil {
		defer w.Close()
		if w.Add(filepath.Dir(lt.root)) == nil {
			events, errs = w.Events, w.Errors
		}
	}
	rootTick := time.NewTicker(rootCheckEvery)
	defer rootTick.Stop()
	var idleTick <-chan time.Time
	if lt.idle > 0 {
		t := time.NewTicker(min(max(lt.idle/4, 10*time.Millisecond), time.Minute))
		defer t.Stop()
		idleTick = t.C
	}
	lt.quiet = time.Now()
	if err := lt.rootGone(); err != nil {
		return err
	}
	for {
		select {
		case <-ctx.Done():
			return nil
		case ev, ok := <-events:
			if !ok {
				events = nil
				continue
			}
			if filepath.Clean(ev.Name) != lt.root {
				continue // another entry of the parent
			}
		case _, ok := <-errs:
			if !ok {
				errs = nil
			}
			continue
		case <-rootTick.C:
		case <-idleTick:
			if err := lt.idleTooLong(ctx); err != nil {
				return err
			}
		}
		if err := lt.rootGone(); err != nil {
			return err
		}
	}
}

// rootGone returns *Stopped if the root is no longer the directory the
// server started with.
func (lt *lifetime) rootGone() error {
	fi, err := os.Stat(lt.root)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return &Stopped{Reason: fmt.Sprintf("the mailbox %s was removed", lt.root)}
	case err != nil:
		return nil // unreadable for a moment: not proof that it is gone
	case !os.SameFile(lt.dir, fi):
		return &Stopped{Reason: fmt.Sprintf("the mailbox %s was replaced by another directory", lt.root)}
	}
	return nil
}

// idleTooLong returns *Stopped once, for IdleExit, no connection was open
// or opened and no agent of the mailbox was live.
func (lt *lifetime) idleTooLong(ctx context.Context) error {
	if lt.idle <= 0 {
		return nil
	}
	now := time.Now()
	open, last := lt.srv.connActivity()
	if open > 0 || lt.agentLive(ctx) {
		lt.quiet = now
	} else if last.After(lt.quiet) {
		lt.quiet = last
	}
	if now.Sub(lt.quiet) < lt.idle {
		return nil
	}
	return &Stopped{Idle: true, Reason: fmt.Sprintf("no agent of %s was live and no client connected for %v", lt.root, lt.idle)}
}

// agentLive reports whether any agent of the mailbox is online; an error
// counts as live, so that a server never stops on a doubt.
func (lt *lifetime) agentLive(ctx context.Context) bool {
	agents, err := lt.st.Agents(ctx)
	if err != nil {
		return true
	}
	for _, a := range agents {
		if a.Online {
			return true
		}
	}
	return false
}
