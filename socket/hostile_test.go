package socket

import (
	"bufio"
	"encoding/json"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/ipc-dev/ipc/internal/ipctest"
	"github.com/ipc-dev/ipc/internal/wire"
	"github.com/ipc-dev/ipc/maildir"
)

// hostileIDs are the ids of ipctest, the longest 1 MiB.
var hostileIDs = ipctest.HostileIDs(1 << 20)

// deep returns a JSON value nested depth levels deep (objects or arrays).
func deep(depth int, array bool) string {
	if array {
		return strings.Repeat("[", depth) + "1" + strings.Repeat("]", depth)
	}
	return strings.Repeat(`{"a":`, depth) + "1" + strings.Repeat("}", depth)
}

// TestHostileInputLegacy sends hostile requests over the legacy protocol:
// each gets one reply with a clear error_code (or ok when it is valid
// after all), nothing outside the mailbox is created, and the server
// serves normally afterwards.
func TestHostileInputLegacy(t *testing.T) {
	parent := t.TempDir()
	root := filepath.Join(parent, "home")
	st := mustStore(t, root, maildir.Options{Sync: maildir.SyncNone, RateBurst: -1})
	srv := mustServe(t, st, testConfig(t))
	tok := register(t, srv, "alice")
	register(t, srv, "bob")
	tried := 0
	expect := func(req map[string]any, codes ...maildir.Kind) {
		t.Helper()
		tried++
		rep := legacy(t, srv, req)
		got := maildir.Kind("ok")
		if rep.Status != wire.StatusOK {
			got = maildir.Kind(rep.ErrorCode)
			if rep.Message == "" || rep.Recoverable == nil {
				t.Errorf("%.200v: error reply without a sentence or recoverable: %+v", req, rep)
			}
		}
		for _, c := range codes {
			if got == c {
				return
			}
		}
		t.Errorf("%.200v = %s %.200q, want %v", req, got, rep.Message, codes)
	}
	msg := map[string]any{"content": "x"}
	for _, id := range hostileIDs {
		expect(map[string]any{"action": "register", "instance_id": id}, maildir.InvalidID)
		expect(map[string]any{"action": "send", "to_id": id, "message": msg, "session_token": tok}, maildir.InvalidID)
		if id != "" { // an empty from_id is an absent one
			expect(map[string]any{"action": "send", "from_id": id, "to_id": "bob", "message": msg, "session_token": tok}, maildir.NotOwner)
		}
		expect(map[string]any{"action": "check", "instance_id": id, "session_token": tok}, maildir.NotOwner, maildir.InvalidID, "ok")
		expect(map[string]any{"action": "rename", "old_id": "alice", "new_id": id, "session_token": tok}, maildir.InvalidID)
		expect(map[string]any{"action": "rename", "old_id": id, "new_id": "alice2", "session_token": tok}, maildir.NotOwner)
		expect(map[string]any{"action": "check", "session_token": id}, maildir.InvalidToken)
	}
	for _, v := range []any{5, 1e308, true, []any{"alice"}, map[string]any{"id": "alice"}} {
		expect(map[string]any{"action": "register", "instance_id": v}, maildir.BadRequest)
		expect(map[string]any{"action": "send", "to_id": v, "message": msg, "session_token": tok}, maildir.BadRequest)
		expect(map[string]any{"action": "check", "session_token": v}, maildir.BadRequest)
		expect(map[string]any{"action": v, "session_token": tok}, maildir.UnknownAction)
	}
	send := func(m any) map[string]any {
		return map[string]any{"action": "send", "to_id": "bob", "message": m, "session_token": tok}
	}
	for _, tc := range []struct {
		m     any
		codes []maildir.Kind
	}{
		{map[string]any{"content": "NUL \x00 and escape \x1b[2J"}, []maildir.Kind{"ok"}},
		{map[string]any{"content": strings.Repeat("x", 15<<20)}, []maildir.Kind{"ok"}}, // a large-message file
		{map[string]any{"content": 5}, []maildir.Kind{maildir.BadRequest}},
		{map[string]any{"content": nil}, []maildir.Kind{"ok"}},
		{map[string]any{"content": "x", "data": []any{1}}, []maildir.Kind{"ok"}}, // any JSON value, as the original
		{map[string]any{"content": "x", "data": "{}"}, []maildir.Kind{"ok"}},
		{map[string]any{"content": "x", "data": 1}, []maildir.Kind{"ok"}},
		{map[string]any{"content": "x", "data": json.RawMessage(deep(9000, false))}, []maildir.Kind{"ok"}},
		{map[string]any{"content": "x", "data": map[string]any{"k": strings.Repeat("z", maildir.DefaultMaxData)}}, []maildir.Kind{maildir.TooLarge}},
		{[]any{"content"}, []maildir.Kind{maildir.BadRequest}},
		{"content", []maildir.Kind{maildir.BadRequest}},
	} {
		expect(send(tc.m), tc.codes...)
	}

	// Frames no encoder would write.
	for _, tc := range []struct {
		name  string
		frame string
		code  maildir.Kind
	}{
		{"non-UTF-8 bytes in content", `{"action":"send","to_id":"bob","session_token":"` + tok + `","message":{"content":"bad ` + "\xff\xfe" + ` bytes"}}`, "ok"},
		{"lone surrogate escape", `{"action":"send","to_id":"bob","session_token":"` + tok + `","message":{"content":"\ud800"}}`, "ok"},
		{"non-UTF-8 bytes in an id", `{"action":"register","instance_id":"al` + "\xff" + `ice"}`, maildir.InvalidID},
		{"escaped NUL in an id", `{"action":"register","instance_id":"alice\u0000"}`, maildir.InvalidID},
		{"duplicate keys, last one hostile", `{"action":"register","instance_id":"ok","instance_id":"../x"}`, maildir.InvalidID},
		{"nested 10,000 deep", `{"action":"ping","x":` + deep(9999, true) + `}`, "ok"},
		{"nested 10,001 deep", `{"action":"ping","x":` + deep(10001, true) + `}`, maildir.BadRequest},
		{"nested 1,000,000 deep", `{"action":"ping","x":` + deep(1000000, true) + `}`, maildir.BadRequest},
		{"deep data in a send", `{"action":"send","to_id":"bob","session_token":"` + tok + `","message":{"content":"x","data":` + deep(20000, false) + `}}`, maildir.BadRequest},
		{"number out of range", `{"action":"register","instance_id":1e999999}`, maildir.BadRequest},
		{"100,000 keys", `{"action":"ping"` + strings.Repeat(`,"k":1`, 100000) + `}`, "ok"},
		{"a string", `"register"`, maildir.BadRequest},
		{"a number", `42`, maildir.BadRequest},
		{"null", `null`, maildir.BadRequest},
		{"an empty object", `{}`, maildir.InvalidToken},
		{"a BOM first", "\ufeff" + `{"action":"ping"}`, maildir.BadRequest},
		{"control characters between tokens", "{\x01\"action\":\"ping\"}", maildir.BadRequest},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tried++
			b := raw(t, srv, true, []byte(tc.frame))
			if strings.Count(string(b), "\n") != 1 {
				t.Fatalf("reply %q: want one line", b)
			}
			rep := decodeReply(t, b)
			got := maildir.Kind("ok")
			if rep.Status != wire.StatusOK {
				got = maildir.Kind(rep.ErrorCode)
			}
			if got != tc.code {
				t.Fatalf("reply %+v, want %s", rep, tc.code)
			}
		})
	}

	// What was accepted is valid UTF-8 for the recipient; nothing was
	// created outside the mailbox or under an invalid name; the server
	// serves normally.
	bob := register(t, srv, "bob")
	for {
		rep := legacy(t, srv, map[string]any{"action": "check", "session_token": bob})
		wantOK(t, rep)
		for _, m := range rep.Messages {
			if !utf8.ValidString(m.Message.Content) {
				t.Errorf("content %q is not UTF-8", m.Message.Content)
			}
		}
		if len(rep.Messages) == 0 {
			break
		}
	}
	checkTree(t, parent, root)
	wantOK(t, legacy(t, srv, map[string]any{"action": "send", "to_id": "bob", "message": msg, "session_token": tok}))
	t.Logf("figures: %s: %d hostile legacy requests, each answered once with its error_code or accepted as valid; 0 panics", t.Name(), tried)
}

