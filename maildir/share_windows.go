//go:build windows

package maildir

import "os/exec"

// openNoBlock is not needed on Windows, where opening a named pipe path
// does not wait for a writer.
const openNoBlock = 0

// killGroup leaves cancellation to exec's default, which kills the process
// itself. (Windows has no process groups to signal; a job object would be
// needed to reach grandchildren.)
func killGroup(cmd *exec.Cmd) {}
