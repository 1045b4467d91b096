//go:build race

package main

// raceBuild reports a test binary built with the race detector: the ipc
// binary the tests run is built with it too.
const raceBuild = true
