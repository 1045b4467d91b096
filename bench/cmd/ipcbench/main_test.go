package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

func TestUsage(t *testing.T) {
	cases := []struct {
		args   []string
		code   int
		stderr string
	}{
		{[]string{"--only", "nosuch"}, 2, `ipcbench: usage: unknown scenario "nosuch" (known: raw_limit,`},
		{[]string{"--bogus"}, 2, "ipcbench: usage: flag provided but not defined: -bogus"},
		{[]string{"extra"}, 2, `ipcbench: usage: unexpected argument "extra"`},
		{[]string{"--ipc", filepath.Join(t.TempDir(), "none")}, 2, "ipcbench: usage: --ipc:"},
		{[]string{"-h"}, 0, "-quick"},
	}
	for _, c := range cases {
		var out, errb bytes.Buffer
		code := run(context.Background(), c.args, &out, &errb)
		if code != c.code || !strings.Contains(errb.String(), c.stderr) {
			t.Errorf("ipcbench %v: exit %d stderr %q; want exit %d stderr containing %q", c.args, code, errb.String(), c.code, c.stderr)
		}
	}
}

// TestQuickRun builds the ipc binary of this tree and runs a few scenarios
// of the quick suite against it, through the filesystem, the MCP door and
// the socket's fast path, and the search index against a scan (whose
// answers must agree, or the run fails).
func TestQuickRun(t *testing.T) {
	if testing.Short() {
		t.Skip("short")
	}
	bin := filepath.Join(t.TempDir(), "ipc")
	build := exec.Command("go", "build", "-o", bin, "./cmd/ipc")
	build.Dir = filepath.Join("..", "..", "..")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build ./cmd/ipc: %v\n%s", err, out)
	}
	var out, errb bytes.Buffer
	args := []string{"--ipc", bin, "--quick", "--json", "--only", "raw_limit,direct_send,e2e_fs,mcp_prompt,search,fast_send"}
	if code := run(context.Background(), args, &out, &errb); code != 0 {
		t.Fatalf("exit %d: %s\n%s", code, out.String(), errb.String())
	}
	var rep struct {
		Figures map[string]float64 `json:"figures"`
		Ratios  map[string]float64 `json:"ratios"`
		Notes   []string           `json:"notes"`
	}
	if err := json.Unmarshal(out.Bytes(), &rep); err != nil {
		t.Fatalf("%v: %s", err, out.String())
	}
	for _, k := range []string{"raw_limit_p50_ms", "raw_limit_msgs_per_s", "raw_limit_publish_p50_ms",
		"direct_send_msgs_per_s", "e2e_fs_p50_ms", "e2e_fs_p99_ms", "mcp_prompt_chars_claude",
		"mcp_tools_chars_codex", "fast_send_msgs_per_s_8", "search_index_p50_ms", "search_scan_p95_ms",
		"search_rebuild_s", "search_index_mb", "send_index_on_p50_ms", "send_index_off_msgs_per_s"} {
		if !(rep.Figures[k] > 0) {
			t.Errorf("%s = %v, want > 0 (notes: %q)", k, rep.Figures[k], rep.Notes)
		}
	}
	if _, ok := rep.Ratios["direct_send / raw_limit (msgs/s)"]; !ok {
		t.Errorf("no direct_send ratio in %v", rep.Ratios)
	}
	if len(rep.Notes) == 0 || !strings.HasPrefix(rep.Notes[0], "ipc binary: "+bin) {
		t.Errorf("notes do not name the binary first: %q", rep.Notes)
	}
}
