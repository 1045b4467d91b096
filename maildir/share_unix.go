//go:build !windows

package maildir

import (
	"os/exec"
	"syscall"
)

// openNoBlock keeps opening a FIFO from waiting for a writer.
const openNoBlock = syscall.O_NONBLOCK

// killGroup runs cmd in its own process group and makes cancelling it kill
// the whole group, so that children the command started die with it.
func killGroup(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error {
		return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
	}
}
