//go:build unix

package console

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"github.com/ipc-dev/ipc/internal/ipctest"
)

// secretText is mail that a page without the token, or from another
// origin, must never see.
const secretText = "the staging database password rotates on Friday"

// forgedSend is what a page of another origin posts to /api/send.
const forgedSend = `{"to": ["bob"], "content": "sent from another origin"}`

// TestTokenRequired opens the console without its token and with a wrong
// one: the page answers 401 and 403 and shows nothing of the mailbox, and
// the same page's own requests to the API, the event stream and the
// assets are refused the same way.
func TestTokenRequired(t *testing.T) {
	m := newMailbox(t)
	m.send("alice", "bob", secretText, "--subject", "credentials")
	c := m.web()
	wrong := strings.Repeat("0", len(c.token))
	if wrong == c.token {
		wrong = strings.Repeat("1", len(c.token))
	}
	for _, tc := range []struct {
		name, url string
		status    int64
	}{
		{"no token", c.base + "/#/stream", http.StatusUnauthorized},
		{"a wrong token", c.base + "/?token=" + wrong + "#/stream", http.StatusForbidden},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := newPage(t, 1280, 800)
			if got := p.open(tc.url); got != tc.status {
				t.Errorf("the page with %s answered %d, want %d", tc.name, got, tc.status)
			}
			dom := eval[string](p, `document.documentElement.outerHTML`)
			if strings.Contains(dom, secretText) || strings.Contains(dom, "credentials") {
				t.Errorf("the page with %s shows the mailbox:\n%s", tc.name, dom)
			}
			if n := eval[int](p, `document.querySelectorAll('li.msg, li.agent').length`); n != 0 {
				t.Errorf("the page with %s holds %d message or agent rows", tc.name, n)
			}
			for _, path := range []string{"/api/search?q=", "/api/agents", "/api/events", "/assets/app.css"} {
				got := eval[string](p, fmt.Sprintf(`fetch(%s).then(async r => r.status + " " + await r.text())`, js(path)))
				if !strings.HasPrefix(got, "401 ") {
					t.Errorf("the page without the cookie fetched %s: %.200q, want 401", path, got)
				}
				if strings.Contains(got, secretText) || strings.Contains(got, "alice") {
					t.Errorf("the page without the cookie read the mailbox from %s: %.200q", path, got)
				}
			}
		})
	}
}

// TestHostChecked asks the console with its token but a Host header other
// than its own, as a DNS-rebinding page would: 403, and no mail in the
// answer.
func TestHostChecked(t *testing.T) {
	m := newMailbox(t)
	m.send("alice", "bob", secretText)
	c := m.web()
	req, err := http.NewRequest("GET", c.base+"/api/search?q=&token="+c.token, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Host = "rebound.example:" + c.host[strings.LastIndexByte(c.host, ':')+1:]
	status, body := do(t, req)
	if status != http.StatusForbidden || strings.Contains(body, secretText) {
		t.Errorf("a request with Host %s got %d %.200q, want 403 and no mail", req.Host, status, body)
	}
}

// TestOtherOriginGetsNothing serves a page from another local origin (a
// second server on another port of 127.0.0.1) in a browser that holds the
// console's cookie, and has it fetch() the API (with CORS and without),
// post a message as the human, and open the event stream. Nothing is
// readable in the page, every one of those requests got 403 on the wire
// with no mail in it and no CORS header, and nothing was sent.
func TestOtherOriginGetsNothing(t *testing.T) {
	m := newMailbox(t)
	m.send("alice", "bob", secretText, "--subject", "credentials")
	c := m.web()
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "<!doctype html><title>another site</title><p>another local site</p>")
	}))
	defer other.Close()

	p := newPage(t, 1280, 800)
	p.open(c.url)
	p.waitFor("the console to load with its cookie", `document.body.dataset.screen === "agents"`)
	wire := p.recordWire(c.base + "/api/")
	p.open(other.URL)

	api := js(c.base)
	results := eval[map[string]string](p, `(async () => {
		const api = `+api+`, out = {};
		const read = async r => r.type + " " + r.status + " " + await r.text();
		try { out.cors = await read(await fetch(api + "/api/search?q=", {credentials: "include"})); }
		catch (e) { out.cors = "refused: " + e.name; }
		try { out.agents = await read(await fetch(api + "/api/agents", {credentials: "include"})); }
		catch (e) { out.agents = "refused: " + e.name; }
		try { out.opaque = await read(await fetch(api + "/api/search?q=", {credentials: "include", mode: "no-cors"})); }
		catch (e) { out.opaque = "refused: " + e.name; }
		try {
			out.post = await read(await fetch(api + "/api/send", {method: "POST", credentials: "include", mode: "no-cors",
				headers: {"Content-Type": "text/plain"}, body: `+js(forgedSend)+`}));
		} catch (e) { out.post = "refused: " + e.name; }
		out.events = await new Promise(resolve => {
			const es = new EventSource(api + "/api/events", {withCredentials: true});
			let got = "";
			es.onmessage = e => { got += e.data; };
			es.addEventListener("message", e => { got += e.data; });
			es.addEventListener("hello", e => { got += e.data; });
			es.onerror = () => { const s = es.readyState; es.close(); resolve("error readyState " + s + " " + got); };
		});
		return out;
	})()`)
	for what, got := range results {
		if strings.Contains(got, secretText) || strings.Contains(got, "alice") || strings.Contains(got, `"human"`) {
			t.Errorf("the other origin read the console's %s: %.300q", what, got)
		}
	}
	if !strings.HasPrefix(results["cors"], "refused") || !strings.HasPrefix(results["agents"], "refused") {
		t.Errorf("a CORS fetch from the other origin was not refused: %q, %q", results["cors"], results["agents"])
	}
	if got := results["opaque"]; got != "opaque 0 " && !strings.HasPrefix(got, "refused") {
		t.Errorf("a no-cors fetch from the other origin gave %.300q, want an opaque, empty response", got)
	}
	if results["events"] != "error readyState 2 " {
		t.Errorf("the event stream from the other origin gave %.300q, want it closed with no event", results["events"])
	}

	for _, x := range wire.wait(p, 5) {
		if x.status != http.StatusForbidden {
			t.Errorf("%s %s from the other origin got %d on the wire, want 403", x.method, x.url, x.status)
		}
		if x.cors != "" {
			t.Errorf("%s answered the other origin with Access-Control-Allow-Origin %q", x.url, x.cors)
		}
		// The browser carries the console's cookie to it from the other
		// port (the same site), and names the other origin, except on a
		// no-cors GET, which has no Origin (Sec-Fetch-Site says same-site).
		if !strings.Contains(x.header("Cookie"), c.token) {
			t.Errorf("%s %s went without the console's cookie: the test proves nothing", x.method, x.url)
		}
		if o := x.header("Origin"); o != "" && o != other.URL {
			t.Errorf("%s %s went with Origin %q, want %s", x.method, x.url, o, other.URL)
		}
		if x.method == "POST" {
			x.body = forgedSend
		}
		status, body := x.replay(t)
		if status != http.StatusForbidden || strings.Contains(body, secretText) || strings.Contains(body, "alice") {
			t.Errorf("%s %s, sent again with the browser's headers, got %d %.300q: want 403 and no mail", x.method, x.url, status, body)
		}
	}
	if n := m.unreadFiles("bob"); n != 1 {
		t.Errorf("bob has %d unread messages after the other origin's POST, want only the 1 he had", n)
	}
}

