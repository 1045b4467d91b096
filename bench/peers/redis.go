package peers

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"
)

// findRedis returns the path of redis-server, installing it from Debian's
// packages first when install is set, or "" and why it cannot run.
func findRedis(ctx context.Context, install bool, progress func(string, ...any)) (path, why string) {
	if p, err := lookRedis(); err == nil {
		return p, ""
	}
	if !install {
		return "", "redis-server is not on the PATH (run with --install to install it with apt-get)"
	}
	if _, err := exec.LookPath("apt-get"); err != nil {
		return "", "redis-server is not on the PATH and there is no apt-get to install it"
	}
	var sudo []string
	if os.Geteuid() != 0 {
		if _, err := exec.LookPath("sudo"); err != nil {
			return "", "redis-server is not on the PATH and installing it needs root (no sudo)"
		}
		sudo = []string{"sudo", "-n"}
	}
	apt := func(args ...string) error {
		ctx, cancel := context.WithTimeout(ctx, 3*time.Minute)
		defer cancel()
		argv := append(append(sudo[:len(sudo):len(sudo)], "apt-get"), args...)
		progress("running %s", strings.Join(argv, " "))
		cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
		cmd.Env = append(os.Environ(), "DEBIAN_FRONTEND=noninteractive")
		var out bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &out
		if err := cmd.Run(); err != nil {
			return fmt.Errorf("%s: %v: %s", strings.Join(argv, " "), err, lastLines(out.String(), 3))
		}
		return nil
	}
	err := apt("install", "-y", "-qq", "redis-server")
	if err != nil {
		// The package lists may be missing or stale.
		if err2 := apt("update", "-qq"); err2 != nil {
			return "", err2.Error()
		}
		err = apt("install", "-y", "-qq", "redis-server")
	}
	if err != nil {
		return "", err.Error()
	}
	p, err := lookRedis()
	if err != nil {
		return "", "apt-get installed redis-server but it is not on the PATH"
	}
	return p, ""
}

func lookRedis() (string, error) {
	if p, err := exec.LookPath("redis-server"); err == nil {
		return p, nil
	}
	for _, p := range []string{"/usr/bin/redis-server", "/usr/sbin/redis-server", "/usr/local/bin/redis-server"} {
		if st, err := os.Stat(p); err == nil && st.Mode().IsRegular() && st.Mode()&0o111 != 0 {
			return p, nil
		}
	}
	return "", errors.New("redis-server not found")
}

func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, " / ")
}

// redisServer is a redis-server child process.
type redisServer struct {
	cmd  *exec.Cmd
	addr string
	out  *tailBuffer
	done chan struct{} // closed once cmd.Wait has returned
	err  error         // cmd.Wait's result, set before done is closed
}

// startRedis runs redis-server on a random loopback port with its append
// only file fsynced on every write, its data in dir, no RDB snapshots.
func startRedis(ctx context.Context, path, dir string) (*redisServer, error) {
	var lastErr error
	for attempt := 0; attempt < 3; attempt++ {
		port, err := freePort()
		if err != nil {
			return nil, err
		}
		rs := &redisServer{addr: net.JoinHostPort("127.0.0.1", strconv.Itoa(port)),
			out: &tailBuffer{max: 4096}, done: make(chan struct{})}
		rs.cmd = exec.Command(path,
			"--port", strconv.Itoa(port), "--bind", "127.0.0.1",
			"--appendonly", "yes", "--appendfsync", "always",
			"--dir", dir, "--save", "", "--daemonize", "no",
			"--logfile", "", "--protected-mode", "yes")
		rs.cmd.Stdout, rs.cmd.Stderr = rs.out, rs.out
		rs.cmd.SysProcAttr = childAttr()
		if err := rs.cmd.Start(); err != nil {
			return nil, err
		}
		go func() {
			rs.err = rs.cmd.Wait()
			close(rs.done)
		}()
		if err := rs.waitReady(ctx, 10*time.Second); err != nil {
			rs.stop()
			lastErr = fmt.Errorf("%v; redis-server said: %s", err, lastLines(rs.out.String(), 3))
			continue
		}
		return rs, nil
	}
	return nil, lastErr
}

