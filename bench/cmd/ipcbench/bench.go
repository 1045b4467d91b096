package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"text/tabwriter"
	"time"
)

// usageError is a bad command line: exit code 2.
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

// runBench runs every scenario in a temporary root, several trials each,
// and prints the median, the p99 and the min–max over trials of each
// figure, then the ratios the performance targets are stated in. With
// --json it prints one object whose "figures" map holds every figure.
func runBench(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("ipcbench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	bin := fs.String("ipc", "", "the ipc binary to measure (default: ipc on the PATH)")
	quick := fs.Bool("quick", false, "a smaller run (under a minute)")
	asJSON := fs.Bool("json", false, "print one JSON object")
	var names []string
	for _, sc := range (&bench{}).scenarios(true) {
		names = append(names, sc.name)
	}
	only := fs.String("only", "", "comma-separated scenarios to run: "+strings.Join(names, ", "))
	withPeers := fs.Bool("peers", true, "also run the peer systems (NATS JetStream, Redis) of package peers")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return usageError{err.Error()}
	}
	if fs.NArg() > 0 {
		return usageError{fmt.Sprintf("unexpected argument %q", fs.Arg(0))}
	}
	want := map[string]bool{}
	for _, s := range strings.Split(*only, ",") {
		if s == "" {
			continue
		}
		if !slices.Contains(names, s) {
			return usageError{fmt.Sprintf("unknown scenario %q (known: %s)", s, strings.Join(names, ", "))}
		}
		want[s] = true
	}
	exe, err := ipcBinary(*bin)
	if err != nil {
		return err
	}
	scratch, err := os.MkdirTemp("", "ipc-bench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(scratch)
	b := &bench{ipc: exe, quick: *quick, scratch: scratch, progress: stderr, figures: map[string]*figure{}}
	b.notes = append(b.notes, "ipc binary: "+ipcVersion(exe))
	if spreadDirs(scratch) {
		b.notes = append(b.notes, "scratch directories are spread over fresh ext4 block groups (chattr +T), away from recently deleted files")
	}
	b.trials = 5
	if b.quick {
		b.trials = 2
	}
	start := time.Now()
	for _, sc := range b.scenarios(*withPeers) {
		if len(want) > 0 && !want[sc.name] {
			continue
		}
		trials := b.trials
		if sc.once {
			trials = 1
		}
		for t := 0; t < trials; t++ {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			fmt.Fprintf(b.progress, "\r\033[Kbench: %s (trial %d/%d, %s elapsed)", sc.name, t+1, trials, time.Since(start).Round(time.Second))
			if err := sc.run(ctx, b); err != nil {
				var d disagreement
				if errors.As(err, &d) {
					b.failures = append(b.failures, d.Error())
				}
				b.notes = append(b.notes, fmt.Sprintf("%s: %v", sc.name, err))
				break
			}
		}
	}
	fmt.Fprintf(b.progress, "\r\033[Kbench: done in %s\n", time.Since(start).Round(time.Second))
	write := b.writeTable
	if *asJSON {
		write = b.writeJSON
	}
	if err := write(stdout); err != nil {
		return err
	}
	if len(b.failures) > 0 {
		return fmt.Errorf("FAILED: %s", strings.Join(b.failures, "; "))
	}
	return nil
}

// ipcBinary is the absolute path of the ipc binary to measure: bin, or ipc
// on the PATH when bin is "".
func ipcBinary(bin string) (string, error) {
	if bin == "" {
		p, err := exec.LookPath("ipc")
		if err != nil {
			return "", usageError{"no ipc on the PATH: pass --ipc (make build writes bin/ipc)"}
		}
		bin = p
	}
	if _, err := os.Stat(bin); err != nil {
		return "", usageError{fmt.Sprintf("--ipc: %v", err)}
	}
	return filepath.Abs(bin)
}

// ipcVersion names the binary at exe and the version it prints.
func ipcVersion(exe string) string {
	out, err := exec.Command(exe, "version").Output()
	if err != nil {
		return fmt.Sprintf("%s (ipc version: %v)", exe, err)
	}
	return fmt.Sprintf("%s (%s)", exe, strings.TrimSpace(string(out)))
}

// bench collects figures across scenarios and trials.
type bench struct {
	ipc      string // the ipc binary the subprocess scenarios run
	quick    bool
	trials   int
	scratch  string // every scenario's files, removed when the run ends
	progress io.Writer
	figures  map[string]*figure
	order    []string
	notes    []string
	failures []string // wrong answers, not slow ones: they fail the run
}

// figure is one named measurement: per-trial values, and for latencies
// every sample.
type figure struct {
	unit    string    // "ms", "msgs/s", "pairs/s", "MB"
	trials  []float64 // one value per trial (a rate, or a trial's median)
	samples []float64 // latency samples over all trials (ms)
}

// scenario is one benchmark; run performs one trial.
type scenario struct {
	name string
	once bool // a single trial (slow set-up, or a one-off measure)
	run  func(ctx context.Context, b *bench) error
}

func (b *bench) fig(key, unit string) *figure {
	f := b.figures[key]
	if f == nil {
		f = &figure{unit: unit}
		b.figures[key] = f
		b.order = append(b.order, key)
	}
	return f
}

// rate records a throughput of one trial.
func (b *bench) rate(key, unit string, n int, d time.Duration) {
	f := b.fig(key, unit)
	f.trials = append(f.trials, float64(n)/d.Seconds())
}

// value records a plain value of one trial.
func (b *bench) value(key, unit string, v float64) {
	f := b.fig(key, unit)
	f.trials = append(f.trials, v)
}

// latency records latency samples of one trial under prefix_p50_ms and
// prefix_p99_ms.
func (b *bench) latency(prefix string, samples []time.Duration) {
	ms := make([]float64, len(samples))
	for i, d := range samples {
		ms[i] = float64(d) / float64(time.Millisecond)
	}
	sort.Float64s(ms)
	p50 := b.fig(prefix+"_p50_ms", "ms")
	p50.trials = append(p50.trials, quantile(ms, 0.5))
	p50.samples = append(p50.samples, ms...)
	p99 := b.fig(prefix+"_p99_ms", "ms")
	p99.trials = append(p99.trials, quantile(ms, 0.99))
	p99.samples = append(p99.samples, ms...)
}

func quantile(sorted []float64, q float64) float64 {
	if len(sorted) == 0 {
		return math.NaN()
	}
	i := int(math.Ceil(q*float64(len(sorted)))) - 1
	return sorted[max(0, min(i, len(sorted)-1))]
}

// summary returns the reported value (the median over trials, or for
// latency figures the quantile over all samples), the p99 over samples,
// and the min and max over trials.
func (f *figure) summary(key string) (med, p99, lo, hi float64) {
	t := append([]float64(nil), f.trials...)
	sort.Float64s(t)
	lo, hi = t[0], t[len(t)-1]
	med = quantile(t, 0.5)
	p99 = math.NaN()
	if len(f.samples) > 0 {
		s := append([]float64(nil), f.samples...)
		sort.Float64s(s)
		switch {
		case strings.HasSuffix(key, "_p50_ms"):
			med = quantile(s, 0.5)
		case strings.HasSuffix(key, "_p99_ms"):
			med = quantile(s, 0.99)
		}
		p99 = quantile(s, 0.99)
	}
	return med, p99, lo, hi
}

func (b *bench) values() map[string]float64 {
	out := map[string]float64{}
	for k, f := range b.figures {
		v, _, _, _ := f.summary(k)
		out[k] = round3(v)
	}
	return out
}

func round3(v float64) float64 { return math.Round(v*1000) / 1000 }

func (b *bench) writeJSON(w io.Writer) error {
	ranges := map[string][2]float64{}
	for k, f := range b.figures {
		_, _, lo, hi := f.summary(k)
		ranges[k] = [2]float64{round3(lo), round3(hi)}
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(map[string]any{
		"figures":  b.values(),
		"ranges":   ranges,
		"ratios":   b.ratios(),
		"targets":  targets,
		"trials":   b.trials,
		"quick":    b.quick,
		"notes":    b.notes,
		"failures": b.failures,
	})
}

func (b *bench) writeTable(w io.Writer) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "figure\tvalue\tp99\tmin\tmax\tunit\t")
	for _, k := range b.order {
		f := b.figures[k]
		med, p99, lo, hi := f.summary(k)
		p := "-"
		if !math.IsNaN(p99) && strings.HasSuffix(k, "_p50_ms") {
			p = fmt.Sprintf("%.3f", p99)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t\n", k, num(med), p, num(lo), num(hi), f.unit)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if r := b.ratios(); len(r) > 0 {
		fmt.Fprintln(w, "\nratios (targets in brackets):")
		keys := make([]string, 0, len(r))
		for k := range r {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			fmt.Fprintf(w, "  %-58s %8.3f  [%s]\n", k, r[k], targets[k])
		}
	}
	for _, n := range b.notes {
		fmt.Fprintln(w, "note:", n)
	}
	return nil
}

func num(v float64) string {
	switch {
	case math.IsNaN(v):
		return "-"
	case v >= 1000:
		return fmt.Sprintf("%.0f", v)
	case v >= 10:
		return fmt.Sprintf("%.1f", v)
	}
	return fmt.Sprintf("%.3f", v)
}

// targets states each ratio's goal, as printed beside it.
var targets = map[string]string{
	"direct_send / raw_limit (msgs/s)":             ">= 0.9",
	"fast_send_8 / raw_limit (msgs/s)":             ">= 5",
	"fast_send_8 / jetstream_sync_8 (msgs/s)":      ">= 1",
	"e2e_fs_p50 - raw_limit_p50 (ms)":              "<= 0.3",
	"e2e_socket_p50 - raw_limit_p50 (ms)":          "<= 0.2",
	"e2e_fs_p50 / jetstream_sync_e2e_p50":          "<= 1",
	"e2e_socket_p50 / jetstream_sync_e2e_p50":      "<= 1",
	"check_history_100k / check_history_0":         "<= 1.2",
	"legacy_pairs_per_s_1 (absolute)":              ">= 1000",
	"mcp_start_ms (absolute)":                      "<= 50",
	"mcp_idle_rss_mb (absolute)":                   "<= 20",
	"send_history_100k / direct send latency (ms)": "~ 1",
	"check_after_backlog_1k / check_history_0":     "(no target)",
	"e2e_fs_p50 - raw_limit_publish_p50 (ms)":      "(no target)",
	"e2e_socket_p50 - raw_limit_publish_p50 (ms)":  "(no target)",
	"search_scan_p50 / search_index_p50":           ">= 50",
	"search_index_p50_ms (absolute)":               "<= 10 at 100,000 messages",
	"send_index_on_p50 / send_index_off_p50":       "<= 1.1",
	"send_index_off / send_index_on (msgs/s)":      "<= 1.1",
}

// ratios computes the target ratios from the figures present.
func (b *bench) ratios() map[string]float64 {
	v := b.values()
	out := map[string]float64{}
	div := func(name, a, c string) {
		x, ok1 := v[a]
		y, ok2 := v[c]
		if ok1 && ok2 && y != 0 {
			out[name] = round3(x / y)
		}
	}
	sub := func(name, a, c string) {
		x, ok1 := v[a]
		y, ok2 := v[c]
		if ok1 && ok2 {
			out[name] = round3(x - y)
		}
	}
	abs := func(name, a string) {
		if x, ok := v[a]; ok {
			out[name] = x
		}
	}
	div("direct_send / raw_limit (msgs/s)", "direct_send_msgs_per_s", "raw_limit_msgs_per_s")
	div("fast_send_8 / raw_limit (msgs/s)", "fast_send_msgs_per_s_8", "raw_limit_msgs_per_s")
	div("fast_send_8 / jetstream_sync_8 (msgs/s)", "fast_send_msgs_per_s_8", "jetstream_sync_msgs_per_s_8")
	sub("e2e_fs_p50 - raw_limit_p50 (ms)", "e2e_fs_p50_ms", "raw_limit_p50_ms")
	sub("e2e_socket_p50 - raw_limit_p50 (ms)", "e2e_socket_p50_ms", "raw_limit_p50_ms")
	sub("e2e_fs_p50 - raw_limit_publish_p50 (ms)", "e2e_fs_p50_ms", "raw_limit_publish_p50_ms")
	sub("e2e_socket_p50 - raw_limit_publish_p50 (ms)", "e2e_socket_p50_ms", "raw_limit_publish_p50_ms")
	div("e2e_fs_p50 / jetstream_sync_e2e_p50", "e2e_fs_p50_ms", "jetstream_sync_e2e_p50_ms")
	div("e2e_socket_p50 / jetstream_sync_e2e_p50", "e2e_socket_p50_ms", "jetstream_sync_e2e_p50_ms")
	div("check_history_100k / check_history_0", "check_ms_history_100k", "check_ms_history_0")
	div("check_after_backlog_1k / check_history_0", "check_ms_after_backlog_1k", "check_ms_history_0")
	if x, ok := v["send_ms_history_100k"]; ok && v["direct_send_msgs_per_s"] > 0 {
		out["send_history_100k / direct send latency (ms)"] = round3(x / (1000 / v["direct_send_msgs_per_s"]))
	}
	div("search_scan_p50 / search_index_p50", "search_scan_p50_ms", "search_index_p50_ms")
	div("send_index_on_p50 / send_index_off_p50", "send_index_on_p50_ms", "send_index_off_p50_ms")
	div("send_index_off / send_index_on (msgs/s)", "send_index_off_msgs_per_s", "send_index_on_msgs_per_s")
	abs("search_index_p50_ms (absolute)", "search_index_p50_ms")
	abs("legacy_pairs_per_s_1 (absolute)", "legacy_pairs_per_s_1")
	abs("mcp_start_ms (absolute)", "mcp_start_ms")
	abs("mcp_idle_rss_mb (absolute)", "mcp_idle_rss_mb")
	return out
}
