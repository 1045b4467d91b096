//go:build linux

package peercred

import (
	"errors"
	"net"
	"os"
	"testing"
)

// TestPeerUIDLookups: both ways of finding the owner of a TCP peer (the
// sock_diag netlink lookup and the /proc/net tables) name this process's
// user for a loopback connection, over IPv4 and IPv6, and find nothing for
// an address pair no socket of this machine has.
func TestPeerUIDLookups(t *testing.T) {
	for _, network := range []string{"tcp4", "tcp6"} {
		host := "127.0.0.1"
		if network == "tcp6" {
			host = "[::1]"
		}
		l, err := net.Listen(network, host+":0")
		if err != nil {
			t.Logf("%s: %v (skipped)", network, err)
			continue
		}
		defer l.Close()
		accepted := make(chan net.Conn, 1)
		go func() {
			c, _ := l.Accept()
			accepted <- c
		}()
		client, err := net.Dial(network, l.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		defer client.Close()
		server := <-accepted
		if server == nil {
			t.Fatal("accept failed")
		}
		defer server.Close()
		remote, local := server.RemoteAddr().(*net.TCPAddr), server.LocalAddr().(*net.TCPAddr)
		if uid, err := diagUID(remote, local); err != nil || uid != os.Geteuid() {
			t.Errorf("%s sock_diag: uid %d, %v; want %d", network, uid, err, os.Geteuid())
		}
		if uid, err := procUID(remote, local); err != nil || uid != os.Geteuid() {
			t.Errorf("%s /proc: uid %d, %v; want %d", network, uid, err, os.Geteuid())
		}
		if uid, err := UID(server); err != nil || uid != os.Geteuid() {
			t.Errorf("%s UID: uid %d, %v", network, uid, err)
		}
		nowhere := &net.TCPAddr{IP: remote.IP, Port: 1}
		if _, err := diagUID(nowhere, local); !errors.Is(err, ErrUnknown) {
			t.Errorf("%s sock_diag of no socket: %v, want ErrUnknown", network, err)
		}
		if _, err := procUID(nowhere, local); !errors.Is(err, ErrUnknown) {
			t.Errorf("%s /proc of no socket: %v, want ErrUnknown", network, err)
		}
	}
}
