package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ipc-dev/ipc/internal/ipcchild"
	"github.com/ipc-dev/ipc/internal/ipctest"
	"github.com/ipc-dev/ipc/maildir"
)

// The first request of Claude Code 2.1.328, as it sends it (recorded from
// the real client): server/discover on the 2026-07-28 revision.
const claudeDiscover = `{"jsonrpc":"2.0","id":"server-discover-probe-1","method":"server/discover","params":{"_meta":{"io.modelcontextprotocol/protocolVersion":"2026-07-28","io.modelcontextprotocol/clientInfo":{"name":"claude-code","title":"Claude Code","version":"2.1.328"},"io.modelcontextprotocol/clientCapabilities":{"roots":{"listChanged":true},"elicitation":{"form":{},"url":{}}}}}}`

// discoverReply is what the tests read of a server/discover or
// initialize reply.
type discoverReply struct {
	Result struct {
		SupportedVersions []string `json:"supportedVersions"`
		ProtocolVersion   string   `json:"protocolVersion"`
		Capabilities      struct {
			Experimental map[string]any `json:"experimental"`
		} `json:"capabilities"`
		Instructions string `json:"instructions"`
	} `json:"result"`
}

// send writes JSON-RPC lines to c.
func send(t *testing.T, c *ipcchild.Child, lines ...string) {
	t.Helper()
	for _, l := range lines {
		if _, err := io.WriteString(c.Stdin, l+"\n"); err != nil {
			t.Fatal(err)
		}
	}
}

// decodeReply waits for the reply to id and decodes it.
func decodeReply(t *testing.T, c *ipcchild.Child, id string) (string, discoverReply) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		l, err := c.Line(time.Until(deadline))
		if err != nil {
			t.Fatalf("waiting for reply %s: %v", id, err)
		}
		var msg struct {
			ID json.RawMessage `json:"id"`
		}
		if json.Unmarshal([]byte(l.Text), &msg) != nil || string(msg.ID) != id {
			continue
		}
		var r discoverReply
		if err := json.Unmarshal([]byte(l.Text), &r); err != nil {
			t.Fatal(err)
		}
		return l.Text, r
	}
}

// waitChannel waits for a channel notification from c and returns its line.
func waitChannel(t *testing.T, c *ipcchild.Child) string {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		l, err := c.Line(time.Until(deadline))
		if err != nil {
			t.Fatalf("waiting for a channel notification: %v", err)
		}
		if strings.Contains(l.Text, `"method":"notifications/claude/channel"`) {
			return l.Text
		}
	}
}

// TestMCPChannelsAfterModernDiscover follows Claude Code's handshake: it
// asks server/discover on 2026-07-28 first, and sends initialize only when
// the server offers no modern revision. A server whose channels are wanted
// must offer only revisions that let it send notifications, and must send
// them after that initialize.
func TestMCPChannelsAfterModernDiscover(t *testing.T) {
	home := filepath.Join(t.TempDir(), "home")
	c, err := ipcchild.Start(ipcBin, home, "bob", os.Environ(), "mcp")
	if err != nil {
		t.Fatal(err)
	}
	defer c.Stop()
	send(t, c, claudeDiscover)
	_, d := decodeReply(t, c, `"server-discover-probe-1"`)
	if slices.Contains(d.Result.SupportedVersions, "2026-07-28") || !slices.Contains(d.Result.SupportedVersions, "2025-11-25") {
		t.Fatalf("discover offers %v to Claude Code: it skips channels on 2026-07-28", d.Result.SupportedVersions)
	}
	if !strings.HasPrefix(d.Result.Instructions, `You are "bob"`) || !strings.Contains(d.Result.Instructions, "<channel") {
		t.Fatalf("discover instructions:\n%s", d.Result.Instructions)
	}
	send(t, c, `{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"claude-code","version":"2.1.328"}}}`)
	_, r := decodeReply(t, c, "1")
	if _, ok := r.Result.Capabilities.Experimental["claude/channel"]; !ok || r.Result.ProtocolVersion != "2025-11-25" {
		t.Fatalf("initialize: version %s, experimental %v", r.Result.ProtocolVersion, r.Result.Capabilities.Experimental)
	}
	send(t, c, `{"jsonrpc":"2.0","method":"notifications/initialized"}`)
	mustIPC(t, home, "alice", "", "send", "bob", "are you there?")
	if n := waitChannel(t, c); !strings.Contains(n, "are you there?") {
		t.Fatalf("channel notification %s", n)
	}
}

