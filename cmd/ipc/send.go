package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/ipc-dev/ipc/maildir"
)

// runSend: ipc send [--data JSON] TO MESSAGE...
//
// The original's loose forms work: no quotes needed, and a colon after the
// recipient is optional ("ipc send bob: need help"). MESSAGE "-" reads the
// body from stdin.
func runSend(ctx context.Context, c *cli, args []string) error {
	fs := flags("send")
	data := fs.String("data", "", "structured data (JSON, usually an object)")
	asJSON := fs.Bool("json", false, "print the result as JSON")
	if err := fs.Parse(args); err != nil {
		return flagError(fs, err)
	}
	to, content, err := splitRecipient(fs.Args())
	if err != nil {
		return err
	}
	if content, err = c.body(content); err != nil {
		return err
	}
	st, s, err := c.session(ctx)
	if err != nil {
		return err
	}
	defer st.Close()
	r, err := s.Send(ctx, to, content, json.RawMessage(*data))
	if err != nil {
		return err
	}
	if *asJSON {
		return writeJSON(c.stdout, map[string]any{"status": "ok", "message": r.Summary(), "id": r.ID, "to": r.To, "large_file": r.LargeFile})
	}
	fmt.Fprintln(c.stdout, r.Summary())
	if r.LargeFile != "" {
		fmt.Fprintf(c.stdout, "Large message: full content saved to %s\n", r.LargeFile)
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

// body returns content, or stdin when content is "-".
func (c *cli) body(content string) (string, error) {
	if content != "-" {
		return content, nil
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

// runBroadcast: ipc broadcast [--data JSON] MESSAGE...
func runBroadcast(ctx context.Context, c *cli, args []string) error {
	fs := flags("broadcast")
	data := fs.String("data", "", "structured data (JSON, usually an object)")
	if err := fs.Parse(args); err != nil {
		return flagError(fs, err)
	}
	if fs.NArg() == 0 {
		return usageError("broadcast: missing message: ipc broadcast MESSAGE...")
	}
	content, err := c.body(strings.Join(fs.Args(), " "))
	if err != nil {
		return err
	}
	st, s, err := c.session(ctx)
	if err != nil {
		return err
	}
	defer st.Close()
	r, err := s.Broadcast(ctx, content, json.RawMessage(*data))
	if err != nil {
		return err
	}
	fmt.Fprintln(c.stdout, r.Summary())
	if len(r.To) > 0 {
		fmt.Fprintf(c.stdout, "To: %s\n", strings.Join(r.To, ", "))
	}
	return nil
}

func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	return enc.Encode(v)
}

// maildirMessages converts messages to the legacy check-reply shape.
func legacyMessages(ms []maildir.Message) []maildir.LegacyMessage {
	out := make([]maildir.LegacyMessage, len(ms))
	for i, m := range ms {
		out[i] = m.Legacy()
	}
	return out
}
