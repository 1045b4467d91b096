package socket

import (
	"context"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"time"

	"github.com/ipc-dev/ipc/client"
	"github.com/ipc-dev/ipc/internal/wire"
	"github.com/ipc-dev/ipc/maildir"
)

// DefaultGrace is how long Run waits for requests in flight at shutdown.
const DefaultGrace = 10 * time.Second

// Run serves the mailbox of st until ctx ends. It takes the mailbox's run
// lock first (returning *ErrRunning if another process serves it), makes
// sure the mailbox has an identity and a key (wire.IdentityFile) with which
// hello proves which mailbox it serves,
// listens as cfg says, publishes the RunState for clients, and calls ready,
// if set. It stops when ctx ends, or by itself (returning *Stopped) when
// the mailbox root is removed or replaced, or after cfg.IdleExit with no
// live agent and no connection. It then shuts down gracefully, waiting up
// to grace (DefaultGrace if 0) for requests in flight, removes the state
// file and releases the lock. The caller closes st afterwards.
//
// When the port of cfg.TCP is taken, Run names what holds it: another
// mailbox's server (which one), an older ipc, the original broker, or an
// unknown program; in the error, or, with cfg.PortFallback, in the
// RunState's Notice.
func Run(ctx context.Context, st *maildir.Store, cfg Config, grace time.Duration, ready func(*Server, RunState)) error {
	lock, err := acquireRunLock(st.Root())
	if err != nil {
		return err
	}
	defer lock.Release()
	key, err := ensureMailboxKey(st.Root())
	if err != nil {
		return err
	}
	root, _ := filepath.Abs(st.Root())
	cfg.mailbox = &servedMailbox{key: key, root: root, pid: os.Getpid()}
	srv, err := listen(st, cfg)
	if err != nil {
		if cfg.TCP != "" && portBusy(err) {
			if h := client.ProbePort(ctx, cfg.TCP); h.Kind != client.HolderNone {
				return fmt.Errorf("%w; %s holds it", err, h)
			}
		}
		return err
	}
	host, _ := os.Hostname()
	rs := RunState{PID: os.Getpid(), Host: host, Socket: srv.SocketPath(), Protocol: wire.Version, Version: srv.cfg.Version, Started: time.Now().UTC()}
	if a := srv.Addr(); a != nil {
		rs.TCP, rs.Port = hostPort(a), a.Port
	}
	if cfg.IdleExit > 0 {
		rs.IdleExit = cfg.IdleExit.String()
	}
	if srv.Notice() != "" && cfg.TCP != "" {
		rs.Notice = movedNotice(client.ProbePort(ctx, cfg.TCP), cfg.TCP, rs.TCP)
	}
	if err := lock.Publish(rs); err != nil {
		srv.Close()
		return err
	}
	if ready != nil {
		ready(srv, rs)
	}
	lt := &lifetime{srv: srv, st: st, root: filepath.Clean(root), dir: lock.dir, idle: cfg.IdleExit}
	stopped := lt.watch(ctx)
	if grace <= 0 {
		grace = DefaultGrace
	}
	sctx, cancel := context.WithTimeout(context.Background(), grace)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		srv.cfg.Logf("socket: shutdown: gave up waiting after %v; connections still open were closed", grace)
	}
	return stopped
}

// movedNotice explains a server that listens on got because want was held.
func movedNotice(h client.PortHolder, want, got string) string {
	_, port, _ := net.SplitHostPort(want)
	return fmt.Sprintf("%s is held by %s, so this mailbox's server listens on %s instead. "+
		"This project's clients of this mailbox find it there (server.json); "+
		"the original's unmodified scripts, which know only port %s, reach that other server, not this mailbox. "+
		"Stop it (for another ipc mailbox: ipc --home DIR stop) and restart this server to take the port back.",
		want, h, got, port)
}
