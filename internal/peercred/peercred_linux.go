//go:build linux

package peercred

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"net"
	"os"
	"strconv"
	"strings"
	"syscall"

	"golang.org/x/sys/unix"
)

// UID returns the uid of the process at the other end of nc. A Unix
// socket carries it (SO_PEERCRED). For TCP, the kernel knows who owns the
// other end of a connection between two sockets of this machine: the
// client's socket is looked up by its exact address pair through the
// sock_diag netlink interface (one request, answered from the kernel's
// hash table, whatever the number of sockets), or, where that interface
// is missing, in /proc/net/tcp{,6}. A peer on another host, in another
// network namespace or behind a relay (a Windows program reaching WSL)
// has no socket here: ErrUnknown.
func UID(nc net.Conn) (int, error) {
	switch c := nc.(type) {
	case *net.UnixConn:
		return unixPeerUID(c)
	case *net.TCPConn:
		local, lok := c.LocalAddr().(*net.TCPAddr)
		remote, rok := c.RemoteAddr().(*net.TCPAddr)
		if !lok || !rok {
			return 0, ErrUnknown
		}
		uid, err := diagUID(remote, local)
		if errors.Is(err, errDiagUnavailable) {
			uid, err = procUID(remote, local)
		}
		return uid, err
	}
	return 0, ErrUnsupported
}

func unixPeerUID(c *net.UnixConn) (int, error) {
	raw, err := c.SyscallConn()
	if err != nil {
		return 0, err
	}
	var cred *unix.Ucred
	var credErr error
	if err := raw.Control(func(fd uintptr) {
		cred, credErr = unix.GetsockoptUcred(int(fd), unix.SOL_SOCKET, unix.SO_PEERCRED)
	}); err != nil {
		return 0, err
	}
	if credErr != nil {
		return 0, fmt.Errorf("SO_PEERCRED: %w", credErr)
	}
	return int(cred.Uid), nil
}

// errDiagUnavailable: the kernel has no sock_diag for TCP (a module not
// loaded, a sandbox); /proc is read instead.
var errDiagUnavailable = errors.New("sock_diag unavailable")

// sock_diag constants and layout (linux/inet_diag.h).
const (
	sizeofInetDiagReqV2 = 56
	tcpTimeWait         = 6
	diagUIDOffset       = 4 + 48 + 12 // family..retrans, sockid, expires/rqueue/wqueue
)

// diagUID asks the kernel for the owner of the socket whose local address
// is src and whose remote address is dst. An IPv4 peer may own an IPv6
// socket (a v4-mapped address): both families are tried.
func diagUID(src, dst *net.TCPAddr) (int, error) {
	fd, err := unix.Socket(unix.AF_NETLINK, unix.SOCK_DGRAM|unix.SOCK_CLOEXEC, unix.NETLINK_SOCK_DIAG)
	if err != nil {
		if OutOfResources(err) {
			return 0, fmt.Errorf("sock_diag: %w", err)
		}
		return 0, fmt.Errorf("%w: %v", errDiagUnavailable, err)
	}
	defer unix.Close(fd)
	tv := unix.Timeval{Sec: 1}
	if err := unix.SetsockoptTimeval(fd, unix.SOL_SOCKET, unix.SO_RCVTIMEO, &tv); err != nil {
		return 0, err
	}
	families := []int{unix.AF_INET6}
	if src.IP.To4() != nil && dst.IP.To4() != nil {
		families = []int{unix.AF_INET, unix.AF_INET6}
	}
	err = ErrUnknown
	for _, fam := range families {
		var uid int
		if uid, err = diagLookup(fd, fam, src, dst); err == nil || !errors.Is(err, ErrUnknown) {
			return uid, err
		}
	}
	return 0, err
}

