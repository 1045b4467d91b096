package main

import (
	"context"
	"errors"
	"fmt"
	"log"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/ipc-dev/ipc/maildir"
	"github.com/ipc-dev/ipc/socket"
)

// defaultIdleExit is how long an auto-started server stays with no live
// agent of its mailbox and no client connecting before it stops.
const defaultIdleExit = 30 * time.Minute

// detachWait bounds how long `serve --detach` waits for the server to serve.
const detachWait = 10 * time.Second

// runServe: ipc serve — the socket server, in the foreground until
// interrupted (SIGINT, SIGTERM: graceful shutdown, exit 0). With --detach
// it starts one in the background and returns once it serves.
func runServe(ctx context.Context, c *cli, args []string) error {
	fs := flags("serve")
	host := fs.String("host", c.getenv(envHost), "TCP `HOST` (default 127.0.0.1; anything else is reachable from other hosts)")
	port := fs.String("port", c.getenv(envPort), "TCP `PORT` (default 9876; 0 any free port; off no TCP)")
	sock := fs.String("socket", c.getenv(envSocket), "Unix socket `PATH` (default in a private runtime directory; off none)")
	detach := fs.Bool("detach", false, "start the server in the background and return once it serves")
	maxConns := fs.Int("max-conns", 0, "open connections served at once (default 512)")
	sessionIdle := fs.Duration("session-idle", 0, "close a session unused this long (default 10m; its token resumes it)")
	grace := fs.Duration("grace", 0, "at shutdown, wait this long for requests in flight (default 10s)")
	idleExit := fs.Duration("idle-exit", 0, "stop after this long with no live agent of the mailbox and no client connecting (default 0: never; auto-start passes 30m)")
	if _, err := parseExactly(fs, args, 0, "serve takes no arguments (configure it with --host, --port, --socket or IPC_HOST, IPC_PORT, IPC_SOCKET)"); err != nil {
		return err
	}
	if *detach {
		return c.startDetached(ctx, withoutDetach(args))
	}
	cfg := socket.Config{MaxConns: *maxConns, SessionIdle: *sessionIdle, IdleExit: *idleExit, Version: "ipc " + version}
	if *port != "off" {
		h, p := *host, *port
		if h == "" {
			h = socket.DefaultHost
		}
		if p == "" {
			p = fmt.Sprint(socket.DefaultPort)
			cfg.PortFallback = true // only the default port may be replaced
		}
		cfg.TCP = net.JoinHostPort(h, p)
	}
	switch *sock {
	case "off":
	case "":
		cfg.Socket = socket.DefaultSocketPath(c.home, c.getenv(envRuntimeDir))
	default:
		cfg.Socket = *sock
	}

	logger := log.New(c.stderr, "", log.LstdFlags)
	logf := func(format string, args ...any) { logger.Printf(strings.TrimSuffix(format, "\n"), args...) }
	cfg.Logf = logf
	cfg.RuntimeDir, cfg.WSLDistro = c.getenv(envRuntimeDir), c.getenv(envWSLDistro)
	st, err := c.openDaemonStore(logf)
	if err != nil {
		return err
	}
	defer st.Close()
	// The search index is kept current as mail lands, so that searches
	// through this server find it so; the loop ends before the store closes.
	indexCtx, stopIndexing := context.WithCancel(ctx)
	indexing := make(chan struct{})
	go func() {
		defer close(indexing)
		if err := st.KeepIndexed(indexCtx); err != nil {
			logf("ipc serve: keeping the search index: %v", err)
		}
	}()
	defer func() { stopIndexing(); <-indexing }()
	err = socket.Run(ctx, st, cfg, *grace, func(srv *socket.Server, rs socket.RunState) {
		if rs.Notice != "" {
			logf("ipc serve: WARNING: %s", rs.Notice)
		} else if n := srv.Notice(); n != "" {
			logf("ipc serve: %s", n)
		}
		logf("ipc serve: serving %s on %s (pid %d)", st.Root(), listening(rs), rs.PID)
		if rs.IdleExit != "" {
			logf("ipc serve: stops after %s with no live agent and no client", rs.IdleExit)
		}
	})
	var running *socket.ErrRunning
	if errors.As(err, &running) {
		return &maildir.Error{Op: "serve", Kind: maildir.InUse, Msg: running.Error()}
	}
	var stopped *socket.Stopped
	if errors.As(err, &stopped) {
		logf("ipc serve: %s: stopped", stopped.Reason)
		if stopped.Idle {
			return nil
		}
		return &maildir.Error{Op: "serve", Kind: maildir.NotFound, Msg: stopped.Reason + ": the server stopped"}
	}
	if err != nil {
		return err
	}
	logf("ipc serve: stopped")
	return nil
}

// listening describes where a server listens.
func listening(rs socket.RunState) string {
	var where []string
	if rs.TCP != "" {
		where = append(where, rs.TCP)
	}
	if rs.Socket != "" {
		where = append(where, rs.Socket)
	}
	return strings.Join(where, " and ")
}

