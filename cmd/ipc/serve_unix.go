//go:build !windows

package main

import "syscall"

// detachAttr makes a started server the leader of its own session, so that
// it outlives its parent and gets no signals from the parent's terminal.
func detachAttr() *syscall.SysProcAttr { return &syscall.SysProcAttr{Setsid: true} }

// stopProcess asks the server pid to stop gracefully.
func stopProcess(pid int) error { return syscall.Kill(pid, syscall.SIGTERM) }
