//go:build unix

package e2e

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/ipc-dev/ipc/internal/fakemodel"
)

// sandbox is one client run's world: a temporary HOME, a project
// directory, a mailbox (IPC_HOME), the shimmed ipc first on PATH, and a
// fake model endpoint.
type sandbox struct {
	t       *testing.T
	home    string // HOME of the client
	project string // the client's working directory
	ipcHome string
	bin     string // holds the shim "ipc"
	mcpLog  string // what every ipc mcp wrote to its client
	model   *fakemodel.Server
}

// clientBin is the client's executable named by env (IPC_CLAUDE, ...), or
// skips the test naming the missing client.
func clientBin(t *testing.T, env, client string) string {
	t.Helper()
	if os.Getenv("IPC_CLIENTS") != "1" {
		t.Skip("real-client tests run with IPC_CLIENTS=1 (make clients)")
	}
	p := os.Getenv(env)
	if p == "" {
		t.Skipf("%s is not installed: %s is unset (.ci/clients.sh installs it)", client, env)
	}
	if _, err := os.Stat(p); err != nil {
		t.Skipf("%s is not installed: %s=%s: %v", client, env, p, err)
	}
	return p
}

func newSandbox(t *testing.T, script fakemodel.Script) *sandbox {
	t.Helper()
	root := t.TempDir()
	s := &sandbox{t: t, home: filepath.Join(root, "home"), project: filepath.Join(root, "project"),
		ipcHome: filepath.Join(root, "ipc"), bin: filepath.Join(root, "bin"), mcpLog: filepath.Join(root, "mcp.log")}
	for _, d := range []string{s.home, s.project, s.ipcHome, s.bin} {
		if err := os.MkdirAll(d, 0o700); err != nil {
			t.Fatal(err)
		}
	}
	// The shim runs ipc by a path of this sandbox's own, so that what the
	// client leaves running can be found and killed at the end.
	exe := filepath.Join(s.bin, "ipc.real")
	if err := os.Symlink(ipcReal, exe); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(s.bin, "ipc"), []byte(shimScript(exe, s.mcpLog)), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { reap(exe) })
	m, err := fakemodel.Start(script)
	if err != nil {
		t.Fatal(err)
	}
	s.model = m
	t.Cleanup(m.Close)
	return s
}

// env is the clients' environment: nothing of the test's own but PATH
// (after the shim) and the Go race settings, no telemetry or updates,
// and a proxy that goes nowhere for anything but loopback, so that a
// client that tries the network fails instead of reaching it.
func (s *sandbox) env(extra ...string) []string {
	env := []string{
		"HOME=" + s.home,
		"PATH=" + s.bin + string(os.PathListSeparator) + os.Getenv("PATH"),
		"IPC_HOME=" + s.ipcHome,
		"IPC_AUTOSTART=0",
		"TERM=xterm-256color",
		"LANG=C.UTF-8",
		"TMPDIR=" + os.TempDir(),
		"HTTPS_PROXY=http://127.0.0.1:9", "HTTP_PROXY=http://127.0.0.1:9",
		"https_proxy=http://127.0.0.1:9", "http_proxy=http://127.0.0.1:9",
		"NO_PROXY=127.0.0.1,localhost", "no_proxy=127.0.0.1,localhost",
		"DISABLE_AUTOUPDATER=1", "DISABLE_TELEMETRY=1", "DISABLE_ERROR_REPORTING=1",
		"CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC=1", "DISABLE_BUG_COMMAND=1",
		"GEMINI_CLI_NO_RELAUNCH=true", "NO_UPDATE_NOTIFIER=1", "CI=1",
	}
	return append(append(env, ipcPollEnv()...), extra...)
}

// ipcPollEnv passes IPC_POLL on, so the suite can run on polling too.
func ipcPollEnv() []string {
	var env []string
	for _, k := range []string{"IPC_POLL", "IPC_POLL_INTERVAL"} {
		if v, ok := os.LookupEnv(k); ok {
			env = append(env, k+"="+v)
		}
	}
	return env
}

// ipc runs the built ipc in the sandbox's mailbox and returns its stdout.
func (s *sandbox) ipc(as string, args ...string) string {
	s.t.Helper()
	cmd := exec.Command(ipcReal, args...)
	cmd.Env = s.env("IPC_ID=" + as)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		s.t.Fatalf("ipc %v: %v\n%s%s", args, err, out.String(), errb.String())
	}
	return out.String()
}

// unread is how many messages wait unread for as, counted in its maildir's
// new/ (the documented layout) so that a live session need not be
// disturbed.
func (s *sandbox) unread(as string) int {
	s.t.Helper()
	names, err := os.ReadDir(filepath.Join(s.ipcHome, "mail", as, "new"))
	if err != nil && !os.IsNotExist(err) {
		s.t.Fatal(err)
	}
	return len(names)
}

// checkAs is the content of each message waiting for as, read (and marked
// read) through the CLI.
func (s *sandbox) checkAs(as string) []string {
	s.t.Helper()
	var r struct {
		Messages []struct {
			Message struct {
				Content string `json:"content"`
			} `json:"message"`
		} `json:"messages"`
	}
	if err := json.Unmarshal([]byte(s.ipc(as, "check", "--json")), &r); err != nil {
		s.t.Fatal(err)
	}
	var got []string
	for _, m := range r.Messages {
		got = append(got, m.Message.Content)
	}
	return got
}

// writeFile writes content to path (relative to the sandbox's home when
// not absolute), making its directory.
func (s *sandbox) writeFile(path, content string) {
	s.t.Helper()
	if !filepath.IsAbs(path) {
		path = filepath.Join(s.home, path)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		s.t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		s.t.Fatal(err)
	}
}

