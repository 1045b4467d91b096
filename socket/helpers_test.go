package socket

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ipc-dev/ipc/client"
	"github.com/ipc-dev/ipc/internal/ipctest"
	"github.com/ipc-dev/ipc/internal/wire"
	"github.com/ipc-dev/ipc/maildir"
)

// The tests that need other processes re-execute the test binary: with
// ipctest.HelperEnv set, TestMain runs one helper role instead.
func TestMain(m *testing.M) {
	ipctest.Main(m, os.Getenv(ipctest.HelperEnv), runHelper)
}

// runHelper runs a role with arguments "root,arg,arg...".
func runHelper(role, args string) error {
	a := strings.Split(args, ",")
	st, err := maildir.Open(a[0], testOptions(maildir.Options{RateBurst: -1}))
	if err != nil {
		return err
	}
	defer st.Close()
	switch role {
	case "serve": // root,socket: serve until stdin closes; print "ready <tcp>"
		ctx, cancel := context.WithCancel(context.Background())
		go func() {
			io.Copy(io.Discard, os.Stdin)
			cancel()
		}()
		cfg := Config{TCP: "127.0.0.1:0", Socket: a[1]}
		return Run(ctx, st, cfg, 0, func(srv *Server, rs RunState) {
			fmt.Printf("ready %s\n", rs.TCP)
		})
	case "send": // root,from,to,count: send count messages "from i"
		s, err := st.Login(context.Background(), a[1], "")
		if err != nil {
			return err
		}
		n, _ := strconv.Atoi(a[3])
		for i := 0; i < n; i++ {
			if _, err := s.Send(context.Background(), a[2], fmt.Sprintf("%s %d", a[1], i), nil); err != nil {
				return err
			}
		}
		return nil
	}
	return fmt.Errorf("unknown helper role %q", role)
}

// helper starts the test binary in a helper role and returns it with its
// stdout.
func helper(t *testing.T, role string, args ...string) (*os.Process, *bufio.Reader, io.WriteCloser) {
	t.Helper()
	cmd := ipctest.HelperCmd(t, os.Environ(), role, args...)
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		stdin.Close()
		cmd.Process.Kill()
		cmd.Wait()
	})
	return cmd.Process, bufio.NewReader(stdout), stdin
}

// mustStore opens a store at root (a fresh temporary one if root is "").
func mustStore(tb testing.TB, root string, opts maildir.Options) *maildir.Store {
	tb.Helper()
	if root == "" {
		root = tb.TempDir()
	}
	return ipctest.Open(tb, maildir.Open, root, testOptions(opts))
}

// testOptions applies the polling switch of the suite to opts.
func testOptions(opts maildir.Options) maildir.Options {
	ipctest.Poll(os.Getenv).Apply(&opts.Poll, &opts.PollInterval)
	return opts
}

// sockDir returns a short temporary directory for Unix sockets (their
// paths are limited to about 104 bytes; t.TempDir can be longer).
func sockDir(tb testing.TB) string {
	tb.Helper()
	d, err := os.MkdirTemp("", "ipc")
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { os.RemoveAll(d) })
	return d
}

// testConfig is a configuration on a free loopback port and a temporary
// Unix socket.
func testConfig(tb testing.TB) Config {
	return Config{TCP: "127.0.0.1:0", Socket: filepath.Join(sockDir(tb), "s.sock"), Logf: tb.Logf}
}

// mustServe starts a server for st; it is shut down at the end of the test.
func mustServe(tb testing.TB, st *maildir.Store, cfg Config) *Server {
	tb.Helper()
	if cfg.Logf == nil {
		cfg.Logf = tb.Logf
	}
	srv, err := listen(st, cfg)
	if err != nil {
		tb.Fatalf("Listen: %v", err)
	}
	tb.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if err := srv.Shutdown(ctx); err != nil {
			tb.Errorf("Shutdown: %v", err)
		}
	})
	return srv
}

// newServer is mustServe over a fresh store.
func newServer(tb testing.TB) (*Server, *maildir.Store) {
	tb.Helper()
	st := mustStore(tb, "", maildir.Options{Sync: maildir.SyncNone})
	return mustServe(tb, st, testConfig(tb)), st
}

func tcpAddr(srv *Server) string { return hostPort(srv.Addr()) }

