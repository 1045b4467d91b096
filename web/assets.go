package web

import (
	"embed"
	"io/fs"
	"net/http"
	"strings"
)

// The page and its assets, embedded: nothing is fetched from anywhere
// else. index.html is the one page; each screen has its script.
//
//go:embed assets
var assetFS embed.FS

// assets serves / (the page) and /assets/... (its styles and scripts);
// anything else is not_found.
func (s *Server) assets() http.Handler {
	sub, err := fs.Sub(assetFS, "assets")
	if err != nil {
		panic(err) // the embedded tree always has assets/
	}
	files := http.FileServerFS(sub)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			w.Header().Set("Allow", "GET")
			refuse(w, http.StatusMethodNotAllowed, "method_not_allowed", r.URL.Path+" takes GET")
			return
		}
		switch {
		case r.URL.Path == "/":
			http.ServeFileFS(w, r, sub, "index.html")
		case strings.HasPrefix(r.URL.Path, "/assets/") && r.URL.Path != "/assets/index.html":
			if _, err := fs.Stat(sub, strings.TrimPrefix(r.URL.Path, "/assets/")); err != nil {
				refuse(w, http.StatusNotFound, "not_found", "no such asset: "+r.URL.Path)
				return
			}
			http.StripPrefix("/assets", files).ServeHTTP(w, r)
		default:
			refuse(w, http.StatusNotFound, "not_found", "no such page: "+r.URL.Path)
		}
	})
}
