//go:build !windows

package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/mail"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/ipc-dev/ipc/client"
	"github.com/ipc-dev/ipc/internal/ipctest"
	"github.com/ipc-dev/ipc/socket"
)

// The reliability tests attack the built binary with real processes. Their
// long loops run only with IPC_LONG=1 (make reliability); the default
// `go test` runs a short variant of each.

// longRun reports whether the long variants run.
func longRun() bool { return os.Getenv("IPC_LONG") == "1" }

// rounds is short in a normal test run and long with IPC_LONG=1.
func rounds(short, long int) int {
	if longRun() {
		return long
	}
	return short
}

// figures logs a result line that `make reliability` collects into
// RELIABILITY.md.
func figures(t *testing.T, format string, args ...any) {
	t.Helper()
	t.Logf("figures: %s: %s", t.Name(), fmt.Sprintf(format, args...))
}

// serveProc is a running `ipc serve`.
type serveProc struct {
	t      *testing.T
	cmd    *exec.Cmd
	rs     socket.RunState
	stderr *ipctest.Buffer
	exited chan struct{}
	err    error // valid once exited is closed
	once   sync.Once
}

// startServe starts `ipc serve` for home on a free TCP port and the Unix
// socket sock, with extra environment, and waits until it serves. prefix,
// if set, runs the binary through another program (prlimit ...).
func startServe(t *testing.T, home, sock string, prefix []string, env ...string) *serveProc {
	t.Helper()
	cmd := ipcCmd(home, "", "serve", "--port", "0", "--socket", sock)
	cmd.Env = append(cmd.Env, env...)
	if len(prefix) > 0 {
		cmd.Args = append(append([]string{}, prefix...), cmd.Args...)
		cmd.Path = prefix[0]
		if p, err := exec.LookPath(prefix[0]); err == nil {
			cmd.Path = p
		}
		cmd.Args[len(prefix)] = ipcBin
	}
	s := &serveProc{t: t, cmd: cmd, stderr: &ipctest.Buffer{}, exited: make(chan struct{})}
	cmd.Stderr = s.stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		s.err = cmd.Wait()
		close(s.exited)
	}()
	t.Cleanup(s.kill)
	deadline := time.Now().Add(60 * time.Second)
	for {
		rs, ok, _ := socket.Running(home)
		if ok && rs.PID == cmd.Process.Pid {
			s.rs = rs
			return s
		}
		select {
		case <-s.exited:
			t.Fatalf("ipc serve exited at start: %v\n%s", s.err, s.stderr)
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("ipc serve did not start\n%s", s.stderr)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// kill ends the server with SIGKILL and waits for it. It is idempotent.
func (s *serveProc) kill() {
	s.once.Do(func() { s.cmd.Process.Signal(syscall.SIGKILL) })
	<-s.exited
}

// stop ends the server with SIGTERM and checks it exits 0.
func (s *serveProc) stop() {
	s.t.Helper()
	s.once.Do(func() { s.cmd.Process.Signal(syscall.SIGTERM) })
	select {
	case <-s.exited:
	case <-time.After(60 * time.Second):
		s.cmd.Process.Kill()
		s.t.Fatalf("ipc serve did not stop on SIGTERM\n%s", s.stderr)
	}
	if s.err != nil {
		s.t.Fatalf("ipc serve after SIGTERM: %v\n%s", s.err, s.stderr)
	}
}

// checkLog fails the test if the server's output shows a panic or a data
// race.
func (s *serveProc) checkLog() {
	s.t.Helper()
	out := s.stderr.String()
	for _, bad := range []string{"panic", "DATA RACE", "fatal error"} {
		if strings.Contains(out, bad) {
			s.t.Fatalf("ipc serve log shows %q:\n%s", bad, out)
		}
	}
}

// piper is a fast-path client that pipelines requests on one connection:
// it writes them without waiting for replies, keeping up to a window in
// flight, and reads the replies as they come.
type piper struct {
	id    string
	token string
	nc    net.Conn
	r     *bufio.Reader
}

// dialPiper connects and opens the fast path; with a token it resumes
// that session, without one it registers id.
func dialPiper(network, addr, id, token string) (*piper, error) {
	nc, err := net.DialTimeout(network, addr, 10*time.Second)
	if err != nil {
		return nil, err
	}
	p := &piper{id: id, token: token, nc: nc, r: bufio.NewReaderSize(nc, 64<<10)}
	hello := map[string]any{"action": "hello", "version": 2}
	if token != "" {
		hello["session_token"] = token
	}
	rep, err := p.roundTrip(hello)
	if err != nil {
		nc.Close()
		return nil, err
	}
	if token != "" {
		if rep.InstanceID != id {
			nc.Close()
			return nil, fmt.Errorf("resume as %s: %+v", id, rep)
		}
		return p, nil
	}
	rep, err = p.roundTrip(map[string]any{"action": "register", "instance_id": id})
	if err != nil {
		nc.Close()
		return nil, err
	}
	p.token = rep.SessionToken
	return p, nil
}

// roundTrip sends one request and reads its reply (no pipelining).
func (p *piper) roundTrip(req map[string]any) (client.Reply, error) {
	p.nc.SetDeadline(time.Now().Add(60 * time.Second))
	defer p.nc.SetDeadline(time.Time{})
	b, _ := json.Marshal(req)
	if _, err := p.nc.Write(append(b, '\n')); err != nil {
		return client.Reply{}, err
	}
	for {
		line, err := p.r.ReadBytes('\n')
		if err != nil {
			return client.Reply{}, err
		}
		var rep client.Reply
		if err := json.Unmarshal(line, &rep); err != nil {
			return client.Reply{}, fmt.Errorf("bad frame %q: %v", line, err)
		}
		if rep.Event != "" {
			continue
		}
		if rep.Status != client.StatusOK {
			return rep, fmt.Errorf("%s: %s", rep.ErrorCode, rep.Message)
		}
		return rep, nil
	}
}

// pipeResult is what a pipelined run saw.
type pipeResult struct {
	acked []bool         // request i was answered "ok"
	codes map[string]int // error replies by error_code
	bad   []string       // frames that did not decode
}

// pipeline sends reqs (request i gets "id": i), at most window in flight,
// and returns which were answered ok. It ends when every request is
// answered or the connection ends. onReply is called for every reply.
func (p *piper) pipeline(reqs []map[string]any, window int, onReply func(i int, ok bool)) pipeResult {
	res := pipeResult{acked: make([]bool, len(reqs)), codes: map[string]int{}}
	sem := make(chan struct{}, window)
	readerDone := make(chan struct{})
	go func() {
		defer close(readerDone)
		for answered := 0; answered < len(reqs); {
			line, err := p.r.ReadBytes('\n')
			if err != nil {
				return
			}
			var rep client.Reply
			if err := json.Unmarshal(line, &rep); err != nil {
				res.bad = append(res.bad, string(line))
				continue
			}
			if rep.Event != "" {
				continue
			}
			i, err := strconv.Atoi(string(rep.ID))
			if err != nil || i < 0 || i >= len(reqs) {
				res.bad = append(res.bad, string(line))
				continue
			}
			ok := rep.Status == client.StatusOK
			if ok {
				res.acked[i] = true
			} else {
				res.codes[rep.ErrorCode]++
			}
			answered++
			if onReply != nil {
				onReply(i, ok)
			}
			<-sem
		}
	}()
	bw := bufio.NewWriterSize(p.nc, 32<<10)
write:
	for i, req := range reqs {
		select {
		case sem <- struct{}{}:
		case <-readerDone:
			break write
		}
		req["id"] = i
		b, _ := json.Marshal(req)
		if _, err := bw.Write(append(b, '\n')); err != nil {
			break
		}
		if len(sem) == cap(sem) || i == len(reqs)-1 {
			if bw.Flush() != nil {
				break
			}
		}
	}
	bw.Flush()
	<-readerDone
	return res
}

func (p *piper) close() { p.nc.Close() }

// diskMsg is a message file read straight from disk, parsed with the
// standard library's net/mail (not the product's own parser).
type diskMsg struct {
	name, sub, from, to, body string
}

// readMaildir reads every message file of the maildir dir (new/ and cur/).
// A file that does not parse as a message fails the test: a reader must
// never see a partial file.
func readMaildir(t *testing.T, dir string) []diskMsg {
	t.Helper()
	var out []diskMsg
	for _, sub := range []string{"new", "cur"} {
		ents, err := os.ReadDir(filepath.Join(dir, sub))
		if errors.Is(err, os.ErrNotExist) {
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range ents {
			if strings.HasPrefix(e.Name(), ".") {
				continue
			}
			b, err := os.ReadFile(filepath.Join(dir, sub, e.Name()))
			if errors.Is(err, os.ErrNotExist) {
				continue // claimed or moved meanwhile
			}
			if err != nil {
				t.Fatal(err)
			}
			m, err := mail.ReadMessage(bytes.NewReader(b))
			if err != nil {
				t.Fatalf("%s/%s is not a whole message: %v\n%q", sub, e.Name(), err, b)
			}
			body, _ := io.ReadAll(m.Body)
			out = append(out, diskMsg{name: e.Name(), sub: sub, from: m.Header.Get("From"), to: m.Header.Get("To"),
				body: strings.TrimSuffix(string(body), "\n")})
		}
	}
	return out
}

// tmpFiles lists the visible files in the tmp/ of the maildir dir.
func tmpFiles(dir string) []string {
	ents, _ := os.ReadDir(filepath.Join(dir, "tmp"))
	var out []string
	for _, e := range ents {
		if !strings.HasPrefix(e.Name(), ".") {
			out = append(out, e.Name())
		}
	}
	return out
}

// writerPID is the pid recorded in a maildir name written by ipc
// ("<sec>.M<usec>P<pid>Q<n>R<rand>.<host>").
func writerPID(name string) int {
	_, rest, _ := strings.Cut(name, ".")
	p, q := strings.Index(rest, "P"), strings.Index(rest, "Q")
	if p < 0 || q < p {
		return 0
	}
	pid, _ := strconv.Atoi(rest[p+1 : q])
	return pid
}

// countDir counts the visible entries of dir.
func countDir(dir string) int {
	f, err := os.Open(dir)
	if err != nil {
		return 0
	}
	defer f.Close()
	names, _ := f.Readdirnames(-1)
	n := 0
	for _, name := range names {
		if !strings.HasPrefix(name, ".") {
			n++
		}
	}
	return n
}
