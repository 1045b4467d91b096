package durable

import "time"

// syncGate decides whether a commit of several items uses one filesystem
// sync or an fsync per item. A filesystem sync also writes out whatever
// else is dirty on the filesystem: next to a writer keeping a gigabyte
// dirty, syncfs took 17 ms at the median here where fsync took 0.5 ms. The
// gate keeps the cost of a lone fsync, smoothed (the items' own fsyncs run
// at once, so a commit of them costs a few lone fsyncs, not one per item).
// When gateRun filesystem syncs in a row each cost more than gateFactor
// lone fsyncs, it closes for a while: one second, doubling after each probe
// that is still slow, up to a minute. The first filesystem sync after it
// reopens is the probe, judged alone; one that pays reopens it for good.
// A few slow syncs apart (the device hiccups too), and the first syncs of
// a process (which write out whatever was dirty before), never close it.
type syncGate struct {
	each    time.Duration // smoothed cost of one item's own fsync; 0 until known
	samples int           // filesystem syncs recorded
	slow    int           // slow filesystem syncs in a row
	until   time.Time     // closed until then
	probing bool          // the next filesystem sync is a probe
	backoff time.Duration // how long the next closing lasts
}

const (
	gateFactor       = 4
	gateRun          = 3
	gateWarmup       = 8 // filesystem syncs not judged
	gateFirstBackoff = time.Second
	gateMaxBackoff   = time.Minute
)

// open reports whether a commit starting at now may use a filesystem sync.
func (g *syncGate) open(now time.Time) bool {
	return !now.Before(g.until)
}

// single records the cost of one item's own fsync. A sample is counted at
// most gateFactor times the average, so one stall does not make slow
// filesystem syncs look cheap.
func (g *syncGate) single(took time.Duration) {
	if g.each > 0 {
		took = min(took, gateFactor*g.each)
	}
	g.each = smooth(g.each, took)
}

// group records a filesystem sync that ended at now.
func (g *syncGate) group(now time.Time, took time.Duration) {
	g.samples++
	if g.each == 0 || g.samples <= gateWarmup || took <= gateFactor*g.each {
		g.slow, g.probing, g.backoff = 0, false, 0 // it pays, or it is too early to say
		return
	}
	g.slow++
	if g.slow < gateRun && !g.probing {
		return
	}
	g.backoff = min(max(2*g.backoff, gateFirstBackoff), gateMaxBackoff)
	g.until = now.Add(g.backoff)
	g.slow, g.probing = 0, true
}

// smooth is an exponentially weighted moving average (weight 1/8) that
// starts at its first sample.
func smooth(avg, sample time.Duration) time.Duration {
	if avg == 0 {
		return sample
	}
	return (avg*7 + sample) / 8
}
