package socket

// messageStatus says what became of "message_id", a message the session
// sent or received: "delivery" holds the state, the doors that showed it
// and when; "message" the same in a line. The action's name is not one of
// the original's, so legacy clients and this door agree on every name.
func (c *call) messageStatus() (Reply, error) {
	id, err := c.req.need(c.action, "message_id")
	if err != nil {
		return Reply{}, err
	}
	d, err := c.s().Status(c.ctx, id)
	if err != nil {
		return Reply{}, err
	}
	rep := ok(d.Summary())
	rep.Delivery = &d
	return rep, nil
}
