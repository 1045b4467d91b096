//go:build unix

package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io/fs"
	"net"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/ipc-dev/ipc/internal/ipctest"
)

// The README's command blocks as a new user meets them: every ```sh block
// of README.md carries a marker on the line before it, either
//
//	<!-- readme-test: run -->
//	<!-- readme-test: skip: <why> -->
//
// TestReadmeBlocks runs the marked blocks in order, as one user pasting
// them into one terminal would, in bash and in zsh, from the checkout, in
// a fresh HOME with no ipc on PATH: the install block must put it there.
// TestCommandBlocksPasteable checks every ```sh block of README.md and
// docs/*.md for what breaks a paste into an interactive bash or zsh.

// shBlock is one fenced ```sh block of a markdown file.
type shBlock struct {
	file   string
	line   int    // of the opening fence, 1-based
	marker string // "run", "skip: <why>", or "" when none
	text   string // its lines, dedented to the fence
}

var (
	fenceRE  = regexp.MustCompile("^( *)```(\\w*)\\s*$")
	markerRE = regexp.MustCompile(`^\s*<!-- readme-test: (run|skip: \S.*) -->\s*$`)
)

// shBlocks reads the ```sh blocks of the markdown file at name.
func shBlocks(t *testing.T, name string) []shBlock {
	t.Helper()
	b, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(string(b), "\n")
	var out []shBlock
	prev := ""
	for i := 0; i < len(lines); i++ {
		m := fenceRE.FindStringSubmatch(lines[i])
		if m == nil {
			if strings.TrimSpace(lines[i]) != "" {
				prev = lines[i]
			}
			continue
		}
		indent, lang := len(m[1]), m[2]
		var body []string
		j := i + 1
		for ; j < len(lines) && strings.TrimSpace(lines[j]) != "```"; j++ {
			l := lines[j]
			if len(l) >= indent && strings.TrimSpace(l[:indent]) == "" {
				l = l[indent:]
			}
			body = append(body, l)
		}
		if j == len(lines) {
			t.Fatalf("%s:%d: unterminated block", name, i+1)
		}
		if lang == "sh" {
			blk := shBlock{file: name, line: i + 1, text: strings.Join(body, "\n") + "\n"}
			if mm := markerRE.FindStringSubmatch(prev); mm != nil {
				blk.marker = mm[1]
			}
			out = append(out, blk)
		}
		prev = ""
		i = j
	}
	return out
}

// repoRoot is the checkout the tests run in.
func repoRoot(t *testing.T) string {
	t.Helper()
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	return root
}

// pathWithoutIPC is PATH without the directories that hold an ipc, so
// that only the README's install can put one there.
func pathWithoutIPC() string {
	var keep []string
	for _, dir := range filepath.SplitList(os.Getenv("PATH")) {
		if _, err := os.Stat(filepath.Join(dir, "ipc")); err == nil || dir == "" {
			continue
		}
		keep = append(keep, dir)
	}
	return strings.Join(keep, string(os.PathListSeparator))
}

func goEnv(t *testing.T, name string) string {
	t.Helper()
	out, err := exec.Command("go", "env", name).Output()
	if err != nil {
		t.Fatalf("go env %s: %v", name, err)
	}
	return strings.TrimSpace(string(out))
}

// userEnv is a fresh user's environment under dir: its own HOME, GOPATH,
// TMPDIR and XDG_RUNTIME_DIR (so that the uninstall block removes nothing
// outside dir), the machine's Go caches (so that go install needs no
// network: GOPROXY=off), and a PATH without ipc. Nothing else is set: the
// server a command starts takes 127.0.0.1:9876, or a free port when 9876
// is taken, as the README says.
func userEnv(t *testing.T, dir string) (env []string, home, gopath, tmp, run string) {
	home, gopath, tmp, run = filepath.Join(dir, "home"), filepath.Join(dir, "gopath"), filepath.Join(dir, "tmp"), filepath.Join(dir, "run")
	for _, d := range []string{home, gopath, tmp, run} {
		if err := os.MkdirAll(d, 0o700); err != nil {
			t.Fatal(err)
		}
	}
	env = []string{
		"HOME=" + home, "GOPATH=" + gopath, "TMPDIR=" + tmp, "XDG_RUNTIME_DIR=" + run,
		"GOCACHE=" + goEnv(t, "GOCACHE"), "GOMODCACHE=" + goEnv(t, "GOMODCACHE"),
		"GOPROXY=off", "GOTOOLCHAIN=local", "GOFLAGS=", "GOBIN=",
		"PATH=" + pathWithoutIPC(), "LANG=C.UTF-8",
	}
	return append(env, ipctest.Poll(os.Getenv).Env()...), home, gopath, tmp, run
}

