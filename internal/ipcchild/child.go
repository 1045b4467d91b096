// Package ipcchild runs an ipc binary as a child process on a scratch
// mailbox and reads its stdout line by line, each line stamped when it
// arrived: what the end-to-end tests of cmd/ipc and the benchmark suite of
// bench/cmd/ipcbench see of the binary. It speaks to the binary only
// through its command line, its environment and its stdio, so it imports no
// package of this module; the product does not import it.
package ipcchild

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"os"
	"os/exec"
	"time"
)

// Child is a subprocess of an ipc binary acting on a scratch mailbox.
type Child struct {
	Cmd   *exec.Cmd
	Stdin io.WriteCloser
	lines chan Line // each stamped when this process read it
}

// Line is a line of a child's output and when it arrived.
type Line struct {
	Text string
	At   time.Time
}

// Start runs the ipc binary at bin with args on the mailbox at root, as id
// when id is not "" (IPC_ID), with autostart and rate limits off, in the
// environment env (the caller's, as os.Environ gives it, plus its own
// settings: this package reads no environment).
func Start(bin, root, id string, env []string, args ...string) (*Child, error) {
	cmd := exec.Command(bin, args...)
	cmd.Env = append(env[:len(env):len(env)], "IPC_HOME="+root, "IPC_AUTOSTART=0", "IPC_RATE_BURST=off")
	if id != "" {
		cmd.Env = append(cmd.Env, "IPC_ID="+id)
	}
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	c := &Child{Cmd: cmd, Stdin: stdin, lines: make(chan Line, 1024)}
	go func() { // ends when the child's stdout closes; Stop waits for it
		sc := bufio.NewScanner(stdout)
		sc.Buffer(make([]byte, 1<<20), 16<<20)
		for sc.Scan() {
			c.lines <- Line{sc.Text(), time.Now()}
		}
		close(c.lines)
	}()
	return c, nil
}

// Line waits for the child's next stdout line.
func (c *Child) Line(timeout time.Duration) (Line, error) {
	select {
	case l, ok := <-c.lines:
		if !ok {
			return Line{}, fmt.Errorf("%s exited", c.Cmd.Args[1])
		}
		return l, nil
	case <-time.After(timeout):
		return Line{}, fmt.Errorf("%s: no output within %s", c.Cmd.Args[1], timeout)
	}
}

// Stop closes the child's stdin, interrupts it and waits for it and for
// the end of its output.
func (c *Child) Stop() {
	c.Stdin.Close()
	if c.Cmd.Process != nil {
		Interrupt(c.Cmd, 5*time.Second)
	}
	for range c.lines {
	}
}

// Interrupt stops a subprocess as a user would (SIGINT), killing it if it
// has not exited within grace, and waits for it.
func Interrupt(cmd *exec.Cmd, grace time.Duration) {
	cmd.Process.Signal(os.Interrupt)
	done := make(chan struct{})
	go func() { cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(grace):
		cmd.Process.Kill()
		<-done
	}
}