func diagLookup(fd, family int, src, dst *net.TCPAddr) (int, error) {
	req := make([]byte, unix.SizeofNlMsghdr+sizeofInetDiagReqV2)
	ne := binary.NativeEndian
	ne.PutUint32(req[0:], uint32(len(req)))
	ne.PutUint16(req[4:], unix.SOCK_DIAG_BY_FAMILY)
	ne.PutUint16(req[6:], unix.NLM_F_REQUEST)
	ne.PutUint32(req[8:], 1) // sequence
	r := req[unix.SizeofNlMsghdr:]
	r[0] = byte(family)
	r[1] = unix.IPPROTO_TCP
	ne.PutUint32(r[4:], ^uint32(0)) // every state
	id := r[8:]
	binary.BigEndian.PutUint16(id[0:], uint16(src.Port))
	binary.BigEndian.PutUint16(id[2:], uint16(dst.Port))
	putDiagAddr(id[4:20], family, src.IP)
	putDiagAddr(id[20:36], family, dst.IP)
	ne.PutUint32(id[40:], ^uint32(0)) // no cookie
	ne.PutUint32(id[44:], ^uint32(0))
	if err := unix.Sendto(fd, req, 0, &unix.SockaddrNetlink{Family: unix.AF_NETLINK}); err != nil {
		return 0, fmt.Errorf("%w: %v", errDiagUnavailable, err)
	}
	buf := make([]byte, 8192)
	n, _, err := unix.Recvfrom(fd, buf, 0)
	if err != nil {
		return 0, fmt.Errorf("sock_diag: %w", err)
	}
	msgs, err := syscall.ParseNetlinkMessage(buf[:n])
	if err != nil || len(msgs) == 0 {
		return 0, fmt.Errorf("sock_diag: unreadable answer: %v", err)
	}
	m := msgs[0]
	switch m.Header.Type {
	case unix.NLMSG_ERROR:
		if len(m.Data) < 4 {
			return 0, errors.New("sock_diag: short error")
		}
		switch errno := unix.Errno(-int32(ne.Uint32(m.Data))); errno {
		case unix.ENOENT:
			return 0, ErrUnknown
		case unix.EINVAL, unix.EOPNOTSUPP, unix.EPROTONOSUPPORT, unix.ENOSYS:
			return 0, fmt.Errorf("%w: %v", errDiagUnavailable, errno)
		default:
			return 0, fmt.Errorf("sock_diag: %w", errno)
		}
	case unix.SOCK_DIAG_BY_FAMILY:
		if len(m.Data) < diagUIDOffset+4 {
			return 0, errors.New("sock_diag: short answer")
		}
		if m.Data[1] == tcpTimeWait {
			return 0, ErrUnknown // the client is gone
		}
		return int(ne.Uint32(m.Data[diagUIDOffset:])), nil
	}
	return 0, fmt.Errorf("sock_diag: unexpected message type %d", m.Header.Type)
}

// putDiagAddr writes ip as the kernel's be32[4] address of family.
func putDiagAddr(b []byte, family int, ip net.IP) {
	if family == unix.AF_INET {
		copy(b, ip.To4())
		return
	}
	copy(b, ip.To16())
}

// procUID finds the owner of the socket local=src remote=dst in
// /proc/net/tcp and /proc/net/tcp6 (the uid column). It reads at most the
// whole table, once per family, and stops at the first match.
func procUID(src, dst *net.TCPAddr) (int, error) {
	type table struct {
		path     string
		src, dst net.IP
	}
	tables := []table{{"/proc/net/tcp6", src.IP.To16(), dst.IP.To16()}}
	if src.IP.To4() != nil && dst.IP.To4() != nil {
		tables = append([]table{{"/proc/net/tcp", src.IP.To4(), dst.IP.To4()}}, tables...)
	}
	var firstErr error
	for _, tb := range tables {
		uid, err := procLookup(tb.path, procAddr(tb.src, src.Port), procAddr(tb.dst, dst.Port))
		if err == nil {
			return uid, nil
		}
		if !errors.Is(err, ErrUnknown) && firstErr == nil {
			firstErr = err
		}
	}
	if firstErr != nil {
		return 0, firstErr
	}
	return 0, ErrUnknown
}

func procLookup(path, local, remote string) (int, error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		// sl local_address rem_address st tx_queue:rx_queue tr:tm->when retrnsmt uid ...
		fields := strings.Fields(sc.Text())
		if len(fields) < 8 || fields[1] != local || fields[2] != remote {
			continue
		}
		if st, _ := strconv.ParseUint(fields[3], 16, 8); st == tcpTimeWait {
			return 0, ErrUnknown
		}
		uid, err := strconv.Atoi(fields[7])
		if err != nil {
			return 0, fmt.Errorf("%s: uid %q: %w", path, fields[7], err)
		}
		return uid, nil
	}
	if err := sc.Err(); err != nil {
		return 0, err
	}
	return 0, ErrUnknown
}

// procAddr formats an address as /proc/net/tcp does: each 32-bit word of
// the address in hex as the host stores it, then the port.
func procAddr(ip net.IP, port int) string {
	var b strings.Builder
	for i := 0; i+4 <= len(ip); i += 4 {
		fmt.Fprintf(&b, "%08X", binary.NativeEndian.Uint32(ip[i:]))
	}
	fmt.Fprintf(&b, ":%04X", port)
	return b.String()
}

// OutOfResources reports an error that says the process or the machine is
// short of descriptors or memory for now, not that peers cannot be
// identified.
func OutOfResources(err error) bool {
	return errors.Is(err, unix.EMFILE) || errors.Is(err, unix.ENFILE) || errors.Is(err, unix.ENOBUFS) || errors.Is(err, unix.ENOMEM)
}