// checkTree fails if anything but the mailbox root was created in parent,
// or a maildir exists under a name that is not a valid id.
func checkTree(t *testing.T, parent, root string) {
	t.Helper()
	ents, _ := os.ReadDir(parent)
	for _, e := range ents {
		if filepath.Join(parent, e.Name()) != root {
			t.Errorf("created outside the mailbox: %s", e.Name())
		}
	}
	for _, sub := range []string{"mail", "presence"} {
		ents, _ := os.ReadDir(filepath.Join(root, sub))
		for _, e := range ents {
			id := strings.TrimSuffix(strings.TrimSuffix(e.Name(), ".json"), ".lock")
			if !maildir.ValidID(id) {
				t.Errorf("%s/%q is not named by a valid id", sub, e.Name())
			}
		}
	}
}

// fastConn is a raw fast-path connection.
type fastConn struct {
	t  *testing.T
	nc net.Conn
	r  *bufio.Reader
}

func openFast(t *testing.T, srv *Server, hello string) (*fastConn, wire.Reply) {
	t.Helper()
	nc, err := netDial(srv)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { nc.Close() })
	f := &fastConn{t: t, nc: nc, r: bufio.NewReaderSize(nc, 1<<20)}
	return f, f.do(hello)
}

// do writes one frame and reads the next reply or event.
func (f *fastConn) do(frame string) wire.Reply {
	f.t.Helper()
	f.nc.SetDeadline(time.Now().Add(60 * time.Second))
	if _, err := f.nc.Write([]byte(frame + "\n")); err != nil {
		f.t.Fatalf("write: %v", err)
	}
	return f.read()
}

