package peers

import (
	"path/filepath"

	"github.com/ipc-dev/ipc/maildir"
)

// fsType names the filesystem that holds dir as ipc itself names it (by a
// mailbox opened in dir/fsprobe), so a reader can tell a disk from memory
// (fsync on tmpfs costs nothing).
func fsType(dir string) string {
	st, err := maildir.Open(filepath.Join(dir, "fsprobe"), maildir.Options{RateBurst: -1})
	if err != nil {
		return "filesystem unknown"
	}
	defer st.Close()
	return st.FS().Type
}
