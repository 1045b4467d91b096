//go:build !windows

package watch

import (
	"os"
	"syscall"
)

// openDir opens a directory for listing. Something else at its name (a
// FIFO, a device) is refused with ENOTDIR instead of blocking the open, so a
// poller never hangs on it.
func openDir(path string) (*os.File, error) {
	return os.OpenFile(path, os.O_RDONLY|syscall.O_DIRECTORY|syscall.O_NONBLOCK|syscall.O_NOCTTY, 0)
}
