package durable

// FSInfo describes the filesystem holding a path (DetectFS).
type FSInfo struct {
	// Type is the filesystem type, e.g. "ext4", "tmpfs", "9p", "nfs", "cifs",
	// "smb2", "fuse", "xfs", "btrfs", "overlay", "apfs", "ntfs", or
	// "unknown(0x...)" for an unrecognised Linux magic number.
	Type string
	// Remote is true where inotify/fsevents do not see writes made by other
	// machines or OS instances (network filesystems, 9p/drvfs, FUSE).
	Remote bool
	// Free is the number of bytes available to unprivileged users, 0 if unknown.
	Free uint64
}
