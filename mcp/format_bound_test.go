package mcp

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/ipc-dev/ipc/maildir"
)

// TestDataRenderingBounded: a peer's data is shown indented when small,
// and never grows much beyond its own size, however deep it nests (a
// 54 KB object nested 9,000 deep used to render as 162 MB).
func TestDataRenderingBounded(t *testing.T) {
	for _, tc := range []struct {
		data     string
		indented bool
	}{
		{`{"pr":42,"files":["a.go","b.go"]}`, true},
		{nested(5), true},
		{nested(100), false},
		{nested(9000), false},
		{`[` + strings.Repeat(`1,`, 20000) + `1]`, false},
		{`{"s":"` + strings.Repeat(`{[`, 5000) + `"}`, true},
	} {
		out := FormatMessages([]maildir.Message{{From: "peer", Content: "x", Data: json.RawMessage(tc.data)}}, 0, time.Now())
		if limit := 3*len(tc.data) + 2048; len(out) > limit {
			t.Errorf("data of %d bytes rendered as %d bytes, over %d", len(tc.data), len(out), limit)
		}
		if got := strings.Contains(out, "\n>   "); got != tc.indented {
			t.Errorf("data %.40s...: indented %v, want %v", tc.data, got, tc.indented)
		}
		if !strings.Contains(out, "Data:\n> ") {
			t.Errorf("data %.40s... not shown:\n%.300s", tc.data, out)
		}
	}
}
