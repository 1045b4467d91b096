package maildir

import (
	"io/fs"
	"strings"

	"golang.org/x/sys/unix"
)

// detectFS inspects the filesystem holding path: statfs f_fstypename names the
// filesystem, and it is Remote when the mount is not flagged MNT_LOCAL or is a
// network or FUSE filesystem by name.
func detectFS(path string) (fsInfo, error) {
	var st unix.Statfs_t
	if err := unix.Statfs(path, &st); err != nil {
		return fsInfo{}, &fs.PathError{Op: "statfs", Path: path, Err: err}
	}
	name := unix.ByteSliceToString(st.Fstypename[:])
	if name == "" {
		name = "unknown"
	}
	return fsInfo{
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
