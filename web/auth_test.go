package web_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/ipc-dev/ipc/web"
)

// every route of the console: the page, an asset, each API route, the
// event stream.
var routes = []struct{ method, path string }{
	{"GET", "/"},
	{"GET", "/assets/app.js"},
	{"GET", "/assets/app.css"},
	{"GET", "/api/agents"},
	{"GET", "/api/search?q=x"},
	{"GET", "/api/thread?id=x"},
	{"GET", "/api/message?id=x"},
	{"GET", "/api/deliveries?id=x"},
	{"GET", "/api/events"},
	{"POST", "/api/send"},
}

// refusal checks that a refused request got status and a JSON error of
// kind, and nothing of the console.
func refusal(t *testing.T, what string, code int, body []byte, status int, kind string) {
	t.Helper()
	var e struct{ Error, Message string }
	if code != status || json.Unmarshal(body, &e) != nil || e.Error != kind {
		t.Errorf("%s: %d %s, want %d {error: %s}", what, code, body, status, kind)
	}
	for _, leak := range []string{"<html", "agents", "messages", "event:"} {
		if strings.Contains(strings.ToLower(string(body)), leak) && !strings.Contains(e.Message, leak) {
			t.Errorf("%s: the refusal carries %q: %s", what, leak, body)
		}
	}
}

func TestEveryRouteNeedsTheToken(t *testing.T) {
	c := startConsole(t)
	for _, r := range routes {
		what := r.method + " " + r.path
		var body any
		if r.method == "POST" {
			body = map[string]any{"to": []string{"bob"}, "content": "hi"}
		}
		code, b := c.do(c.request(r.method, r.path, body, false))
		refusal(t, what+" without a token", code, b, http.StatusUnauthorized, "unauthorized")

		req := c.request(r.method, r.path, body, false)
		req.AddCookie(&http.Cookie{Name: "ipc_web_" + req.URL.Port(), Value: strings.Repeat("0", 64)})
		code, b = c.do(req)
		refusal(t, what+" with a wrong cookie", code, b, http.StatusForbidden, "forbidden")

		req = c.request(r.method, r.path, body, false)
		req.Header.Set("Authorization", "Bearer "+strings.Repeat("f", 64))
		code, b = c.do(req)
		refusal(t, what+" with a wrong bearer token", code, b, http.StatusForbidden, "forbidden")

		sep := "?"
		if strings.Contains(r.path, "?") {
			sep = "&"
		}
		code, b = c.do(c.request(r.method, r.path+sep+"token=wrong", body, false))
		refusal(t, what+" with a wrong ?token=", code, b, http.StatusForbidden, "forbidden")
	}
}

func TestTheTokenURLSetsTheCookieAndRedirects(t *testing.T) {
	c := startConsole(t)
	u, err := url.Parse(c.srv.URL())
	if err != nil || u.Query().Get("token") != c.srv.Token() || len(c.srv.Token()) != 64 {
		t.Fatalf("URL %s: want ?token= with 64 hex digits", c.srv.URL())
	}
	res, err := c.c.Get(c.srv.URL())
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/" {
		t.Fatalf("the token URL: %d to %q, want 303 to /", res.StatusCode, res.Header.Get("Location"))
	}
	var cookie *http.Cookie
	for _, ck := range res.Cookies() {
		if ck.Name == "ipc_web_"+u.Port() {
			cookie = ck
		}
	}
	if cookie == nil || cookie.Value != c.srv.Token() || !cookie.HttpOnly || cookie.SameSite != http.SameSiteStrictMode || cookie.Path != "/" {
		t.Fatalf("cookie %+v: want the token, HttpOnly, SameSite=Strict, Path=/", cookie)
	}

	// The cookie alone then opens every GET route.
	for _, r := range routes {
		if r.method != "GET" || r.path == "/api/events" {
			continue
		}
		req := c.request("GET", r.path, nil, false)
		req.AddCookie(cookie)
		code, b := c.do(req)
		if code == http.StatusUnauthorized || code == http.StatusForbidden {
			t.Errorf("GET %s with the cookie: %d %s", r.path, code, b)
		}
	}
	req := c.request("GET", "/", nil, false)
	req.AddCookie(cookie)
	res, err = c.c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != 200 || !strings.HasPrefix(res.Header.Get("Content-Type"), "text/html") {
		t.Fatalf("the page with the cookie: %d %s", res.StatusCode, res.Header.Get("Content-Type"))
	}
	for h, want := range map[string]string{
		"Content-Security-Policy": "default-src 'self'",
		"X-Content-Type-Options":  "nosniff",
		"Referrer-Policy":         "no-referrer",
		"X-Frame-Options":         "DENY",
	} {
		if !strings.Contains(res.Header.Get(h), want) {
			t.Errorf("%s: %q, want %q", h, res.Header.Get(h), want)
		}
	}
	if res.Header.Get("Access-Control-Allow-Origin") != "" {
		t.Error("a CORS header")
	}

	// A deeper path keeps its query, without the token.
	res, err = c.c.Get(c.base + "/api/search?q=x&token=" + c.srv.Token())
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if loc := res.Header.Get("Location"); res.StatusCode != http.StatusSeeOther || loc != "/api/search?q=x" {
		t.Errorf("the token on a deeper path: %d to %q", res.StatusCode, loc)
	}

	// A path that would send the browser elsewhere stays on the console.
	for _, p := range []string{"//evil.example/", "/\\evil.example/", "/%5Cevil.example/", "///evil.example"} {
		req := c.request(http.MethodGet, p+"?token="+c.srv.Token(), nil, false)
		res, err := c.c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		loc := res.Header.Get("Location")
		if res.StatusCode != http.StatusSeeOther || !strings.HasPrefix(loc, "/") || strings.HasPrefix(loc, "//") || strings.Contains(loc, "\\") {
			t.Errorf("the token on %q: %d to %q, which leaves the console", p, res.StatusCode, loc)
		}
	}
}

