//go:build !linux && !darwin && !windows

package durable

import "os"

// DetectFS reports Type "unknown" on platforms without a specific probe; it
// only checks that path exists.
func DetectFS(path string) (FSInfo, error) {
	if _, err := os.Stat(path); err != nil {
		return FSInfo{}, err
	}
	return FSInfo{Type: "unknown"}, nil
}
