package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
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
//     the agent is and what mail is queued, without marking it read or
//     telling the model to fetch it: the UserPromptSubmit hook of the same
//     request, or the next hook that delivers, hands it over.
//   - UserPromptSubmit, PostToolUse: inject unread messages, marking them
//     read, as additionalContext; print nothing when there are none.
//   - Stop (configured with "asyncRewake": true), or --wait D on any event:
//     waits in the background up to D (default 50m) for unread mail, then
//     claims it and exits with status 2 and the mail on stderr, which
//     wakes the idle session with the mail in hand (hook_wake.go). Mail
//     already unread when it starts wakes the session at once. At most one
//     waiter runs per identity (hook_waiter.go); in a run nobody attends
//     (claude -p) it returns at once.
//
// Exit status 2 means "wake" to Claude Code on Stop and "block the prompt"
// on UserPromptSubmit, so the hook exits 2 only to deliver mail on a wake;
// its own errors (flags, environment, input) exit 1 with a message on
// stderr.
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

// runHook runs the hook and maps its errors to exit status 1: never 2,
// which Claude Code reads as a wake or a blocked prompt.
func runHook(ctx context.Context, c *cli, args []string) error {
	err := c.hook(ctx, args)
	var st exitStatus
	if err == nil || errors.As(err, &st) {
		return err
	}
	if code := c.fail(err); code == 0 { // printed the error, or the help
		return nil
	}
	return exitStatus(1)
}

func (c *cli) hook(ctx context.Context, args []string) error {
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
	inbox, err := st.Inbox(c.as, maildir.Proof(c.as, c.getenv(envSecret)))
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
	s, err := st.Login(ctx, id, maildir.Proof(id, c.getenv(envSecret)))
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
		fmt.Fprintf(&b, "\n📬 %d unread: from %s, not yet shown to you. ipc's hooks put unread mail into this conversation with your prompts and tool results, headed \"📬 ipc mail for %s\".", u.Count, strings.Join(u.From, ", "), id)
	} else {
		b.WriteString("\nNo unread mail.")
	}
	return c.hookPrint("SessionStart", b.String())
}

// hookInject claims the unread mail whose output Claude Code shows whole
// (present.Hook: the whole stdout line is counted) and prints it as
// context; it prints nothing when there is none.
func (c *cli) hookInject(ctx context.Context, inbox *maildir.Inbox, event string) error {
	text, res, err := c.hookMail(ctx, inbox, func(body string) string { return hookLine(event, body) })
	if err != nil {
		return err
	}
	warn(c, res) // stderr, which Claude Code shows the user: the model has them in the context
	if text == "" {
		return nil
	}
	_, err = io.WriteString(c.stdout, text)
	return err
}

// hookMail claims the unread mail whose final text, final(body), Claude
// Code shows whole (present.Hook, counted on that text) and returns that
// text, or "" when there is none, with the check's result. final is the
// door's own form: one line of JSON on stdout for context, the body itself
// on stderr for a wake. The text holds the check's warnings, measured with
// it: nothing else may be written beside it where the model reads it.
func (c *cli) hookMail(ctx context.Context, inbox *maildir.Inbox, final func(body string) string) (string, maildir.CheckResult, error) {
	p, err := present.Hook.WithOverride(c.getenv(present.EnvBudget))
	if err != nil {
		return "", maildir.CheckResult{}, fmt.Errorf("hook: %w", err)
	}
	head := fmt.Sprintf("📬 ipc mail for %s, delivered by a hook:\n", inbox.ID())
	now := time.Now()
	out, err := maildir.CheckWithin(ctx, inbox, maildir.CheckOptions{Door: maildir.DoorHook}, maildir.Budget{
		Limit: p.Limit, Measure: p.Measure,
		Render: func(sh maildir.Shown) string { return final(head + present.Messages(sh, now)) },
	})
	if err != nil {
		return "", out.Result, err
	}
	if len(out.Items) == 0 {
		return "", out.Result, nil
	}
	return out.Text, out.Result, nil
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
