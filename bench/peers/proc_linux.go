package peers

import (
	"os"
	"syscall"
)

// childAttr makes a child server die with this process, even if it is
// killed before it can stop the child.
func childAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}

func terminate(p *os.Process) { p.Signal(syscall.SIGTERM) }
