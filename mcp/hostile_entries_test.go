//go:build unix

package mcp

import (
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ipc-dev/ipc/internal/ipctest"
)

// TestHostileEntriesMCP: with each hostile entry of ipctest between two
// good messages, every tool call ends (a FIFO used to hang all of them:
// the unread notice opened it), the unread notice counts the good mail and
// names its sender (moving the entry aside), check returns it, and the
// notice then goes away (a dangling symlink kept it at
// "1 unread: from  — call check" forever).
func TestHostileEntriesMCP(t *testing.T) {
	for _, e := range ipctest.HostileEntries(time.Now(), 1<<30) {
		t.Run(e.What, func(t *testing.T) {
			root := t.TempDir()
			alice := newPeer(t, root, Config{ID: "alice"})
			bob := newPeer(t, root, Config{ID: "bob"})
			alice.ok("send", map[string]any{"from_id": "alice", "to_id": "bob", "content": "before"})
			time.Sleep(time.Microsecond) // names order by microsecond
			e = entryNamedNow(t, e.What)
			if err := e.Make(filepath.Join(root, "mail", "bob", "new", e.Name)); err != nil {
				t.Fatal(err)
			}
			time.Sleep(time.Microsecond)
			alice.ok("send", map[string]any{"from_id": "alice", "to_id": "bob", "content": "after"})
			want := []string{"before", "after"}
			if e.Mail != "" {
				want = []string{"before", e.Mail, "after"}
			}

			text := bob.ok("list_instances", nil)
			if !strings.Contains(text, "📬 "+itoa(len(want))+" unread: from alice") || strings.Contains(text, "from  —") {
				t.Fatalf("unread notice in %q, want %d from alice", text, len(want))
			}
			text = bob.ok("check", map[string]any{"instance_id": "bob"})
			frames := mustFrames(t, text)
			ok := len(frames) == len(want)
			for i := 0; ok && i < len(want); i++ {
				ok = frames[i].Body == want[i] || i == 1 && strings.Contains(frames[i].Body, want[i]) // a file kept whole, control characters and all
			}
			if !ok {
				t.Fatalf("check returned %+v, want bodies %q:\n%.500s", frames, want, text)
			}
			// The notice moved the entry aside (reported in the log of ipc mcp).
			q, _ := os.ReadDir(filepath.Join(root, "quarantine", "bob"))
			if len(q) != map[bool]int{true: 1}[e.Mail == ""] {
				t.Fatalf("quarantine/bob holds %v", q)
			}
			if text := bob.ok("list_instances", nil); strings.Contains(text, "unread") {
				t.Fatalf("after check: %q", text)
			}
		})
	}
}

// entryNamedNow is the entry what of the table, named at the current time.
func entryNamedNow(t *testing.T, what string) ipctest.HostileEntry {
	t.Helper()
	for _, e := range ipctest.HostileEntries(time.Now(), 1<<30) {
		if e.What == what {
			return e
		}
	}
	t.Fatalf("no entry %q", what)
	return ipctest.HostileEntry{}
}

func itoa(n int) string { return strconv.Itoa(n) }

