package socket

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/ipc-dev/ipc/internal/wire"
	"github.com/ipc-dev/ipc/maildir"
)

// TestLegacyCompatRoundTrip: what the original accepts and returns as it
// was sent: list ignores instance_id (listing acts as nobody), data may be
// any JSON value, and keys of "message" besides content and data (the
// original stores the dict as received) come back on check, over the
// legacy protocol and the fast path.
func TestLegacyCompatRoundTrip(t *testing.T) {
	srv, _ := newServer(t)
	alice := register(t, srv, "alice")
	bob := register(t, srv, "bob")

	// ipc_list.py sends its own instance_id; a client written from the
	// protocol may send any name, and the original ignores it.
	for _, as := range []string{"alice", "bob", "somebody-else"} {
		rep := legacy(t, srv, map[string]any{"action": "list", "instance_id": as, "session_token": alice})
		if rep.Status != wire.StatusOK || len(rep.Instances) != 2 {
			t.Errorf("list with instance_id %q: %+v", as, rep)
		}
	}

	inners := []string{
		`{"content":"list","data":[1,2,3]}`,
		`{"content":"string","data":"just text"}`,
		`{"content":"number","data":42.5}`,
		`{"content":"bool","data":true}`,
		`{"content":"null","data":null}`,
		`{"content":"object","data":{"k":[1,2]}}`,
		`{"content":"extra","priority":"high","tags":["a","b"],"data":{"k":1}}`,
		`{"content":"extra only","reply_to":{"id":"m1"}}`,
	}
	for i, in := range inners {
		req := fmt.Sprintf(`{"action":"send","from_id":"alice","to_id":"bob","message":%s,"session_token":%q}`, in, alice)
		if rep := decodeReply(t, raw(t, srv, false, []byte(req))); rep.Status != wire.StatusOK {
			t.Fatalf("send %d %s: %+v", i, in, rep)
		}
	}
	b := raw(t, srv, false, []byte(fmt.Sprintf(`{"action":"check","instance_id":"bob","session_token":%q}`, bob)))
	var rep struct {
		Status   string `json:"status"`
		Messages []struct {
			Message json.RawMessage `json:"message"`
		} `json:"messages"`
	}
	if err := json.Unmarshal(b, &rep); err != nil || rep.Status != wire.StatusOK || len(rep.Messages) != len(inners) {
		t.Fatalf("check: %s (%v)", b, err)
	}
	for i, in := range inners {
		if !sameJSON(t, rep.Messages[i].Message, []byte(in)) {
			t.Errorf("message %d: sent %s, check returned %s", i, in, rep.Messages[i].Message)
		}
	}

	// A large message keeps data that is not an object under "data".
	big := fmt.Sprintf(`{"action":"send","to_id":"bob","message":{"content":%q,"data":[7],"priority":2},"session_token":%q}`, strings.Repeat("word ", 3000), alice)
	if r := decodeReply(t, raw(t, srv, false, []byte(big))); r.Status != wire.StatusOK {
		t.Fatalf("large send: %+v", r)
	}
	b = raw(t, srv, false, []byte(fmt.Sprintf(`{"action":"check","session_token":%q}`, bob)))
	var large struct {
		Messages []struct {
			Message struct {
				Data     map[string]json.RawMessage `json:"data"`
				Priority int                        `json:"priority"`
			} `json:"message"`
		} `json:"messages"`
	}
	if err := json.Unmarshal(b, &large); err != nil || len(large.Messages) != 1 || string(large.Messages[0].Message.Data["data"]) != "[7]" ||
		large.Messages[0].Message.Data["large_message_file"] == nil || large.Messages[0].Message.Priority != 2 {
		t.Fatalf("large message: %s (%v)", b, err)
	}

	// The fast path returns the same shape.
	f, _ := openFast(t, srv, `{"action":"hello","version":2,"session_token":"`+alice+`"}`)
	if r := f.do(`{"id":1,"action":"send","to_id":"bob","message":{"content":"fast","data":[true],"priority":1}}`); r.Status != wire.StatusOK {
		t.Fatalf("fast send: %+v", r)
	}
	if r := f.do(`{"id":2,"action":"list","instance_id":"bob"}`); r.Status != wire.StatusOK || len(r.Instances) != 2 {
		t.Fatalf("fast list with another instance_id: %+v", r)
	}
	b = raw(t, srv, false, []byte(fmt.Sprintf(`{"action":"check","instance_id":"bob","session_token":%q}`, bob)))
	rep.Messages = nil
	if err := json.Unmarshal(b, &rep); err != nil || len(rep.Messages) != 1 ||
		!sameJSON(t, rep.Messages[0].Message, []byte(`{"content":"fast","data":[true],"priority":1}`)) {
		t.Fatalf("check after a fast send: %s (%v)", b, err)
	}
}

