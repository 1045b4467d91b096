package durable

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"golang.org/x/sys/unix"
)

// DetectFS inspects the filesystem holding path: statfs f_type names the
// filesystem, and the /proc/self/mountinfo entry of the mount holding path
// additionally marks 9p and WSL drvfs mounts as remote (and names filesystems
// whose magic number is not known here).
func DetectFS(path string) (FSInfo, error) {
	var st unix.Statfs_t
	if err := unix.Statfs(path, &st); err != nil {
		return FSInfo{}, &fs.PathError{Op: "statfs", Path: path, Err: err}
	}
	magic := uint32(st.Type)
	name, remote, known := linuxFSMagic(magic)
	info := FSInfo{
		Type:   name,
		Remote: remote,
		Free:   uint64(st.Bavail) * uint64(st.Bsize),
	}
	if !known {
		info.Type = fmt.Sprintf("unknown(0x%x)", magic)
	}
	if m, ok := mountinfoOf(path); ok {
		if mountinfoRemote(m) {
			info.Remote = true
		}
		if !known && m.fstype != "" {
			info.Type = m.fstype
		}
	}
	return info, nil
}

// linuxFSMagic maps a statfs f_type magic number to a filesystem name and
// whether inotify misses changes made by other machines or OS instances there.
func linuxFSMagic(magic uint32) (name string, remote, known bool) {
	switch magic {
	case 0xef53:
		return "ext4", false, true // ext2, ext3 and ext4 share the magic
	case 0x01021994:
		return "tmpfs", false, true
	case 0x858458f6:
		return "ramfs", false, true
	case 0x58465342:
		return "xfs", false, true
	case 0x9123683e:
		return "btrfs", false, true
	case 0x794c7630:
		return "overlay", false, true
	case 0x2fc12fc1:
		return "zfs", false, true
	case 0xf2f52010:
		return "f2fs", false, true
	case 0x73717368:
		return "squashfs", false, true
	case 0x4d44:
		return "vfat", false, true
	case 0x2011bab0:
		return "exfat", false, true
	case 0x5346544e:
		return "ntfs", false, true
	case 0x7366746e:
		return "ntfs3", false, true
	case 0x3153464a:
		return "jfs", false, true
	case 0x52654973:
		return "reiserfs", false, true
	case 0x482b:
		return "hfsplus", false, true
	case 0xf15f:
		return "ecryptfs", false, true
	case 0x01021997:
		return "9p", true, true // includes WSL2 drvfs
	case 0x6969:
		return "nfs", true, true
	case 0xff534d42:
		return "cifs", true, true
	case 0xfe534d42:
		return "smb2", true, true
	case 0x517b:
		return "smb", true, true
	case 0x65735546:
		return "fuse", true, true // includes virtiofs and sshfs
	case 0x00c36400:
		return "ceph", true, true
	case 0x5346414f, 0x6b414653:
		return "afs", true, true
	case 0x73757245:
		return "coda", true, true
	case 0x0bd00bd0:
		return "lustre", true, true
	case 0x01161970:
		return "gfs2", true, true
	case 0x7461636f:
		return "ocfs2", true, true
	case 0x20030528:
		return "orangefs", true, true
	case 0x786f4256:
		return "vboxsf", true, true
	}
	return "", false, false
}

// mountinfoEntry is the part of a /proc/self/mountinfo line DetectFS uses.
type mountinfoEntry struct {
	mountPoint string
	fstype     string
	options    string // per-mount and per-superblock options, comma-joined
}

// mountinfoRemote reports whether a mount is a 9p, drvfs or network mount
// according to its mountinfo fstype and options.
func mountinfoRemote(m mountinfoEntry) bool {
	if strings.HasPrefix(m.fstype, "fuse") {
		return true
	}
	switch m.fstype {
	case "9p", "drvfs", "nfs", "nfs4", "cifs", "smb3", "smbfs", "ceph", "virtiofs", "vboxsf", "afs", "lustre":
		return true
	}
	return strings.Contains(m.options, "aname=drvfs")
}

// mountinfoOf finds the mountinfo entry of the mount holding path. It reports
// false when /proc is unavailable or no entry matches.
func mountinfoOf(path string) (mountinfoEntry, bool) {
	p, err := filepath.Abs(path)
	if err != nil {
		return mountinfoEntry{}, false
	}
	if r, err := filepath.EvalSymlinks(p); err == nil {
		p = r
	}
	data, err := os.ReadFile("/proc/self/mountinfo")
	if err != nil {
		return mountinfoEntry{}, false
	}
	return mountinfoFind(string(data), p)
}

// mountinfoFind returns the mountinfo entry whose mount point is the longest
// prefix of the clean absolute path p; among equal mount points the last one
// listed (the topmost mount) wins.
func mountinfoFind(mountinfo, p string) (mountinfoEntry, bool) {
	var best mountinfoEntry
	found := false
	for line := range strings.Lines(mountinfo) {
		// id parent major:minor root mountpoint options [optional...] - fstype source superoptions
		f := strings.Fields(line)
		sep := -1
		for i := 6; i < len(f); i++ {
			if f[i] == "-" {
				sep = i
				break
			}
		}
		if sep < 0 || sep+1 >= len(f) {
			continue
		}
		mp := mountinfoUnescape(f[4])
		if !mountinfoWithin(p, mp) {
			continue
		}
		if found && len(mp) < len(best.mountPoint) {
			continue
		}
		opts := f[5]
		if sep+3 < len(f) {
			opts += "," + f[sep+3]
		}
		best = mountinfoEntry{mountPoint: mp, fstype: f[sep+1], options: opts}
		found = true
	}
	return best, found
}

// mountinfoWithin reports whether the clean absolute path p is dir or lies below it.
func mountinfoWithin(p, dir string) bool {
	if dir == "/" || p == dir {
		return true
	}
	return strings.HasPrefix(p, dir) && p[len(dir)] == '/'
}

// mountinfoUnescape undoes the octal escapes (\040 for space, etc.) the kernel
// applies to paths in mountinfo.
func mountinfoUnescape(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+3 < len(s) && mountinfoOctal(s[i+1]) && mountinfoOctal(s[i+2]) && mountinfoOctal(s[i+3]) {
			b.WriteByte((s[i+1]-'0')<<6 | (s[i+2]-'0')<<3 | (s[i+3] - '0'))
			i += 3
			continue
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// mountinfoOctal reports whether c is an octal digit.
func mountinfoOctal(c byte) bool { return c >= '0' && c <= '7' }
