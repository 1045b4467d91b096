package wire

import (
	"encoding/json"
	"time"
)

// Protocol versions. Version 1 is the original one-request-per-connection
// protocol; version 2 is the persistent fast path opened by "hello".
const (
	LegacyVersion = 1
	Version       = 2
)

// Reply is a frame written by the server: a reply to a request, or, on the
// fast path, an event (Event set, no Status). Its JSON field order is
// fixed; zero fields are left out. See package socket's documentation for
// which fields each action returns.
type Reply struct {
	ID           json.RawMessage  `json:"id,omitempty"`
	Event        string           `json:"event,omitempty"`
	Status       string           `json:"status,omitempty"`
	Message      string           `json:"message,omitempty"`
	SessionToken string           `json:"session_token,omitempty"`
	InstanceID   string           `json:"instance_id,omitempty"`
	Messages     []LegacyMessage  `json:"messages,omitzero"`
	Instances    []LegacyAgent    `json:"instances,omitzero"`
	Remaining    *int             `json:"remaining,omitempty"`
	Recipients   []RecipientReply `json:"recipients,omitzero"`  // broadcast: per recipient
	Replayed     bool             `json:"replayed,omitempty"`   // a repeated idempotency_key: nothing was sent now
	MessageID    string           `json:"message_id,omitempty"` // send: the id of the message
	Delivery     *Delivery        `json:"delivery,omitempty"`   // message_status: what became of it
	Deliveries   []Delivery       `json:"deliveries,omitzero"`  // sent: the outbox, newest first
	Next         string           `json:"next,omitempty"`       // sent, thread, search: the cursor of the next page ("after")
	ErrorCode    string           `json:"error_code,omitempty"`
	Recoverable  *bool            `json:"recoverable,omitempty"`
	Version      int              `json:"version,omitempty"`
	Server       string           `json:"server,omitempty"`
	MaxFrame     int              `json:"max_frame,omitempty"`
	Warnings     []string         `json:"warnings,omitempty"` // fast-path check: entries moved aside, a check stopped part-way
	Mailbox      *Identity        `json:"mailbox,omitempty"`  // hello: the mailbox served
}

// Status values.
const (
	StatusOK    = "ok"
	StatusError = "error"
)

// Events pushed on the fast path.
const (
	EventMail    = "mail"               // new messages for the subscribed identity
	EventEnded   = "subscription_ended" // the subscription stopped; the connection stays open
	EventClosing = "closing"            // the server closes the connection after this event
)

// RecipientReply is the outcome of one copy of a broadcast.
type RecipientReply struct {
	ID        string `json:"id"`                   // the recipient's instance id
	Status    string `json:"status"`               // ok or error
	MessageID string `json:"message_id,omitempty"` // its copy
	ErrorCode string `json:"error_code,omitempty"` // why it got none
	Message   string `json:"message,omitempty"`
}

// Delivery is what became of one message, as message_status and sent return it:
// the core's delivery record, field for field.
type Delivery struct {
	ID        string      `json:"id"`
	State     string      `json:"state"`
	From      string      `json:"from"`
	To        string      `json:"to"`                  // the mailbox holding it (after forwarding)
	Requested string      `json:"requested,omitempty"` // the address the sender used
	SentAt    time.Time   `json:"sent_at,omitzero"`
	Surfaced  []Surfacing `json:"surfaced,omitempty"` // every door that showed it, oldest first
	ReadAt    time.Time   `json:"read_at,omitzero"`
	ReadBy    string      `json:"read_by,omitempty"`
	AckedAt   time.Time   `json:"acknowledged_at,omitzero"`
	EndedAt   time.Time   `json:"ended_at,omitzero"` // expired or bounced
	Reason    string      `json:"reason,omitempty"`  // why it bounced, expired or is unknown
}

// Surfacing is one door showing a message.
type Surfacing struct {
	Door string    `json:"door"`
	At   time.Time `json:"at"`
	Read bool      `json:"read"` // the door claimed it: it counts as read
}

// Encode renders a frame as one line of JSON: no HTML escaping, raw UTF-8,
// and a final newline (JSON whitespace, so legacy readers ignore it).
func Encode(v any) ([]byte, error) {
	var b jsonBuffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return b, nil
}

// jsonBuffer is a minimal io.Writer over a byte slice.
type jsonBuffer []byte

func (b *jsonBuffer) Write(p []byte) (int, error) {
	*b = append(*b, p...)
	return len(p), nil
}
