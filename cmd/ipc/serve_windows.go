//go:build windows

package main

import (
	"fmt"
	"syscall"

	"golang.org/x/sys/windows"
)

// detachAttr starts a server without a console, in its own process group,
// so that it outlives its parent and gets no Ctrl-C from the parent's console.
func detachAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{
		CreationFlags: windows.DETACHED_PROCESS | windows.CREATE_NEW_PROCESS_GROUP,
		HideWindow:    true,
	}
}

// stopProcess cannot stop a server gracefully on Windows: a detached
// server has no console to receive a Ctrl-Break, and Windows has no
// SIGTERM.
func stopProcess(pid int) error {
	return fmt.Errorf("a graceful stop is not available on Windows; end the server with taskkill /PID %d /F", pid)
}
