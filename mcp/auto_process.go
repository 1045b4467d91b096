package mcp

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/ipc-dev/ipc/internal/present"
	"github.com/ipc-dev/ipc/internal/text"
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
			fmt.Fprintf(&b, "%d. From %s: %s", i+1, present.Field(it.From), text.OneLine(it.Content, 50))
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
		if !a.SendReceipts {
			continue
		}
		switch sent, err := sess.SendReceipt(ctx, it.Message); {
		case err != nil:
			marks[it.ID] = fmt.Sprintf(" [receipt failed: %s]", maildir.KindOf(err))
		case sent:
			marks[it.ID] = " [Acknowledged]"
		}
	}
	return render(out.Shown), nil // marks measure at most worstMark: still within the budget
}

// worstMark is as long as the longest receipt mark of auto_process.
var worstMark = " [receipt failed: " + strings.Repeat("x", 32) + "]"
