package maildir

import (
	"fmt"
	"github.com/ipc-dev/ipc/internal/text"
)

// MaxIDLen is the longest instance id accepted.
const MaxIDLen = 32

// SystemID is the sender of notices the mailbox itself writes (rename
// notices). It cannot be registered.
const SystemID = "system"

// ValidID reports whether id is a valid instance id: 1 to 32 characters
// from [A-Za-z0-9_-], nothing else (no trailing newline, dots or slashes).
func ValidID(id string) bool {
	if len(id) == 0 || len(id) > MaxIDLen {
		return false
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9', c == '_', c == '-':
		default:
			return false
		}
	}
	return true
}

// checkID returns an Invalid error naming what is wrong with id.
func checkID(op Op, role, id string) error {
	if ValidID(id) {
		return nil
	}
	return &Error{Op: op, Kind: InvalidID, Agent: id,
		Msg: fmt.Sprintf("invalid %s %q: use 1-32 characters from A-Z, a-z, 0-9, '-' and '_'", role, text.Cut(id, 40))}
}
