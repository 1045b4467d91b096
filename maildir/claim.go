package maildir

import (
	"fmt"

	"github.com/ipc-dev/ipc/internal/text"
)

// Claim checks a request's claim to act as claimed, the value of its field
// field (from_id, instance_id, old_id): a session acts only as itself.
//
// mayOmit is the one part the doors' wire contracts set apart: the
// original socket protocol lets a client leave out from_id and
// instance_id (the session token says who it is), so the socket door
// passes true and an empty claim passes; MCP's tool schemas require the
// field, so the MCP door passes false and an empty claim is refused like
// any other that is not the session's.
//
// Errors: InvalidID when claimed is no valid instance id (it names no
// identity at all), NotOwner when it names another identity, each with
// its sentence. The socket door words both as the original protocol's
// clients have always read them, with kind NotOwner (its tests pin that a
// spoofed from_id is not_owner whatever its form).
func (s *Session) Claim(op Op, field, claimed string, mayOmit bool) error {
	me := s.ID()
	switch {
	case claimed == me || mayOmit && claimed == "":
		return nil
	case !ValidID(claimed):
		return &Error{Op: op, Kind: InvalidID, Agent: claimed,
			Msg: fmt.Sprintf("invalid %s %q: it must be your own instance id, %q", field, text.Cut(claimed, 40), me)}
	}
	return &Error{Op: op, Kind: NotOwner, Agent: claimed,
		Msg: fmt.Sprintf("%s %q names another identity: this session acts only as %q, so pass %s %q", field, claimed, me, field, me)}
}
