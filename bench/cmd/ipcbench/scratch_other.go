//go:build !linux

package main

// spreadDirs is a placement hint for ext2/3/4 (see bench_linux.go).
func spreadDirs(string) bool { return false }

// syncFS is a Linux refinement (see bench_linux.go).
func syncFS(string) {}
