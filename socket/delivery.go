package socket

import (
	"github.com/ipc-dev/ipc/internal/present"
	"github.com/ipc-dev/ipc/internal/wire"
	"github.com/ipc-dev/ipc/maildir"
)

// messageStatus says what became of "message_id", a message the session
// sent or received: "delivery" holds the state, the doors that showed it
// and when; "message" the same in a line. The action's name is not one of
// the original's, so legacy clients and this door agree on every name.
func (c *call) messageStatus() (wire.Reply, error) {
	id, err := c.req.need(c.action, "message_id")
	if err != nil {
		return wire.Reply{}, err
	}
	d, err := c.s().Status(c.ctx, id)
	if err != nil {
		return wire.Reply{}, err
	}
	rep := ok(present.Delivery(d))
	wd := wireDelivery(d)
	rep.Delivery = &wd
	return rep, nil
}

// wireDelivery is d in the wire's shape, field for field.
func wireDelivery(d maildir.Delivery) wire.Delivery {
	wd := wire.Delivery{ID: d.ID, State: string(d.State), From: d.From, To: d.To, Requested: d.Requested, SentAt: d.SentAt,
		ReadAt: d.ReadAt, ReadBy: string(d.ReadBy), AckedAt: d.AckedAt, EndedAt: d.EndedAt, Reason: d.Reason}
	for _, sf := range d.Surfaced {
		wd.Surfaced = append(wd.Surfaced, wire.Surfacing{Door: string(sf.Door), At: sf.At, Read: sf.Read})
	}
	return wd
}
