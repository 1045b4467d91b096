// Package sharecmd runs the command of a share_command for the doors, which
// hand a Runner to maildir's Session.ShareCommand: the mailbox rules of sharing
// (what is checked before the command runs, how its result reads as a
// message, its delivery) live in maildir; running a program does not.
//
// A command runs without a shell, its stdin empty, in the environment of
// the process (given by the caller) without the product's secrets (see Environ), for at most
// maildir.CommandTimeout; each of stdout and stderr is kept up to
// maildir.MaxCommandOutput bytes. It runs as a group that ends with it:
// when the command exits, is cancelled or times out, whatever it started
// is killed too. On Unix the group is a process group (a program that
// leaves it on purpose, with setsid as a daemon does, escapes; the output
// it holds open is then given up 2 s after the command ends). On Windows it
// is a job object that the command is put in as soon as it has started: a
// child it starts in that first instant escapes, and where a job cannot be
// made only the command itself is killed.
package sharecmd

import (
	"context"
	"errors"
	"io"
	"os"
	"os/exec"
	"strings"
	"sync"
	"time"

	"github.com/ipc-dev/ipc/maildir"
)

// drainDelay bounds how long output is read after the command's group has
// been killed: only a process that left the group can still hold it open.
const drainDelay = 2 * time.Second

// errTimedOut is the cause of a run's own deadline, which tells a timeout
// from the caller giving up.
var errTimedOut = errors.New("the command ran out of time")

// Runner returns the maildir.CommandRunner that runs a command within the
// limits of sharing, in the environment environ (as os.Environ gives it)
// less the product's secrets. An error of the runner means the program
// could not be started.
func Runner(environ []string) maildir.CommandRunner {
	env := Environ(environ)
	return func(ctx context.Context, args []string) (maildir.CommandRun, error) {
		return run(ctx, args, env, maildir.CommandTimeout)
	}
}

// run runs args in env with the time limit given.
func run(ctx context.Context, args, env []string, timeout time.Duration) (maildir.CommandRun, error) {
	ctx, cancel := context.WithTimeoutCause(ctx, timeout, errTimedOut)
	defer cancel()
	cmd := exec.Command(args[0], args[1:]...)
	cmd.Env = env
	var out, errOut stream
	if err := out.open(); err != nil {
		return maildir.CommandRun{}, err
	}
	defer out.close()
	if err := errOut.open(); err != nil {
		return maildir.CommandRun{}, err
	}
	defer errOut.close()
	cmd.Stdout, cmd.Stderr = out.w, errOut.w
	g := newGroup(cmd)
	defer g.close()
	err := cmd.Start()
	out.started()
	errOut.started()
	if err != nil {
		return maildir.CommandRun{}, err
	}
	g.attach(cmd.Process)

	var readers sync.WaitGroup
	readers.Add(2)
	go out.read(&readers)
	go errOut.read(&readers)
	exited := make(chan struct{})
	go func() {
		defer close(exited)
		cmd.Wait() // the exit status is read from cmd.ProcessState
	}()
	killed := false
	select {
	case <-exited:
	case <-ctx.Done():
		g.kill()
		killed = true
		<-exited
	}
	g.kill() // what the command left behind ends with it
	drain(&readers, &out, &errOut)

	res := maildir.CommandRun{
		ExitCode:  cmd.ProcessState.ExitCode(),
		Stdout:    toText(out.buf.kept),
		Stderr:    toText(errOut.buf.kept),
		Truncated: out.buf.cut || errOut.buf.cut,
	}
	if killed {
		res.ExitCode = -1
		res.TimedOut = context.Cause(ctx) == errTimedOut
	}
	return res, nil
}

// drain waits for the readers of the streams to reach the end of their
// output, and after drainDelay closes the streams under them.
func drain(readers *sync.WaitGroup, streams ...*stream) {
	done := make(chan struct{})
	go func() {
		defer close(done)
		readers.Wait()
	}()
	select {
	case <-done:
		return
	case <-time.After(drainDelay):
	}
	for _, s := range streams {
		s.close()
	}
	<-done
}

// stream is a pipe from the command's stdout or stderr to a cappedBuffer.
type stream struct {
	r, w *os.File
	buf  cappedBuffer
	once sync.Once
}

func (s *stream) open() (err error) {
	s.r, s.w, err = os.Pipe()
	s.buf.max = maildir.MaxCommandOutput
	return err
}

// started closes the write end the command inherited, so that the reader
// sees the end of the output once the command's group has ended.
func (s *stream) started() { s.w.Close() }

// read copies the output into the buffer until its end.
func (s *stream) read(wg *sync.WaitGroup) {
	defer wg.Done()
	io.Copy(&s.buf, s.r)
}

func (s *stream) close() {
	s.once.Do(func() {
		s.r.Close()
		s.w.Close()
	})
}

// toText makes command output valid UTF-8 text.
func toText(b []byte) string {
	return strings.ToValidUTF8(string(b), "\uFFFD")
}

// cappedBuffer keeps the first max bytes written to it and drops the rest,
// so that a chatty command cannot fill memory. One goroutine writes it; it
// is read after that goroutine has been joined.
type cappedBuffer struct {
	kept []byte
	max  int
	cut  bool
}

func (c *cappedBuffer) Write(p []byte) (int, error) {
	n := len(p)
	if room := c.max - len(c.kept); room < n {
		c.cut = true
		p = p[:max(room, 0)]
	}
	c.kept = append(c.kept, p...)
	return n, nil
}
