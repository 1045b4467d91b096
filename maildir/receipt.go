package maildir

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/ipc-dev/ipc/internal/text"
)

// Receipts: an agent that processes its mail unattended may tell each
// sender that its message arrived. A receipt is a message like any other,
// marked in its data ({"auto_processed": true, "receipt_for": <id>}) so
// that it is never acknowledged in turn: two agents acknowledging each
// other's mail must not trade receipts forever.

// SendReceipt tells the sender of m, a message s checked, that it was
// received, when m is owed a receipt: it comes from another agent (not
// from s itself, nor from SystemID, nor a system notice) and is not itself
// a receipt. It reports whether a receipt was sent. Errors: as Send.
func (s *Session) SendReceipt(ctx context.Context, m Message) (bool, error) {
	if !wantsReceipt(m, s.ID()) {
		return false, nil
	}
	content := fmt.Sprintf("Auto-processed your message from %s. Content received: '%s'",
		m.Time.Local().Format("2006-01-02T15:04:05"), text.OneLine(m.Content, 30))
	data, _ := json.Marshal(receipt{AutoProcessed: true, ReceiptFor: m.ID}) // cannot fail
	if _, err := s.Send(ctx, m.From, content, data); err != nil {
		return false, err
	}
	return true, nil
}

// receipt is the data of a receipt.
type receipt struct {
	AutoProcessed bool   `json:"auto_processed"`
	ReceiptFor    string `json:"receipt_for"`
}

// wantsReceipt reports whether m, checked by me, is owed a receipt.
func wantsReceipt(m Message, me string) bool {
	if m.From == me || m.From == SystemID || m.Kind == KindSystem || !ValidID(m.From) {
		return false
	}
	var d receipt
	_ = json.Unmarshal(m.Data, &d) // data that is no object asks for a receipt like none
	return !d.AutoProcessed
}
