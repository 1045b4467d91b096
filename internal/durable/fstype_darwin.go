package durable

import (
	"io/fs"
	"strings"

	"golang.org/x/sys/unix"
)

// DetectFS inspects the filesystem holding path: statfs f_fstypename names the
// filesystem, and it is Remote when the mount is not flagged MNT_LOCAL or is a
// network or FUSE filesystem by name.
func DetectFS(path string) (FSInfo, error) {
	var st unix.Statfs_t
	if err := unix.Statfs(path, &st); err != nil {
		return FSInfo{}, &fs.PathError{Op: "statfs", Path: path, Err: err}
	}
	name := unix.ByteSliceToString(st.Fstypename[:])
	if name == "" {
		name = "unknown"
	}
	return FSInfo{
		Type:   name,
		Remote: st.Flags&unix.MNT_LOCAL == 0 || darwinRemoteFS(name),
		Free:   uint64(st.Bavail) * uint64(st.Bsize),
	}, nil
}

// darwinRemoteFS reports whether a macOS filesystem type name is a network or
// FUSE filesystem, where FSEvents and kqueue miss changes made elsewhere.
func darwinRemoteFS(name string) bool {
	switch name {
	case "nfs", "smbfs", "afpfs", "webdav", "cifs", "ftp", "vboxsf":
		return true
	}
	return strings.Contains(name, "fuse") // macfuse, osxfuse, fusefs, fuse-t
}
