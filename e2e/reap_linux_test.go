//go:build linux

package e2e

import (
	"bytes"
	"os"
	"path/filepath"
	"strconv"
	"syscall"
)

// reap kills every process started as exe (by argv[0]): the ipc servers
// and hook waiters a client left behind in process groups of their own
// (Claude Code detaches its hooks), found in /proc.
func reap(exe string) {
	dirs, _ := filepath.Glob("/proc/[0-9]*")
	for _, d := range dirs {
		argv, err := os.ReadFile(filepath.Join(d, "cmdline"))
		if err != nil {
			continue
		}
		if arg0, _, _ := bytes.Cut(argv, []byte{0}); string(arg0) == exe {
			if pid, err := strconv.Atoi(filepath.Base(d)); err == nil {
				syscall.Kill(pid, syscall.SIGKILL)
			}
		}
	}
}
