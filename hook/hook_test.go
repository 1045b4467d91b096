package hook

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ipc-dev/ipc/maildir"
)

// mailbox is a mailbox in a temporary directory and the Config of a hook
// acting as id in it, with env as its environment.
func mailbox(t *testing.T, id string, env map[string]string) (*maildir.Store, Config) {
	t.Helper()
	root := filepath.Join(t.TempDir(), "home")
	st, err := maildir.Open(root, maildir.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	cfg := Config{
		ID:     id,
		Open:   func() (*maildir.Store, error) { return maildir.Open(root, maildir.Options{}) },
		Getenv: func(k string) string { return env[k] },
	}
	return st, cfg
}

// send sends content from bob to to.
func send(t *testing.T, st *maildir.Store, to, content string) {
	t.Helper()
	s, err := st.Login(context.Background(), "bob", "")
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if _, err := s.Send(context.Background(), to, content, nil); err != nil {
		t.Fatal(err)
	}
}

// event is Claude Code's JSON for event.
func event(name string) string {
	b, _ := json.Marshal(map[string]any{"session_id": "s", "hook_event_name": name, "source": "startup"})
	return string(b)
}

// runHook runs the hook on stdin and returns its exit status and output.
func runHook(t *testing.T, cfg Config, stdin string) (code int, stdout, stderr string, err error) {
	t.Helper()
	var out, errb bytes.Buffer
	code, err = Run(context.Background(), cfg, strings.NewReader(stdin), &out, &errb)
	return code, out.String(), errb.String(), err
}

// contextOf decodes the hook's one line of output and returns its context.
func contextOf(t *testing.T, stdout, event string) string {
	t.Helper()
	if !strings.HasSuffix(stdout, "}\n") || strings.Count(stdout, "\n") != 1 {
		t.Fatalf("output %q is not one line of JSON", stdout)
	}
	var out output
	if err := json.Unmarshal([]byte(stdout), &out); err != nil {
		t.Fatal(err)
	}
	if out.HookSpecificOutput.HookEventName != event {
		t.Fatalf("output %q: want hookEventName %s", stdout, event)
	}
	return out.HookSpecificOutput.AdditionalContext
}

func TestRunWithoutIdentityOpensNothing(t *testing.T) {
	cfg := Config{Open: func() (*maildir.Store, error) { t.Fatal("opened the mailbox"); return nil, nil }}
	for _, ev := range []string{"SessionStart", "UserPromptSubmit", "Stop"} {
		if code, out, errs, err := runHook(t, cfg, event(ev)); code != Done || out != "" || errs != "" || err != nil {
			t.Fatalf("%s: %d %q %q %v; want Done and nothing", ev, code, out, errs, err)
		}
	}
}

func TestRunRefusesInputThatIsNotJSON(t *testing.T) {
	_, cfg := mailbox(t, "alice", nil)
	code, out, _, err := runHook(t, cfg, "{not json")
	if code != Fail || out != "" || !errors.Is(err, ErrInput) || !strings.HasPrefix(err.Error(), "hook: stdin is not the hook's JSON: ") {
		t.Fatalf("exit %d, stdout %q, err %v; want Fail and ErrInput", code, out, err)
	}
}

func TestRunInjectsUnreadMailOnce(t *testing.T) {
	st, cfg := mailbox(t, "alice", nil)
	send(t, st, "alice", "a <b> & c")
	later := time.Now().Add(3 * time.Hour)
	cfg.Now = func() time.Time { return later }
	code, out, _, err := runHook(t, cfg, event("PostToolUse"))
	if code != Done || err != nil {
		t.Fatalf("exit %d, %v", code, err)
	}
	ctx := contextOf(t, out, "PostToolUse")
	if !strings.Contains(ctx, "📬 ipc mail for alice") || !strings.Contains(ctx, "a <b> & c") || !strings.Contains(ctx, "3h ago") {
		t.Fatalf("context %q: want the mail, unescaped, dated by Config.Now", ctx)
	}
	if _, out, _, _ := runHook(t, cfg, event("UserPromptSubmit")); out != "" {
		t.Fatalf("second injection %q: the mail was not marked read", out)
	}
}

func TestRunEventFromConfig(t *testing.T) {
	_, cfg := mailbox(t, "alice", nil)
	cfg.Event = "SessionStart"
	_, out, _, err := runHook(t, cfg, "")
	if err != nil || !strings.Contains(contextOf(t, out, "SessionStart"), "No unread mail.") {
		t.Fatalf("SessionStart from Config.Event: %q %v", out, err)
	}
}

func TestRunWakesWithMailOnStderr(t *testing.T) {
	st, cfg := mailbox(t, "alice", nil)
	send(t, st, "alice", "wake up")
	code, out, errs, err := runHook(t, cfg, event("Stop"))
	if code != Wake || err != nil || out != "" || !strings.Contains(errs, "wake up") {
		t.Fatalf("exit %d, stdout %q, stderr %q, %v; want Wake with the mail on stderr", code, out, errs, err)
	}
	rec, _ := os.ReadFile(filepath.Join(st.Root(), "hooks", "alice.wake"))
	if !strings.HasSuffix(string(rec), fmt.Sprintf(" wait %d\n", os.Getpid())) {
		t.Fatalf("hooks/alice.wake = %q", rec)
	}
	// The wait ends quietly when no mail comes.
	cfg.Wait = 50 * time.Millisecond
	if code, out, errs, err := runHook(t, cfg, event("UserPromptSubmit")); code != Done || out != "" || errs != "" || err != nil {
		t.Fatalf("wait without mail: exit %d %q %q %v", code, out, errs, err)
	}
}

func TestUnattended(t *testing.T) {
	for env, want := range map[string]string{
		"":                               "",
		"CLAUDE_CODE_SESSION_ATTENDED=1": "",
		"CLAUDE_CODE_ENTRYPOINT=cli":     "",
		"CLAUDE_CODE_SESSION_ATTENDED=0": "CLAUDE_CODE_SESSION_ATTENDED=0",
		"CLAUDE_CODE_ENTRYPOINT=sdk-cli": "CLAUDE_CODE_ENTRYPOINT=sdk-cli",
		"CLAUDE_CODE_ENTRYPOINT=sdk-py":  "CLAUDE_CODE_ENTRYPOINT=sdk-py",
	} {
		k, v, _ := strings.Cut(env, "=")
		skip, why := unattended(func(name string) string {
			if name == k {
				return v
			}
			return ""
		})
		if skip != (want != "") || why != want {
			t.Errorf("%q: unattended = %v, %q; want %q", env, skip, why, want)
		}
	}
}

func TestDiagnose(t *testing.T) {
	root := t.TempDir()
	var notes []string
	note := func(format string, a ...any) { notes = append(notes, fmt.Sprintf(format, a...)) }
	env := map[string]string{"CLAUDE_CODE_MESSAGING_SOCKET": "/tmp/s.sock", "CLAUDE_CODE_ENTRYPOINT": "sdk-ts"}
	getenv := func(k string) string { return env[k] }
	Diagnose(root, "alice", getenv, note)
	os.MkdirAll(stateDir(root), 0o700)
	os.WriteFile(filepath.Join(stateDir(root), "alice.wake"), []byte("0123 wait 42\n"), 0o600)
	Diagnose(root, "alice", getenv, note)
	os.WriteFile(filepath.Join(stateDir(root), "alice.wake"), []byte("junk\n"), 0o600)
	Diagnose(root, "alice", getenv, note)
	got := strings.Join(notes, "\n")
	for _, want := range []string{
		"wake path for an idle Claude Code session: the Stop hook",
		"inbox socket is at /tmp/s.sock; ipc does not post to it",
		"nobody attends (CLAUDE_CODE_ENTRYPOINT=sdk-ts)",
		"no Stop hook has waited for alice's mail yet",
		"the newest Stop hook waiting for alice's mail is pid 42 since ",
		`hooks/alice.wake: "junk" is not a waiter record`,
	} {
		if !strings.Contains(got, want) {
			t.Fatalf("Diagnose lacks %q:\n%s", want, got)
		}
	}
}
