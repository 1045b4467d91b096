//go:build !windows

package maildir

import "syscall"

// openNoBlock keeps opening a FIFO from waiting for a writer.
const openNoBlock = syscall.O_NONBLOCK
