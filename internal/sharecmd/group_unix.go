//go:build !windows

package sharecmd

import (
	"os"
	"os/exec"
	"syscall"
)

// group is the process group the command leads, so that what it starts can
// be killed with it.
type group struct{ pgid int }

// newGroup makes cmd start a process group of its own.
func newGroup(cmd *exec.Cmd) *group {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	return &group{}
}

// attach records the started command, whose pid is the group's id.
func (g *group) attach(p *os.Process) { g.pgid = p.Pid }

// kill kills every process of the group. After the command has been
// reaped its id stays reserved while any member of the group lives; once
// none does, only a new process leading a group of the same id between the
// reaping and the kill (a window of microseconds) could be reached.
func (g *group) kill() {
	if g.pgid > 0 {
		syscall.Kill(-g.pgid, syscall.SIGKILL)
	}
}

func (g *group) close() {}
