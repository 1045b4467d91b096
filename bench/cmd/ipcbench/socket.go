package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/ipc-dev/ipc/client"
	"github.com/ipc-dev/ipc/internal/ipcchild"
	"github.com/ipc-dev/ipc/socket"
)

// socketScenarios are the benchmarks that go through `ipc serve` (run as a
// separate process, as users run it) and `ipc mcp`.
func (b *bench) socketScenarios() []scenario {
	return []scenario{
		{name: "legacy_pairs", run: benchLegacyPairs},
		{name: "fast_send", run: benchFastSend},
		{name: "e2e_socket", run: benchE2ESocket},
		{name: "e2e_mcp", run: benchE2EMCP},
		{name: "serve_rss", once: true, run: benchServeRSS},
	}
}

// server is an `ipc serve` subprocess on a scratch mailbox.
type server struct {
	cmd *exec.Cmd
	rs  socket.RunState
}

func startServer(ctx context.Context, bin, root string, env ...string) (*server, error) {
	sock := filepath.Join(root, "s.sock")
	if len(sock) > 100 {
		sock = ""
	}
	args := []string{"serve", "--port", "0"}
	if sock != "" {
		args = append(args, "--socket", sock)
	}
	cmd := exec.Command(bin, args...)
	cmd.Env = append(append(os.Environ(), "IPC_HOME="+root, "IPC_AUTOSTART=0", "IPC_RATE_BURST=off"), env...)
	cmd.Stderr = io.Discard
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	s := &server{cmd: cmd}
	deadline := time.Now().Add(15 * time.Second)
	for {
		rs, ok, err := socket.Running(root)
		if err == nil && ok && rs.TCP != "" {
			s.rs = rs
			return s, nil
		}
		if time.Now().After(deadline) || ctx.Err() != nil {
			s.stop()
			return nil, fmt.Errorf("ipc serve did not start")
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func (s *server) stop() { ipcchild.Interrupt(s.cmd, 10*time.Second) }

func withServer(ctx context.Context, b *bench, fn func(root string, s *server) error, env ...string) error {
	root, err := b.tempRoot()
	if err != nil {
		return err
	}
	s, err := startServer(ctx, b.ipc, root, env...)
	if err != nil {
		return err
	}
	defer s.stop()
	return fn(root, s)
}

func legacyOK(rep client.Reply, err error) (client.Reply, error) {
	if err == nil && rep.Status != client.StatusOK {
		err = fmt.Errorf("%s: %s", rep.ErrorCode, rep.Message)
	}
	return rep, err
}

// benchLegacyPairs: send + check pairs over the original protocol, one
// connection per request as the original clients do, 1 and 4 clients.
func benchLegacyPairs(ctx context.Context, b *bench) error {
	return withServer(ctx, b, func(root string, s *server) error {
		for _, clients := range []int{1, 4} {
			per := b.n(300, 2000) / clients
			tokens := make([]string, clients)
			for i := range tokens {
				rep, err := legacyOK(client.Legacy(ctx, "tcp", s.rs.TCP, map[string]any{"action": "register", "instance_id": fmt.Sprintf("pair%d", i)}))
				if err != nil {
					return err
				}
				tokens[i] = rep.SessionToken
			}
			errs := make(chan error, clients)
			var wg sync.WaitGroup
			start := time.Now()
			for c := 0; c < clients; c++ {
				wg.Add(1)
				go func(c int) {
					defer wg.Done()
					id := fmt.Sprintf("pair%d", c)
					for i := 0; i < per; i++ {
						_, err := legacyOK(client.Legacy(ctx, "tcp", s.rs.TCP, map[string]any{"action": "send", "from_id": id, "to_id": id,
							"message": map[string]any{"content": body200}, "session_token": tokens[c]}))
						if err == nil {
							var rep client.Reply
							rep, err = legacyOK(client.Legacy(ctx, "tcp", s.rs.TCP, map[string]any{"action": "check", "instance_id": id, "session_token": tokens[c]}))
							if err == nil && len(rep.Messages) != 1 {
								err = fmt.Errorf("check returned %d messages", len(rep.Messages))
							}
						}
						if err != nil {
							errs <- err
							return
						}
					}
				}(c)
			}
			wg.Wait()
			elapsed := time.Since(start)
			close(errs)
			if err := <-errs; err != nil {
				return err
			}
			b.rate(fmt.Sprintf("legacy_pairs_per_s_%d", clients), "pairs/s", per*clients, elapsed)
		}
		return nil
	})
}

// fastClients dials n fast-path clients registered as prefix0..n-1.
func fastClients(ctx context.Context, addr, prefix string, n int) ([]*client.Client, func(), error) {
	var cs []*client.Client
	closeAll := func() {
		for _, c := range cs {
			c.Close()
		}
	}
	for i := 0; i < n; i++ {
		c, err := client.Dial(ctx, "tcp", addr)
		if err != nil {
			closeAll()
			return nil, nil, err
		}
		cs = append(cs, c)
		if _, _, err := c.Register(ctx, fmt.Sprintf("%s%d", prefix, i), ""); err != nil {
			closeAll()
			return nil, nil, err
		}
	}
	return cs, closeAll, nil
}

// sendAll sends per messages from each client to "sink", concurrently.
func sendAll(ctx context.Context, cs []*client.Client, per int) error {
	errs := make(chan error, len(cs))
	var wg sync.WaitGroup
	for _, c := range cs {
		wg.Add(1)
		go func(c *client.Client) {
			defer wg.Done()
			for i := 0; i < per; i++ {
				if _, err := c.Send(ctx, "sink", body200, nil); err != nil {
					errs <- err
					return
				}
			}
		}(c)
	}
	wg.Wait()
	close(errs)
	return <-errs
}

// benchFastSend: durable sends over the fast path from 8 concurrent
// senders, each on its own connection.
func benchFastSend(ctx context.Context, b *bench) error {
	return withServer(ctx, b, func(root string, s *server) error {
		cs, closeAll, err := fastClients(ctx, s.rs.TCP, "fast", 8)
		if err != nil {
			return err
		}
		defer closeAll()
		per := b.n(100, 500)
		start := time.Now()
		if err := sendAll(ctx, cs, per); err != nil {
			return err
		}
		b.rate("fast_send_msgs_per_s_8", "msgs/s", per*len(cs), time.Since(start))
		return nil
	})
}

// benchE2ESocket: a fast-path send to the moment a subscriber on another
// connection receives the pushed message.
func benchE2ESocket(ctx context.Context, b *bench) error {
	return withServer(ctx, b, func(root string, s *server) error {
		cs, closeAll, err := fastClients(ctx, s.rs.TCP, "e2e", 2)
		if err != nil {
			return err
		}
		defer closeAll()
		sender, sub := cs[0], cs[1]
		if err := sub.Subscribe(ctx); err != nil {
			return err
		}
		return b.roundTrips("e2e_socket", b.n(200, 1000), func() (time.Duration, error) {
			// The push is stamped when it arrives, which may be before the
			// send's acknowledgement (see benchE2EFS).
			type push struct {
				at  time.Time
				err error
			}
			got := make(chan push, 1)
			go func() {
				select {
				case ev, ok := <-sub.Events():
					at := time.Now()
					switch {
					case !ok:
						got <- push{err: fmt.Errorf("subscription closed: %v", sub.Err())}
					case len(ev.Messages) != 1:
						got <- push{err: fmt.Errorf("pushed %d messages, want 1", len(ev.Messages))}
					default:
						got <- push{at: at}
					}
				case <-time.After(30 * time.Second):
					got <- push{err: fmt.Errorf("no push within 30s")}
				}
			}()
			t0 := time.Now()
			if _, err := sender.Send(ctx, "e2e1", body200, nil); err != nil {
				<-got
				return 0, err
			}
			p := <-got
			return p.at.Sub(t0), p.err
		})
	})
}

// mcpChild is an `ipc mcp` subprocess spoken to in JSON-RPC.
type mcpChild struct {
	*ipcchild.Child
	next    int
	replyAt time.Time // when the last call's reply arrived
}

func startBenchMCP(b *bench, root, id string) (*mcpChild, error) {
	c, err := b.child(root, id, []string{"IPC_CHANNEL=0"}, "mcp")
	if err != nil {
		return nil, err
	}
	m := &mcpChild{Child: c}
	if _, err := m.call("initialize", map[string]any{"protocolVersion": "2025-06-18", "capabilities": map[string]any{},
		"clientInfo": map[string]any{"name": "ipc-bench", "version": "1"}}); err != nil {
		c.Stop()
		return nil, err
	}
	io.WriteString(c.Stdin, `{"jsonrpc":"2.0","method":"notifications/initialized"}`+"\n")
	return m, nil
}

// call sends a request and waits for its reply (no other request may be in
// flight on m).
func (m *mcpChild) call(method string, params any) (json.RawMessage, error) {
	m.next++
	req, _ := json.Marshal(map[string]any{"jsonrpc": "2.0", "id": m.next, "method": method, "params": params})
	if _, err := m.Stdin.Write(append(req, '\n')); err != nil {
		return nil, err
	}
	for {
		l, err := m.Line(60 * time.Second)
		if err != nil {
			return nil, err
		}
		var rep struct {
			ID     int             `json:"id"`
			Result json.RawMessage `json:"result"`
			Error  json.RawMessage `json:"error"`
		}
		if json.Unmarshal([]byte(l.Text), &rep) != nil || rep.ID != m.next {
			continue // a notification
		}
		if rep.Error != nil {
			return nil, fmt.Errorf("%s: %s", method, rep.Error)
		}
		m.replyAt = l.At
		return rep.Result, nil
	}
}

func (m *mcpChild) tool(name string, args map[string]any) (string, error) {
	res, err := m.call("tools/call", map[string]any{"name": name, "arguments": args})
	if err != nil {
		return "", err
	}
	var r struct {
		IsError bool `json:"isError"`
		Content []struct {
			Text string `json:"text"`
		} `json:"content"`
	}
	if err := json.Unmarshal(res, &r); err != nil {
		return "", err
	}
	var text strings.Builder
	for _, c := range r.Content {
		text.WriteString(c.Text)
	}
	if r.IsError {
		return "", fmt.Errorf("%s: %s", name, text.String())
	}
	return text.String(), nil
}

// benchE2EMCP: a send tool call in one ipc mcp process to the moment a
// waiting check in another returns.
func benchE2EMCP(ctx context.Context, b *bench) error {
	root, err := b.tempRoot()
	if err != nil {
		return err
	}
	alice, err := startBenchMCP(b, root, "alice")
	if err != nil {
		return err
	}
	defer alice.Stop()
	bob, err := startBenchMCP(b, root, "bob")
	if err != nil {
		return err
	}
	defer bob.Stop()
	return b.roundTrips("e2e_mcp", b.n(100, 1000), func() (time.Duration, error) {
		got := make(chan error, 1)
		go func() {
			text, err := bob.tool("check", map[string]any{"instance_id": "bob", "wait_seconds": 30})
			if err == nil && !strings.Contains(text, "ping") {
				err = fmt.Errorf("check returned no message: %q", text)
			}
			got <- err
		}()
		// Give bob's check a moment to start waiting. Its waiting state is
		// not visible from outside; a check that has not started yet finds
		// the mail at once, so the figure stays send-to-delivery either way.
		time.Sleep(2 * time.Millisecond)
		t0 := time.Now()
		if _, err := alice.tool("send", map[string]any{"from_id": "alice", "to_id": "bob", "content": "ping " + body200}); err != nil {
			<-got // the check returns by its own wait limit at the latest
			return 0, err
		}
		err := <-got
		return bob.replyAt.Sub(t0), err
	})
}

// benchServeRSS: resident memory of ipc serve after 100,000 messages sent
// through it (with IPC_SYNC=none: memory, not durability, is measured).
func benchServeRSS(ctx context.Context, b *bench) error {
	return withServer(ctx, b, func(root string, s *server) error {
		cs, closeAll, err := fastClients(ctx, s.rs.TCP, "rss", 8)
		if err != nil {
			return err
		}
		defer closeAll()
		if err := sendAll(ctx, cs, 100_000/len(cs)); err != nil {
			return err
		}
		if rss, ok := rssMB(s.cmd.Process.Pid); ok {
			b.value("serve_rss_mb_100k", "MB", rss)
		}
		return nil
	}, "IPC_SYNC=none")
}
