// Package hook is the Claude Code hook door: ipc [--as NAME] hook [--wait D].
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
//     wakes the idle session with the mail in hand (wake.go). Mail
//     already unread when it starts wakes the session at once. At most one
//     waiter runs per identity (waiter.go); in a run nobody attends
//     (claude -p) it returns at once. SubagentStop waits as Stop does.
//   - Any other event takes no context: the hook prints nothing.
//
// # Exit status
//
// Exit status 2 means "wake" to Claude Code on Stop and "block the prompt"
// on UserPromptSubmit, so the hook exits 2 only to deliver mail on a wake;
// its own errors (flags, environment, input) exit 1 with a message on
// stderr. Otherwise it exits 0.
//
// Output follows Claude Code's contract:
// {"hookSpecificOutput":{"hookEventName":E,"additionalContext":TEXT}}.
//
// # On disk
//
// The hook keeps its own state beside the mailbox, under $IPC_HOME/hooks/:
//
//	hooks/<id>.wake   "<nonce> wait <pid>": the newest Stop hook waiting for <id>'s mail
//	hooks/<id>.lock   flock serialising that record with the waiter's claim of the mail
//
// # What it is not
//
// The hook translates Claude Code's JSON into calls on the core and the
// core's results and errors into the hook's form; it holds no mailbox rule
// (checks, budgets and claims are maildir's). It takes everything from its
// caller (the identity, the mailbox, the environment as a getenv function,
// the clock) and reads no environment itself. It imports maildir and
// internal/present, never another door (mcp, socket, cmd/ipc).
package hook

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"github.com/ipc-dev/ipc/internal/present"
	"github.com/ipc-dev/ipc/maildir"
)

// input is the part of Claude Code's hook input the hook reads.
type input struct {
	Event     string `json:"hook_event_name"`
	SessionID string `json:"session_id"`
	Source    string `json:"source"` // SessionStart: startup, resume, clear, compact
}

// output is what the hook prints.
type output struct {
	HookSpecificOutput struct {
		HookEventName     string `json:"hookEventName"`
		AdditionalContext string `json:"additionalContext"`
	} `json:"hookSpecificOutput"`
}

// run reports whether the hook woke the session.
func (d *door) run(ctx context.Context, stdin io.Reader) (bool, error) {
	var in input
	b, err := io.ReadAll(io.LimitReader(stdin, 1<<20))
	if err != nil {
		return false, fmt.Errorf("hook: read stdin: %w", err)
	}
	if len(strings.TrimSpace(string(b))) > 0 {
		if err := json.Unmarshal(b, &in); err != nil {
			return false, fmt.Errorf("hook: %w: %v", ErrInput, err)
		}
	}
	if d.Event != "" {
		in.Event = d.Event
	}
	if d.ID == "" {
		return false, nil // no identity for this session: nothing to do
	}
	st, err := d.Open()
	if err != nil {
		return false, err
	}
	defer st.Close()
	inbox, err := st.InboxLocal(d.ID)
	if err != nil {
		return false, err
	}
	switch {
	case d.Wait > 0 || in.Event == "Stop" || in.Event == "SubagentStop":
		wait := d.Wait
		if wait == 0 {
			wait = DefaultWait
		}
		return d.wake(ctx, st, inbox, wait)
	case in.Event == "SessionStart":
		return false, d.sessionStart(ctx, st, inbox)
	case in.Event == "UserPromptSubmit" || in.Event == "PostToolUse":
		return false, d.inject(ctx, inbox, in.Event)
	}
	return false, nil // an event that takes no context
}

// sessionStart registers the agent and reports its queued mail.
func (d *door) sessionStart(ctx context.Context, st *maildir.Store, inbox *maildir.Inbox) error {
	id := inbox.ID()
	var b strings.Builder
	fmt.Fprintf(&b, "You are %q on the ipc mailbox, through which the AI agents on this machine message each other: pass %q as from_id and instance_id to the ipc tools (or use the ipc CLI).", id, id)
	s, err := st.LoginLocal(ctx, id)
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
		fmt.Fprintf(&b, "\n📬 %s: from %s, not yet shown to you. ipc's hooks put unread mail into this conversation with your prompts and tool results, headed \"📬 ipc mail for %s\".", present.UnreadCount(u), strings.Join(u.From, ", "), id)
	} else {
		b.WriteString("\nNo unread mail.")
	}
	_, err = io.WriteString(d.stdout, line("SessionStart", b.String()))
	return err
}

// inject claims the unread mail whose output Claude Code shows whole
// (present.Hook: the whole stdout line is counted) and prints it as
// context; it prints nothing when there is none.
func (d *door) inject(ctx context.Context, inbox *maildir.Inbox, event string) error {
	text, res, err := d.mail(ctx, inbox, func(body string) string { return line(event, body) })
	if err != nil {
		return err
	}
	// stderr, which Claude Code shows the user: the model has them in the context
	for _, w := range res.Warnings() {
		fmt.Fprintf(d.stderr, "ipc: warning: %s\n", w)
	}
	if text == "" {
		return nil
	}
	_, err = io.WriteString(d.stdout, text)
	return err
}

// mail claims the unread mail whose final text, final(body), Claude Code
// shows whole (present.Hook, counted on that text) and returns that text,
// or "" when there is none, with the check's result. final is the hook's
// own form: one line of JSON on stdout for context, the body itself on
// stderr for a wake. The text holds the check's warnings, measured with
// it: nothing else may be written beside it where the model reads it.
func (d *door) mail(ctx context.Context, inbox *maildir.Inbox, final func(body string) string) (string, maildir.CheckResult, error) {
	p, err := d.profile()
	if err != nil {
		return "", maildir.CheckResult{}, err
	}
	out, err := maildir.CheckWithin(ctx, inbox, maildir.CheckOptions{Door: maildir.DoorHook}, d.budget(p, inbox, final))
	if err != nil {
		return "", out.Result, err
	}
	if len(out.Items) == 0 {
		return "", out.Result, nil
	}
	return out.Text, out.Result, nil
}

// profile is the budget of the hook's output: present.Hook, or IPC_BUDGET's.
func (d *door) profile() (present.Profile, error) {
	p, err := present.Hook.WithOverride(d.Getenv(present.EnvBudget))
	if err != nil {
		return p, fmt.Errorf("hook: %w", err)
	}
	return p, nil
}

// budget is the budget of a check whose text is final(body), the body
// being the mail of inbox as the hook presents it now.
func (d *door) budget(p present.Profile, inbox *maildir.Inbox, final func(body string) string) maildir.Budget {
	head := fmt.Sprintf("📬 ipc mail for %s, delivered by a hook:\n", inbox.ID())
	now := d.Now()
	return maildir.Budget{
		Limit: p.Limit, Measure: p.Measure,
		Render: func(sh maildir.Shown) string { return final(head + present.Messages(sh, now)) },
	}
}

// line is the hook's output for text, exactly as printed: one line of
// JSON, as Claude Code reads it.
func line(event, text string) string {
	var out output
	out.HookSpecificOutput.HookEventName = event
	out.HookSpecificOutput.AdditionalContext = text
	var b strings.Builder
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(out) // strings only: it cannot fail
	return b.String()
}