// shellArgs runs a script file without the user's startup files.
var shellArgs = map[string][]string{"bash": {"--norc", "--noprofile"}, "zsh": {"-f"}}

func TestReadmeBlocks(t *testing.T) {
	root := repoRoot(t)
	blocks := shBlocks(t, filepath.Join(root, "README.md"))
	var script strings.Builder
	script.WriteString("set -e\n")
	ran := map[string]bool{}
	for _, b := range blocks {
		switch {
		case b.marker == "":
			t.Errorf("README.md:%d: a ```sh block without a marker (<!-- readme-test: run --> or <!-- readme-test: skip: why -->)", b.line)
		case b.marker == "run":
			fmt.Fprintf(&script, "echo '>>> README.md:%d' >&2\n%s", b.line, b.text)
			for _, want := range []string{"go install ./cmd/ipc", "go run ./cmd/ipc demo", "ipc check", "ipc stop"} {
				ran[want] = ran[want] || strings.Contains(b.text, want)
			}
		default:
			t.Logf("README.md:%d skipped: %s", b.line, strings.TrimPrefix(b.marker, "skip: "))
		}
	}
	for want, ok := range ran {
		if !ok {
			t.Errorf("no runnable README block holds %q (install, quick start and uninstall must run)", want)
		}
	}
	for _, shell := range []string{"bash", "zsh"} {
		t.Run(shell, func(t *testing.T) {
			sh, err := exec.LookPath(shell)
			if err != nil {
				t.Skipf("%s is not installed (.ci/run installs it)", shell)
			}
			runReadme(t, root, sh, shell, script.String())
		})
	}
}

// runReadme runs script in shell as a fresh user and checks what the
// README says it does: ipc installed into GOPATH/bin and found on PATH,
// the startup file line, the quick start's message, and an uninstall that
// leaves nothing behind.
func runReadme(t *testing.T, root, sh, shell, script string) {
	dir := t.TempDir()
	env, home, gopath, tmp, run := userEnv(t, dir)
	file := filepath.Join(dir, "readme.sh")
	if err := os.WriteFile(file, []byte(script), 0o600); err != nil {
		t.Fatal(err)
	}
	installed := filepath.Join(gopath, "bin", "ipc")
	t.Cleanup(func() { // a run that failed half-way may leave its server running
		if _, err := os.Stat(installed); err == nil {
			stop := exec.Command(installed, "stop")
			stop.Env = env
			stop.Run()
		}
	})
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, sh, append(shellArgs[shell], file)...)
	cmd.Dir, cmd.Env = root, env
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%s README blocks: %v\n%s", shell, err, out)
	}
	for _, want := range []string{
		installed + "\n",                    // command -v ipc after the install
		"ipc demo: a temporary mailbox at ", // the quick start's tour
		"Message queued for bob (not yet registered)",
		"Content: can you review the auth module?",
		"Registered as alice", // the Python scripts reached the server the CLI started
		"ipc stop: stopped the server of " + filepath.Join(home, ".claude-ipc"),
	} {
		if !strings.Contains(string(out), want) {
			t.Errorf("%s README blocks: output lacks %q:\n%s", shell, want, out)
		}
	}
	rc := map[string]string{"bash": ".bashrc", "zsh": ".zshrc"}[shell]
	check := exec.Command(sh, append(shellArgs[shell], "-c", `. ~/`+rc+` && echo "$PATH"`)...)
	check.Env = env
	if p, err := check.Output(); err != nil || !strings.Contains(string(p), filepath.Join(gopath, "bin")) {
		t.Errorf("%s: ~/%s does not put %s on PATH: %q, %v", shell, rc, filepath.Join(gopath, "bin"), p, err)
	}
	for _, gone := range []string{installed, filepath.Join(home, ".claude-ipc"), filepath.Join(home, ".ipc-session"), filepath.Join(run, "ipc"), filepath.Join(tmp, fmt.Sprintf("ipc-%d", os.Getuid()))} {
		if _, err := os.Lstat(gone); err == nil {
			t.Errorf("%s: %s is still there after the uninstall block", shell, gone)
		}
	}
}

