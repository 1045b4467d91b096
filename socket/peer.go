package socket

import (
	"errors"
	"os"

	"github.com/ipc-dev/ipc/internal/peercred"
	"github.com/ipc-dev/ipc/maildir"
)

// Who may use the mailbox through this server. In open mode, only
// processes of the server's own OS user: the kernel tells which user is at
// the other end of every connection (internal/peercred), and any other user,
// or a peer the kernel cannot place (another host, a container, a Windows
// program reaching a server in WSL), is refused before its request is
// read. In secure mode the shared secret is the credential, whoever holds
// it. On platforms where peers are not identified, open mode serves
// whoever connects, as the original did.

// peerAccess is what the server knows of a connection's peer.
type peerAccess struct {
	uid      int
	sameUser bool  // the peer is a process of the server's own user
	refusal  error // why the connection may not use the mailbox, or nil
}

// admit identifies the peer of c and decides whether it may use the
// mailbox.
func (srv *Server) admit(c *conn) peerAccess {
	uid, err := peercred.UID(c.nc)
	me := os.Geteuid()
	switch {
	case err == nil && uid == me:
		return peerAccess{uid: uid, sameUser: true}
	case srv.st.SecureMode(), errors.Is(err, peercred.ErrUnsupported):
		return peerAccess{uid: -1}
	case peercred.OutOfResources(err):
		return peerAccess{uid: -2, refusal: doorError("", maildir.Busy,
			"server busy: out of file descriptors to tell who this connection comes from (%v); try again shortly", err)}
	case err == nil:
		return peerAccess{uid: uid, refusal: doorError("", maildir.Denied,
			"this server serves the mailbox of uid %d, and this connection comes from uid %d: in open mode only the mailbox owner's processes may use it (with IPC_SHARED_SECRET set, secure mode lets whoever has the secret in)", me, uid)}
	case errors.Is(err, peercred.ErrUnknown):
		return peerAccess{uid: -1, refusal: doorError("", maildir.Denied,
			"this connection does not come from a process of this machine's user %d (another host, a container, or a Windows program reaching WSL): in open mode only the mailbox owner's processes may use it; use secure mode (IPC_SHARED_SECRET on the server and the client)", me)}
	default:
		return peerAccess{uid: -1, refusal: doorError("", maildir.Denied,
			"cannot tell which user this connection comes from (%v): in open mode only the mailbox owner's processes may use it; use secure mode (IPC_SHARED_SECRET)", err)}
	}
}

// logRefusal logs the first refusal of each peer user (and the first of an
// unidentified peer), so that a client retrying in a loop does not flood
// the log.
func (srv *Server) logRefusal(p peerAccess) {
	srv.mu.Lock()
	seen := srv.refused[p.uid]
	if srv.refused == nil {
		srv.refused = make(map[int]bool)
	}
	srv.refused[p.uid] = true
	srv.mu.Unlock()
	if !seen {
		srv.cfg.Logf("socket: refused a connection (logged once per user): %v", p.refusal)
	}
}
