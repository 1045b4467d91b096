package mcp

import (
	"context"
	"fmt"
	"strings"

	"github.com/ipc-dev/ipc/internal/present"
	"github.com/ipc-dev/ipc/maildir"
)

// sendArgs are the arguments of send.
type sendArgs struct {
	addressed
	payloadArgs
	ReplyTo string `json:"reply_to,omitempty"`
	Ack     bool   `json:"ack,omitempty" jsonschema:"Ask for an ack"`
}

// addressed are the arguments of the tools that send to one agent: the
// sender (this server's identity) and the recipient.
type addressed struct {
	FromID string `json:"from_id"`
	ToID   string `json:"to_id"`
}

// payloadArgs are the arguments of the message send and broadcast carry.
type payloadArgs struct {
	Content        string     `json:"content"`
	Data           jsonObject `json:"data,omitempty" jsonschema:"JSON sent along."`
	IdempotencyKey string     `json:"idempotency_key,omitempty" jsonschema:"Same key within 2 min: sent once."`
	Subject        string     `json:"subject,omitempty"`
	Priority       string     `json:"priority,omitempty"` // high or urgent (the error names them)
}

// payload is the message the arguments describe. Errors: BadRequest (the
// priority).
func (a payloadArgs) payload(op maildir.Op) (maildir.Payload, error) {
	prio, err := maildir.ParsePriority(op, a.Priority)
	return maildir.Payload{Content: a.Content, Data: a.Data.raw, Key: a.IdempotencyKey, Subject: a.Subject, Priority: prio}, err
}

func (s *Server) sendTool(ctx context.Context, a sendArgs) (string, error) {
	sess, err := s.actingAs("send", "from_id", a.FromID)
	if err != nil {
		return "", err
	}
	p, err := a.payload(maildir.OpSend)
	if err != nil {
		return "", err
	}
	p.ReplyTo, p.Ack = a.ReplyTo, a.Ack
	res, err := sess.SendPayload(ctx, a.ToID, p)
	if err != nil {
		return "", err
	}
	return present.Sent(res) + " (id " + res.ID + ")" + largeNote(res.To, res.LargeFile) + replayedNote(res.Replayed) + warningNote(res), nil
}

// warningNote names what was probably a mistake in a send (a name one
// typo from a registered one, mail to oneself).
func warningNote(res maildir.SendResult) string {
	var b strings.Builder
	for _, w := range present.SentWarnings(res) {
		b.WriteString("\nNote: " + w)
	}
	return b.String()
}

// replayedNote marks the result of a call repeating an idempotency key.
func replayedNote(replayed bool) string {
	if !replayed {
		return ""
	}
	return "\n(Same idempotency_key as an earlier call: this is its result; nothing was sent now.)"
}

// largeNote explains a message that was stored as a large-message file.
func largeNote(to, file string) string {
	if file == "" {
		return ""
	}
	return fmt.Sprintf("\nThe content is over 10,240 bytes: %s gets a short summary and the full text in %s.", to, file)
}