func TestCommandBlocksPasteable(t *testing.T) {
	root := repoRoot(t)
	files, err := filepath.Glob(filepath.Join(root, "docs", "*.md"))
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range append([]string{filepath.Join(root, "README.md")}, files...) {
		for _, b := range shBlocks(t, f) {
			for i, line := range strings.Split(strings.TrimRight(b.text, "\n"), "\n") {
				for _, p := range pasteProblems(line) {
					t.Errorf("%s:%d: %s in %q", filepath.Base(f), b.line+1+i, p, line)
				}
			}
		}
	}
}

// pasteProblems names what breaks line pasted into an interactive bash or
// zsh with their default options: a comment (zsh takes "#" and what
// follows as words unless interactive_comments is set), an unquoted "?",
// "*" or "[" (zsh stops with "no matches found"), and "!" outside single
// quotes (history expansion in both).
func pasteProblems(line string) []string {
	var out []string
	quote := byte(0)
	wordStart := true
	for i := 0; i < len(line); i++ {
		c := line[i]
		switch {
		case quote == '\'':
			if c == '\'' {
				quote = 0
			}
		case c == '\\' && quote != '\'':
			i++
		case c == '!':
			out = append(out, "\"!\" outside single quotes (history expansion)")
		case quote == '"':
			if c == '"' {
				quote = 0
			}
		case c == '\'' || c == '"':
			quote = c
		case c == '#' && wordStart:
			out = append(out, "a comment (zsh pastes it as words)")
			return out
		case c == '?' || c == '*':
			out = append(out, fmt.Sprintf("unquoted %q (a glob: zsh says no matches found)", c))
		case c == '[' && !(wordStart && i+1 < len(line) && line[i+1] == ' '):
			out = append(out, "unquoted \"[\" (a glob: zsh says no matches found)")
		}
		wordStart = quote == 0 && (c == ' ' || c == '\t' || c == ';' || c == '|' || c == '&' || c == '(')
	}
	return out
}

func TestPasteProblems(t *testing.T) {
	cases := []struct {
		line string
		bad  bool
	}{
		{`IPC_ID=alice ipc send bob 'can you review the auth module?'`, false},
		{`IPC_ID=alice ipc send bob: can you review the auth module?`, true},
		{`go install ./cmd/ipc   # into GOPATH/bin`, true},
		{`python3 tools/ipc_watch.py [--json]`, true},
		{`cat "$IPC_HOME"/'mail/bob/cur/x!2,S'`, false},
		{`cat "$IPC_HOME/mail/bob/cur/x!2,S"`, true},
		{`go test -run '^$' -bench . ./socket/`, false},
		{`echo 'export PATH="$PATH:$(go env GOPATH)/bin"' >> ~/.bashrc`, false},
		{`test -z "$XDG_RUNTIME_DIR" || rm -rf "$XDG_RUNTIME_DIR/ipc"`, false},
		{`[ -n "$X" ] && echo a#b`, false},
	}
	for _, c := range cases {
		if got := pasteProblems(c.line); (len(got) > 0) != c.bad {
			t.Errorf("pasteProblems(%q) = %q, want problems: %v", c.line, got, c.bad)
		}
	}
}

// demoCommands runs ipc demo with args and returns its output, the
// mailbox it used, and the commands its steps show (the lines indented by
// exactly two spaces after the first step).
func demoCommands(t *testing.T, args ...string) (out, mailbox string, commands []string) {
	t.Helper()
	out = mustIPC(t, t.TempDir(), "", "", append([]string{"demo"}, args...)...)
	m := regexp.MustCompile(`ipc demo: a temporary mailbox at (\S+)`).FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("demo names no mailbox:\n%s", out)
	}
	steps := false
	for _, l := range strings.Split(out, "\n") {
		steps = steps || strings.HasPrefix(l, "== ")
		if steps && strings.HasPrefix(l, "  ") && len(l) > 2 && l[2] != ' ' {
			commands = append(commands, l[2:])
		}
	}
	return out, m[1], commands
}

