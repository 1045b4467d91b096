//go:build !linux

package socket

import "net"

// peerUID: this platform's peers are not identified. The Unix socket is
// still private to the user by its file modes (0600 in a 0700 directory);
// TCP in open mode is reachable by every local user (see README,
// Security).
func peerUID(net.Conn) (int, error) { return 0, errPeerUnsupported }

func outOfResources(error) bool { return false }