// sameJSON reports whether two JSON texts encode the same value.
func sameJSON(t *testing.T, a, b []byte) bool {
	t.Helper()
	var va, vb any
	if err := json.Unmarshal(a, &va); err != nil {
		t.Fatalf("%s: %v", a, err)
	}
	if err := json.Unmarshal(b, &vb); err != nil {
		t.Fatalf("%s: %v", b, err)
	}
	ja, _ := json.Marshal(va)
	jb, _ := json.Marshal(vb)
	return bytes.Equal(ja, jb)
}

// TestTakeoverIsNotSilent: when another client of the same user registers
// a name a script holds, the script's next request says so (the name was
// registered again, and when) instead of answering as if its token had
// never existed; registering again takes the name back.
func TestTakeoverIsNotSilent(t *testing.T) {
	srv, _ := newServer(t)
	first := register(t, srv, "alice")
	wantOK(t, legacy(t, srv, map[string]any{"action": "check", "session_token": first}))
	second := register(t, srv, "alice")
	for _, req := range []map[string]any{
		{"action": "check", "instance_id": "alice", "session_token": first},
		{"action": "send", "to_id": "bob", "message": map[string]any{"content": "x"}, "session_token": first},
	} {
		rep := legacy(t, srv, req)
		if rep.ErrorCode != string(maildir.InvalidToken) || !strings.HasPrefix(rep.Message, msgBadToken) || !strings.Contains(rep.Message, "alice was registered again at") {
			t.Errorf("%v with the replaced token: %+v", req["action"], rep)
		}
	}
	f, _ := openFast(t, srv, `{"action":"hello","version":2}`)
	if rep := f.do(`{"id":1,"action":"check","session_token":"` + first + `"}`); !strings.Contains(rep.Message, "registered again") {
		t.Errorf("fast path with the replaced token: %+v", rep)
	}
	wantOK(t, legacy(t, srv, map[string]any{"action": "check", "session_token": second}))
	// An unknown token still reads as the original's sentence alone.
	if rep := legacy(t, srv, map[string]any{"action": "check", "session_token": "nonsense"}); rep.Message != msgBadToken {
		t.Errorf("unknown token: %+v", rep)
	}
}

// TestReleaseName: release lets go of a name held only between a legacy
// client's requests; the client's next request within the hand-over is
// refused in_use, and a name bound to a live fast-path connection is kept.
func TestReleaseName(t *testing.T) {
	srv, st := newServer(t)
	tok := register(t, srv, "alice")
	rep := legacy(t, srv, map[string]any{"action": "release", "instance_id": "alice"})
	if rep.Status != wire.StatusOK || rep.Message != "Released alice" {
		t.Fatalf("release: %+v", rep)
	}
	cli, err := st.Login(testCtx(t), "alice", "") // as another process would
	if err != nil {
		t.Fatalf("login after release: %v", err)
	}
	wantCode(t, legacy(t, srv, map[string]any{"action": "check", "session_token": tok}), maildir.InUse)
	cli.Close()
	if rep := legacy(t, srv, map[string]any{"action": "release", "instance_id": "nobody-here"}); rep.Status != wire.StatusOK || rep.Message != "nobody-here is not held by this server" {
		t.Fatalf("release of a name not held: %+v", rep)
	}
	f, _ := openFast(t, srv, `{"action":"hello","version":2}`)
	if rep := f.do(`{"id":1,"action":"register","instance_id":"bound"}`); rep.Status != wire.StatusOK {
		t.Fatalf("register: %+v", rep)
	}
	wantCode(t, legacy(t, srv, map[string]any{"action": "release", "instance_id": "bound"}), maildir.InUse)
}