func (rs *redisServer) waitReady(ctx context.Context, limit time.Duration) error {
	end := time.Now().Add(limit)
	for {
		select {
		case <-rs.done:
			return fmt.Errorf("redis-server exited: %v", rs.err)
		case <-ctx.Done():
			return ctx.Err()
		default:
		}
		if c, err := dialRESP(ctx, rs.addr); err == nil {
			v, err := c.do(2*time.Second, "PING")
			c.Close()
			if err == nil && v == "PONG" {
				return nil
			}
		}
		if time.Now().After(end) {
			return fmt.Errorf("redis-server not ready within %s", limit)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// stop ends the server (SIGTERM, then SIGKILL after 5 s) and waits for it.
func (rs *redisServer) stop() {
	select {
	case <-rs.done:
		return
	default:
	}
	terminate(rs.cmd.Process)
	select {
	case <-rs.done:
	case <-time.After(5 * time.Second):
		rs.cmd.Process.Kill()
		<-rs.done
	}
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// tailBuffer keeps the last max bytes written to it.
type tailBuffer struct {
	mu  sync.Mutex
	max int
	b   []byte
}

func (t *tailBuffer) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.b = append(t.b, p...)
	if len(t.b) > t.max {
		t.b = append([]byte(nil), t.b[len(t.b)-t.max:]...)
	}
	return len(p), nil
}

func (t *tailBuffer) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return string(t.b)
}

func redisVersion(path string) string {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, path, "--version").Output()
	if err != nil {
		return "redis-server (version unknown)"
	}
	// "Redis server v=7.0.15 sha=... malloc=jemalloc-5.3.0 bits=64 build=..."
	for _, f := range strings.Fields(string(out)) {
		if v, ok := strings.CutPrefix(f, "v="); ok {
			return "redis-server " + v
		}
	}
	return strings.TrimSpace(string(out))
}

// redisAOF measures Redis with appendfsync always: e2e latency from LPUSH
// on one connection to the reply of a BRPOP waiting on another, one message
// at a time, then LPUSHes per second from cfg.Senders connections.
func redisAOF(ctx context.Context, root, path string, cfg config, progress func(string, ...any)) (res peerResult, err error) {
	res.version = redisVersion(path)
	dir := filepath.Join(root, "redis")
	if err := os.Mkdir(dir, 0o700); err != nil {
		return res, err
	}
	rs, err := startRedis(ctx, path, dir)
	if err != nil {
		return res, err
	}
	defer rs.stop()
	if err := checkRedisConfig(ctx, rs.addr); err != nil {
		return res, err
	}

	res.e2e, res.short, err = redisE2E(ctx, rs.addr, cfg)
	if err != nil {
		return res, fmt.Errorf("e2e: %w", err)
	}
	progress("redis: e2e p50 %.3f ms, p99 %.3f ms (%d samples)", res.e2e.p50(), res.e2e.p99(), len(res.e2e))

	res.tput, err = redisThroughput(ctx, rs.addr, cfg, func(t int, r float64) {
		progress("redis: trial %d/%d: %.0f LPUSH/s from %d connections", t+1, cfg.Trials, r, cfg.Senders)
	})
	if err != nil {
		return res, fmt.Errorf("throughput: %w", err)
	}
	return res, nil
}

// checkRedisConfig makes sure the server runs with the append only file
// fsynced on every write, whatever its version makes of the arguments.
func checkRedisConfig(ctx context.Context, addr string) error {
	c, err := dialRESP(ctx, addr)
	if err != nil {
		return err
	}
	defer c.Close()
	for key, want := range map[string]string{"appendonly": "yes", "appendfsync": "always"} {
		v, err := c.do(5*time.Second, "CONFIG", "GET", key)
		if err != nil {
			return err
		}
		arr, _ := v.([]any)
		if len(arr) != 2 {
			return fmt.Errorf("CONFIG GET %s replied %v", key, v)
		}
		if got, _ := arr[1].([]byte); string(got) != want {
			return fmt.Errorf("redis-server runs with %s %q, want %q", key, got, want)
		}
	}
	return nil
}

func redisE2E(ctx context.Context, addr string, cfg config) (lat latency, short string, err error) {
	pub, err := dialRESP(ctx, addr)
	if err != nil {
		return nil, "", err
	}
	defer pub.Close()
	sub, err := dialRESP(ctx, addr)
	if err != nil {
		return nil, "", err
	}
	if _, err := pub.do(5*time.Second, "DEL", "mail:bob"); err != nil {
		sub.Close()
		return nil, "", err
	}

	// The reader waits in BRPOP (1 s at a time, so it notices the end)
	// until stopped; closing its connection ends a BRPOP in progress.
	got := make(chan received, 64)
	readErr := make(chan error, 1)
	var stopping sync.Once
	stopped := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		for {
			select {
			case <-stopped:
				return
			default:
			}
			v, err := sub.do(5*time.Second, "BRPOP", "mail:bob", "1")
			at := time.Now()
			if err != nil {
				select {
				case <-stopped:
				default:
					readErr <- fmt.Errorf("BRPOP: %w", err)
				}
				return
			}
			arr, _ := v.([]any)
			if arr == nil {
				continue // timed out with nothing
			}
			if len(arr) != 2 {
				readErr <- fmt.Errorf("BRPOP replied %v", v)
				return
			}
			data, _ := arr[1].([]byte)
			select {
			case got <- received{at, tag(data)}:
			default:
			}
		}
	})
	defer func() {
		stopping.Do(func() { close(stopped) })
		sub.Close()
		wg.Wait()
	}()

	return e2eSamples(ctx, cfg, got, readErr, func(body []byte) error {
		_, err := pub.do(10*time.Second, "LPUSH", "mail:bob", string(body))
		return err
	})
}

func redisThroughput(ctx context.Context, addr string, cfg config, trial func(int, float64)) (rates, error) {
	var conns []*respConn
	defer func() {
		for _, c := range conns {
			c.Close()
		}
	}()
	for i := 0; i < cfg.Senders; i++ {
		c, err := dialRESP(ctx, addr)
		if err != nil {
			return nil, err
		}
		conns = append(conns, c)
	}
	body := string(payload(0))
	var out rates
	for t := 0; t < cfg.Trials; t++ {
		if err := ctx.Err(); err != nil {
			return out, err
		}
		r, err := concurrentTrial(ctx, len(conns), cfg.TrialTime, func(ctx context.Context, i int) error {
			_, err := conns[i].do(10*time.Second, "LPUSH", "load:"+strconv.Itoa(i), body)
			return err
		})
		if err != nil {
			return out, err
		}
		out = append(out, r)
		trial(t, r)
		// Keep memory flat between trials; not timed.
		for i := range conns {
			if _, err := conns[0].do(30*time.Second, "DEL", "load:"+strconv.Itoa(i)); err != nil {
				return out, err
			}
		}
	}
	return out, nil
}
