package web

import (
	"crypto/subtle"
	"mime"
	"net"
	"net/http"
	"net/url"
	"path"
	"strings"
)

// The checks every request passes before any route sees it, in order:
//
//  0. The connection does not come from another OS user (peer.go).
//  1. Host is the address the console listens on (127.0.0.1:PORT,
//     [::1]:PORT, localhost:PORT): a page of another name that resolves
//     to loopback (DNS rebinding) gets nothing.
//  2. Origin, when present, is the console's own (http:// and the Host),
//     and Sec-Fetch-Site, when present, is same-origin or none: another
//     site's page can neither read nor post.
//  3. The token: ?token= once (which sets the cookie and redirects to the
//     same URL without it), then the cookie, or an Authorization: Bearer
//     header for scripts. Compared in constant time.
//  4. A POST carries JSON (Content-Type: application/json).
//
// A refusal says why in the JSON error of api.go and carries no data.

// cookieName is the cookie that carries the token, one per port: cookies
// do not tell ports apart, and two consoles may run at once.
func (s *Server) cookieName() string { return "ipc_web_" + s.port }

// hostsOf is the set of Host headers a console listening on addr answers
// to.
func hostsOf(addr *net.TCPAddr, port string) map[string]bool {
	hosts := map[string]bool{net.JoinHostPort(addr.IP.String(), port): true}
	if addr.IP.IsLoopback() || addr.IP.IsUnspecified() {
		hosts[net.JoinHostPort("localhost", port)] = true
		hosts[net.JoinHostPort("127.0.0.1", port)] = true
	}
	if addr.IP.To4() == nil && (addr.IP.IsLoopback() || addr.IP.IsUnspecified()) {
		hosts[net.JoinHostPort("::1", port)] = true
	}
	return hosts
}

// hostAllowed reports whether a request's Host names this console. With
// ListenAny, any IP literal with the console's port does too (the address
// the remote browser used); a name other than localhost never does.
func (s *Server) hostAllowed(host string) bool {
	if s.hosts[host] {
		return true
	}
	if !s.any {
		return false
	}
	h, p, err := net.SplitHostPort(host)
	return err == nil && p == s.port && net.ParseIP(h) != nil
}

// guard wraps next in the checks above and the security headers every
// response carries.
func (s *Server) guard(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", "default-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'")
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Cache-Control", "no-store")
		if uid, other := otherUser(r); other {
			refuseOtherUser(w, uid)
			return
		}
		if !s.hostAllowed(r.Host) {
			refuse(w, http.StatusForbidden, "forbidden", "this console answers only to the address it listens on")
			return
		}
		if o := r.Header.Get("Origin"); o != "" && o != "http://"+r.Host {
			refuse(w, http.StatusForbidden, "forbidden", "requests from another origin are refused")
			return
		}
		if site := r.Header.Get("Sec-Fetch-Site"); site != "" && site != "same-origin" && site != "none" {
			refuse(w, http.StatusForbidden, "forbidden", "requests from another site are refused")
			return
		}
		if q := r.URL.Query(); q.Has("token") {
			s.takeToken(w, r, q)
			return
		}
		if ok, present := s.carriesToken(r); !ok {
			if present {
				refuse(w, http.StatusForbidden, "forbidden", "wrong token: open the URL ipc web printed")
			} else {
				refuse(w, http.StatusUnauthorized, "unauthorized", "no token: open the URL ipc web printed (it carries one)")
			}
			return
		}
		if r.Method == http.MethodPost {
			if mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type")); err != nil || mt != "application/json" {
				refuse(w, http.StatusUnsupportedMediaType, "unsupported_media_type", "a POST carries JSON (Content-Type: application/json)")
				return
			}
		}
		next.ServeHTTP(w, r)
	})
}

// takeToken answers a request that carries ?token=: the right token sets
// the cookie and redirects to the same URL without it (so that it leaves
// the address bar and the history); a wrong one is refused.
func (s *Server) takeToken(w http.ResponseWriter, r *http.Request, q url.Values) {
	if !s.tokenIs(q.Get("token")) {
		refuse(w, http.StatusForbidden, "forbidden", "wrong token: open the URL ipc web printed")
		return
	}
	http.SetCookie(w, &http.Cookie{
		Name:     s.cookieName(),
		Value:    s.token,
		Path:     "/",
		HttpOnly: true,
		SameSite: http.SameSiteStrictMode,
	})
	// The path as given could leave the console (//host/, /\host/ in a
	// browser): it is cleaned to one of this console's own.
	q.Del("token")
	clean := url.URL{Path: path.Clean("/" + strings.ReplaceAll(r.URL.Path, "\\", "/")), RawQuery: q.Encode()}
	http.Redirect(w, r, clean.String(), http.StatusSeeOther)
}

// carriesToken reports whether r carries the right token (in the cookie
// or an Authorization: Bearer header), and whether it carries one at all.
func (s *Server) carriesToken(r *http.Request) (ok, present bool) {
	if auth := r.Header.Get("Authorization"); auth != "" {
		t, found := strings.CutPrefix(auth, "Bearer ")
		return found && s.tokenIs(t), true
	}
	c, err := r.Cookie(s.cookieName())
	if err != nil {
		return false, false
	}
	return s.tokenIs(c.Value), true
}

// tokenIs compares t with the token in constant time.
func (s *Server) tokenIs(t string) bool {
	return subtle.ConstantTimeCompare([]byte(t), []byte(s.token)) == 1
}
