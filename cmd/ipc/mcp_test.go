package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mark3labs/mcp-go/client"
	"github.com/mark3labs/mcp-go/client/transport"
	mcpgo "github.com/mark3labs/mcp-go/mcp"

	"github.com/ipc-dev/ipc/internal/ipctest"
	"github.com/ipc-dev/ipc/internal/present"
)

// mcpProc is a real "ipc mcp" process driven by mcp-go's client over its
// stdin and stdout. Every line it writes to stdout is checked to be a
// JSON-RPC message.
type mcpProc struct {
	t   *testing.T
	c   *client.Client
	cmd *exec.Cmd

	stopOnce sync.Once // stop may be called before the cleanup calls it
	mu       sync.Mutex
	badLines []string
	notes    []mcpgo.JSONRPCNotification
	noted    chan struct{}
	stderr   bytes.Buffer
}

// startMCP starts "ipc mcp" on home with the given extra environment
// (IPC_ID=..., IPC_CHANNEL=0, ...) and initializes a client.
func startMCP(t *testing.T, home string, env ...string) *mcpProc {
	t.Helper()
	cmd := exec.Command(ipcBin, "mcp")
	cmd.Env = append(append([]string{"IPC_HOME=" + home, "HOME=" + home, "PATH=" + os.Getenv("PATH"), "IPC_AUTOSTART=0", "GORACE=atexit_sleep_ms=0"}, ipctest.Poll(os.Getenv).Env()...), env...)
	p := &mcpProc{t: t, cmd: cmd, noted: make(chan struct{}, 10000)}
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = &lockedWriter{mu: &p.mu, w: &p.stderr}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	// Check every stdout line, then hand it to the client.
	pr, pw := io.Pipe()
	go func() {
		r := bufio.NewReader(stdout)
		for {
			line, err := r.ReadBytes('\n')
			if len(line) > 0 {
				var msg struct {
					JSONRPC string `json:"jsonrpc"`
				}
				if json.Unmarshal(line, &msg) != nil || msg.JSONRPC != "2.0" {
					p.mu.Lock()
					p.badLines = append(p.badLines, string(line))
					p.mu.Unlock()
				}
				pw.Write(line)
			}
			if err != nil {
				pw.CloseWithError(err)
				return
			}
		}
	}()
	p.c = client.NewClient(transport.NewIO(pr, stdin, io.NopCloser(strings.NewReader(""))))
	p.c.OnNotification(func(n mcpgo.JSONRPCNotification) {
		p.mu.Lock()
		p.notes = append(p.notes, n)
		p.mu.Unlock()
		p.noted <- struct{}{}
	})
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := p.c.Start(ctx); err != nil {
		t.Fatal(err)
	}
	init := mcpgo.InitializeRequest{}
	init.Params.ProtocolVersion = mcpgo.LATEST_LEGACY_PROTOCOL_VERSION               // as Claude Code does
	init.Params.ClientInfo = mcpgo.Implementation{Name: "claude-code", Version: "1"} // channels are sent to Claude Code
	if _, err := p.c.Initialize(ctx, init); err != nil {
		t.Fatalf("initialize: %v\nstderr: %s", err, p.stderrText())
	}
	t.Cleanup(p.stop)
	return p
}

// stop ends the process by closing its stdin and checks what it wrote.
// Only the first call does anything.
func (p *mcpProc) stop() { p.stopOnce.Do(p.stopNow) }

func (p *mcpProc) stopNow() {
	p.c.Close()
	done := make(chan error, 1)
	go func() { done <- p.cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			p.t.Errorf("ipc mcp exited with %v\nstderr: %s", err, p.stderrText())
		}
	case <-time.After(30 * time.Second):
		p.cmd.Process.Kill()
		p.t.Errorf("ipc mcp did not exit when its stdin closed")
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if len(p.badLines) > 0 {
		p.t.Errorf("ipc mcp wrote non-JSON-RPC lines to stdout: %q", p.badLines)
	}
}

func (p *mcpProc) stderrText() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.stderr.String()
}