// offered is what ipc mcp offered its clients, from the shim's log: the
// instructions of its first initialize result and the tools of its first
// tools/list result, each with the length of its JSON.
type offered struct {
	Instructions string
	Tools        map[string]int
}

func (s *sandbox) offered() offered {
	s.t.Helper()
	o := offered{Tools: map[string]int{}}
	f, err := os.Open(s.mcpLog)
	if err != nil {
		s.t.Fatalf("ipc mcp never ran: %v", err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 64<<20)
	for sc.Scan() {
		var msg struct {
			Result struct {
				Instructions *string           `json:"instructions"`
				Tools        []json.RawMessage `json:"tools"`
			} `json:"result"`
		}
		if json.Unmarshal(sc.Bytes(), &msg) != nil {
			continue
		}
		if msg.Result.Instructions != nil && o.Instructions == "" {
			o.Instructions = *msg.Result.Instructions
		}
		if len(msg.Result.Tools) > 0 && len(o.Tools) == 0 {
			for _, raw := range msg.Result.Tools {
				var t struct {
					Name string `json:"name"`
				}
				json.Unmarshal(raw, &t)
				o.Tools[t.Name] = len(raw)
			}
		}
	}
	if len(o.Tools) == 0 {
		s.t.Fatalf("ipc mcp answered no tools/list (log %s)", s.mcpLog)
	}
	return o
}

// toolChars sums the lengths of the definitions in r of the tools o
// offered, and names the ones missing from r.
func (o offered) toolChars(r fakemodel.Request) (chars int, missing []string) {
	for name := range o.Tools {
		if t, ok := r.ToolNamed(name); ok {
			chars += t.Chars
		} else {
			missing = append(missing, name)
		}
	}
	return chars, missing
}

// namedOnly are the tools of names that r names without their definition
// (Claude Code defers MCP tools behind its tool search).
func namedOnly(r fakemodel.Request, names []string) []string {
	text := allText(r.Body)
	var out []string
	for _, n := range names {
		if strings.Contains(text, "__"+n) {
			out = append(out, n)
		}
	}
	return out
}

func (o offered) offeredChars() int {
	n := 0
	for _, c := range o.Tools {
		n += c
	}
	return n
}

// instructionsReceived is how much of o's instructions, from their start,
// appears verbatim in any text of r (the longest prefix found).
func (o offered) instructionsReceived(r fakemodel.Request) int {
	text := allText(r.Body)
	lo, hi := 0, len(o.Instructions)
	for lo < hi { // a prefix found means every shorter one is too
		mid := (lo + hi + 1) / 2
		if strings.Contains(text, o.Instructions[:mid]) {
			lo = mid
		} else {
			hi = mid - 1
		}
	}
	return lo
}

// allText joins every string in a JSON document, each followed by a
// newline and a NUL, so that text a client put anywhere in a request can be
// found as written.
func allText(body []byte) string {
	var v any
	if json.Unmarshal(body, &v) != nil {
		return string(body)
	}
	return jsonStrings(v, "\n\x00") // no JSON text holds a NUL unescaped
}

// jsonStrings joins every string in the decoded JSON value v, each
// followed by sep, walking arrays and objects.
func jsonStrings(v any, sep string) string {
	var b strings.Builder
	var walk func(any)
	walk = func(v any) {
		switch v := v.(type) {
		case string:
			b.WriteString(v)
			b.WriteString(sep)
		case []any:
			for _, e := range v {
				walk(e)
			}
		case map[string]any:
			for _, e := range v {
				walk(e)
			}
		}
	}
	walk(v)
	return b.String()
}

// mainRequests are the requests of the conversation itself: those that
// carry tool definitions (side requests for titles and the like carry none).
func mainRequests(rs []fakemodel.Request) []fakemodel.Request {
	var out []fakemodel.Request
	for _, r := range rs {
		if len(r.Tools) > 0 {
			out = append(out, r)
		}
	}
	return out
}

// countIn is how often token occurs in the text of the request.
func countIn(r fakemodel.Request, token string) int {
	return strings.Count(allText(r.Body), token)
}

var tokenChars = regexp.MustCompile(`[^a-z0-9]`)

// token is a string unique to the test that no client writes on its own.
func token(t *testing.T) string {
	return "tok" + tokenChars.ReplaceAllString(strings.ToLower(t.Name()), "") + "x"
}

// reply is the answer the scripted model sends back for tok; it does not
// contain tok, so counting tok in a request counts the mail only.
func reply(tok string) string {
	return "ack" + strings.TrimPrefix(tok, "tok")
}

// hookContexts are the additionalContext texts every ipc hook printed, in
// order, from the shim's log.
func (s *sandbox) hookContexts() []string {
	s.t.Helper()
	f, err := os.Open(s.mcpLog + ".hook")
	if err != nil {
		return nil
	}
	defer f.Close()
	var out []string
	dec := json.NewDecoder(f)
	for {
		var h struct {
			Out struct {
				Context string `json:"additionalContext"`
			} `json:"hookSpecificOutput"`
		}
		if dec.Decode(&h) != nil {
			return out
		}
		if h.Out.Context != "" {
			out = append(out, h.Out.Context)
		}
	}
}

// dump writes every request body the model received to the directory
// IPC_E2E_DUMP names, if set, as TEST-N.json: for looking at by hand.
func (s *sandbox) dump() {
	d := os.Getenv("IPC_E2E_DUMP")
	if d == "" {
		return
	}
	name := tokenChars.ReplaceAllString(strings.ToLower(s.t.Name()), "")
	for _, q := range s.model.Requests() {
		os.WriteFile(filepath.Join(d, fmt.Sprintf("%s-%d.json", name, q.N)), q.Body, 0o644)
	}
}
