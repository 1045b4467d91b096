//go:build linux

package main

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/ipc-dev/ipc/client"
)

// The disk-full and read-only tests need a filesystem they can fill or
// remount: a small tmpfs, which needs root. They are skipped otherwise.

// mountTmpfs mounts a tmpfs of size at a new directory and unmounts it at
// the end of the test (after the processes started later are gone).
func mountTmpfs(t *testing.T, size string) string {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("needs root to mount a tmpfs")
	}
	dir := t.TempDir()
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size="+size+",mode=0700", "tmpfs", dir).CombinedOutput(); err != nil {
		t.Skipf("cannot mount a tmpfs: %v %s", err, out)
	}
	t.Cleanup(func() { exec.Command("umount", "-l", dir).Run() })
	return dir
}

// doors reaches one running mailbox through every door: legacy TCP, the
// fast path on the Unix socket, a real `ipc mcp` process, and the CLI.
type doors struct {
	t     *testing.T
	home  string
	srv   *serveProc
	lgTok string // legacy session "lg"
	fp    *piper // fast-path session "fp"
	mcp   *mcpProc
}

func openDoors(t *testing.T, home string) *doors {
	t.Helper()
	d := &doors{t: t, home: home}
	d.srv = startServe(t, home, filepath.Join(shortDir(t), "d.sock"), nil, "IPC_RATE_BURST=off")
	rep := d.legacy(map[string]any{"action": "register", "instance_id": "lg"})
	if rep.Status != client.StatusOK {
		t.Fatalf("register lg: %+v", rep)
	}
	d.lgTok = rep.SessionToken
	fp, err := dialPiper("unix", d.srv.rs.Socket, "fp", "")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(fp.close)
	d.fp = fp
	d.mcp = startMCP(t, home, "IPC_ID=mc", "IPC_CHANNEL=0", "IPC_RATE_BURST=off")
	return d
}

func (d *doors) legacy(req map[string]any) client.Reply {
	d.t.Helper()
	rep, err := client.Legacy(bg(), "tcp", d.srv.rs.TCP, req)
	if err != nil {
		d.t.Fatalf("legacy %v: %v", req["action"], err)
	}
	return rep
}

// send sends content to "reader" through one door and returns "" on
// success or the error kind the door reported.
func (d *doors) send(door, content string) string {
	d.t.Helper()
	switch door {
	case "legacy":
		rep := d.legacy(map[string]any{"action": "send", "to_id": "reader", "session_token": d.lgTok,
			"message": map[string]any{"content": content}})
		return rep.ErrorCode
	case "fast":
		rep, err := d.fp.roundTrip(map[string]any{"action": "send", "to_id": "reader", "message": map[string]any{"content": content}})
		if err != nil {
			if rep.ErrorCode == "" {
				d.t.Fatalf("fast send: %v", err)
			}
			return rep.ErrorCode
		}
		return ""
	case "mcp":
		text, isErr := d.mcp.call("send", map[string]any{"from_id": "mc", "to_id": "reader", "content": content})
		if !isErr {
			return ""
		}
		kind, _, _ := strings.Cut(text, ":")
		return kind
	case "cli":
		r := ipc(d.t, d.home, "cli", "", "send", "reader", content)
		if r.code == 0 {
			return ""
		}
		kind, _, _ := strings.Cut(strings.TrimPrefix(r.stderr, "ipc: "), ":")
		return kind
	}
	d.t.Fatalf("no door %q", door)
	return ""
}

var allDoors = []string{"legacy", "fast", "mcp", "cli"}

// checkReader reads reader's mail over the legacy protocol.
func (d *doors) checkReader(tok string) client.Reply {
	d.t.Helper()
	return d.legacy(map[string]any{"action": "check", "session_token": tok})
}

// fill writes a file until the filesystem of dir is full and returns it.
func fill(t *testing.T, dir string) string {
	t.Helper()
	path := filepath.Join(dir, "filler")
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE, 0o600)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	for _, chunk := range []int{64 << 10, 4 << 10, 1} {
		buf := make([]byte, chunk)
		for {
			if _, err := f.Write(buf); err != nil {
				if !errors.Is(err, syscall.ENOSPC) {
					t.Fatal(err)
				}
				break
			}
		}
	}
	return path
}

// checkNothingHalfWritten walks home: every message file is whole, no
// tmp/ holds a leftover, no temporary file of an atomic replace is left,
// and no content of a refused send landed anywhere.
func checkNothingHalfWritten(t *testing.T, home string, refused []string) {
	t.Helper()
	boxes, _ := os.ReadDir(filepath.Join(home, "mail"))
	for _, b := range boxes {
		dir := filepath.Join(home, "mail", b.Name())
		if left := tmpFiles(dir); len(left) > 0 {
			t.Errorf("%s/tmp holds %v", b.Name(), left)
		}
		for _, m := range readMaildir(t, dir) {
			for _, r := range refused {
				if strings.Contains(m.body, r) {
					t.Errorf("refused send %q landed in %s/%s", r, b.Name(), m.name)
				}
			}
		}
	}
	for _, sub := range []string{"index", "presence", "large", ""} {
		ents, _ := os.ReadDir(filepath.Join(home, sub))
		for _, e := range ents {
			info, err := e.Info()
			if err != nil || e.IsDir() {
				continue
			}
			if strings.HasPrefix(e.Name(), ".") {
				t.Errorf("%s: temporary file %s left", sub, e.Name())
			}
			if info.Size() == 0 && !strings.HasSuffix(e.Name(), ".lock") {
				t.Errorf("%s: %s is empty", sub, e.Name())
			}
		}
	}
}

