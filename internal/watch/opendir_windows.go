//go:build windows

package watch

import "os"

// openDir opens a directory for listing.
func openDir(path string) (*os.File, error) { return os.Open(path) }