// TestHostileCheckPartFailureMCP: a check and an auto_process whose claim
// of one message fails return every message they did claim, with the error
// beside them (an MCP check used to answer only the error, and the
// messages already moved to cur/ never reached the agent).
func TestHostileCheckPartFailureMCP(t *testing.T) {
	for _, tool := range []string{"check", "auto_process"} {
		t.Run(tool, func(t *testing.T) {
			root := t.TempDir()
			alice := newPeer(t, root, Config{ID: "alice"})
			bob := newPeer(t, root, Config{ID: "bob"})
			for _, c := range []string{"one", "two", "three"} {
				alice.ok("send", map[string]any{"from_id": "alice", "to_id": "bob", "content": c})
			}
			ents, err := os.ReadDir(filepath.Join(root, "mail", "bob", "new"))
			if err != nil || len(ents) != 3 {
				t.Fatalf("new/: %v, %v", ents, err)
			}
			var names []string
			for _, e := range ents {
				names = append(names, e.Name())
			}
			sort.Strings(names)
			blocker := filepath.Join(root, "mail", "bob", "cur", names[1]+"!2,S", "x")
			if err := os.MkdirAll(blocker, 0o700); err != nil {
				t.Fatal(err)
			}
			text := bob.ok(tool, map[string]any{"instance_id": "bob"})
			if !strings.Contains(text, "one") || !strings.Contains(text, "three") || !strings.Contains(text, "⚠ the check stopped") {
				t.Fatalf("%s = %q", tool, text)
			}
			os.RemoveAll(filepath.Dir(blocker))
			if text := bob.ok("check", map[string]any{"instance_id": "bob"}); !strings.Contains(text, "two") {
				t.Fatalf("check after clearing = %q", text)
			}
		})
	}
}

// mountExt4 mounts a fresh ext4 image of size bytes at a new directory,
// unmounted at cleanup. It needs root, mkfs.ext4 and a loop device; the
// test is skipped without them. ext4, unlike tmpfs, refuses a rename with
// ENOSPC when the target directory needs a new block.
func mountExt4(t *testing.T, size int64) string {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("needs root to mount a loop device")
	}
	img := filepath.Join(t.TempDir(), "disk.img")
	if err := os.WriteFile(img, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Truncate(img, size); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command("mkfs.ext4", "-q", "-F", img).CombinedOutput(); err != nil {
		t.Skipf("mkfs.ext4: %v %s", err, out)
	}
	dir := t.TempDir()
	if out, err := exec.Command("mount", "-o", "loop", img, dir).CombinedOutput(); err != nil {
		t.Skipf("mount: %v %s", err, out)
	}
	t.Cleanup(func() { exec.Command("umount", "-l", dir).Run() })
	return dir
}

// TestDiskFullCheckMCP: on a full disk the rename into cur/ fails part-way
// through a check (on ext4 once cur/ needs a new block). The MCP check
// used to answer only no_space, and the messages it had already moved to
// cur/ never reached the agent; now every message in cur/ is in the
// result, with the error beside them, and the rest stays unread.
func TestDiskFullCheckMCP(t *testing.T) {
	root := filepath.Join(mountExt4(t, 8<<20), "home")
	alice := newPeer(t, root, Config{ID: "alice"})
	bob := newPeer(t, root, Config{ID: "bob"})
	const sent = 200
	for i := 0; i < sent; i++ {
		alice.ok("send", map[string]any{"from_id": "alice", "to_id": "bob", "content": "m" + itoa(i)})
	}
	fill, err := os.Create(filepath.Join(root, "fill"))
	if err != nil {
		t.Fatal(err)
	}
	for _, chunk := range []int{1 << 16, 1 << 12, 1} { // every block, the last partial one too
		buf := make([]byte, chunk)
		for {
			if _, err := fill.Write(buf); err != nil {
				break
			}
		}
	}
	fill.Close()
	text, isErr := bob.call("check", map[string]any{"instance_id": "bob"})
	cur, _ := os.ReadDir(filepath.Join(root, "mail", "bob", "cur"))
	if len(cur) == 0 || len(cur) == sent {
		t.Skipf("the disk did not refuse a rename part-way (%d of %d claimed)", len(cur), sent)
	}
	if isErr || len(mustFrames(t, text)) != len(cur) || !strings.Contains(text, "⚠ the check stopped") {
		t.Fatalf("check with %d claimed before the disk filled: isError %v\n%.2000s", len(cur), isErr, text)
	}
	os.Remove(filepath.Join(root, "fill"))
	t.Logf("figures: %s: %d of %d messages claimed before ENOSPC, all %d returned with the error beside them", t.Name(), len(cur), sent, len(cur))
}
