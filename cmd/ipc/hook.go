package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/ipc-dev/ipc/internal/present"
	"github.com/ipc-dev/ipc/maildir"
)

// The Claude Code hook: ipc [--as NAME] hook [--wait D].
//
// Claude Code runs the hook as a short process with the event as JSON on
// stdin. The hook acts as --as / IPC_ID; with no identity it does nothing.
// It never takes the identity's presence: "ipc mcp" holds that for the
// whole session, so the hook reads mail through a maildir.Inbox (claiming
// is an atomic rename, so mail is still delivered exactly once).
//
//   - SessionStart: registers the name (unless a live process already
//     holds it, which is then the session's own ipc mcp) and reports who
//     the agent is and what mail is queued, without marking it read.
//   - UserPromptSubmit, PostToolUse: injects unread messages, marking them
//     read, as additionalContext; prints nothing when there are none.
//   - Stop (configured with "asyncRewake": true), or --wait D on any event:
//     waits in the background up to D (default 50m) for mail that was not
//     there when it started, then exits with status 2 and a one-line notice
//     on stderr, which wakes the idle session; Claude then calls check. It
//     marks nothing read (the session may be gone by then). A newer waiter
//     for the same identity supersedes older ones, so one arrival wakes the
//     session once.
//
// Output follows Claude Code's contract:
// {"hookSpecificOutput":{"hookEventName":E,"additionalContext":TEXT}}.

// hookInput is the part of Claude Code's hook input the hook reads.
type hookInput struct {
	Event     string `json:"hook_event_name"`
	SessionID string `json:"session_id"`
	Source    string `json:"source"` // SessionStart: startup, resume, clear, compact
}

// hookOutput is what the hook prints.
type hookOutput struct {
	HookSpecificOutput struct {
		HookEventName     string `json:"hookEventName"`
		AdditionalContext string `json:"additionalContext"`
	} `json:"hookSpecificOutput"`
}

// defaultWake is how long a wake waiter waits when --wait is not given.
const defaultWake = 50 * time.Minute

func runHook(ctx context.Context, c *cli, args []string) error {
	fs := flags("hook")
	wait := fs.Duration("wait", 0, "wait in the background up to this long for new mail, then exit 2 to wake the session (asyncRewake)")
	event := fs.String("event", "", "the hook event, when stdin does not name it")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 || *wait < 0 {
		return usageError("hook [--wait D] [--event NAME]: reads the hook's JSON on stdin")
	}
	var in hookInput
	b, err := io.ReadAll(io.LimitReader(c.stdin, 1<<20))
	if err != nil {
		return fmt.Errorf("hook: read stdin: %w", err)
	}
	if len(strings.TrimSpace(string(b))) > 0 {
		if err := json.Unmarshal(b, &in); err != nil {
			return usageError("hook: stdin is not the hook's JSON: %v", err)
		}
	}
	if *event != "" {
		in.Event = *event
	}
	if c.as == "" {
		return nil // no identity for this session: nothing to do
	}
	st, err := c.openStore()
	if err != nil {
		return err
	}
	defer st.Close()
	inbox, err := st.Inbox(c.as, maildir.Proof(c.as, c.getenv(maildir.EnvSecret)))
	if err != nil {
		return err
	}
	switch {
	case *wait > 0 || in.Event == "Stop" || in.Event == "SubagentStop":
		if *wait == 0 {
			*wait = defaultWake
		}
		return c.hookWake(ctx, st, inbox, *wait)
	case in.Event == "SessionStart":
		return c.hookSessionStart(ctx, st, inbox)
	case in.Event == "UserPromptSubmit" || in.Event == "PostToolUse":
		return c.hookInject(ctx, inbox, in.Event)
	}
	return nil // an event that takes no context
}

// hookSessionStart registers the agent and reports its queued mail.
func (c *cli) hookSessionStart(ctx context.Context, st *maildir.Store, inbox *maildir.Inbox) error {
	id := inbox.ID()
	var b strings.Builder
	fmt.Fprintf(&b, "You are %q on the ipc mailbox, through which the AI agents on this machine message each other: pass %q as from_id and instance_id to the ipc tools (or use the ipc CLI).", id, id)
	s, err := st.Login(ctx, id, maildir.Proof(id, c.getenv(maildir.EnvSecret)))
	switch {
	case err == nil:
		s.Close() // registered; this session's ipc mcp takes the name next
	case maildir.KindOf(err) == maildir.InUse:
		// Held by a live process: this session's ipc mcp, normally.
	default:
		fmt.Fprintf(&b, " Registering %q failed: %v", id, err)
	}
	u, err := inbox.Unread(ctx)
	if err != nil {
		return err
	}
	if u.Count > 0 {
		fmt.Fprintf(&b, "\n📬 %d unread: from %s — call check to read them.", u.Count, strings.Join(u.From, ", "))
	} else {
		b.WriteString("\nNo unread mail.")
	}
	return c.hookPrint("SessionStart", b.String())
}

