//go:build windows

package main

import (
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
