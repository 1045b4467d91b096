package web_test

import (
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/ipc-dev/ipc/internal/ipctest"
	"github.com/ipc-dev/ipc/web"
)

// TestEventStreamsAreBounded: past web.MaxStreams open event streams a new
// one is refused as busy, and one closing lets the next in.
func TestEventStreamsAreBounded(t *testing.T) {
	c := startConsole(t)
	streams := make([]*stream, web.MaxStreams)
	for i := range streams {
		streams[i] = c.openEvents("")
		streams[i].until(t, "hello", nil)
	}
	code, b := c.do(c.request("GET", "/api/events", nil, true))
	refusal(t, "one stream too many", code, b, http.StatusServiceUnavailable, "busy")

	streams[0].res.Body.Close()
	ipctest.WaitFor(t, "a closed stream's place to be free", func() bool {
		req := c.request("GET", "/api/events", nil, true)
		res, err := c.c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		return res.StatusCode == http.StatusOK
	})
}

// TestASendBodyIsOneObject: a send body with anything after its JSON object
// is refused and sends nothing.
func TestASendBodyIsOneObject(t *testing.T) {
	c := startConsole(t)
	bob := c.login("bob")
	req := c.request("POST", "/api/send", map[string]any{"to": []string{"bob"}, "content": "hi"}, true)
	body := `{"to":["bob"],"content":"hi"} {"to":["bob"],"content":"again"}`
	req.Body, req.ContentLength = io.NopCloser(strings.NewReader(body)), int64(len(body))
	code, b := c.do(req)
	refusal(t, "two objects", code, b, http.StatusBadRequest, "bad_request")
	if u, err := bob.Unread(t.Context()); err != nil || u.Count != 0 {
		t.Fatalf("bob's unread after a refused send: %+v, %v", u, err)
	}
}
