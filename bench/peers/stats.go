package peers

import (
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"time"
)

// latency is a set of latency samples of one scenario.
type latency []time.Duration

// percentile returns the q-th quantile (0 < q <= 1) of the samples in
// milliseconds, by the nearest-rank method on the sorted samples.
func (l latency) percentile(q float64) float64 {
	if len(l) == 0 {
		return 0
	}
	s := slices.Clone(l)
	slices.Sort(s)
	rank := int(math.Ceil(q*float64(len(s)))) - 1
	rank = max(0, min(rank, len(s)-1))
	return ms(s[rank])
}

// p50 is the median sample in milliseconds.
func (l latency) p50() float64 { return l.percentile(0.50) }

// p99 is the 99th percentile sample in milliseconds.
func (l latency) p99() float64 { return l.percentile(0.99) }

// rates holds the per-second rates of repeated throughput trials.
type rates []float64

// median is the median trial (the lower middle one for an even count).
func (r rates) median() float64 {
	if len(r) == 0 {
		return 0
	}
	s := slices.Clone(r)
	slices.Sort(s)
	return s[(len(s)-1)/2]
}

// minMax is the slowest and the fastest trial.
func (r rates) minMax() (float64, float64) {
	if len(r) == 0 {
		return 0, 0
	}
	return slices.Min(r), slices.Max(r)
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// round keeps n decimals, so the JSON stays readable.
func round(v float64, n int) float64 {
	p := math.Pow(10, float64(n))
	return math.Round(v*p) / p
}

// e2eSamples sends cfg.Warmup+cfg.Samples messages one at a time with
// send, waiting after each for its receipt on got (or a reader's error on
// failed, which may be nil), and returns the latencies from the start of
// each send to its receipt, warm-up left out. It stops early when
// cfg.Phase is over, saying so in short.
func e2eSamples(ctx context.Context, cfg config, got <-chan received, failed <-chan error,
	send func(body []byte) error) (lat latency, short string, err error) {
	end := time.Now().Add(cfg.Phase)
	for i := 0; i < cfg.Warmup+cfg.Samples; i++ {
		if time.Now().After(end) {
			short = fmt.Sprintf("only %d e2e samples within %s", len(lat), cfg.Phase)
			break
		}
		body := payload(i)
		t0 := time.Now()
		if err := send(body); err != nil {
			return lat, short, err
		}
		select {
		case r := <-got:
			if r.tag != tag(body) {
				return lat, short, fmt.Errorf("received message %q, want %q", r.tag, tag(body))
			}
			if i >= cfg.Warmup {
				lat = append(lat, r.at.Sub(t0))
			}
		case err := <-failed:
			return lat, short, err
		case <-time.After(10 * time.Second):
			return lat, short, errors.New("no message within 10 s")
		case <-ctx.Done():
			return lat, short, ctx.Err()
		}
	}
	return lat, short, nil
}
