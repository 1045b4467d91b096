//go:build !linux && !darwin && !windows

package maildir

import "os"

// detectFS reports Type "unknown" on platforms without a specific probe; it
// only checks that path exists.
func detectFS(path string) (fsInfo, error) {
	if _, err := os.Stat(path); err != nil {
		return fsInfo{}, err
	}
	return fsInfo{Type: "unknown"}, nil
}
