package socket

import (
	"github.com/ipc-dev/ipc/internal/wire"
)

// doing records what the session says it is doing: "text", one line
// ("" or absent clears it), shown beside its name in ipc list and the
// console. Not an action of the original.
func (c *call) doing() (wire.Reply, error) {
	text, _, err := c.req.str(c.action, "text")
	if err != nil {
		return wire.Reply{}, err
	}
	if err := c.s().SetDoing(c.ctx, text); err != nil {
		return wire.Reply{}, err
	}
	if text == "" {
		return ok(c.s().ID() + " says nothing about what it is doing"), nil
	}
	return ok(c.s().ID() + " is doing: " + text), nil
}
