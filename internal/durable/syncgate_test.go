package durable

import (
	"testing"
	"time"
)

func TestSyncGate(t *testing.T) {
	t0 := time.Unix(1_800_000_000, 0)
	ms := time.Millisecond
	warm := func() *syncGate {
		g := &syncGate{}
		g.single(ms) // a lone fsync costs 1 ms
		for range gateWarmup {
			g.group(t0, 2*ms)
		}
		return g
	}

	var g syncGate
	for range 2 * gateWarmup {
		g.group(t0, time.Second)
	}
	if !g.open(t0) {
		t.Fatal("closed without knowing what an fsync costs")
	}

	g = syncGate{}
	g.single(ms)
	for range gateWarmup {
		g.group(t0, time.Second)
	}
	if !g.open(t0) {
		t.Fatal("closed by the first syncs of a process")
	}

	// Slow syncs apart (the device hiccups) do not close it.
	gp := warm()
	for range 10 {
		for range gateRun - 1 {
			gp.group(t0, 50*ms)
		}
		gp.group(t0, 2*ms)
	}
	if !gp.open(t0) {
		t.Fatal("closed by slow syncs that were not in a row")
	}

	// One stalled lone fsync does not raise the bar much.
	gp = warm()
	gp.single(time.Second)
	if gp.each > 2*ms {
		t.Fatalf("each = %s after one stalled fsync among 1 ms ones", gp.each)
	}

	// gateRun slow syncs in a row (a big writer's dirty data goes with
	// them) close it for 1 s.
	gp = warm()
	at := t0
	for i := range gateRun {
		if !gp.open(at) {
			t.Fatalf("closed after %d slow syncs", i)
		}
		gp.group(at, 200*ms)
	}
	if gp.open(at.Add(999*ms)) || !gp.open(at.Add(time.Second)) {
		t.Fatal("not closed for 1 s")
	}
	// A probe that is still slow closes it for 2 s, then 4 s, ... up to a
	// minute; each probe is judged alone.
	at = at.Add(time.Second)
	for _, want := range []time.Duration{2, 4, 8, 16, 32, 60, 60} {
		gp.group(at, 200*ms)
		if gp.open(at.Add(want*time.Second-ms)) || !gp.open(at.Add(want*time.Second)) {
			t.Fatalf("after a slow probe at %s: want closed for %d s", at.Sub(t0), want)
		}
		at = at.Add(want * time.Second)
	}
	// A probe that pays reopens it for good, and the backoff starts over.
	gp.group(at, 2*ms)
	if !gp.open(at) || gp.probing {
		t.Fatal("not reopened by a probe that paid")
	}
	for range gateRun {
		gp.group(at, 200*ms)
	}
	if gp.open(at.Add(999*ms)) || !gp.open(at.Add(time.Second)) {
		t.Fatal("the backoff did not start over")
	}
}
