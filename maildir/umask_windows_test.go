//go:build windows

package maildir

func umask(m int) int { return 0 }