func (f *fastConn) read() wire.Reply {
	f.t.Helper()
	line, err := f.r.ReadBytes('\n')
	if err != nil {
		f.t.Fatalf("read: %v", err)
	}
	var rep wire.Reply
	if err := json.Unmarshal(line, &rep); err != nil {
		f.t.Fatalf("frame %q: %v", line, err)
	}
	return rep
}

// TestHostileInputFast sends hostile requests on fast-path connections:
// bad hello versions and tokens, out-of-range check sizes, hostile request
// ids and ids of identities, undecodable frames, a flood of bad requests,
// and a request trickled too slowly. Replies stay in order and keep their
// request ids; a connection is closed (with a closing event) only when a
// frame cannot be delimited or arrives too slowly.
func TestHostileInputFast(t *testing.T) {
	st := mustStore(t, "", maildir.Options{Sync: maildir.SyncNone, RateBurst: -1})
	cfg := testConfig(t)
	cfg.ReadTimeout = 500 * time.Millisecond
	cfg.MaxFrame = 1 << 20
	srv := mustServe(t, st, cfg)
	tried := 0
	code := func(rep wire.Reply) string {
		if rep.Event != "" {
			return rep.Event + ":" + rep.ErrorCode
		}
		if rep.Status == wire.StatusOK {
			return "ok"
		}
		return rep.ErrorCode
	}

	for _, tc := range []struct{ hello, want string }{
		{`{"action":"hello","version":2}`, "ok"},
		{`{"action":"hello"}`, "ok"},
		{`{"action":"hello","version":99}`, "ok"},
		{`{"action":"hello","version":1}`, "bad_request"},
		{`{"action":"hello","version":-1}`, "bad_request"},
		{`{"action":"hello","version":1e308}`, "bad_request"},
		{`{"action":"hello","version":"2"}`, "bad_request"},
		{`{"action":"hello","version":2,"session_token":"../../etc/passwd"}`, "invalid_token"},
		{`{"action":"hello","version":2,"session_token":"` + strings.Repeat("t", 512<<10) + `"}`, "invalid_token"},
		{`{"action":"hello","version":2,"session_token":7}`, "bad_request"},
	} {
		tried++
		_, rep := openFast(t, srv, tc.hello)
		if got := code(rep); got != tc.want {
			t.Errorf("%.100s: %s %q, want %s", tc.hello, got, rep.Message, tc.want)
		}
	}

	f, _ := openFast(t, srv, `{"action":"hello","version":2}`)
	if rep := f.do(`{"id":1,"action":"register","instance_id":"fast"}`); rep.Status != wire.StatusOK {
		t.Fatalf("register: %+v", rep)
	}
	for _, tc := range []struct{ req, want, id string }{
		{`{"id":2,"action":"check","max":-1}`, "bad_request", "2"},
		{`{"id":3,"action":"check","max":0}`, "bad_request", "3"},
		{`{"id":4,"action":"check","max":1001}`, "bad_request", "4"},
		{`{"id":5,"action":"check","max":1e9}`, "bad_request", "5"},
		{`{"id":6,"action":"check","max":1.5}`, "bad_request", "6"},
		{`{"id":7,"action":"check","max":"10"}`, "bad_request", "7"},
		{`{"id":8,"action":"check","max":1000}`, "ok", "8"},
		{`{"id":"` + strings.Repeat("i", 300) + `","action":"ping"}`, "ok", ""},
		{`{"id":{"a":1},"action":"ping"}`, "ok", ""},
		{`{"id":[1],"action":"ping"}`, "ok", ""},
		{`{"id":"x\u0000y","action":"ping"}`, "ok", `"x\u0000y"`},
		{`{"id":null,"action":"ping"}`, "ok", "null"},
		{`{"id":9,"action":"send","to_id":"../fast","message":{"content":"x"}}`, "invalid_id", "9"},
		{`{"id":10,"action":"send","from_id":"bob","to_id":"fast","message":{"content":"x"}}`, "not_owner", "10"},
		{`{"id":11,"action":"rename","old_id":"bob","new_id":"fast2"}`, "not_owner", "11"},
		{`{"id":12,"action":"check","instance_id":"\u0430lice"}`, "not_owner", "12"},
		{`{"id":13,"action":"unsubscribe"}`, "ok", "13"},
		{`{"id":14,"action":"nope"}`, "unknown_action", "14"},
		{`{"id":16,"action" "ping"}`, "bad_request", ""},
	} {
		tried++
		rep := f.do(tc.req)
		if got := code(rep); got != tc.want || string(rep.ID) != tc.id {
			t.Errorf("%.100s: %s id %s %q, want %s id %s", tc.req, got, rep.ID, rep.Message, tc.want, tc.id)
		}
	}

	// A flood of bad requests, pipelined: every one answered, in order.
	const flood = 5000
	var b strings.Builder
	for i := 0; i < flood; i++ {
		id := hostileIDs[i%len(hostileIDs)]
		to, _ := json.Marshal(id[:min(40, len(id))])
		fmt.Fprintf(&b, `{"id":%d,"action":"send","to_id":%s,"message":{"content":"x"}}`+"\n", i, to)
	}
	go f.nc.Write([]byte(b.String()))
	for i := 0; i < flood; i++ {
		rep := f.read()
		if string(rep.ID) != fmt.Sprint(i) || rep.Status != wire.StatusError {
			t.Fatalf("flood reply %d: %+v", i, rep)
		}
	}
	tried += flood
	if rep := f.do(`{"id":"after","action":"ping"}`); rep.Status != wire.StatusOK {
		t.Fatalf("ping after the flood: %+v", rep)
	}

	// Frames that cannot be delimited close the connection with a reason.
	for _, tc := range []struct{ frame, want string }{
		{`hello there`, "closing:bad_request"},
		{"\x00\x01\x02", "closing:bad_request"},
		{`{"id":1,"action":"ping"]`, "closing:bad_request"},
		{`{"id":15,"action":"send","to_id":"fast","message":{"content":"x","data":` + deep(10001, false) + `}}`, "closing:bad_request"},
		{`{"id":1,"action":"ping","pad":"` + strings.Repeat("p", 1<<20) + `"}`, "closing:too_large"},
	} {
		tried++
		g, _ := openFast(t, srv, `{"action":"hello","version":2}`)
		if got := code(g.do(tc.frame)); got != tc.want {
			t.Errorf("%.60q: %s, want %s", tc.frame, got, tc.want)
		}
	}

	// Slowloris on the fast path: a request trickled past ReadTimeout.
	tried++
	g, _ := openFast(t, srv, `{"action":"hello","version":2}`)
	g.nc.Write([]byte(`{"id":1,`))
	done := make(chan wire.Reply, 1)
	go func() { done <- g.read() }()
	trickle := []byte(`"action":"ping","pad":"` + strings.Repeat("p", 10000))
	for i := 0; ; i++ {
		select {
		case rep := <-done:
			if got := code(rep); got != "closing:timeout" {
				t.Fatalf("trickled request: %s", got)
			}
			t.Logf("figures: %s: %d hostile fast-path frames and requests (%d of them pipelined in one flood), each answered in order or the connection closed with its reason; 0 panics", t.Name(), tried, flood)
			return
		case <-time.After(20 * time.Millisecond):
		}
		if i >= len(trickle) {
			t.Fatal("the whole trickled request was read: no deadline")
		}
		g.nc.Write(trickle[i : i+1])
	}
}