// hookInject claims the unread mail whose output Claude Code shows whole
// (present.Hook: the whole stdout line is counted) and prints it as
// context; it prints nothing when there is none.
func (c *cli) hookInject(ctx context.Context, inbox *maildir.Inbox, event string) error {
	p, err := present.Hook.WithOverride(c.getenv(present.EnvBudget))
	if err != nil {
		return fmt.Errorf("hook: %w", err)
	}
	head := fmt.Sprintf("📬 ipc mail for %s, delivered by a hook:\n", inbox.ID())
	now := time.Now()
	out, err := maildir.CheckWithin(ctx, inbox, maildir.CheckOptions{Door: maildir.DoorHook}, maildir.Budget{
		Limit: p.Limit, Measure: p.Measure,
		Render: func(sh maildir.Shown) string { return hookLine(event, head+present.Messages(sh, now)) },
	})
	if err != nil {
		return err
	}
	warn(c, out.Result)
	if len(out.Items) == 0 {
		return nil
	}
	_, err = io.WriteString(c.stdout, out.Text)
	return err
}

func (c *cli) hookPrint(event, text string) error {
	_, err := io.WriteString(c.stdout, hookLine(event, text))
	return err
}

// hookLine is the hook's output for text, exactly as printed: one line of
// JSON, as Claude Code reads it.
func hookLine(event, text string) string {
	var out hookOutput
	out.HookSpecificOutput.HookEventName = event
	out.HookSpecificOutput.AdditionalContext = text
	var b strings.Builder
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(out) // strings only: it cannot fail
	return b.String()
}

// hookWake waits up to d for mail that was not unread when it started. When
// some lands and no newer waiter of the same identity started meanwhile, it
// writes a one-line notice to stderr and ends with exit status 2, which
// makes Claude Code wake the session (asyncRewake). Otherwise it ends
// quietly with status 0; it never fails with 2, so a broken setup cannot
// wake the session in a loop.
func (c *cli) hookWake(ctx context.Context, st *maildir.Store, inbox *maildir.Inbox, d time.Duration) error {
	id := inbox.ID()
	peek, err := inbox.Peek(ctx, 0)
	if err != nil {
		return err
	}
	seen := make(map[string]bool, len(peek))
	for _, m := range peek {
		seen[m.ID] = true
	}
	stillNewest, err := claimWaiter(st.Root(), id)
	if err != nil {
		return err
	}
	wctx, cancel := context.WithTimeout(ctx, d)
	defer cancel()
	for {
		if err := inbox.WaitNew(wctx, seen); err != nil {
			if wctx.Err() != nil {
				return nil // the wait is over, or the session ended
			}
			return err
		}
		if !stillNewest() {
			return nil // a newer waiter will wake the session
		}
		u, err := inbox.Unread(ctx)
		if err != nil {
			return err
		}
		if u.Count == 0 {
			// Read meanwhile (by a hook or by ipc mcp): wait for more.
			msgs, _ := inbox.Peek(ctx, 0)
			for _, m := range msgs {
				seen[m.ID] = true
			}
			continue
		}
		fmt.Fprintf(c.stderr, "📬 New ipc mail for %s: %d unread from %s. Call the check tool (instance_id %q) to read it.\n",
			id, u.Count, strings.Join(u.From, ", "), id)
		return exitStatus(2)
	}
}

// claimWaiter records this process as the newest wake waiter of id and
// returns a function reporting whether it still is.
func claimWaiter(root, id string) (func() bool, error) {
	dir := filepath.Join(root, "hooks")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	var nonce [8]byte
	_, _ = rand.Read(nonce[:])
	mine := hex.EncodeToString(nonce[:])
	path := filepath.Join(dir, id+".wake")
	tmp := path + "." + mine + ".tmp"
	if err := os.WriteFile(tmp, []byte(mine+"\n"), 0o600); err != nil {
		return nil, err
	}
	if err := os.Rename(tmp, path); err != nil {
		os.Remove(tmp)
		return nil, err
	}
	return func() bool {
		b, err := os.ReadFile(path)
		if errors.Is(err, os.ErrNotExist) {
			return true
		}
		return err != nil || strings.TrimSpace(string(b)) == mine
	}, nil
}
