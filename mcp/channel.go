package mcp

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/ipc-dev/ipc/internal/present"
	"github.com/ipc-dev/ipc/maildir"
)

// Claude Code channels: a server that declares the experimental
// "claude/channel" capability may send notifications/claude/channel with a
// string content and string meta attributes; Claude Code shows it to the
// model as a <channel> event, even between turns. The server instructions
// say what the event means and which tool to call.

// channelMethod is the notification Claude Code turns into a <channel>
// event; channelCapability the experimental capability that declares it.
const (
	channelMethod     = "notifications/claude/channel"
	channelCapability = "claude/channel"
)

// channelInstructions describe the events, to a client that shows them.
const channelInstructions = `New mail also arrives as a <channel source="..." from="bob" message_id="..." kind="direct"> event: a preview, still unread. Call check to read it whole and mark it read; reply with send to its from. kind="broadcast" went to every agent; kind="system" is from the mailbox.`

// channelBatch is the most new messages announced one by one; more arriving
// together are announced in one summary.
const channelBatch = 3

// previewLen is the most characters of content a notification carries
// whole; a longer message is announced with its summary.
const previewLen = 1000

// announce is the server's channel goroutine: while the server acts as an
// identity and its client shows channel events, it waits for mail not announced
// yet (woken by the watcher) and announces it. Announcing never marks mail
// read. Each wake-up costs one listing of the mailbox plus the messages
// that are new: mail already announced is never read again, so the cost of
// an arrival does not grow with the backlog. It returns when the server
// closes.
func (s *Server) announce() {
	defer s.wg.Done()
	select {
	case <-s.ready:
	case <-s.ctx.Done():
		return
	}
	if !s.channelsOn() {
		return // the client does not show them
	}
	announced := map[string]bool{}
	for {
		sess, idCtx := s.identity()
		if s.ctx.Err() != nil {
			return
		}
		if sess == nil {
			<-idCtx.Done() // until register, or until the server closes
			continue
		}
		err := sess.WaitNew(idCtx, announced)
		if idCtx.Err() != nil {
			continue // a new identity, a rename, or the end
		}
		if err != nil {
			s.cfg.Logf("ipc mcp: channel: %v", err)
			pause(idCtx, 5*time.Second) // a closed session or a disk error: retry later
			continue
		}
		a, err := sess.Arrivals(idCtx, announced, channelBatch)
		if err != nil {
			continue
		}
		s.notifyNew(a)
		announced = make(map[string]bool, len(a.IDs))
		for _, id := range a.IDs {
			announced[id] = true
		}
	}
}

// notifyNew sends a channel notification for each new message of a, or
// one summary when more than channelBatch arrived together.
func (s *Server) notifyNew(a maildir.Arrivals) {
	if a.New == 0 {
		return
	}
	if a.Messages == nil {
		u := maildir.Unread{Count: a.New, From: a.From, Partial: a.New > maildir.UnreadSenders}
		s.mcp.SendNotificationToAllClients(channelMethod, map[string]any{
			"content": fmt.Sprintf("📬 %d new messages from %s. Call check to read them.", a.New, senderList(u, 5)),
			"meta":    map[string]string{"from": strings.Join(a.From, ","), "count": strconv.Itoa(a.New), "unread": strconv.Itoa(a.Unread)},
		})
		return
	}
	for _, m := range a.Messages {
		maildir.RecordShown(m, maildir.DoorChannel) // first: a client told is a status that says so
		s.mcp.SendNotificationToAllClients(channelMethod, channelParams(m, a.Unread))
	}
}

// channelParams is the notification for one message: the message framed
// as in a check result (whole up to previewLen characters, else its
// summary), and who sent it when as attributes.
func channelParams(m maildir.Message, unread int) map[string]any {
	kind := m.Kind
	if kind == "" {
		kind = "direct"
	}
	return map[string]any{
		"content": present.Channel(m, previewLen, time.Now()),
		"meta": map[string]string{
			"from":       present.Field(m.From),
			"to":         present.Field(m.To),
			"kind":       present.Field(kind),
			"message_id": present.Field(m.ID),
			"sent_at":    present.Stamp(m.Time),
			"unread":     strconv.Itoa(unread),
		},
	}
}

// pause waits d or until ctx ends.
func pause(ctx context.Context, d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-t.C:
	}
}
