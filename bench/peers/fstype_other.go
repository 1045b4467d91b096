//go:build !linux

package main

func fsType(string) string { return "filesystem not identified on this system" }
