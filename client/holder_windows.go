package client

import (
	"errors"

	"golang.org/x/sys/windows"
)

// isRefused reports a connection refused: nothing listens.
func isRefused(err error) bool { return errors.Is(err, windows.WSAECONNREFUSED) }
