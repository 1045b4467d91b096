package main

import (
	"runtime/debug"
	"strings"
)

// init settles the version before any command reads it.
func init() {
	info, _ := debug.ReadBuildInfo() // nil when the binary has none
	version = buildVersion(version, info)
}

// buildVersion returns the version of this binary: the one set at build
// time (make build: -ldflags "-X main.version=..."), when one was; else
// the main module's version in the build info (go install ...@v1.2.0, or
// the version go build derives from the checkout's tag and commit); else
// the commit it was built from (vcs.revision, "+dirty" when the work tree
// had changes); else "dev". info may be nil.
func buildVersion(set string, info *debug.BuildInfo) string {
	if set != "dev" && set != "" {
		return set
	}
	if info == nil {
		return "dev"
	}
	if v := info.Main.Version; v != "" && v != "(devel)" {
		return v
	}
	var revision, dirty string
	for _, s := range info.Settings {
		switch s.Key {
		case "vcs.revision":
			revision = s.Value
		case "vcs.modified":
			if s.Value == "true" {
				dirty = "+dirty"
			}
		}
	}
	if revision == "" {
		return "dev"
	}
	return shortRevision(revision) + dirty
}

// shortRevision is a commit hash cut to 12 digits, as Go's pseudo-versions
// write it.
func shortRevision(r string) string {
	r = strings.TrimSpace(r)
	if len(r) > 12 {
		return r[:12]
	}
	return r
}
