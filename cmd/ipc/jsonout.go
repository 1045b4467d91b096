package main

import (
	"encoding/json"
	"io"
	"time"

	"github.com/ipc-dev/ipc/internal/present"
	"github.com/ipc-dev/ipc/internal/wire"
	"github.com/ipc-dev/ipc/maildir"
)

// The CLI's JSON (--json): one object per result, raw UTF-8. Messages and
// agents keep the legacy fields of the original's replies exactly (its
// scripts parse them) and add the same instants in RFC 3339 with a zone:
// the legacy times are naive local time, which reads differently in
// another zone and repeats when clocks go back.

// jsonTimeLayout is how the CLI's JSON writes an instant: RFC 3339 in UTC,
// to the microsecond as the legacy timestamps are.
const jsonTimeLayout = "2006-01-02T15:04:05.000000Z07:00"

// jsonTime writes t as RFC 3339 in UTC, or "" for the zero time.
func jsonTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(jsonTimeLayout)
}

// jsonMessage is a message in the CLI's JSON: the legacy shape, field for
// field, "time", the instant of "timestamp" in RFC 3339, and the
// conversation headers it carries (none for a message without them).
type jsonMessage struct {
	wire.LegacyMessage
	Time         string   `json:"time"`
	Subject      string   `json:"subject,omitempty"`
	InReplyTo    string   `json:"in_reply_to,omitempty"`
	References   []string `json:"references,omitempty"`
	Thread       string   `json:"thread,omitempty"` // the conversation's id, when it answers another message
	Priority     string   `json:"priority,omitempty"`
	AckRequested bool     `json:"ack_requested,omitempty"`
}

func newJSONMessage(m maildir.Message) jsonMessage {
	j := jsonMessage{LegacyMessage: present.LegacyMessage(m), Time: jsonTime(m.Time),
		Subject: m.Subject, InReplyTo: m.InReplyTo, References: m.References, AckRequested: m.AckRequested}
	if t := m.ThreadID(); t != m.ID {
		j.Thread = t
	}
	if m.Priority != maildir.PriorityNormal {
		j.Priority = string(m.Priority)
	}
	return j
}

// jsonMessages converts messages to the CLI's JSON shape.
func jsonMessages(ms []maildir.Message) []jsonMessage {
	out := make([]jsonMessage, len(ms))
	for i, m := range ms {
		out[i] = newJSONMessage(m)
	}
	return out
}

// jsonAgent is an agent in the CLI's JSON: the legacy list shape, its
// two times in RFC 3339 ("" when unknown), its unread count and what it
// says it is doing.
type jsonAgent struct {
	wire.LegacyAgent
	LastSeenTime   string `json:"last_seen_time"`
	RegisteredTime string `json:"registered_time"`
	Unread         int    `json:"unread"`
	UnreadUrgent   int    `json:"unread_urgent"`        // how many of them are urgent
	Doing          string `json:"doing,omitempty"`      // what it says it is doing (ipc doing)
	DoingTime      string `json:"doing_time,omitempty"` // when it said so
}

func newJSONAgent(a maildir.Agent) jsonAgent {
	return jsonAgent{LegacyAgent: present.LegacyAgent(a), LastSeenTime: jsonTime(a.LastSeen), RegisteredTime: jsonTime(a.Registered),
		Unread: a.Unread, UnreadUrgent: a.Urgent, Doing: a.Doing, DoingTime: jsonTime(a.DoingAt)}
}

// writeJSON writes v as one line of JSON, without HTML escaping.
func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	return enc.Encode(v)
}
