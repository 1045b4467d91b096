package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"

	"github.com/ipc-dev/ipc/internal/present"
	"github.com/ipc-dev/ipc/maildir"
)

// idempotencyKeyDoc is the help of --idempotency-key.
const idempotencyKeyDoc = "send at most once per `KEY`: a repeat within 2 minutes prints the first result and sends nothing"

// payloadFlags are the flags of send, broadcast and reply that make the
// payload: --data, --idempotency-key, --subject and --priority, with --ack
// and --reply-to where the command takes them, and --json.
type payloadFlags struct {
	data, key, subject, priority, replyTo *string
	ack, asJSON                           *bool
}

// The conversation flags each command takes beyond --subject and --priority.
const (
	withAck     = 1 << iota // --ack
	withReplyTo             // --reply-to
)

// newPayloadFlags declares the payload flags of the command name, with
// the extras (withAck, withReplyTo) it takes.
func newPayloadFlags(name string, extras int) (*flag.FlagSet, payloadFlags) {
	fs := flags(name)
	f := payloadFlags{
		data:     fs.String("data", "", "structured data (`JSON`, usually an object)"),
		key:      fs.String("idempotency-key", "", idempotencyKeyDoc),
		subject:  fs.String("subject", "", "a one-line `SUBJECT` (replies default to the answered one's, with \"Re: \")"),
		priority: fs.String("priority", "", "`PRIORITY`: normal, high or urgent (urgent mail is read first and counted in unread notices)"),
		asJSON:   fs.Bool("json", false, "print the result as JSON"),
		ack:      new(bool),
		replyTo:  new(string),
	}
	if extras&withAck != 0 {
		fs.BoolVar(f.ack, "ack", false, "ask the recipient to acknowledge it (ipc ack ID); ipc status ID then says acknowledged")
	}
	if extras&withReplyTo != 0 {
		fs.StringVar(f.replyTo, "reply-to", "", "the `ID` of a message this answers: it joins that message's thread (ipc reply ID also picks the recipient)")
	}
	return fs, f
}

// payload is the payload of content with the flags' values. A priority
// that is not one of the three, or a subject the core refuses, is a usage
// mistake.
func (f payloadFlags) payload(name, content string) (maildir.Payload, error) {
	prio, err := maildir.ParsePriority(maildir.Op(name), *f.priority)
	if err != nil {
		return maildir.Payload{}, usageError("%s: --priority %q: want normal, high or urgent", name, *f.priority)
	}
	if err := maildir.CheckSubject(*f.subject); err != nil {
		return maildir.Payload{}, usageError("%s: --subject: %s", name, refusal(err))
	}
	return maildir.Payload{Content: content, Data: json.RawMessage(*f.data), Key: *f.key,
		Subject: *f.subject, Priority: prio, Ack: *f.ack, ReplyTo: strings.TrimSpace(*f.replyTo)}, nil
}

// runSend: ipc send [--data JSON] [--idempotency-key KEY] [--subject S]
// [--priority P] [--ack] [--reply-to ID] TO MESSAGE...
//
// The original's loose forms work: no quotes needed, and a colon after the
// recipient is optional ("ipc send bob: need help"). MESSAGE "-" reads the
// body from stdin.
func runSend(ctx context.Context, c *cli, args []string) error {
	fs, f := newPayloadFlags("send", withAck|withReplyTo)
	words, err := parse(fs, args)
	if err != nil {
		return err
	}
	to, content, err := splitRecipient(words)
	if err != nil {
		return err
	}
	if content, err = c.body(content); err != nil {
		return err
	}
	p, err := f.payload("send", content)
	if err != nil {
		return err
	}
	return c.inSession(ctx, func(_ *maildir.Store, s *maildir.Session) error {
		r, err := s.SendPayload(ctx, to, p)
		if err != nil {
			return err
		}
		return c.printSend(r, *f.asJSON)
	})
}

// printSend prints the result of a send.
func (c *cli) printSend(r maildir.SendResult, asJSON bool) error {
	warnings := present.SentWarnings(r)
	for _, w := range warnings {
		fmt.Fprintf(c.stderr, "ipc: warning: %s\n", w)
	}
	if asJSON {
		reply := map[string]any{"status": "ok", "message": present.Sent(r), "id": r.ID, "to": r.To, "large_file": r.LargeFile, "replayed": r.Replayed}
		if len(warnings) > 0 {
			reply["warnings"] = warnings
		}
		if r.Suggest != "" {
			reply["did_you_mean"] = r.Suggest
		}
		return writeJSON(c.stdout, reply)
	}
	fmt.Fprintln(c.stdout, present.Sent(r))
	fmt.Fprintf(c.stdout, "Id: %s\n", r.ID)
	if r.LargeFile != "" {
		fmt.Fprintf(c.stdout, "Large message: full content saved to %s\n", r.LargeFile)
	}
	if r.Replayed {
		fmt.Fprintln(c.stdout, replayedNote)
	}
	return nil
}

// splitRecipient takes "bob: hello there", "bob hello there" or
// "bob:hello" apart.
func splitRecipient(words []string) (to, content string, err error) {
	if len(words) == 0 {
		return "", "", usageError("send: missing recipient: ipc send TO MESSAGE...")
	}
	first := words[0]
	rest := words[1:]
	if i := strings.IndexByte(first, ':'); i >= 0 {
		if tail := first[i+1:]; tail != "" {
			rest = append([]string{tail}, rest...)
		}
		first = first[:i]
	}
	if len(rest) == 0 {
		return "", "", usageError("send: missing message: ipc send %s MESSAGE... (or - to read stdin)", first)
	}
	return first, strings.Join(rest, " "), nil
}