// call calls a tool and returns its text and error flag.
func (p *mcpProc) call(name string, args map[string]any) (string, bool) {
	p.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	req := mcpgo.CallToolRequest{}
	req.Params.Name = name
	req.Params.Arguments = args
	res, err := p.c.CallTool(ctx, req)
	if err != nil {
		p.t.Fatalf("%s: %v\nstderr: %s", name, err, p.stderrText())
	}
	var b strings.Builder
	for _, c := range res.Content {
		if tc, ok := c.(mcpgo.TextContent); ok {
			b.WriteString(tc.Text)
		}
	}
	return b.String(), res.IsError
}

// ok calls a tool that must succeed and checks its text contains wants.
func (p *mcpProc) ok(name string, args map[string]any, wants ...string) string {
	p.t.Helper()
	text, isErr := p.call(name, args)
	if isErr {
		p.t.Fatalf("%s %v: error %q", name, args, text)
	}
	for _, w := range wants {
		if !strings.Contains(text, w) {
			p.t.Fatalf("%s %v = %q, want it to contain %q", name, args, text, w)
		}
	}
	return text
}

func (p *mcpProc) channelNotes() []mcpgo.JSONRPCNotification {
	p.mu.Lock()
	defer p.mu.Unlock()
	var out []mcpgo.JSONRPCNotification
	for _, n := range p.notes {
		if n.Method == "notifications/claude/channel" {
			out = append(out, n)
		}
	}
	return out
}

