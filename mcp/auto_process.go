package mcp

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/ipc-dev/ipc/internal/present"
	"github.com/ipc-dev/ipc/maildir"
)

// autoProcessArgs are the arguments of auto_process.
type autoProcessArgs struct {
	InstanceID   string `json:"instance_id"`
	SendReceipts bool   `json:"send_receipts,omitempty" jsonschema:"Tell each sender it was received."`
}

func (s *Server) autoProcessTool(ctx context.Context, a autoProcessArgs) (string, error) {
	sess, err := s.actingAs("auto_process", "instance_id", a.InstanceID)
	if err != nil {
		return "", err
	}
	var marks map[string]string // receipt marks by message id, once sent
	now := time.Now()
	render := func(sh maildir.Shown) string {
		if len(sh.Items) == 0 {
			return "No messages to process." + present.Warnings(sh.Warnings)
		}
		var b strings.Builder
		fmt.Fprintf(&b, "Auto-processed %d message(s):\n", len(sh.Items))
		for i, it := range sh.Items {
			fmt.Fprintf(&b, "%d. From %s: %s", i+1, present.Field(it.From), oneLine(it.Content, 50))
			switch {
			case marks == nil && a.SendReceipts:
				b.WriteString(worstMark) // measuring, before the receipts are sent
			default:
				b.WriteString(marks[it.ID])
			}
			b.WriteString("\n")
		}
		b.WriteString("\n")
		b.WriteString(present.Messages(sh, now))
		return b.String()
	}
	out, err := s.checkWithin(ctx, sess, render)
	if err != nil || len(out.Items) == 0 {
		return out.Text, err
	}
	marks = map[string]string{}
	for _, it := range out.Items {
		if a.SendReceipts && wantsReceipt(it.Message, sess.ID()) {
			if err := sendReceipt(ctx, sess, it.Message); err != nil {
				marks[it.ID] = fmt.Sprintf(" [receipt failed: %s]", maildir.KindOf(err))
			} else {
				marks[it.ID] = " [Acknowledged]"
			}
		}
	}
	return render(out.Shown), nil // marks measure at most worstMark: still within the budget
}

// worstMark is as long as the longest receipt mark of auto_process.
var worstMark = " [receipt failed: " + strings.Repeat("x", 32) + "]"

// wantsReceipt reports whether m should be acknowledged: it comes from
// another agent and is not itself a receipt (two auto-processing agents
// must not acknowledge each other's acknowledgements forever).
func wantsReceipt(m maildir.Message, me string) bool {
	if m.From == me || m.From == maildir.SystemID || m.Kind == maildir.KindSystem || !maildir.ValidID(m.From) {
		return false
	}
	var d struct {
		AutoProcessed bool `json:"auto_processed"`
	}
	_ = json.Unmarshal(m.Data, &d)
	return !d.AutoProcessed
}

func sendReceipt(ctx context.Context, sess *maildir.Session, m maildir.Message) error {
	content := fmt.Sprintf("Auto-processed your message from %s. Content received: '%s'",
		m.Time.Local().Format("2006-01-02T15:04:05"), oneLine(m.Content, 30))
	data, _ := json.Marshal(map[string]any{"auto_processed": true, "receipt_for": m.ID})
	_, err := sess.Send(ctx, m.From, content, data)
	return err
}
