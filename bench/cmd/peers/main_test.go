package main

import (
	"bytes"
	"encoding/json"
	"testing"
)

// TestRunJSON runs the program as a user would, with only the raw loop and
// JetStream, and checks the output is one JSON object with the figures.
func TestRunJSON(t *testing.T) {
	if testing.Short() {
		t.Skip("short")
	}
	var out, errb bytes.Buffer
	if code := run([]string{"--quick", "--only", "raw,jetstream", "--dir", t.TempDir()}, &out, &errb); code != 0 {
		t.Fatalf("exit %d: %s\n%s", code, out.String(), errb.String())
	}
	var rep struct {
		Figures map[string]float64 `json:"figures"`
		Notes   []string           `json:"notes"`
	}
	if err := json.Unmarshal(out.Bytes(), &rep); err != nil {
		t.Fatalf("%v: %s", err, out.String())
	}
	for _, k := range []string{"raw_limit_p50_ms", "raw_limit_msgs_per_s",
		"jetstream_sync_msgs_per_s_8", "jetstream_sync_e2e_p50_ms", "jetstream_sync_e2e_p99_ms",
		"jetstream_default_e2e_p50_ms", "jetstream_default_e2e_p99_ms"} {
		positive(t, k, rep.Figures[k])
	}
}

func positive(t *testing.T, name string, v float64) {
	t.Helper()
	if !(v > 0) {
		t.Errorf("%s = %v, want > 0", name, v)
	}
}
