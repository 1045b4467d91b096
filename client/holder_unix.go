//go:build !windows

package client

import (
	"errors"
	"syscall"
)

// isRefused reports a connection refused: nothing listens.
func isRefused(err error) bool { return errors.Is(err, syscall.ECONNREFUSED) }