// TestDiskFull fills the mailbox's filesystem while every door is open:
// each door refuses a send with no_space (a large message too), nothing is
// half-written, the server keeps serving reads, and once space is freed
// every door sends again.
func TestDiskFull(t *testing.T) {
	mnt := mountTmpfs(t, "4m")
	home := filepath.Join(mnt, "home")
	d := openDoors(t, home)
	reader := d.legacy(map[string]any{"action": "register", "instance_id": "reader"}).SessionToken
	for _, door := range allDoors {
		if k := d.send(door, "before "+door); k != "" {
			t.Fatalf("%s: send before the disk filled: %s", door, k)
		}
	}
	filler := fill(t, mnt)

	var refused []string
	tried := 0
	for _, door := range allDoors {
		for _, content := range []string{"during " + door, "large during " + door + " " + strings.Repeat("y", 20000)} {
			tried++
			if k := d.send(door, content); k != "no_space" {
				t.Errorf("%s: send on a full disk: kind %q, want no_space", door, k)
			}
		}
		refused = append(refused, "during "+door)
	}
	rep := d.legacy(map[string]any{"action": "broadcast", "session_token": d.lgTok, "message": map[string]any{"content": "during broadcast"}})
	if rep.ErrorCode != "no_space" || rep.Recoverable == nil || !*rep.Recoverable {
		t.Errorf("broadcast on a full disk: %+v", rep)
	}
	refused = append(refused, "during broadcast")
	tried++

	// Reads go on.
	rep = d.checkReader(reader)
	if rep.Status != client.StatusOK || len(rep.Messages) != len(allDoors) {
		t.Fatalf("check on a full disk: %+v", rep)
	}
	if rep := d.legacy(map[string]any{"action": "list", "session_token": d.lgTok}); rep.Status != client.StatusOK || len(rep.Instances) < 4 {
		t.Fatalf("list on a full disk: %+v", rep)
	}
	d.mcp.ok("list_instances", nil, "reader")
	checkNothingHalfWritten(t, home, refused)

	// Space again: every door sends.
	if err := os.Remove(filler); err != nil {
		t.Fatal(err)
	}
	for _, door := range allDoors {
		if k := d.send(door, "after "+door); k != "" {
			t.Errorf("%s: send after space was freed: %s", door, k)
		}
	}
	if rep := d.checkReader(reader); len(rep.Messages) != len(allDoors) {
		t.Fatalf("check after space was freed: %+v", rep)
	}
	d.srv.checkLog()
	figures(t, "%d sends refused with no_space on a full tmpfs through legacy TCP, fast path, MCP and CLI (small and large messages, broadcast); reads served meanwhile; 0 half-written files", tried)
}

// TestReadOnlyHome remounts the mailbox's filesystem read-only while every
// door is open: sends are refused with no_space on each door, claiming is
// refused with no_space too (it is a rename) while list and ping go on,
// and after the remount read-write nothing was lost.
func TestReadOnlyHome(t *testing.T) {
	mnt := mountTmpfs(t, "16m")
	home := filepath.Join(mnt, "home")
	d := openDoors(t, home)
	reader := d.legacy(map[string]any{"action": "register", "instance_id": "reader"}).SessionToken
	for _, door := range allDoors {
		if k := d.send(door, "before "+door); k != "" {
			t.Fatalf("%s: send before the remount: %s", door, k)
		}
	}
	if out, err := exec.Command("mount", "-o", "remount,ro", mnt).CombinedOutput(); err != nil {
		t.Skipf("cannot remount read-only: %v %s", err, out)
	}
	remounted := false
	defer func() {
		if !remounted {
			exec.Command("mount", "-o", "remount,rw", mnt).Run()
		}
	}()

	tried := 0
	for _, door := range allDoors {
		tried++
		if k := d.send(door, "during "+door); k != "no_space" {
			t.Errorf("%s: send to a read-only mailbox: kind %q, want no_space", door, k)
		}
	}
	if rep := d.checkReader(reader); rep.ErrorCode != "no_space" {
		t.Errorf("check on a read-only mailbox: %+v, want no_space", rep)
	}
	if rep := d.legacy(map[string]any{"action": "list", "session_token": d.lgTok}); rep.Status != client.StatusOK {
		t.Errorf("list on a read-only mailbox: %+v", rep)
	}
	if rep := d.legacy(map[string]any{"action": "ping"}); rep.Status != client.StatusOK {
		t.Errorf("ping on a read-only mailbox: %+v", rep)
	}
	d.mcp.ok("list_instances", nil, "reader")
	r := ipc(t, home, "", "", "list")
	if r.code != 0 {
		t.Errorf("ipc list on a read-only mailbox: %+v", r)
	}

	if out, err := exec.Command("mount", "-o", "remount,rw", mnt).CombinedOutput(); err != nil {
		t.Fatalf("remount rw: %v %s", err, out)
	}
	remounted = true
	checkNothingHalfWritten(t, home, []string{"during "})
	rep := d.checkReader(reader)
	if rep.Status != client.StatusOK || len(rep.Messages) != len(allDoors) {
		t.Fatalf("check after the remount: %+v", rep)
	}
	for _, door := range allDoors {
		if k := d.send(door, "after "+door); k != "" {
			t.Errorf("%s: send after the remount: %s", door, k)
		}
	}
	d.srv.checkLog()
	figures(t, "%d sends and 1 check refused with no_space on a read-only mailbox through legacy TCP, fast path, MCP and CLI; list and ping served meanwhile; 0 lost after remounting read-write",
		tried)
}