func withoutDetach(args []string) []string {
	var out []string
	for _, a := range args {
		if a != "--detach" && a != "-detach" && !strings.HasPrefix(a, "--detach=") && !strings.HasPrefix(a, "-detach=") {
			out = append(out, a)
		}
	}
	return out
}

// startDetached starts `ipc serve` in its own session, its output appended
// to IPC_HOME/server.log, and waits until it serves (or already served),
// it fails, or detachWait passes. The server outlives this process.
func (c *cli) startDetached(ctx context.Context, serveArgs []string) error {
	if rs, ok, _ := socket.Running(c.home); ok {
		fmt.Fprintf(c.stdout, "ipc serve: already running (pid %d on %s)\n", rs.PID, listening(rs))
		return nil
	}
	exe, err := c.executable()
	if err != nil {
		return fmt.Errorf("serve --detach: %w", err)
	}
	if err := os.MkdirAll(c.home, 0o700); err != nil {
		return err
	}
	logPath := filepath.Join(c.home, socket.RunLogFile)
	if fi, err := os.Stat(logPath); err == nil && fi.Size() > 1<<20 {
		os.Rename(logPath, logPath+".1") // keep one old log
	}
	logFile, err := os.OpenFile(logPath, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o600)
	if err != nil {
		return err
	}
	defer logFile.Close()
	cmd := exec.Command(exe, append([]string{"--home", c.home, "serve"}, serveArgs...)...)
	cmd.Env = c.serverEnv()
	cmd.Stdout, cmd.Stderr = logFile, logFile
	cmd.SysProcAttr = detachAttr()
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("serve --detach: %w", err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }() // ends when the server does; this process usually exits first
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	deadline := time.NewTimer(detachWait)
	defer deadline.Stop()
	for {
		select {
		case err := <-exited:
			if rs, ok, _ := socket.Running(c.home); ok {
				fmt.Fprintf(c.stdout, "ipc serve: already running (pid %d on %s)\n", rs.PID, listening(rs))
				return nil
			}
			return fmt.Errorf("serve --detach: the server stopped (%v); see %s", err, logPath)
		case <-tick.C:
			if rs, ok, _ := socket.Running(c.home); ok && rs.PID != 0 {
				fmt.Fprintf(c.stdout, "ipc serve: serving %s on %s (pid %d; log %s)\n", c.home, listening(rs), rs.PID, logPath)
				c.warnNotice(rs)
				return nil
			}
		case <-deadline.C:
			return fmt.Errorf("serve --detach: the server did not start within %v; see %s", detachWait, logPath)
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// serverEnv is the environment of a server started from this command: the
// process's, with the IPC_* settings this command sees.
func (c *cli) serverEnv() []string {
	env := os.Environ()
	for _, k := range append(storeSettings, envHost, envPort, envSocket) {
		if v := c.getenv(k); v != "" {
			env = append(env, k+"="+v)
		}
	}
	return env
}

// autostart reports whether a server may be started automatically:
// IPC_AUTOSTART=0 (or false, off, no) turns it off.
func (c *cli) autostart() bool {
	return !envOff(c.getenv(envAutostart))
}

// ensureServer starts a detached `ipc serve` for the mailbox when none is
// running and auto-start is on, so that TCP and socket clients find one
// (the original's "first agent to connect starts it"; unlike the original,
// the server outlives the process that started it, until it has been idle
// for IPC_IDLE_EXIT, default 30m). It returns once the server serves, or
// quietly if it cannot start: every door works on the files without it. If
// the server could not take its port, it says what holds it on stderr.
func (c *cli) ensureServer(ctx context.Context) {
	if !c.autostart() {
		return
	}
	if _, ok, err := socket.Running(c.home); ok || err != nil {
		return
	}
	exe, err := c.executable()
	if err != nil {
		return
	}
	cmd := exec.CommandContext(ctx, exe, "--home", c.home, "serve", "--detach", "--idle-exit", c.idleExit().String())
	cmd.Env = c.serverEnv()
	if cmd.Run() != nil { // `serve --detach` returns once the server serves
		return
	}
	if rs, ok, _ := socket.Running(c.home); ok {
		c.warnNotice(rs)
	}
}

// idleExit is the idle period of an auto-started server: IPC_IDLE_EXIT (a
// duration; 0 or off: never), else defaultIdleExit.
func (c *cli) idleExit() time.Duration {
	v := c.getenv(envIdleExit)
	if envOff(v) {
		return 0
	}
	if d, err := time.ParseDuration(v); err == nil && d >= 0 {
		return d
	}
	return defaultIdleExit
}

// warnNotice prints what a server started from this command had to do
// differently (another program holds its port) on stderr.
func (c *cli) warnNotice(rs socket.RunState) {
	if rs.Notice != "" {
		fmt.Fprintf(c.stderr, "ipc: warning: %s\n", rs.Notice)
	}
}

// executable is the binary started as a server: this one, unless the cli
// was given another (tests give the built ipc).
func (c *cli) executable() (string, error) {
	if c.exe != "" {
		return c.exe, nil
	}
	return os.Executable()
}
