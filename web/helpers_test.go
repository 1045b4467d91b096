package web_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/ipc-dev/ipc/internal/ipctest"
	"github.com/ipc-dev/ipc/maildir"
	"github.com/ipc-dev/ipc/web"
)

func TestMain(m *testing.M) {
	ipctest.Main(m, os.Getenv(ipctest.HelperEnv), runHelper)
}

// runHelper is a second process: "send" opens the mailbox at root and
// sends as from to to.
func runHelper(role, args string) error {
	p := strings.SplitN(args, ",", 4)
	switch role {
	case "send": // root,from,to,content
		st, err := maildir.Open(p[0], testOptions())
		if err != nil {
			return err
		}
		defer st.Close()
		s, err := st.LoginLocal(context.Background(), p[1])
		if err != nil {
			return err
		}
		_, err = s.SendPayload(context.Background(), p[2], maildir.Payload{Content: p[3], Subject: "from another process", Priority: maildir.PriorityHigh})
		return err
	}
	return fmt.Errorf("no helper role %q", role)
}

func testOptions() maildir.Options {
	var o maildir.Options
	ipctest.Poll(os.Getenv).Apply(&o.Poll, &o.PollInterval)
	return o
}

// console is a running console over a temporary mailbox.
type console struct {
	t    *testing.T
	root string
	st   *maildir.Store
	srv  *web.Server
	base string
	c    *http.Client
}

// startConsole opens a mailbox in a temporary directory and runs a console
// on it; the test's end stops it and checks that Run returned.
func startConsole(t *testing.T) *console {
	t.Helper()
	root := t.TempDir()
	st := ipctest.Open(t, maildir.Open, root, testOptions())
	srv, err := web.Listen(st, web.Config{})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- srv.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		ipctest.Within(t, "the console's Run", 30*time.Second, func() {
			if err := <-done; err != nil {
				t.Errorf("Run: %v", err)
			}
		})
	})
	return &console{t: t, root: root, st: st, srv: srv, base: srv.BaseURL(),
		c: &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

// request builds a request to path of the console with the token's cookie
// (auth false: none).
func (c *console) request(method, path string, body any, auth bool) *http.Request {
	c.t.Helper()
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			c.t.Fatal(err)
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, c.base+path, rd)
	if err != nil {
		c.t.Fatal(err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if auth {
		req.AddCookie(&http.Cookie{Name: "ipc_web_" + req.URL.Port(), Value: c.srv.Token()})
	}
	return req
}

// do sends req and returns the status and body.
func (c *console) do(req *http.Request) (int, []byte) {
	c.t.Helper()
	res, err := c.c.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		c.t.Fatal(err)
	}
	return res.StatusCode, b
}

// getJSON GETs path with the token, wants status, and decodes the answer
// into v.
func (c *console) getJSON(path string, status int, v any) {
	c.t.Helper()
	code, b := c.do(c.request("GET", path, nil, true))
	if code != status {
		c.t.Fatalf("GET %s: %d %s, want %d", path, code, b, status)
	}
	if err := json.Unmarshal(b, v); err != nil {
		c.t.Fatalf("GET %s: %v in %s", path, err, b)
	}
}

// postJSON POSTs body to path with the token, wants status, and decodes
// the answer into v.
func (c *console) postJSON(path string, body any, status int, v any) {
	c.t.Helper()
	code, b := c.do(c.request("POST", path, body, true))
	if code != status {
		c.t.Fatalf("POST %s: %d %s, want %d", path, code, b, status)
	}
	if err := json.Unmarshal(b, v); err != nil {
		c.t.Fatalf("POST %s: %v in %s", path, err, b)
	}
}

// login is a session of a test agent in the console's mailbox.
func (c *console) login(id string) *maildir.Session {
	c.t.Helper()
	s, err := c.st.LoginLocal(context.Background(), id)
	if err != nil {
		c.t.Fatalf("login %s: %v", id, err)
	}
	return s
}

// event is one server-sent event.
type event struct{ name, id, data string }

// stream is an open event stream.
type stream struct {
	res *http.Response
	sc  *bufio.Scanner
}

// openEvents opens /api/events (with query) and wants 200.
func (c *console) openEvents(query string) *stream {
	c.t.Helper()
	req := c.request("GET", "/api/events"+query, nil, true)
	ctx, cancel := context.WithCancel(context.Background())
	c.t.Cleanup(cancel)
	res, err := c.c.Do(req.WithContext(ctx))
	if err != nil {
		c.t.Fatal(err)
	}
	c.t.Cleanup(func() { res.Body.Close() })
	if res.StatusCode != 200 || res.Header.Get("Content-Type") != "text/event-stream" {
		b, _ := io.ReadAll(res.Body)
		c.t.Fatalf("events: %d %s %s", res.StatusCode, res.Header.Get("Content-Type"), b)
	}
	sc := bufio.NewScanner(res.Body)
	sc.Buffer(nil, 8<<20)
	return &stream{res: res, sc: sc}
}

// next reads the next event; io.EOF when the stream ended.
func (s *stream) next() (event, error) {
	var ev event
	for s.sc.Scan() {
		line := s.sc.Text()
		switch {
		case line == "":
			if ev.name != "" {
				return ev, nil
			}
		case strings.HasPrefix(line, "event: "):
			ev.name = line[len("event: "):]
		case strings.HasPrefix(line, "id: "):
			ev.id = line[len("id: "):]
		case strings.HasPrefix(line, "data: "):
			ev.data = line[len("data: "):]
		}
	}
	if err := s.sc.Err(); err != nil {
		return ev, err
	}
	return ev, io.EOF
}

// until reads events until one named name for which match holds, and
// returns it; it fails t if the stream ends first.
func (s *stream) until(t *testing.T, name string, match func(event) bool) event {
	t.Helper()
	for {
		ev, err := s.next()
		if err != nil {
			t.Fatalf("the stream ended before a %s event: %v", name, err)
		}
		if ev.name == "error" {
			t.Fatalf("error event: %s", ev.data)
		}
		if ev.name == name && (match == nil || match(ev)) {
			return ev
		}
	}
}