// body returns content, or stdin when content is "-". When stdin is a
// terminal it says first that it waits for the message there.
func (c *cli) body(content string) (string, error) {
	if content != "-" {
		return content, nil
	}
	if isTerminal(c.stdin) {
		fmt.Fprintf(c.stderr, "ipc: reading the message from stdin; end with %s\n", endOfInput)
	}
	return readBody(c.stdin, maildir.DefaultMaxContent)
}

// readBody reads a message body of at most max bytes. It reads in pieces
// and joins them once, so that a body costs about twice its size while it
// is read (a growing buffer costs three times, plus its garbage), and it
// stops one byte past max: a longer body is refused without being held.
func readBody(r io.Reader, max int) (string, error) {
	var (
		pieces [][]byte
		total  int
	)
	for total <= max {
		p := make([]byte, min(1<<20, max+1-total))
		n, err := io.ReadFull(r, p)
		pieces, total = append(pieces, p[:n]), total+n
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			break
		}
		if err != nil {
			return "", fmt.Errorf("read stdin: %w", err)
		}
	}
	if total > max {
		return "", &maildir.Error{Op: "send", Kind: maildir.TooLarge,
			Msg: fmt.Sprintf("the message on stdin is over the %d-byte limit: share it as a file instead", max)}
	}
	var b strings.Builder
	b.Grow(total)
	for i, p := range pieces {
		b.Write(p)
		pieces[i] = nil
	}
	return b.String(), nil
}

// replayedNote follows the result of a call repeating an idempotency key.
const replayedNote = "(repeated idempotency key: this is the first call's result; nothing was sent now)"

// runBroadcast: ipc broadcast [--data JSON] [--idempotency-key KEY]
// [--subject S] [--priority P] [--json] MESSAGE...
//
// One line per recipient follows the summary. Exit status 3 (partialError)
// when some recipients got no copy; 1 when none did.
func runBroadcast(ctx context.Context, c *cli, args []string) error {
	fs, f := newPayloadFlags("broadcast", 0)
	words, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(words) == 0 {
		return usageError("broadcast: missing message: ipc broadcast MESSAGE...")
	}
	content, err := c.body(strings.Join(words, " "))
	if err != nil {
		return err
	}
	p, err := f.payload("broadcast", content)
	if err != nil {
		return err
	}
	return c.inSession(ctx, func(_ *maildir.Store, s *maildir.Session) error {
		r, err := s.BroadcastPayload(ctx, p)
		return c.reportBroadcast(r, err, *f.asJSON)
	})
}

// reportBroadcast prints the result of a broadcast and returns its error:
// a partialError when some recipients got no copy.
func (c *cli) reportBroadcast(r maildir.BroadcastResult, err error, asJSON bool) error {
	if err != nil && len(r.Outcomes) == 0 {
		return err
	}
	if asJSON {
		if werr := writeJSON(c.stdout, broadcastJSON(r, err)); werr != nil {
			return werr
		}
	} else {
		printBroadcast(c.stdout, r)
	}
	if err != nil {
		return err
	}
	if failed := r.Failed(); len(failed) > 0 {
		return partialError{reached: len(r.To), failed: failed}
	}
	return nil
}

// printBroadcast prints the summary and one line per recipient.
func printBroadcast(w io.Writer, r maildir.BroadcastResult) {
	fmt.Fprintln(w, present.Broadcast(r))
	for _, o := range r.Outcomes {
		if o.Err != nil {
			fmt.Fprintf(w, "  %s: failed: %s: %s\n", o.Agent, maildir.KindOf(o.Err), o.Err)
		} else {
			fmt.Fprintf(w, "  %s: delivered %s\n", o.Agent, o.ID)
		}
	}
	if r.LargeFile != "" {
		fmt.Fprintf(w, "Large message: full content saved to %s\n", r.LargeFile)
	}
	if r.Replayed {
		fmt.Fprintln(w, replayedNote)
	}
}

// broadcastJSON is the --json form of a broadcast's result: status ok,
// partial (some recipients failed) or error (all did).
func broadcastJSON(r maildir.BroadcastResult, err error) map[string]any {
	status := "ok"
	switch {
	case err != nil:
		status = "error"
	case len(r.Failed()) > 0:
		status = "partial"
	}
	recipients := make([]map[string]any, len(r.Outcomes))
	for i, o := range r.Outcomes {
		rec := map[string]any{"agent": o.Agent, "status": "delivered", "id": o.ID}
		if o.Err != nil {
			rec = map[string]any{"agent": o.Agent, "status": "failed", "error_code": string(maildir.KindOf(o.Err)), "error": o.Err.Error()}
		}
		recipients[i] = rec
	}
	to := r.To
	if to == nil {
		to = []string{}
	}
	return map[string]any{"status": status, "message": present.Broadcast(r), "to": to, "recipients": recipients, "large_file": r.LargeFile, "replayed": r.Replayed}
}

// partialError is a broadcast some recipients missed: exit status 3.
type partialError struct {
	reached int
	failed  []maildir.Recipient
}

func (e partialError) Error() string {
	names := make([]string, len(e.failed))
	for i, f := range e.failed {
		names[i] = f.Agent + " (" + string(maildir.KindOf(f.Err)) + ")"
	}
	return fmt.Sprintf("broadcast reached %d of %d recipients; no copy for %s: send to them once fixed, do not broadcast again",
		e.reached, e.reached+len(e.failed), strings.Join(names, ", "))
}
