//go:build unix

package e2e

import (
	"context"
	"os/exec"
	"syscall"
	"testing"
	"time"

	"github.com/ipc-dev/ipc/internal/ipctest"
)

// run is a client process the test started, with its output kept.
type run struct {
	cmd   *exec.Cmd
	out   ipctest.Buffer
	done  chan struct{}
	err   error
	start time.Time
	ended time.Duration
}

// startClient starts bin with args in dir under env, in a process group of
// its own. At the end of the test the whole group is killed: the client,
// and whatever it left running (MCP servers, hook waiters).
func startClient(t *testing.T, dir string, env []string, bin string, args ...string) *run {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	r := &run{cmd: exec.CommandContext(ctx, bin, args...), done: make(chan struct{})}
	r.cmd.Dir, r.cmd.Env = dir, env
	r.cmd.Stdout, r.cmd.Stderr = &r.out, &r.out
	r.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	r.cmd.Cancel = func() error { return syscall.Kill(-r.cmd.Process.Pid, syscall.SIGKILL) }
	r.cmd.WaitDelay = 5 * time.Second
	r.start = time.Now()
	if err := r.cmd.Start(); err != nil {
		cancel()
		t.Fatalf("start %s: %v", bin, err)
	}
	go func() {
		defer close(r.done)
		r.err = r.cmd.Wait()
		r.ended = time.Since(r.start)
	}()
	t.Cleanup(func() {
		syscall.Kill(-r.cmd.Process.Pid, syscall.SIGKILL)
		cancel()
		<-r.done
	})
	return r
}

// stop kills the run's process group and waits for the client to end.
func (r *run) stop() {
	syscall.Kill(-r.cmd.Process.Pid, syscall.SIGKILL)
	<-r.done
}

// wait reports whether the run ended within bound.
func (r *run) wait(bound time.Duration) bool {
	select {
	case <-r.done:
		return true
	case <-time.After(bound):
		return false
	}
}
