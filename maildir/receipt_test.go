package maildir

import (
	"context"
	"encoding/json"
	"testing"
)

// TestSendReceipt: a message from another agent gets one receipt, marked
// so that it gets none in turn; a message from oneself, from system or
// that is itself a receipt gets none.
func TestSendReceipt(t *testing.T) {
	ctx := context.Background()
	st := mustOpen(t, Options{})
	alice, bob := mustLogin(t, st, "alice"), mustLogin(t, st, "bob")
	mustSend(t, alice, "bob", "please read this")
	mustSend(t, bob, "bob", "note to self")
	if _, err := alice.Send(ctx, "bob", "a receipt", json.RawMessage(`{"auto_processed": true}`)); err != nil {
		t.Fatal(err)
	}
	var sent []bool
	var first Message
	for i, m := range mustCheck(t, bob) {
		ok, err := bob.SendReceipt(ctx, m)
		if err != nil {
			t.Fatal(err)
		}
		if i == 0 {
			first = m
		}
		sent = append(sent, ok)
	}
	if len(sent) != 3 || !sent[0] || sent[1] || sent[2] {
		t.Fatalf("receipts sent: %v", sent)
	}
	got := mustCheck(t, alice)
	if len(got) != 1 || got[0].From != "bob" || got[0].Content != "Auto-processed your message from "+first.Time.Local().Format("2006-01-02T15:04:05")+". Content received: 'please read this'" {
		t.Fatalf("alice got %+v", got)
	}
	var d map[string]any
	if err := json.Unmarshal(got[0].Data, &d); err != nil || d["auto_processed"] != true || d["receipt_for"] != first.ID {
		t.Fatalf("receipt data %s", got[0].Data)
	}
	// The receipt itself is owed none: no loop.
	if ok, err := alice.SendReceipt(ctx, got[0]); ok || err != nil {
		t.Fatalf("receipt of a receipt: %v, %v", ok, err)
	}
	if ok, _ := bob.SendReceipt(ctx, Message{From: SystemID, Content: "renamed"}); ok {
		t.Fatal("a notice from system got a receipt")
	}
}
