//go:build !race

package main

// raceBuild reports a test binary built with the race detector: without
// it (CGO_ENABLED=0, make test-nocgo) the ipc binary is built without it.
const raceBuild = false
