// Package peers measures the systems a user might pick instead of ipc, in
// one run and in one temporary directory, beside the bare fsync loop that
// is the physical limit of one durable message:
//
//   - NATS JetStream, the nats-server module embedded in this process with
//     file storage, with per-message fsync (SyncAlways) and with its default
//     sync;
//   - Redis with appendfsync always, when redis-server is on the PATH (or
//     installed from Debian's packages with --install).
//
// Run returns the figures and notes, which bench/cmd/peers prints alone
// and bench/cmd/ipcbench merges with its own. Every message body is 200
// bytes. Latencies are the median and the 99th percentile of sorted
// samples; throughputs the median of several short trials. RawLoop, the
// bare loop, is written against the system calls, not the product's code;
// the package imports maildir only to name the filesystem (Store.FS) and
// imports no door.
package peers

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime"
	"slices"
	"strings"
	"text/tabwriter"
	"time"
)

// bodySize is the size of every message body.
const bodySize = 200

// config sizes one run.
type config struct {
	Samples   int           // latency samples of one e2e scenario
	Warmup    int           // unrecorded messages before the samples
	Trials    int           // throughput trials of one scenario
	TrialTime time.Duration // length of one throughput trial
	Senders   int           // concurrent publishers of the _8 figures
	Phase     time.Duration // bound on one latency phase
	Total     time.Duration // bound on the whole run
}

func fullConfig() config {
	return config{Samples: 1000, Warmup: 20, Trials: 5, TrialTime: 2 * time.Second,
		Senders: 8, Phase: 25 * time.Second, Total: 170 * time.Second}
}

func quickConfig() config {
	return config{Samples: 200, Warmup: 10, Trials: 3, TrialTime: 400 * time.Millisecond,
		Senders: 8, Phase: 3 * time.Second, Total: 28 * time.Second}
}

// Report is the figures and notes of a run. Its JSON is the object the
// peers command prints: {"figures": {...}, "notes": [...]}.
type Report struct {
	Figures map[string]float64 `json:"figures"`
	Notes   []string           `json:"notes"`
	rows    []row              // for --table
}

// row is one line of the human table.
type row struct {
	name, unit   string
	value        float64
	p99          float64 // latency rows only
	lo, hi       float64 // min and max sample or trial
	n            int     // samples or trials
	isThroughput bool
}

func newReport() *Report { return &Report{Figures: map[string]float64{}, Notes: []string{}} }

func (r *Report) note(format string, args ...any) {
	r.Notes = append(r.Notes, fmt.Sprintf(format, args...))
}

// latency records prefix_p50_ms and prefix_p99_ms.
func (r *Report) latency(prefix string, l latency) {
	if len(l) == 0 {
		return
	}
	r.Figures[prefix+"_p50_ms"] = round(l.p50(), 3)
	r.Figures[prefix+"_p99_ms"] = round(l.p99(), 3)
	r.rows = append(r.rows, row{name: prefix, unit: "ms", value: l.p50(), p99: l.p99(),
		lo: ms(slices.Min(l)), hi: ms(slices.Max(l)), n: len(l)})
}

// rate records name as the median trial.
func (r *Report) rate(name string, t rates) {
	if len(t) == 0 {
		return
	}
	r.Figures[name] = round(t.median(), 1)
	lo, hi := t.minMax()
	r.rows = append(r.rows, row{name: name, unit: "msgs/s", value: t.median(), lo: lo, hi: hi,
		n: len(t), isThroughput: true})
}

// Options says what one run measures.
type Options struct {
	Quick    bool                 // the smaller run: well under 30 s
	Dir      string               // parent of the temporary directory; "" is the system's
	Only     []string             // scenarios to run, of raw, jetstream and redis; none is all
	Install  bool                 // install redis-server with apt-get when it is missing
	Consumer string               // JetStream consumer of the e2e figures: pull ("" too) or push
	Progress func(string, ...any) // progress lines; nil is none
}

// Run measures the peers in a fresh temporary directory under opts.Dir,
// which it removes before it returns, within the run's time bound (170 s,
// 28 s quick). It reports whether a scenario failed or the run was cut
// short (a peer that cannot run here is a note, not a failure).
func Run(ctx context.Context, opts Options) (rep *Report, failed bool) {
	cfg := fullConfig()
	if opts.Quick {
		cfg = quickConfig()
	}
	want := map[string]bool{}
	for _, s := range opts.Only {
		want[strings.TrimSpace(s)] = true
	}
	if len(want) == 0 {
		want = map[string]bool{"raw": true, "jetstream": true, "redis": true}
	}
	consumer := opts.Consumer
	if consumer == "" {
		consumer = "pull"
	}
	progress := opts.Progress
	if progress == nil {
		progress = func(string, ...any) {}
	}
	ctx, cancel := context.WithTimeout(ctx, cfg.Total)
	defer cancel()
	rep = newReport()
	failed = runAll(ctx, cfg, opts.Dir, want, opts.Install, consumer, rep, progress)
	return rep, failed
}

