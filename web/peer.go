package web

import (
	"context"
	"net"
	"net/http"
	"os"
	"strconv"

	"github.com/ipc-dev/ipc/internal/peercred"
)

// Another OS user of the machine never uses the console, whatever it
// knows: the kernel tells which user is at the other end of a loopback
// TCP connection (internal/peercred), looked up once when the connection
// is accepted, and a connection of another user gets 403 and no data on
// every request, before the token is looked at. A peer the kernel cannot
// place (another network namespace, another host with --listen-any, a
// platform where peers are not identified) is left to the token.

// peerKey is the context key of a connection's peer.
type peerKey struct{}

// peer is what the console knows of a connection's other end.
type peer struct {
	uid   int
	known bool // the kernel told uid
}

// connContext is the server's ConnContext: it looks the peer's user up
// once per connection.
func connContext(ctx context.Context, c net.Conn) context.Context {
	uid, err := peercred.UID(c)
	return context.WithValue(ctx, peerKey{}, peer{uid: uid, known: err == nil})
}

// otherUser reports whether r comes over a connection of another OS user
// than this process's, and that user.
func otherUser(r *http.Request) (int, bool) {
	p, ok := r.Context().Value(peerKey{}).(peer)
	if !ok || !p.known {
		return 0, false
	}
	return p.uid, p.uid != os.Geteuid()
}

// refuseOtherUser answers a request of another user: 403, no data, and
// the connection closed.
func refuseOtherUser(w http.ResponseWriter, uid int) {
	w.Header().Set("Connection", "close")
	refuse(w, http.StatusForbidden, "forbidden", "this console serves the mailbox of uid "+strconv.Itoa(os.Geteuid())+", and this connection comes from uid "+strconv.Itoa(uid)+": another user of the machine never uses it")
}
