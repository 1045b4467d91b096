package durable

import (
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"golang.org/x/sys/windows"
)

// DetectFS inspects the volume holding path: GetDriveType on the volume root
// (DRIVE_REMOTE is Remote), GetVolumeInformation for the filesystem name and
// GetDiskFreeSpaceEx for the bytes available to the caller.
func DetectFS(path string) (FSInfo, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return FSInfo{}, err
	}
	if _, err := os.Stat(abs); err != nil {
		return FSInfo{}, err
	}
	p, err := windows.UTF16FromString(abs)
	if err != nil {
		return FSInfo{}, &fs.PathError{Op: "detectfs", Path: abs, Err: err}
	}
	// The volume root is never longer than the path plus a trailing separator.
	root := make([]uint16, max(len(p)+1, windows.MAX_PATH+1))
	if err := windows.GetVolumePathName(&p[0], &root[0], uint32(len(root))); err != nil {
		return FSInfo{}, &fs.PathError{Op: "GetVolumePathName", Path: abs, Err: err}
	}

	info := FSInfo{
		Type:   "unknown",
		Remote: windows.GetDriveType(&root[0]) == windows.DRIVE_REMOTE,
	}
	var fsName [windows.MAX_PATH + 1]uint16
	if err := windows.GetVolumeInformation(&root[0], nil, 0, nil, nil, nil, &fsName[0], uint32(len(fsName))); err == nil {
		if name := windows.UTF16ToString(fsName[:]); name != "" {
			info.Type = strings.ToLower(name)
		}
	}
	var free, total, totalFree uint64
	if err := windows.GetDiskFreeSpaceEx(&p[0], &free, &total, &totalFree); err == nil {
		info.Free = free
	}
	return info, nil
}