// exchange is one request of a tab and its response as they went over
// the wire, whatever the page was allowed to read of them.
type exchange struct {
	method, url string
	body        string          // what a POST sent
	sent        network.Headers // the request's headers, cookies and all
	status      int64           // 0 until the response's head arrived
	cors        string          // its Access-Control-Allow-Origin
	done        bool            // loading finished or failed
}

// header is the value of the request header name as the browser sent it.
func (x *exchange) header(name string) string {
	for k, v := range x.sent {
		if strings.EqualFold(k, name) {
			s, _ := v.(string)
			return s
		}
	}
	return ""
}

// replay sends the request again from Go with the browser's headers, and
// returns what the console answers: its status and up to 64 KiB of body.
func (x *exchange) replay(t *testing.T) (int, string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, x.method, x.url, strings.NewReader(x.body))
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range x.sent {
		switch strings.ToLower(k) {
		case "host", "connection", "content-length", "accept-encoding": // the client's own; a plain body
			continue
		}
		if s, ok := v.(string); ok && !strings.HasPrefix(k, ":") {
			req.Header.Set(k, s)
		}
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("replay %s %s: %v", x.method, x.url, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	return resp.StatusCode, string(b)
}

// wire records the exchanges of a tab with the URLs under a prefix.
type wire struct {
	mu     sync.Mutex
	prefix string
	ex     map[network.RequestID]*exchange
}

// recordWire records from now on the exchanges of the tab with URLs that
// start with prefix. The browser reports the head of a response it
// refused to the page (a CORS failure) only in the extra-info events.
func (p *page) recordWire(prefix string) *wire {
	p.t.Helper()
	w := &wire{prefix: prefix, ex: map[network.RequestID]*exchange{}}
	p.do(chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		_, err := cdp.Call(ctx, tg, network.Enable, network.EnableParams{})
		return err
	}))
	of := func(id network.RequestID) *exchange {
		x := w.ex[id]
		if x == nil {
			x = &exchange{}
			w.ex[id] = x
		}
		return x
	}
	if err := chromedp.Listen(p.ctx, func(ev any) {
		w.mu.Lock()
		defer w.mu.Unlock()
		switch ev := ev.(type) {
		case *network.EventRequestWillBeSent:
			x := of(ev.RequestID)
			x.method, x.url = ev.Request.Method, ev.Request.URL
		case *network.EventRequestWillBeSentExtraInfo:
			of(ev.RequestID).sent = ev.Headers
		case *network.EventResponseReceivedExtraInfo:
			x := of(ev.RequestID)
			x.status = ev.StatusCode
			for k, v := range ev.Headers {
				if strings.EqualFold(k, "Access-Control-Allow-Origin") {
					x.cors, _ = v.(string)
				}
			}
		case *network.EventLoadingFinished:
			of(ev.RequestID).done = true
		case *network.EventLoadingFailed:
			of(ev.RequestID).done = true
		}
	}); err != nil {
		p.t.Fatal(err)
	}
	return w
}

// wait waits until n exchanges under the prefix have ended with a
// response head and their request headers known, and returns them.
func (w *wire) wait(p *page, n int) []exchange {
	p.t.Helper()
	var out []exchange
	ipctest.WaitFor(p.t, fmt.Sprintf("%d exchanges with %s", n, w.prefix), func() bool {
		w.mu.Lock()
		defer w.mu.Unlock()
		out = out[:0]
		for _, x := range w.ex {
			if strings.HasPrefix(x.url, w.prefix) && x.done && x.status != 0 && x.sent != nil {
				out = append(out, *x)
			}
		}
		return len(out) >= n
	})
	return out
}

// do sends req with the standard client and returns the status and body.
func do(t *testing.T, req *http.Request) (int, string) {
	t.Helper()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, string(b)
}
