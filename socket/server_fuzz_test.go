package socket

import (
	"bufio"
	"bytes"
	"encoding/json"
	"net"
	"testing"
	"time"

	"github.com/ipc-dev/ipc/internal/wire"
	"github.com/ipc-dev/ipc/maildir"
)

// tokenMark in a fuzz input is replaced by a valid session token, so that
// inputs reach the actions behind the token check.
const tokenMark = "@TOKEN@"

var legacySeeds = []string{
	`{"action": "register", "instance_id": "fuzzer"}`,
	`{"action": "send", "from_id": "f", "to_id": "fz", "message": {"content": "hi", "data": {"a": 1}}, "session_token": "@TOKEN@"}`,
	`{"action": "broadcast", "message": {"content": "all"}, "session_token": "@TOKEN@"}`,
	`{"action": "check", "instance_id": "fz", "session_token": "@TOKEN@"}`,
	`{"action": "list", "session_token": "@TOKEN@"}`,
	`{"action": "rename", "old_id": "fz", "new_id": "fz", "session_token": "@TOKEN@"}`,
	`{"action": "send", "to_id": "x", "message": "str", "session_token": "@TOKEN@"}`,
	`{"action": 5, "session_token": "@TOKEN@"}`,
	`{"action": "hello", "version": 2}` + "\n" + `{"id": 1, "action": "ping"}`,
	`[1, 2]`,
	`{"a":`,
	`garbage`,
	``,
}

// FuzzLegacyFrame sends each input, in up to three writes, as the whole
// of a connection to a live server: whatever the bytes, the server answers
// with well-formed frames (one reply for a legacy request) and closes.
func FuzzLegacyFrame(f *testing.F) {
	for _, s := range legacySeeds {
		f.Add([]byte(s), uint16(3), uint16(40))
	}
	srv, tok := fuzzServer(f)
	f.Fuzz(func(t *testing.T, in []byte, a, b uint16) {
		in = bytes.ReplaceAll(in, []byte(tokenMark), []byte(tok))
		replies := exchange(t, srv, in, a, b)
		isHello := false
		if v, err := newFramer(bytes.NewReader(in), 0).Next(); err == nil {
			if r, err := parseRequest(v); err == nil && r.actionName() == "hello" {
				isHello = true
			}
		}
		if !isHello && len(replies) != 1 {
			t.Fatalf("legacy request %q got %d replies", in, len(replies))
		}
	})
}

// FuzzFastFrame sends each input after a hello on a fast-path connection:
// every frame the server writes is well formed, replies never outnumber
// requests, and the connection ends cleanly.
func FuzzFastFrame(f *testing.F) {
	for _, s := range legacySeeds {
		f.Add([]byte(s), uint16(5), uint16(17))
	}
	f.Add([]byte("{\"id\":1,\"action\":\"subscribe\",\"session_token\":\"@TOKEN@\"}\n{\"id\":2,\"action\":\"unsubscribe\"}\n"), uint16(9), uint16(60))
	f.Add([]byte("{\"id\":{},\"action\":\"ping\"}{\"id\":\"x\",\"action\":\"check\",\"max\":\"many\"}"), uint16(0), uint16(30))
	srv, tok := fuzzServer(f)
	f.Fuzz(func(t *testing.T, in []byte, a, b uint16) {
		in = bytes.ReplaceAll(in, []byte(tokenMark), []byte(tok))
		in = append([]byte(`{"action":"hello","version":2}`+"\n"), in...)
		replies := exchange(t, srv, in, a, b)
		values, _ := collect(DefaultMaxFrame, in)
		n := 0
		for _, r := range replies {
			if r.Event == "" {
				n++
			}
		}
		if n > len(values) {
			t.Fatalf("%d replies to %d requests", n, len(values))
		}
	})
}

func fuzzServer(f *testing.F) (*Server, string) {
	st := mustStore(f, "", maildir.Options{Sync: maildir.SyncNone, RateBurst: -1})
	cfg := testConfig(f)
	cfg.Logf = func(string, ...any) {}
	cfg.IdleTimeout = 5 * time.Second
	srv := mustServe(f, st, cfg)
	return srv, register(f, srv, "fz")
}

// exchange writes in (split at a and b) on a new connection, half-closes,
// and returns every frame the server wrote, each checked for form.
func exchange(t *testing.T, srv *Server, in []byte, a, b uint16) []wire.Reply {
	i, j := int(a)%(len(in)+1), int(b)%(len(in)+1)
	if i > j {
		i, j = j, i
	}
	nc, err := net.Dial("tcp", tcpAddr(srv))
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	nc.SetDeadline(time.Now().Add(30 * time.Second))
	for _, c := range [][]byte{in[:i], in[i:j], in[j:]} {
		if len(c) > 0 {
			if _, err := nc.Write(c); err != nil {
				break // the server may have answered and closed already
			}
		}
	}
	nc.(*net.TCPConn).CloseWrite()
	var out []wire.Reply
	sc := bufio.NewScanner(nc)
	sc.Buffer(nil, 16<<20)
	for sc.Scan() {
		line := sc.Bytes()
		var rep wire.Reply
		if err := json.Unmarshal(line, &rep); err != nil {
			t.Fatalf("input %q: frame %q: %v", in, line, err)
		}
		switch {
		case rep.Event != "" && rep.Status != "":
			t.Fatalf("frame %q is both an event and a reply", line)
		case rep.Status == wire.StatusError || rep.Event == wire.EventClosing || rep.Event == wire.EventEnded:
			if rep.ErrorCode == "" || rep.Recoverable == nil || rep.Message == "" {
				t.Fatalf("error frame %q lacks error_code, recoverable or message", line)
			}
		case rep.Status != wire.StatusOK && rep.Event != wire.EventMail:
			t.Fatalf("frame %q has neither a status nor a known event", line)
		}
		out = append(out, rep)
	}
	if err := sc.Err(); err != nil {
		t.Fatalf("input %q: reading replies: %v", in, err)
	}
	if len(out) == 0 {
		t.Fatalf("input %q: no reply at all", in)
	}
	return out
}
