package socket

import (
	"context"
	"os"
	"time"

	"github.com/ipc-dev/ipc/maildir"
)

// DefaultGrace is how long Run waits for requests in flight at shutdown.
const DefaultGrace = 10 * time.Second

// Run serves the mailbox of st until ctx ends. It takes the mailbox's run
// lock first (returning *ErrRunning if another process serves it), listens
// as cfg says, publishes the RunState for clients, and calls ready, if
// set. When ctx ends it shuts down gracefully, waiting up to grace
// (DefaultGrace if 0) for requests in flight, removes the state file and
// releases the lock. The caller closes st afterwards.
func Run(ctx context.Context, st *maildir.Store, cfg Config, grace time.Duration, ready func(*Server, RunState)) error {
	lock, err := AcquireRunLock(st.Root())
	if err != nil {
		return err
	}
	defer lock.Release()
	srv, err := Listen(st, cfg)
	if err != nil {
		return err
	}
	host, _ := os.Hostname()
	rs := RunState{PID: os.Getpid(), Host: host, Socket: srv.SocketPath(), Protocol: Version, Version: srv.cfg.Version, Started: time.Now().UTC()}
	if a := srv.Addr(); a != nil {
		rs.TCP, rs.Port = hostPort(a), a.Port
	}
	if err := lock.Publish(rs); err != nil {
		srv.Close()
		return err
	}
	if ready != nil {
		ready(srv, rs)
	}
	<-ctx.Done()
	if grace <= 0 {
		grace = DefaultGrace
	}
	sctx, cancel := context.WithTimeout(context.Background(), grace)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		srv.cfg.Logf("socket: shutdown: gave up waiting after %v; connections still open were closed", grace)
	}
	return nil
}