// TestMCPChannelsAfterPing: a ping before initialize (the protocol allows
// it) does not start the announcer before the client is known, which left
// Claude Code without channel events for the whole session.
func TestMCPChannelsAfterPing(t *testing.T) {
	home := filepath.Join(t.TempDir(), "home")
	c, err := ipcchild.Start(ipcBin, home, "bob", os.Environ(), "mcp")
	if err != nil {
		t.Fatal(err)
	}
	defer c.Stop()
	send(t, c, `{"jsonrpc":"2.0","id":"p","method":"ping"}`)
	decodeReply(t, c, `"p"`)
	send(t, c, `{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"claude-code","version":"2.1.328"}}}`)
	decodeReply(t, c, "1")
	send(t, c, `{"jsonrpc":"2.0","method":"notifications/initialized"}`)
	mustIPC(t, home, "alice", "", "send", "bob", "after a ping")
	if n := waitChannel(t, c); !strings.Contains(n, "after a ping") {
		t.Fatalf("channel notification %s", n)
	}
}

// TestMCPChannelsOnlyWhereShown: Codex and Gemini CLI never show channel
// events, so they are neither declared, described nor sent to them, and a
// client that is not Claude Code keeps the modern revision; IPC_CHANNEL=1
// sends them to any client, IPC_CHANNEL=0 to none.
func TestMCPChannelsOnlyWhereShown(t *testing.T) {
	for _, tc := range []struct {
		client, env string
		channels    bool
	}{
		{"codex-mcp-client", "", false},
		{"gemini-cli-mcp-client", "", false},
		{"claude-code", "", true},
		{"claude-code", "IPC_CHANNEL=0", false},
		{"codex-mcp-client", "IPC_CHANNEL=1", true},
	} {
		t.Run(tc.client+"_"+tc.env, func(t *testing.T) {
			home := filepath.Join(t.TempDir(), "home")
			var env []string
			if tc.env != "" {
				env = []string{tc.env}
			}
			c, err := ipcchild.Start(ipcBin, home, "bob", append(os.Environ(), env...), "mcp")
			if err != nil {
				t.Fatal(err)
			}
			defer c.Stop()
			send(t, c, fmt.Sprintf(`{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":%q,"version":"1"}}}`, tc.client),
				`{"jsonrpc":"2.0","method":"notifications/initialized"}`)
			_, r := decodeReply(t, c, "1")
			_, declared := r.Result.Capabilities.Experimental["claude/channel"]
			described := strings.Contains(r.Result.Instructions, "<channel")
			if declared != tc.channels || described != tc.channels {
				t.Fatalf("channels %v: declared %v, described %v:\n%s", tc.channels, declared, described, r.Result.Instructions)
			}
			mustIPC(t, home, "alice", "", "send", "bob", "ping")
			if tc.channels {
				waitChannel(t, c)
				return
			}
			// Mail that would have been announced is read by a check;
			// the check's reply comes after any notification the mail
			// caused would have been written.
			send(t, c, `{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"check","arguments":{"instance_id":"bob"}}}`)
			for {
				l, err := c.Line(30 * time.Second)
				if err != nil {
					t.Fatal(err)
				}
				if strings.Contains(l.Text, "notifications/claude/channel") {
					t.Fatalf("a %s client got a channel notification: %s", tc.client, l.Text)
				}
				if strings.Contains(l.Text, `"id":2`) {
					if !strings.Contains(l.Text, "ping") {
						t.Fatalf("check = %s", l.Text)
					}
					return
				}
			}
		})
	}
}

// TestMCPInitializeWhileNameHeld: with IPC_ID held by another live
// process, initialize is answered while the name is still held (not after
// seconds of retries: codex exec waits about one second for its servers),
// the instructions say why there is no identity yet, and the name is taken
// in the background once the holder lets it go.
func TestMCPInitializeWhileNameHeld(t *testing.T) {
	home := filepath.Join(t.TempDir(), "home")
	opts := maildir.Options{Sync: maildir.SyncNone}
	ipctest.Poll(os.Getenv).Apply(&opts.Poll, &opts.PollInterval)
	st := ipctest.Open(t, maildir.Open, home, opts)
	holder, err := st.Login(bg(), "alice", "")
	if err != nil {
		t.Fatal(err)
	}
	c, err := ipcchild.Start(ipcBin, home, "alice", os.Environ(), "mcp")
	if err != nil {
		t.Fatal(err)
	}
	defer c.Stop()
	send(t, c, `{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"codex-mcp-client","version":"0.169.0"}}}`,
		`{"jsonrpc":"2.0","method":"notifications/initialized"}`)
	_, r := decodeReply(t, c, "1")
	holder.Close() // only now: the reply came while alice was held
	first, _, _ := strings.Cut(r.Result.Instructions, "\n")
	if !strings.Contains(first, `IPC_ID asks for "alice"`) || !strings.Contains(first, "another live process holds") {
		t.Fatalf("instructions while the name is held:\n%s", r.Result.Instructions)
	}
	send(t, c, `{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"list_instances","arguments":{}}}`)
	send(t, c, `{"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":"check","arguments":{"instance_id":"alice"}}}`)
	if text, _ := decodeReply(t, c, "3"); !strings.Contains(text, "No new messages") {
		t.Fatalf("check once the holder let go: %s", text)
	}
}