// TestDemoCommandsRun pastes every command the demo shows into bash and
// zsh, in order, in a fresh mailbox with ipc on PATH: they must do what
// the demo did. The commands that name a message of the demo's own
// mailbox (read ID, cat of its file) run against the mailbox --keep kept.
// The wait of "check --wait" runs in the background, as in its own
// terminal, while the next command sends it the mail.
func TestDemoCommandsRun(t *testing.T) {
	out, kept, commands := demoCommands(t, "--keep")
	t.Cleanup(func() { os.RemoveAll(kept) })
	first := regexp.MustCompile(`Message sent \(id (\S+)\)`).FindStringSubmatch(out)
	if first == nil || len(commands) < 15 {
		t.Fatalf("demo output has no first id or few commands (%d):\n%s", len(commands), out)
	}
	var fresh, own strings.Builder
	fresh.WriteString("set -e\n")
	own.WriteString("set -e\n")
	waiting := false
	for _, c := range commands {
		switch {
		case strings.Contains(c, first[1]):
			own.WriteString(c + "\n")
		case strings.Contains(c, "--wait"):
			fresh.WriteString(c + " >wait.out 2>&1 &\n")
			waiting = true
		default:
			fresh.WriteString(c + "\n")
			if waiting {
				fresh.WriteString("wait $!\n")
				waiting = false
			}
		}
	}
	if !strings.Contains(fresh.String(), "wait $!") || !strings.Contains(own.String(), "ipc read ") || !strings.Contains(own.String(), "cat ") {
		t.Fatalf("demo commands lack the wait, the read or the cat:\n%s\n%s", fresh.String(), own.String())
	}
	binDir := filepath.Dir(ipcBin)
	for _, shell := range []string{"bash", "zsh"} {
		t.Run(shell, func(t *testing.T) {
			sh, err := exec.LookPath(shell)
			if err != nil {
				t.Skipf("%s is not installed (.ci/run installs it)", shell)
			}
			dir := t.TempDir()
			runIn := func(mailbox, script string) string {
				cmd := exec.Command(sh, append(shellArgs[shell], "-c", script)...)
				cmd.Dir = dir
				cmd.Env = append(ipcCmd(mailbox, "").Env, "PATH="+binDir+string(os.PathListSeparator)+os.Getenv("PATH"))
				b, err := cmd.CombinedOutput()
				if err != nil {
					t.Fatalf("%s: the demo's commands: %v\n%s\n%s", shell, err, script, b)
				}
				return string(b)
			}
			got := runIn(filepath.Join(dir, "home"), fresh.String())
			for _, want := range []string{"Message queued for carol (not yet registered)", "Message forwarded from bob to robert", "Content: Welcome aboard!", "bob renamed to robert", "robert"} {
				if !strings.Contains(got, want) {
					t.Errorf("%s: the demo's commands printed no %q:\n%s", shell, want, got)
				}
			}
			if w, _ := os.ReadFile(filepath.Join(dir, "wait.out")); !strings.Contains(string(w), "Content: Are you around for a call?") {
				t.Errorf("%s: check --wait printed %q", shell, w)
			}
			got = runIn(kept, own.String())
			if !strings.Contains(got, "Can you review the auth module?") || !strings.Contains(got, "X-IPC-Data:") {
				t.Errorf("%s: read and cat of the demo's message printed:\n%s", shell, got)
			}
		})
	}
}

func TestDemoCountsInWords(t *testing.T) {
	out, _, commands := demoCommands(t)
	for _, want := range []string{"      1 message\n", "      2 messages\n", "1 queued message waiting", "(2 agents notified)", "IPC_ID=robert ipc check --wait 30s", `{"name": "check", "arguments": {"wait_seconds": 30}}`} {
		if !strings.Contains(out, want) {
			t.Errorf("demo output lacks %q:\n%s", want, out)
		}
	}
	for _, bad := range []string{"(s)", " 1 messages", "1 queued messages", " 1 agents"} {
		if strings.Contains(out, bad) {
			t.Errorf("demo output has %q:\n%s", bad, out)
		}
	}
	for _, c := range commands {
		if p := pasteProblems(c); len(p) > 0 {
			t.Errorf("demo command %q: %s", c, p)
		}
	}
}

