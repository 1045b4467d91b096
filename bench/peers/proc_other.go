//go:build !linux

package peers

import (
	"os"
	"syscall"
)

func childAttr() *syscall.SysProcAttr { return nil }

func terminate(p *os.Process) { p.Kill() }
