//go:build windows

package maildir

// openNoBlock is not needed on Windows, where opening a named pipe path
// does not wait for a writer.
const openNoBlock = 0