func TestASpoofedHostIsRefused(t *testing.T) {
	c := startConsole(t)
	port := strings.TrimPrefix(c.base, "http://127.0.0.1:")
	for _, host := range []string{"evil.example:" + port, "evil.example", "127.0.0.1:1", "127.0.0.1", "localhost.evil.example:" + port} {
		for _, r := range routes {
			req := c.request(r.method, r.path, nil, true)
			req.Host = host
			code, b := c.do(req)
			refusal(t, r.method+" "+r.path+" with Host "+host, code, b, http.StatusForbidden, "forbidden")
		}
	}
	for _, host := range []string{"127.0.0.1:" + port, "localhost:" + port} {
		req := c.request("GET", "/api/agents", nil, true)
		req.Host = host
		if code, b := c.do(req); code != 200 {
			t.Errorf("Host %s: %d %s", host, code, b)
		}
	}
}

func TestAForeignOriginIsRefused(t *testing.T) {
	c := startConsole(t)
	for _, origin := range []string{"http://evil.example", "null", "http://localhost:1", "https://" + strings.TrimPrefix(c.base, "http://"), c.base + ".evil.example"} {
		for _, r := range routes {
			var body any
			if r.method == "POST" {
				body = map[string]any{"to": []string{"bob"}, "content": "hi"}
			}
			req := c.request(r.method, r.path, body, true)
			req.Header.Set("Origin", origin)
			code, b := c.do(req)
			refusal(t, r.method+" "+r.path+" from "+origin, code, b, http.StatusForbidden, "forbidden")
		}
	}
	req := c.request("GET", "/api/agents", nil, true)
	req.Header.Set("Sec-Fetch-Site", "cross-site")
	code, b := c.do(req)
	refusal(t, "a cross-site fetch", code, b, http.StatusForbidden, "forbidden")

	// The console's own origin is served, GET and POST.
	req = c.request("GET", "/api/agents", nil, true)
	req.Header.Set("Origin", c.base)
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	if code, b := c.do(req); code != 200 {
		t.Errorf("GET from the console's own origin: %d %s", code, b)
	}
	c.login("bob")
	req = c.request("POST", "/api/send", map[string]any{"to": []string{"bob"}, "content": "hi"}, true)
	req.Header.Set("Origin", c.base)
	if code, b := c.do(req); code != 200 {
		t.Errorf("POST from the console's own origin: %d %s", code, b)
	}
}

func TestAPostNeedsJSON(t *testing.T) {
	c := startConsole(t)
	for _, ct := range []string{"", "text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x"} {
		req := c.request("POST", "/api/send", map[string]any{"to": []string{"bob"}, "content": "hi"}, true)
		req.Header.Set("Content-Type", ct)
		code, b := c.do(req)
		refusal(t, "a POST of "+ct, code, b, http.StatusUnsupportedMediaType, "unsupported_media_type")
	}
	code, b := c.do(c.request("GET", "/api/send", nil, true))
	refusal(t, "GET /api/send", code, b, http.StatusMethodNotAllowed, "method_not_allowed")
}

func TestListenRefusesAnAddressThatIsNotLoopback(t *testing.T) {
	for _, addr := range []string{"0.0.0.0:0", "192.0.2.1:80", ":0", "example.com:80"} {
		if _, err := web.Listen(nil, web.Config{Addr: addr}); err == nil || !strings.Contains(err.Error(), "loopback") {
			t.Errorf("Listen(%q): %v, want a refusal naming loopback", addr, err)
		}
	}
	for _, addr := range []string{"nonsense", "127.0.0.1:99999"} {
		if _, err := web.Listen(nil, web.Config{Addr: addr}); err == nil {
			t.Errorf("Listen(%q) accepted it", addr)
		}
	}
}
