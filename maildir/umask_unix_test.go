//go:build !windows

package maildir

import "syscall"

func umask(m int) int { return syscall.Umask(m) }
