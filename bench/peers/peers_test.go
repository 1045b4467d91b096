package peers

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"testing"
	"time"
)

// tiny is a run small enough for a unit test.
func tiny() config {
	return config{Samples: 20, Warmup: 2, Trials: 2, TrialTime: 100 * time.Millisecond,
		Senders: 8, Phase: 5 * time.Second, Total: 60 * time.Second}
}

func positive(t *testing.T, name string, v float64) {
	t.Helper()
	if !(v > 0) {
		t.Errorf("%s = %v, want > 0", name, v)
	}
}

func TestJetStream(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	for _, syncAlways := range []bool{true, false} {
		for _, consumer := range []string{"pull", "push"} {
			res, err := jetStream(ctx, t.TempDir(), syncAlways, consumer, tiny(), t.Logf)
			if err != nil {
				t.Fatalf("SyncAlways=%v %s: %v", syncAlways, consumer, err)
			}
			if len(res.e2e) != tiny().Samples || len(res.tput) != tiny().Trials {
				t.Errorf("SyncAlways=%v %s: %d samples, %d trials", syncAlways, consumer, len(res.e2e), len(res.tput))
			}
			positive(t, "e2e p50", res.e2e.p50())
			positive(t, "e2e p99", res.e2e.p99())
			positive(t, "msgs/s", res.tput.median())
		}
	}
}

func TestRawLimit(t *testing.T) {
	lat, tput, err := rawLimit(context.Background(), t.TempDir(), tiny(), t.Logf)
	if err != nil {
		t.Fatal(err)
	}
	positive(t, "p50", lat.p50())
	positive(t, "msgs/s", tput.median())
}

func TestRedis(t *testing.T) {
	path, err := lookRedis()
	if err != nil {
		t.Skip("redis-server not installed")
	}
	res, err := redisAOF(context.Background(), t.TempDir(), path, tiny(), t.Logf)
	if err != nil {
		t.Fatal(err)
	}
	positive(t, "e2e p50", res.e2e.p50())
	positive(t, "msgs/s", res.tput.median())
}

func TestRESP(t *testing.T) {
	// A reply of every kind, as a server sends it.
	in := "+OK\r\n-ERR bad\r\n:42\r\n$3\r\nabc\r\n$-1\r\n*2\r\n$1\r\nk\r\n$2\r\nvv\r\n*-1\r\n"
	c := &respConn{r: bufio.NewReader(strings.NewReader(in))}
	want := []string{"OK", "redis: ERR bad", "42", "abc", "", "[k vv]", "[]"}
	for i, w := range want {
		v, err := c.read()
		if err != nil {
			t.Fatal(err)
		}
		if got := fmt.Sprintf("%s", v); i == 2 {
			if v != int64(42) {
				t.Errorf("reply %d = %#v, want 42", i, v)
			}
		} else if got != w {
			t.Errorf("reply %d = %s, want %s", i, got, w)
		}
	}
	if _, err := c.read(); err == nil {
		t.Error("read past the end: no error")
	}
}

// TestCleanup interrupts a run part-way and checks that it removes its
// temporary directory and leaves no goroutine of its own behind.
func TestCleanup(t *testing.T) {
	_, noRedis := lookRedis()
	for _, c := range []struct {
		only  string
		after time.Duration
	}{
		{"jetstream", 100 * time.Millisecond},
		{"jetstream", 900 * time.Millisecond},
		{"jetstream", 2500 * time.Millisecond},
		{"redis", 100 * time.Millisecond},
		{"redis", 800 * time.Millisecond},
	} {
		if c.only == "redis" && noRedis != nil {
			continue
		}
		after := c.after
		before := runtime.NumGoroutine()
		parent := t.TempDir()
		ctx, cancel := context.WithTimeout(context.Background(), after)
		rep := newReport()
		failed := runAll(ctx, quickConfig(), parent, map[string]bool{c.only: true},
			false, "pull", rep, t.Logf)
		cancel()
		if !failed {
			t.Errorf("%s interrupted after %s did not report failure", c.only, after)
		}
		if ents, err := os.ReadDir(parent); err != nil || len(ents) != 0 {
			t.Errorf("run interrupted after %s left %v behind (%v)", after, ents, err)
		}
		deadline := time.Now().Add(5 * time.Second)
		for runtime.NumGoroutine() > before && time.Now().Before(deadline) {
			time.Sleep(20 * time.Millisecond)
		}
		if n := runtime.NumGoroutine(); n > before {
			buf := make([]byte, 1<<16)
			t.Fatalf("interrupted after %s: %d goroutines before, %d after:\n%s", after, before, n, buf[:runtime.Stack(buf, true)])
		}
	}
}

// TestRedisFails checks that a server that will not start is an error, not
// a hang.
func TestRedisFails(t *testing.T) {
	false_, err := exec.LookPath("false")
	if err != nil {
		t.Skip("no false(1)")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if _, err := redisAOF(ctx, t.TempDir(), false_, tiny(), t.Logf); err == nil {
		t.Error("redis-server that exits at once: no error")
	}
}