type lockedWriter struct {
	mu *sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(b []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(b)
}

func TestMCPEndToEnd(t *testing.T) {
	home := filepath.Join(t.TempDir(), "home")
	alice := startMCP(t, home, "IPC_ID=alice", "IPC_CHANNEL=0")
	bob := startMCP(t, home, "IPC_ID=bob")

	// Both are registered from IPC_ID, and online.
	alice.ok("list_instances", nil, "alice (you): online", "bob: online")

	// Messages with data, both ways.
	alice.ok("send", map[string]any{"from_id": "alice", "to_id": "bob", "content": "hi bob", "data": map[string]any{"n": 1}}, "Message sent")
	if f := mustFrame(t, bob.ok("check", map[string]any{"instance_id": "bob"}), "hi bob", `"n":1`); f[0].Attrs["from"] != "alice" {
		t.Fatalf("frame %+v", f[0])
	}
	bob.ok("send", map[string]any{"from_id": "bob", "to_id": "alice", "content": "hi alice", "data": map[string]any{"n": 2}}, "Message sent")
	alice.ok("list_instances", nil, "📬 1 unread: from bob — call check")
	if f := mustFrame(t, alice.ok("check", map[string]any{"instance_id": "alice"}), "hi alice", `"n":2`); f[0].Attrs["from"] != "bob" {
		t.Fatalf("frame %+v", f[0])
	}

	// Spoofing is refused.
	if text, isErr := alice.call("send", map[string]any{"from_id": "bob", "to_id": "alice", "content": "x"}); !isErr || !strings.HasPrefix(text, "not_owner:") {
		t.Fatalf("spoofed send = %q", text)
	}

	// Future messaging: carol starts later, without IPC_ID, and registers.
	alice.ok("send", map[string]any{"from_id": "alice", "to_id": "carol", "content": "welcome carol"}, "Message queued for carol (not yet registered)")
	carol := startMCP(t, home, "IPC_CHANNEL=0")
	carol.ok("register", map[string]any{"instance_id": "carol"}, "Registered carol with 1 queued messages")
	mustFrame(t, carol.ok("check", map[string]any{"instance_id": "carol"}), "welcome carol")

	// Broadcast.
	alice.ok("broadcast", map[string]any{"from_id": "alice", "content": "meeting in 5"}, "Broadcast to 2 instances")
	if f := mustFrame(t, bob.ok("check", map[string]any{"instance_id": "bob"}), "meeting in 5"); f[0].Attrs["kind"] != "broadcast" {
		t.Fatalf("frame %+v", f[0])
	}
	mustFrame(t, carol.ok("check", map[string]any{"instance_id": "carol"}), "meeting in 5")

	// A 12 KiB message arrives as a file holding the full text.
	big := strings.Repeat("Twelve kibibytes of text travel as a file. ", 12*1024/43+1)
	alice.ok("send", map[string]any{"from_id": "alice", "to_id": "bob", "content": big}, "over 10,240 bytes")
	text := bob.ok("check", map[string]any{"instance_id": "bob"}, "Full content saved to: ")
	path := regexp.MustCompile(`Full content saved to: (\S+)`).FindStringSubmatch(text)[1]
	full, err := os.ReadFile(path)
	if err != nil || !strings.Contains(string(full), big) {
		t.Fatalf("large-message file %s lacks the full text: %v", path, err)
	}

	// check with wait_seconds returns when mail lands. The send must reach
	// a check that is already waiting; a check that started after it
	// returns without waiting, so try again until one waited.
	for attempt := 0; ; attempt++ {
		done := make(chan string, 1)
		go func() {
			text, _ := bob.call("check", map[string]any{"instance_id": "bob", "wait_seconds": 50})
			done <- text
		}()
		time.Sleep(time.Duration(attempt) * 50 * time.Millisecond) // give the call time to start waiting
		alice.ok("send", map[string]any{"from_id": "alice", "to_id": "bob", "content": fmt.Sprintf("ping %d", attempt)})
		var text string
		select {
		case text = <-done:
		case <-time.After(40 * time.Second):
			t.Fatal("check with wait_seconds did not return when mail landed")
		}
		if f, err := present.Parse(text); err != nil || len(f) != 1 || f[0].Body != fmt.Sprintf("ping %d", attempt) {
			t.Fatalf("waiting check = %q", text)
		}
		if strings.Contains(text, "Mail arrived after waiting") {
			break
		}
		if attempt == 20 {
			t.Fatal("no check ever waited")
		}
	}

	// A channel notification reaches bob's client.
	alice.ok("send", map[string]any{"from_id": "alice", "to_id": "bob", "content": "channel ping"})
	deadline := time.After(30 * time.Second)
	for found := false; !found; {
		for _, n := range bob.channelNotes() {
			if c, _ := n.Params.AdditionalFields["content"].(string); strings.Contains(c, "channel ping") {
				found = true
			}
		}
		if !found {
			select {
			case <-bob.noted:
			case <-deadline:
				t.Fatalf("no channel notification for the message; got %d others", len(bob.channelNotes()))
			}
		}
	}
	mustFrame(t, bob.ok("check", map[string]any{"instance_id": "bob"}), "channel ping") // still unread after the notification

	// Rename with forwarding.
	alice.ok("rename", map[string]any{"old_id": "alice", "new_id": "alice2"}, "Renamed alice to alice2")
	bob.ok("send", map[string]any{"from_id": "bob", "to_id": "alice", "content": "to the old name"}, "Message forwarded from alice to alice2")
	mustFrame(t, alice.ok("check", map[string]any{"instance_id": "alice2"}), "to the old name")
	bob.ok("check", map[string]any{"instance_id": "bob"}, "📝 alice renamed to alice2")
}

// TestMCPManyMessagesExactlyOnce sends 200 messages, 50 at a time, while
// two callers of the receiving process check concurrently: each message
// must be read exactly once.
func TestMCPManyMessagesExactlyOnce(t *testing.T) {
	home := filepath.Join(t.TempDir(), "home")
	alice := startMCP(t, home, "IPC_ID=alice", "IPC_CHANNEL=0")
	bob := startMCP(t, home, "IPC_ID=bob", "IPC_CHANNEL=0")
	const total, batch = 200, 50

	var mu sync.Mutex
	seen := map[string]int{}
	count := func() int {
		mu.Lock()
		defer mu.Unlock()
		n := 0
		for _, k := range seen {
			n += k
		}
		return n
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	var readers sync.WaitGroup
	for r := 0; r < 2; r++ {
		readers.Add(1)
		go func() {
			defer readers.Done()
			for count() < total && ctx.Err() == nil {
				text, isErr := bob.call("check", map[string]any{"instance_id": "bob", "wait_seconds": 5})
				if isErr {
					t.Errorf("check: %s", text)
					return
				}
				mu.Lock()
				for _, f := range framesOf(t, text) {
					if strings.HasPrefix(f.Body, "msg-") {
						seen[f.Body]++
					}
				}
				mu.Unlock()
			}
		}()
	}
	for start := 0; start < total; start += batch {
		var senders sync.WaitGroup
		for i := start; i < start+batch; i++ {
			senders.Add(1)
			go func() {
				defer senders.Done()
				alice.ok("send", map[string]any{"from_id": "alice", "to_id": "bob", "content": fmt.Sprintf("msg-%03d", i)})
			}()
		}
		senders.Wait()
	}
	readers.Wait()
	var dup []string
	for k, n := range seen {
		if n != 1 {
			dup = append(dup, fmt.Sprintf("%s x%d", k, n))
		}
	}
	sort.Strings(dup)
	if len(seen) != total || len(dup) > 0 {
		t.Fatalf("read %d distinct messages of %d; not exactly once: %v", len(seen), total, dup)
	}
}

func TestMCPStdoutOnlyJSONWhenRegistrationFails(t *testing.T) {
	home := filepath.Join(t.TempDir(), "home")
	startMCP(t, home, "IPC_ID=dave", "IPC_CHANNEL=0")
	// A second process asking for the same name cannot take it: it says so
	// on stderr and to the model, and its stdout stays JSON-RPC only.
	second := startMCP(t, home, "IPC_ID=dave", "IPC_CHANNEL=0")
	text, isErr := second.call("check", map[string]any{"instance_id": "dave"})
	if !isErr || !strings.Contains(text, "not_registered") || !strings.Contains(text, "in use") {
		t.Fatalf("check on the second process = %q", text)
	}
	// The reason is logged before the check is answered, but stderr is
	// another pipe: wait for it.
	ipctest.WaitFor(t, "the refusal of dave", func() bool { return strings.Contains(second.stderrText(), "cannot register dave") })
}

// TestMCPLatency measures, over real "ipc mcp" processes, the round trip of
// a send tool call and the time from the start of a send in one process to
// the return of a check already waiting in another. It asserts nothing
// about time; run it with IPC_MEASURE=1 (and IPC_MEASURE_N, default 1000):
//
//	IPC_MEASURE=1 go test -run TestMCPLatency -v ./cmd/ipc
func TestMCPLatency(t *testing.T) {
	if os.Getenv("IPC_MEASURE") != "1" {
		t.Skip("set IPC_MEASURE=1 to measure")
	}
	n := 1000
	fmt.Sscan(os.Getenv("IPC_MEASURE_N"), &n)
	// The race detector slows everything: measure a plain build.
	bin := filepath.Join(t.TempDir(), "ipc")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	saved := ipcBin
	ipcBin = bin
	defer func() { ipcBin = saved }()

	home := filepath.Join(t.TempDir(), "home")
	env := []string{"IPC_CHANNEL=0", "IPC_RATE_BURST=off", "IPC_SYNC=" + os.Getenv("IPC_SYNC")}
	alice := startMCP(t, home, append(env, "IPC_ID=alice")...)
	bob := startMCP(t, home, append(env, "IPC_ID=bob")...)

	send := make([]time.Duration, 0, n)
	for i := 0; i < n; i++ {
		start := time.Now()
		alice.ok("send", map[string]any{"from_id": "alice", "to_id": "bob", "content": fmt.Sprintf("rt %d", i)})
		send = append(send, time.Since(start))
	}
	for text := ""; !strings.Contains(text, "No new messages"); {
		text = bob.ok("check", map[string]any{"instance_id": "bob"})
	}

	wake := make([]time.Duration, 0, n)
	for len(wake) < n {
		done := make(chan string, 1)
		go func() {
			text, _ := bob.call("check", map[string]any{"instance_id": "bob", "wait_seconds": 50})
			done <- text
		}()
		time.Sleep(5 * time.Millisecond) // let the check start waiting; iterations where it did not are discarded
		start := time.Now()
		alice.ok("send", map[string]any{"from_id": "alice", "to_id": "bob", "content": "wake"})
		text := <-done
		if strings.Contains(text, "Mail arrived after waiting") {
			wake = append(wake, time.Since(start))
		}
	}
	report := func(name string, d []time.Duration) {
		sort.Slice(d, func(i, j int) bool { return d[i] < d[j] })
		t.Logf("%s: n=%d median=%v p99=%v max=%v", name, len(d), d[len(d)/2], d[len(d)*99/100], d[len(d)-1])
	}
	report("send round trip", send)
	report("send start -> waiting check returns", wake)
}