// runAll runs the wanted scenarios in a fresh temporary directory, which it
// removes before it returns. It reports whether a scenario failed (a
// skipped peer is not a failure).
func runAll(ctx context.Context, cfg config, parent string, want map[string]bool, install bool,
	consumer string, rep *Report, progress func(string, ...any)) (failed bool) {
	start := time.Now()
	tmp, err := os.MkdirTemp(parent, "ipc-bench-peers-")
	if err != nil {
		rep.note("cannot make a temporary directory: %v", err)
		return true
	}
	defer func() {
		if err := os.RemoveAll(tmp); err != nil {
			rep.note("cannot remove %s: %v", tmp, err)
		}
	}()
	rep.note("%s %s/%s, %d CPUs; temporary directory %s (%s); bodies of %d bytes; %d latency samples, %d throughput trials of %s each",
		runtime.Version(), runtime.GOOS, runtime.GOARCH, runtime.NumCPU(), tmp, fsType(tmp), bodySize,
		cfg.Samples, cfg.Trials, cfg.TrialTime)

	fail := func(what string, err error) {
		rep.note("%s failed: %v", what, err)
		progress("%s failed: %v", what, err)
		failed = true
	}

	if want["raw"] {
		progress("raw limit: create in tmp/, write, fsync, rename into new/, fsync new/")
		lat, tput, err := rawLimit(ctx, tmp, cfg, progress)
		rep.latency("raw_limit", lat)
		rep.rate("raw_limit_msgs_per_s", tput)
		if err != nil {
			fail("raw limit", err)
		}
	}

	if want["jetstream"] {
		rep.note("NATS JetStream: nats-server %s embedded in this process, nats.go %s; file storage, one replica; "+
			"%s durable consumer (explicit ack, sent after the receipt is timed); %d publishers on their own connections doing synchronous Publish (waiting for the ack)",
			natsServerVersion(), natsClientVersion(), consumer, cfg.Senders)
		for _, mode := range []struct {
			name       string
			syncAlways bool
		}{{"jetstream_sync", true}, {"jetstream_default", false}} {
			if ctx.Err() != nil {
				break
			}
			progress("%s (SyncAlways=%v)", mode.name, mode.syncAlways)
			res, err := jetStream(ctx, tmp, mode.syncAlways, consumer, cfg, progress)
			rep.latency(mode.name+"_e2e", res.e2e)
			rep.rate(fmt.Sprintf("%s_msgs_per_s_%d", mode.name, cfg.Senders), res.tput)
			if res.short != "" {
				rep.note("%s: %s", mode.name, res.short)
			}
			if err != nil {
				fail(mode.name, err)
			}
		}
	}

	if want["redis"] && ctx.Err() == nil {
		path, why := findRedis(ctx, install, progress)
		if path == "" {
			rep.note("redis skipped: %s", why)
			progress("redis skipped: %s", why)
		} else {
			progress("redis (appendfsync always): %s", path)
			res, err := redisAOF(ctx, tmp, path, cfg, progress)
			if res.version != "" {
				rep.note("Redis: %s with --appendonly yes --appendfsync always; e2e is LPUSH on one connection to the BRPOP reply on another; %d connections doing LPUSH for throughput; RESP client of this program",
					res.version, cfg.Senders)
			}
			rep.latency("redis_aof_always_e2e", res.e2e)
			rep.rate(fmt.Sprintf("redis_aof_always_msgs_per_s_%d", cfg.Senders), res.tput)
			if res.short != "" {
				rep.note("redis: %s", res.short)
			}
			if err != nil {
				fail("redis", err)
			}
		}
	}

	if err := ctx.Err(); err != nil {
		if errors.Is(err, context.DeadlineExceeded) {
			rep.note("the run hit its bound of %s; figures missing above were not measured", cfg.Total)
		} else {
			rep.note("the run was interrupted")
		}
		failed = true
	}
	rep.note("took %.1f s", time.Since(start).Seconds())
	return failed
}

// WriteTable writes the figures as a human table (median, p99, min–max,
// n), then the notes.
func (rep *Report) WriteTable(w io.Writer) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "scenario\tmedian\tp99\tmin–max\tn\tunit\t")
	for _, r := range rep.rows {
		p99, n := "", fmt.Sprintf("%d samples", r.n)
		if r.isThroughput {
			n = fmt.Sprintf("%d trials", r.n)
			fmt.Fprintf(tw, "%s\t%.0f\t%s\t%.0f–%.0f\t%s\t%s\t\n", r.name, r.value, p99, r.lo, r.hi, n, r.unit)
			continue
		}
		p99 = fmt.Sprintf("%.3f", r.p99)
		fmt.Fprintf(tw, "%s\t%.3f\t%s\t%.3f–%.3f\t%s\t%s\t\n", r.name, r.value, p99, r.lo, r.hi, n, r.unit)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	for _, n := range rep.Notes {
		fmt.Fprintf(w, "- %s\n", n)
	}
	return nil
}
