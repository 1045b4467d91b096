package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"sync"
	"syscall"

	"github.com/ipc-dev/ipc/maildir"
)

// The exit codes of ipc, documented in the manual and the README:
//
//	0    ok
//	1    failure (the line on stderr says which kind)
//	2    usage: a command-line mistake (commandLineMistake)
//	3    a broadcast some recipients missed (the lines say who)
//	4    check --wait waited its whole time and no mail arrived
//	130  interrupted by SIGINT (Ctrl-C), 143 by SIGTERM: 128 + the
//	     signal's number, as shells report a process a signal ended
//
// 4 is small and below the range 124-127 that timeout(1) and shells use
// for themselves, so a script running ipc under timeout can tell timeout
// killing it (124) from ipc's own wait running out (4).
const (
	exitFailure = 1
	exitNoMail  = 4
)

// interrupted is the cause of the command's context when a signal ended
// it.
type interrupted struct{ sig os.Signal }

func (i interrupted) Error() string { return fmt.Sprintf("interrupted by %v", i.sig) }

// code is the exit code shells expect of a process ended by the signal.
func (i interrupted) code() int {
	if s, ok := i.sig.(syscall.Signal); ok {
		return 128 + int(s)
	}
	return exitFailure
}

// interruptedError is a command the signal ended while it was doing
// something worth naming ("waiting for mail"): "ipc: interrupted while
// <doing>" on stderr, and the signal's exit code.
type interruptedError struct {
	interrupted
	doing string
}

func (e interruptedError) Error() string { return "interrupted while " + e.doing }

// interruption returns err as an interruptedError when ctx was ended by a
// signal, and err itself otherwise.
func interruption(ctx context.Context, err error, doing string) error {
	var i interrupted
	if err == nil || !errors.As(context.Cause(ctx), &i) {
		return err
	}
	return interruptedError{i, doing}
}

// signalContext is a context that SIGINT or SIGTERM ends, with
// interrupted as its cause. stop restores the signals' default handling
// (so a second signal kills at once) and ends the context.
func signalContext() (ctx context.Context, stop context.CancelFunc) {
	ctx, cancel := context.WithCancelCause(context.Background())
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	done := make(chan struct{})
	go func() {
		select {
		case s := <-sigs:
			cancel(interrupted{s})
		case <-done:
		}
	}()
	var once sync.Once
	return ctx, func() {
		once.Do(func() {
			signal.Stop(sigs)
			close(done)
			cancel(context.Canceled)
		})
	}
}

// exitUsage is the exit code of a command-line mistake.
const exitUsage = 2

// commandLineMistake reports whether err is the core refusing what the
// command line gave to an operation that reads nothing else (a malformed
// query, cursor, page size or id of search, thread, sent or history; a
// doing line too long or not one line): a usage error, exit 2, though its
// line keeps the core's kind.
func commandLineMistake(err error) bool {
	var e *maildir.Error
	if !errors.As(err, &e) || e.Kind != maildir.BadRequest && e.Kind != maildir.TooLarge {
		return false
	}
	switch e.Op {
	case maildir.OpSearch, maildir.OpThread, maildir.OpSent, maildir.OpHistory, maildir.OpDoing:
		return true
	}
	return false
}

// refusal is the sentence of a core's error, without its kind: for a
// usage line that names the flag itself.
func refusal(err error) string {
	var e *maildir.Error
	if errors.As(err, &e) && e.Msg != "" {
		return e.Msg
	}
	return err.Error()
}
