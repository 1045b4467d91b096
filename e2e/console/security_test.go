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

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"github.com/ipc-dev/ipc/internal/ipctest"
)

// secretText is mail that a page without the token, or from another
// origin, must never see.
const secretText = "the staging database password rotates on Friday"

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
	wire := p.recordResponses(c.base + "/api/")
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
				headers: {"Content-Type": "text/plain"}, body: JSON.stringify({to: ["bob"], content: "sent from another origin"})}));
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

	seen := wire.wait(p, 5)
	for _, r := range seen {
		if r.status != http.StatusForbidden {
			t.Errorf("%s from the other origin got %d on the wire, want 403", r.url, r.status)
		}
		if r.cors != "" {
			t.Errorf("%s answered the other origin with Access-Control-Allow-Origin %q", r.url, r.cors)
		}
		if strings.Contains(r.body, secretText) || strings.Contains(r.body, "alice") {
			t.Errorf("%s sent the other origin mail: %.300q", r.url, r.body)
		}
	}
	if n := m.unreadFiles("bob"); n != 1 {
		t.Errorf("bob has %d unread messages after the other origin's POST, want only the 1 he had", n)
	}
}

// response is what the browser received for one request, on the wire,
// whatever the page was allowed to read of it.
type response struct {
	url, cors, body string
	status          int64
}

// responses records the responses of a tab to the URLs under a prefix.
type responses struct {
	mu       sync.Mutex
	prefix   string
	got      map[network.RequestID]*response
	finished map[network.RequestID]bool
}

// recordResponses records from now on the responses of the tab to URLs
// that start with prefix.
func (p *page) recordResponses(prefix string) *responses {
	p.t.Helper()
	rs := &responses{prefix: prefix, got: map[network.RequestID]*response{}, finished: map[network.RequestID]bool{}}
	p.do(chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		_, err := cdp.Call(ctx, tg, network.Enable, network.EnableParams{})
		return err
	}))
	if err := chromedp.Listen(p.ctx, func(ev any) {
		rs.mu.Lock()
		defer rs.mu.Unlock()
		switch ev := ev.(type) {
		case *network.EventResponseReceived:
			if strings.HasPrefix(ev.Response.URL, prefix) {
				cors, _ := ev.Response.Headers["Access-Control-Allow-Origin"].(string)
				rs.got[ev.RequestID] = &response{url: ev.Response.URL, status: ev.Response.Status, cors: cors}
			}
		case *network.EventLoadingFinished:
			rs.finished[ev.RequestID] = true
		case *network.EventLoadingFailed:
			rs.finished[ev.RequestID] = true
		}
	}); err != nil {
		p.t.Fatal(err)
	}
	return rs
}

// wait waits until at least n recorded responses have finished loading,
// reads their bodies from the browser, and returns them.
func (rs *responses) wait(p *page, n int) []*response {
	p.t.Helper()
	var ids []network.RequestID
	ipctest.WaitFor(p.t, fmt.Sprintf("%d responses under %s", n, rs.prefix), func() bool {
		rs.mu.Lock()
		defer rs.mu.Unlock()
		ids = ids[:0]
		for id := range rs.got {
			if rs.finished[id] {
				ids = append(ids, id)
			}
		}
		return len(ids) >= n
	})
	var out []*response
	for _, id := range ids {
		rs.mu.Lock()
		r := rs.got[id]
		rs.mu.Unlock()
		res, err := chromedp.Call(p.ctx, network.GetResponseBody, network.GetResponseBodyParams{RequestID: id})
		if err != nil {
			p.t.Fatalf("the body the browser received from %s: %v", r.url, err)
		}
		r.body = string(res.Body)
		out = append(out, r)
	}
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
