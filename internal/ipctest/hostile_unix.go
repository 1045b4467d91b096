//go:build unix

package ipctest

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"time"
)

// HostileEntry is something other than a message file that a human, a
// script or another tool may leave in a maildir's new/ or cur/.
type HostileEntry struct {
	What string // for test names: "fifo", "dangling-symlink", ...
	Name string // its file name: a maildir name that sorts among today's mail
	// Mail is text that the message a reader returns for the entry
	// contains when the entry is mail after all (an over-long name,
	// garbage headers, a mode-000 file read as root); "" when readers must
	// move it aside to quarantine/.
	Mail string
	make func(path string) error
}

// Make creates the entry at path.
func (h HostileEntry) Make(path string) error { return h.make(path) }

// HostileEntries returns the table of hostile entries, named so that they
// sort at now in arrival order (after mail sent before now, before mail
// sent after). oversize is a size larger than any message file the
// readers accept; the oversized file is sparse, so it costs no disk.
func HostileEntries(now time.Time, oversize int64) []HostileEntry {
	n := 0
	name := func(what string) string {
		n++
		return fmt.Sprintf("%d.M%06dP1Q%dR1.%s", now.Unix(), now.Nanosecond()/1000, n, what)
	}
	file := func(content string, mode os.FileMode) func(string) error {
		return func(p string) error {
			if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
				return err
			}
			return os.Chmod(p, mode)
		}
	}
	const unreadable = "From: carol\nTo: bob\n\nmode 000\n"
	entries := []HostileEntry{
		{What: "fifo", Name: name("fifo"), make: func(p string) error { return syscall.Mkfifo(p, 0o600) }},
		{What: "device-symlink", Name: name("devzero"), make: func(p string) error { return os.Symlink("/dev/zero", p) }},
		{What: "directory", Name: name("dir"), make: func(p string) error {
			if err := os.Mkdir(p, 0o700); err != nil {
				return err
			}
			return os.WriteFile(filepath.Join(p, "inside"), []byte("From: x\n\ny\n"), 0o600)
		}},
		{What: "dangling-symlink", Name: name("dangling"), make: func(p string) error { return os.Symlink(filepath.Join(filepath.Dir(p), "nowhere"), p) }},
		{What: "file-symlink", Name: name("filelink"), make: func(p string) error { return os.Symlink("/etc/passwd", p) }},
		{What: "oversized", Name: name("big"), make: func(p string) error {
			f, err := os.OpenFile(p, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
			if err != nil {
				return err
			}
			if _, err := f.WriteString("From: carol\nTo: bob\n\n"); err != nil {
				f.Close()
				return err
			}
			if err := f.Truncate(oversize); err != nil {
				f.Close()
				return err
			}
			return f.Close()
		}},
		{What: "long-name", Name: "", Mail: "a name of 253 bytes", make: file("From: carol\nTo: bob\n\na name of 253 bytes\n", 0o600)},
		{What: "garbage-headers", Name: name("garbage"), Mail: "garbage: no header block", make: file("\x00\xff\xfe garbage: no header block \x1b[2J", 0o600)},
		{What: "unreadable", Name: name("mode000"), make: file(unreadable, 0)},
	}
	long := name("long")
	entries[6].Name = long + strings.Repeat("x", 253-len(long))
	if os.Geteuid() == 0 {
		// Root reads a mode-000 file: it is mail then. Root also makes a
		// device node, which a reader must not read.
		entries[8].Mail = "mode 000"
		entries = append(entries, HostileEntry{What: "device-node", Name: name("devnull"), make: func(p string) error {
			return syscall.Mknod(p, syscall.S_IFCHR|0o600, 1<<8|3) // 1:3, like /dev/null
		}})
	}
	return entries
}