// TestOnDiskListComplete makes the product write every kind of file it
// writes under IPC_HOME (mail, read records, sent records, a large
// message, an idempotency record, a rename, retention, an entry moved
// aside, a waiting Stop hook, a server started in the background and
// stopped) and checks that the README's "On disk" list names each.
func TestOnDiskListComplete(t *testing.T) {
	d := filepath.Join(t.TempDir(), "home")
	mustIPC(t, d, "alice", "", "send", "bob", "hi")
	mustIPC(t, d, "alice", "", "send", "--idempotency-key", "k1", "carol", strings.Repeat("a", 12000))
	mustIPC(t, d, "bob", "", "check")
	mustIPC(t, d, "bob", "", "rename", "robert")
	mustIPC(t, d, "alice", "", "gc")
	if err := syscall.Mkfifo(filepath.Join(d, "mail", "robert", "new", "fifo"), 0o600); err != nil {
		t.Fatal(err)
	}
	ipc(t, d, "robert", "", "check")
	ipc(t, d, "alice", `{"hook_event_name":"Stop","session_id":"s"}`, "hook", "--wait", "1ms")
	serve := ipcCmd(d, "", "serve", "--detach")
	serve.Env = append(serve.Env, "IPC_PORT=0", "XDG_RUNTIME_DIR="+t.TempDir())
	if b, err := serve.CombinedOutput(); err != nil {
		t.Fatalf("serve --detach: %v\n%s", err, b)
	}
	stop := ipcCmd(d, "", "stop")
	stop.Env = serve.Env
	if b, err := stop.CombinedOutput(); err != nil {
		t.Fatalf("stop: %v\n%s", err, b)
	}

	listed := onDiskEntries(t)
	names := map[string]bool{"alice": true, "bob": true, "carol": true, "robert": true}
	seen := map[string]bool{}
	err := filepath.WalkDir(d, func(p string, e fs.DirEntry, err error) error {
		if err != nil || p == d {
			return err
		}
		r, _ := filepath.Rel(d, p)
		parts := strings.Split(filepath.ToSlash(r), "/")
		for i, part := range parts {
			if stem, _, _ := strings.Cut(part, "."); names[stem] && i <= 1 {
				parts[i] = "<id>" + strings.TrimPrefix(part, stem)
			}
		}
		norm := strings.Join(parts, "/")
		if e.IsDir() {
			norm += "/"
		}
		if !coveredBy(norm, listed) {
			t.Errorf("%s (%s) is not in the README's On disk list", r, norm)
		}
		seen[parts[0]] = true
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, top := range []string{"VERSION", "mail", "large", "quarantine", "dedupe", "presence", "index", "hooks", "server.lock", "server.log", "mailbox.json"} {
		if !seen[top] {
			t.Errorf("the scenario wrote no %s: the test no longer covers it", top)
		}
	}
}

// onDiskEntries is the first word of each line of the README's On disk
// block below ~/.claude-ipc/.
func onDiskEntries(t *testing.T) []string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(repoRoot(t), "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	s := string(b)
	i := strings.Index(s, "## On disk")
	j := strings.Index(s[i:], "~/.claude-ipc/\n")
	end := strings.Index(s[i+j:], "```")
	if i < 0 || j < 0 || end < 0 {
		t.Fatal("README.md has no On disk block")
	}
	var out []string
	for _, l := range strings.Split(s[i+j:i+j+end], "\n")[1:] {
		if f := strings.Fields(l); len(f) > 0 && strings.HasPrefix(l, "  ") && !strings.HasPrefix(l, "    ") {
			out = append(out, f[0])
		}
	}
	return out
}

// coveredBy reports whether an entry of listed names p: the same path, a
// directory above it or below it (p is a directory), or a pattern ("*",
// "<time>", "<hash>") matching it.
func coveredBy(p string, listed []string) bool {
	for _, l := range listed {
		pat := regexp.MustCompile(`<(time|hash|n|unique)>`).ReplaceAllString(l, "*")
		if l == p || (strings.HasSuffix(l, "/") && strings.HasPrefix(p, l)) || (strings.HasSuffix(p, "/") && strings.HasPrefix(l, p)) {
			return true
		}
		if ok, _ := path.Match(strings.TrimSuffix(pat, "/"), strings.TrimSuffix(p, "/")); ok {
			return true
		}
	}
	return false
}

// TestReadmeClaims holds the README's and docs' plain statements to the
// code: the build uses no cgo, a test target works without it, the idle
// period is the one the server uses, no install line names the module
// path that does not resolve, one name for the server, and the hello
// reply docs/socket.md shows carries the server's version.
func TestReadmeClaims(t *testing.T) {
	root := repoRoot(t)
	read := func(name string) string {
		b, err := os.ReadFile(filepath.Join(root, name))
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	makeN := func(target string) string {
		cmd := exec.Command("make", "-n", target)
		cmd.Dir = root
		b, err := cmd.Output()
		if err != nil {
			t.Fatalf("make -n %s: %v", target, err)
		}
		return string(b)
	}
	if b := makeN("build"); !strings.Contains(b, "CGO_ENABLED=0 ") {
		t.Errorf("make build does not build without cgo: %s", b)
	}
	if b := makeN("test-nocgo"); !strings.Contains(b, "CGO_ENABLED=0 ") || !strings.Contains(b, " test ") || strings.Contains(b, "-race") {
		t.Errorf("make test-nocgo: %s", b)
	}
	bin := filepath.Join(t.TempDir(), "ipc")
	build := exec.Command("go", "build", "-o", bin, ".")
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if b, err := build.CombinedOutput(); err != nil {
		t.Fatalf("CGO_ENABLED=0 go build: %v\n%s", err, b)
	}
	if b, err := exec.Command("go", "version", "-m", bin).Output(); err != nil || !strings.Contains(string(b), "CGO_ENABLED=0") {
		t.Errorf("go version -m of a CGO_ENABLED=0 build: %s %v", b, err)
	}

	readme := read("README.md")
	if defaultIdleExit != 30*time.Minute || !strings.Contains(readme, "exits by itself after 30 minutes") || !strings.Contains(readme, "`IPC_AUTOSTART=0` turns that off") {
		t.Errorf("the README's auto-start sentence does not match the server (idle exit %v)", defaultIdleExit)
	}
	for _, b := range shBlocks(t, filepath.Join(root, "README.md")) {
		if strings.Contains(b.text, "@latest") {
			t.Errorf("README.md:%d: an install of the unpublished module path: %s", b.line, b.text)
		}
	}
	docs, _ := filepath.Glob(filepath.Join(root, "docs", "*.md"))
	for _, f := range append(docs, filepath.Join(root, "README.md"), filepath.Join(root, "ARCHITECTURE.md")) {
		b, _ := os.ReadFile(f)
		for _, other := range []string{"socket server", "detached server", "detached `ipc serve`", "mailbox server", "the daemon"} {
			if strings.Contains(strings.ToLower(string(b)), other) {
				t.Errorf("%s calls the server %q: it is the ipc server (`ipc serve`)", filepath.Base(f), other)
			}
		}
	}
	socketDoc := read("docs/socket.md")
	if strings.Contains(socketDoc, `"server":"ipc v1"`) || !regexp.MustCompile(`"server":"ipc [^"]+"`).MatchString(socketDoc) || !strings.Contains(socketDoc, "exactly what `ipc version` of its binary prints") {
		t.Error("docs/socket.md does not show the hello reply's server as the server's version")
	}
}

// TestHelloNamesServerVersion: the "server" of a hello reply, which
// docs/socket.md shows, is what `ipc version` of the server's binary
// prints.
func TestHelloNamesServerVersion(t *testing.T) {
	d := filepath.Join(t.TempDir(), "home")
	env := append(ipcCmd(d, "").Env, "IPC_PORT=off", "XDG_RUNTIME_DIR="+t.TempDir())
	run := func(args ...string) string {
		cmd := ipcCmd(d, "", args...)
		cmd.Env = env
		b, err := cmd.Output()
		if err != nil {
			t.Fatalf("ipc %v: %v", args, err)
		}
		return strings.TrimSpace(string(b))
	}
	run("serve", "--detach")
	t.Cleanup(func() { run("stop") })
	var rs struct{ Socket string }
	b, err := os.ReadFile(filepath.Join(d, "server.json"))
	if err != nil || json.Unmarshal(b, &rs) != nil || rs.Socket == "" {
		t.Fatalf("server.json: %s %v", b, err)
	}
	conn, err := net.Dial("unix", rs.Socket)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	fmt.Fprintln(conn, `{"action": "hello", "version": 2}`)
	var hello struct{ Server string }
	if err := json.NewDecoder(conn).Decode(&hello); err != nil {
		t.Fatal(err)
	}
	if want := run("version"); hello.Server != want {
		t.Errorf("hello server = %q, ipc version = %q", hello.Server, want)
	}
}
