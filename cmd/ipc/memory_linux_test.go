package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ipc-dev/ipc/client"
	"github.com/ipc-dev/ipc/internal/ipctest"
	"github.com/ipc-dev/ipc/maildir"
	"github.com/ipc-dev/ipc/socket"
)

// peakRSS is the peak resident set (VmHWM of /proc/<pid>/status) of a
// running process, in bytes.
func peakRSS(t *testing.T, pid int) int64 {
	t.Helper()
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			if err != nil {
				t.Fatal(err)
			}
			return kb << 10
		}
	}
	t.Fatalf("no VmHWM for %d", pid)
	return 0
}

// mcpPeak runs one `ipc mcp`, sends it one send call whose content is
// size bytes, and returns the reply and the process's peak RSS.
func mcpPeak(t *testing.T, size int) (string, int64) {
	t.Helper()
	home := filepath.Join(t.TempDir(), "home")
	cmd := ipcCmd(home, "alice", "mcp")
	stdin, _ := cmd.StdinPipe()
	stdout, _ := cmd.StdoutPipe()
	var stderr ipctest.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Wait()
	defer stdin.Close()
	r := bufio.NewReaderSize(stdout, 1<<20)
	readLine := func() string {
		line, err := r.ReadString('\n')
		if err != nil {
			t.Fatalf("ipc mcp: %v\n%s", err, stderr.String())
		}
		return line
	}
	io.WriteString(stdin, `{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2024-11-05","capabilities":{},"clientInfo":{"name":"t","version":"1"}}}`+"\n")
	readLine()
	io.WriteString(stdin, `{"jsonrpc":"2.0","method":"notifications/initialized"}`+"\n")
	head := `{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"send","arguments":{"from_id":"alice","to_id":"bob","content":"`
	go func() {
		w := bufio.NewWriterSize(stdin, 1<<20)
		w.WriteString(head)
		chunk := strings.Repeat("m", 1<<20)
		for n := size; n > 0; n -= len(chunk) {
			w.WriteString(chunk[:min(n, len(chunk))])
		}
		w.WriteString(`"}}}` + "\n")
		w.Flush()
	}()
	reply := readLine()
	return reply, peakRSS(t, cmd.Process.Pid)
}

// TestMemoryExhaustionBoundedByMessageLimit measures the peak RSS of each
// door for the largest message it accepts and for one over its limit: ipc
// mcp (64 MiB content over stdio), ipc serve (a 16 MiB request on the Unix
// socket) and ipc send (64 MiB on stdin). Only with IPC_LONG=1: it moves
// a few hundred MiB.
func TestMemoryExhaustionBoundedByMessageLimit(t *testing.T) {
	if !longRun() || runtime.GOOS != "linux" {
		t.Skip("IPC_LONG=1 on Linux: measures peak RSS through /proc")
	}
	// The race detector multiplies memory: measure a plain build.
	bin := filepath.Join(t.TempDir(), "ipc")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	saved := ipcBin
	ipcBin = bin
	defer func() { ipcBin = saved }()

	const mib = 1 << 20
	limit := maildir.DefaultMaxContent
	var figs []string

	reply, accepted := mcpPeak(t, limit)
	if !strings.Contains(reply, "the full text in") || strings.Contains(reply, `"isError":true`) {
		t.Fatalf("largest message refused: %.300s", reply)
	}
	reply, refused := mcpPeak(t, 70_000_000)
	if !strings.Contains(reply, "too_large") || !strings.Contains(reply, `"id":2`) {
		t.Fatalf("70 MB line: %.300s", reply)
	}
	figs = append(figs, fmt.Sprintf("ipc mcp %d MiB accepted %d MiB peak (%.1fx), 70 MB refused %d MiB peak",
		limit/mib, accepted/mib, float64(accepted)/float64(limit), refused/mib))
	if accepted > 6*int64(limit) || refused > 2*int64(limit) { // the bounds docs/mcp.md promises
		t.Errorf("ipc mcp peaks %d and %d MiB for a %d MiB limit", accepted/mib, refused/mib, limit/mib)
	}

	// The socket door: a request at its frame limit, and one over it.
	frame := socket.DefaultMaxFrame
	for _, c := range []struct {
		name string
		size int
		ok   bool
	}{{"accepted", frame - 64<<10, true}, {"refused", 3 * frame, false}} {
		home := filepath.Join(t.TempDir(), "home")
		sock := filepath.Join(t.TempDir(), "s")
		srv := startServe(t, home, sock, nil)
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		cl, err := client.Dial(ctx, "unix", sock)
		if err != nil {
			t.Fatal(err)
		}
		if _, _, err := cl.Register(ctx, "alice", ""); err != nil {
			t.Fatal(err)
		}
		_, err = cl.Send(ctx, "bob", strings.Repeat("s", c.size), nil)
		if (err == nil) != c.ok {
			t.Fatalf("socket %s: %d bytes: %v", c.name, c.size, err)
		}
		peak := peakRSS(t, srv.cmd.Process.Pid)
		cl.Close()
		cancel()
		srv.stop()
		figs = append(figs, fmt.Sprintf("ipc serve %s %d MiB request %d MiB peak (%.1fx the %d MiB frame)",
			c.name, c.size/mib, peak/mib, float64(peak)/float64(frame), frame/mib))
		if peak > 8*int64(frame) {
			t.Errorf("ipc serve peaks %d MiB for a %d MiB request", peak/mib, c.size/mib)
		}
	}

	// The CLI: ipc send with the body on stdin, run by GNU time, whose
	// %M is the exited child's ru_maxrss. (The test's own wait4 would not
	// do: a child started with vfork inherits the parent's high-water mark
	// at exec.)
	gnuTime, err := exec.LookPath("/usr/bin/time")
	if err != nil {
		t.Skipf("no /usr/bin/time to measure ipc send: %s", strings.Join(figs, "; "))
	}
	for _, c := range []struct {
		name string
		size int
		ok   bool
	}{{"accepted", limit, true}, {"refused", 70_000_000, false}} {
		home := filepath.Join(t.TempDir(), "home")
		cmd := ipcCmd(home, "alice", "send", "bob", "-")
		cmd.Args = append([]string{gnuTime, "-f", "maxrss %M"}, cmd.Args...)
		cmd.Path = gnuTime
		cmd.Stdin = strings.NewReader(strings.Repeat("c", c.size))
		out, err := cmd.CombinedOutput()
		if (err == nil) != c.ok {
			t.Fatalf("ipc send %s %d bytes: %v\n%.300s", c.name, c.size, err, out)
		}
		_, kb, found := strings.Cut(string(out), "maxrss ")
		n, perr := strconv.ParseInt(strings.TrimSpace(kb), 10, 64)
		if !found || perr != nil {
			t.Fatalf("time: %q", out)
		}
		peak := n << 10
		figs = append(figs, fmt.Sprintf("ipc send %s %d MB %d MiB peak (%.1fx)", c.name, c.size/1e6, peak/mib, float64(peak)/float64(limit)))
		if peak > 4*int64(limit) {
			t.Errorf("ipc send peaks %d MiB for %d MB", peak/mib, c.size/1e6)
		}
	}
	figures(t, "%s", strings.Join(figs, "; "))
}