// legacy sends one legacy request and returns the reply.
func legacy(tb testing.TB, srv *Server, req any) wire.Reply {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	rep, err := client.Legacy(ctx, "tcp", tcpAddr(srv), req)
	if err != nil {
		tb.Fatalf("client.Legacy(%v): %v", req, err)
	}
	return rep
}

// raw sends chunks on one connection, one write each, then reads the whole
// reply until the server closes. With halfClose the client shuts down its
// sending side after the last chunk.
func raw(tb testing.TB, srv *Server, halfClose bool, chunks ...[]byte) []byte {
	tb.Helper()
	nc, err := net.Dial("tcp", tcpAddr(srv))
	if err != nil {
		tb.Fatal(err)
	}
	defer nc.Close()
	nc.SetDeadline(time.Now().Add(60 * time.Second))
	for _, c := range chunks {
		if _, err := nc.Write(c); err != nil {
			tb.Fatalf("write: %v", err)
		}
	}
	if halfClose {
		nc.(*net.TCPConn).CloseWrite()
	}
	b, err := io.ReadAll(nc)
	if err != nil {
		tb.Fatalf("read: %v", err)
	}
	return b
}

func decodeReply(tb testing.TB, b []byte) wire.Reply {
	tb.Helper()
	var rep wire.Reply
	if err := json.Unmarshal(b, &rep); err != nil {
		tb.Fatalf("reply %q: %v", b, err)
	}
	return rep
}

// register registers id over the legacy protocol and returns its token.
func register(tb testing.TB, srv *Server, id string) string {
	tb.Helper()
	rep := legacy(tb, srv, map[string]any{"action": "register", "instance_id": id})
	if rep.Status != wire.StatusOK || rep.SessionToken == "" {
		tb.Fatalf("register %s: %+v", id, rep)
	}
	return rep.SessionToken
}

func wantOK(tb testing.TB, rep wire.Reply) {
	tb.Helper()
	if rep.Status != wire.StatusOK {
		tb.Fatalf("reply = %+v (message %q), want ok", rep, rep.Message)
	}
}

// wantError checks an error reply's message and error_code.
func wantError(tb testing.TB, rep wire.Reply, msg string, code maildir.Kind) {
	tb.Helper()
	if rep.Status != wire.StatusError || rep.Message != msg || rep.ErrorCode != string(code) || rep.Recoverable == nil {
		tb.Fatalf("reply = status %q message %q code %q recoverable %v, want error %q code %q",
			rep.Status, rep.Message, rep.ErrorCode, rep.Recoverable, msg, code)
	}
}

func wantCode(tb testing.TB, rep wire.Reply, code maildir.Kind) {
	tb.Helper()
	if rep.Status != wire.StatusError || rep.ErrorCode != string(code) {
		tb.Fatalf("reply = status %q message %q code %q, want error code %q", rep.Status, rep.Message, rep.ErrorCode, code)
	}
}

// dial opens a fast-path client to srv's TCP listener.
func dial(tb testing.TB, srv *Server) *client.Client {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	c, err := client.Dial(ctx, "tcp", tcpAddr(srv))
	if err != nil {
		tb.Fatalf("Dial: %v", err)
	}
	tb.Cleanup(func() { c.Close() })
	return c
}

func testCtx(tb testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	tb.Cleanup(cancel)
	return ctx
}

// connCount is the number of connections the server is serving.
func connCount(srv *Server) int {
	srv.mu.Lock()
	defer srv.mu.Unlock()
	return len(srv.conns)
}

// kindOf is the error_code of an error reply the client got.
func kindOf(err error) maildir.Kind {
	var e *client.Error
	if errors.As(err, &e) {
		return maildir.Kind(e.Kind)
	}
	return ""
}

func netDial(srv *Server) (net.Conn, error) { return net.Dial("tcp", tcpAddr(srv)) }

// dialsOwnServer checks that the Go client reaches the server of the
// mailbox at root, which proves it is this process's.
func dialsOwnServer(t *testing.T, ctx context.Context, root string) {
	t.Helper()
	c, err := client.DialMailbox(ctx, root)
	if err != nil {
		t.Fatalf("DialMailbox to the mailbox's own server: %v", err)
	}
	if mb := c.Server().Mailbox; mb == nil || mb.PID != os.Getpid() {
		t.Fatalf("hello mailbox %+v", mb)
	}
	c.Close()
}
