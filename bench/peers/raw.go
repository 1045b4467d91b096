package peers

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"time"
)

// RawLoop is the bare durable-message loop the suite calls the physical
// limit: create a file in tmp/ with O_EXCL, write 200 bytes, fsync it,
// rename it into new/, fsync new/ — nothing else. It is written against
// the system calls on purpose, apart from the product's durable writes,
// so that it measures what they cost and nothing more.
type RawLoop struct {
	tmp, new string
	body     []byte
	seq      int
}

// NewRawLoop makes the loop's tmp/ and new/ in dir, which must exist.
func NewRawLoop(dir string) (*RawLoop, error) {
	r := &RawLoop{tmp: filepath.Join(dir, "tmp"), new: filepath.Join(dir, "new"), body: payload(0)}
	for _, d := range []string{r.tmp, r.new} {
		if err := os.Mkdir(d, 0o700); err != nil {
			return nil, err
		}
	}
	return r, nil
}

// Step writes one message durably. published is the time from the start
// of the step to the return of the rename: the earliest moment a reader
// could see the message, before new/ is fsynced.
func (r *RawLoop) Step() (published time.Duration, err error) {
	t0 := time.Now()
	r.seq++
	name := strconv.Itoa(r.seq)
	f, err := os.OpenFile(filepath.Join(r.tmp, name), os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return 0, err
	}
	if _, err := f.Write(r.body); err != nil {
		f.Close()
		return 0, err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return 0, err
	}
	if err := f.Close(); err != nil {
		return 0, err
	}
	if err := os.Rename(filepath.Join(r.tmp, name), filepath.Join(r.new, name)); err != nil {
		return 0, err
	}
	published = time.Since(t0)
	return published, syncDir(r.new)
}

// rawLimit measures RawLoop with one writer, in the same temporary
// directory as the peers' data.
func rawLimit(ctx context.Context, root string, cfg config, progress func(string, ...any)) (latency, rates, error) {
	dir := filepath.Join(root, "raw")
	if err := os.Mkdir(dir, 0o700); err != nil {
		return nil, nil, err
	}
	loop, err := NewRawLoop(dir)
	if err != nil {
		return nil, nil, err
	}
	step := func() error {
		_, err := loop.Step()
		return err
	}

	var lat latency
	end := time.Now().Add(cfg.Phase)
	for i := 0; i < cfg.Warmup+cfg.Samples; i++ {
		if err := ctx.Err(); err != nil {
			return lat, nil, err
		}
		if time.Now().After(end) {
			progress("raw limit: only %d samples within %s", len(lat), cfg.Phase)
			break
		}
		t0 := time.Now()
		if err := step(); err != nil {
			return lat, nil, err
		}
		if i >= cfg.Warmup {
			lat = append(lat, time.Since(t0))
		}
	}
	progress("raw limit: p50 %.3f ms, p99 %.3f ms (%d samples)", lat.p50(), lat.p99(), len(lat))

	var tput rates
	for t := 0; t < cfg.Trials; t++ {
		if err := ctx.Err(); err != nil {
			return lat, tput, err
		}
		n, start := 0, time.Now()
		for time.Since(start) < cfg.TrialTime {
			if err := step(); err != nil {
				return lat, tput, err
			}
			n++
		}
		r := float64(n) / time.Since(start).Seconds()
		tput = append(tput, r)
		progress("raw limit: trial %d/%d: %.0f msgs/s", t+1, cfg.Trials, r)
	}
	return lat, tput, nil
}

// syncDir fsyncs a directory, so that a rename into it is durable (on
// Windows a rename is durable without it, and a directory cannot be
// fsynced).
func syncDir(dir string) error {
	if runtime.GOOS == "windows" {
		return nil
	}
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	if err := d.Sync(); err != nil {
		d.Close()
		return err
	}
	return d.Close()
}

// payload is a 200-byte body whose first 8 bytes carry i, so a receiver can
// tell which message it has.
func payload(i int) []byte {
	b := make([]byte, bodySize)
	for j := range b {
		b[j] = 'x'
	}
	copy(b, fmt.Sprintf("%08d", i))
	return b
}

// tag is the index a payload carries.
func tag(b []byte) string {
	if len(b) < 8 {
		return string(b)
	}
	return string(b[:8])
}
