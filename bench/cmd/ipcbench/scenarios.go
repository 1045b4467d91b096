package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/ipc-dev/ipc/bench/peers"
	"github.com/ipc-dev/ipc/internal/ipcchild"
	"github.com/ipc-dev/ipc/maildir"
)

// body200 is the 200-byte message body of every scenario.
var body200 = strings.Repeat("x", 200)

// scenarios lists the benchmarks in the order they run.
func (b *bench) scenarios(withPeers bool) []scenario {
	s := []scenario{
		{name: "raw_limit", run: benchRaw},
		{name: "direct_send", run: benchDirectSend},
		{name: "e2e_fs", run: benchE2EFS},
		{name: "history", once: true, run: benchHistory},
		{name: "mcp_start", run: benchMCPStart},
		{name: "mcp_prompt", once: true, run: benchMCPPrompt},
		{name: "search", once: true, run: benchSearch},
	}
	s = append(s, b.socketScenarios()...)
	if withPeers {
		s = append(s, scenario{name: "peers", once: true, run: benchPeers})
	}
	return s
}

// n picks a message count for the run size.
func (b *bench) n(quick, full int) int {
	if b.quick {
		return quick
	}
	return full
}

// tempRoot makes a scratch mailbox root inside the run's scratch
// directory. Nothing is deleted until the whole run ends: on ext4, creating
// a file right after thousands were deleted costs a scan over the recently
// deleted inodes, which would charge one scenario for the clean-up of the
// one before.
func (b *bench) tempRoot() (string, error) {
	return os.MkdirTemp(b.scratch, "root-")
}

// benchRaw is the physical limit of one durable message: peers.RawLoop,
// create in tmp/, write, fsync, rename into new/, fsync new/ — nothing
// else. It also times the rename's return (raw_limit_publish_p50_ms): the
// earliest moment a reader can see a message, the floor of the e2e figures.
func benchRaw(ctx context.Context, b *bench) error {
	dir, err := b.tempRoot()
	if err != nil {
		return err
	}
	loop, err := peers.NewRawLoop(dir)
	if err != nil {
		return err
	}
	n := b.n(300, 2000)
	samples := make([]time.Duration, 0, n)
	published := make([]time.Duration, 0, n) // when a reader could see it
	start := time.Now()
	for i := 0; i < n; i++ {
		t0 := time.Now()
		p, err := loop.Step()
		if err != nil {
			return err
		}
		published = append(published, p)
		samples = append(samples, time.Since(t0))
	}
	b.rate("raw_limit_msgs_per_s", "msgs/s", n, time.Since(start))
	b.latency("raw_limit", samples)
	b.value("raw_limit_publish_p50_ms", "ms", medianMS(published))
	return nil
}

// benchStore opens a durable store for a scenario, rate limits off.
func benchStore(root string) (*maildir.Store, error) {
	return maildir.Open(root, maildir.Options{RateBurst: -1})
}

// aliceStore opens a durable store in a new scratch root, acting as alice.
// The caller closes the store.
func (b *bench) aliceStore(ctx context.Context) (root string, st *maildir.Store, alice *maildir.Session, err error) {
	if root, err = b.tempRoot(); err != nil {
		return "", nil, nil, err
	}
	if st, err = benchStore(root); err != nil {
		return "", nil, nil, err
	}
	if alice, err = st.Login(ctx, "alice", ""); err != nil {
		st.Close()
		return "", nil, nil, err
	}
	return root, st, alice, nil
}

// roundTrips records the latency of n round trips under key, after one
// warm-up (which also waits for the receiving side to be ready). Each call
// of trip measures itself and returns its duration.
func (b *bench) roundTrips(key string, n int, trip func() (time.Duration, error)) error {
	samples := make([]time.Duration, 0, n)
	for i := -1; i < n; i++ {
		d, err := trip()
		if err != nil {
			return err
		}
		if i >= 0 {
			samples = append(samples, d)
		}
	}
	b.latency(key, samples)
	return nil
}

// benchDirectSend: durable sends through the core, one sender.
func benchDirectSend(ctx context.Context, b *bench) error {
	_, st, alice, err := b.aliceStore(ctx)
	if err != nil {
		return err
	}
	defer st.Close()
	n := b.n(300, 2000)
	start := time.Now()
	for i := 0; i < n; i++ {
		if _, err := alice.Send(ctx, "bob", body200, nil); err != nil {
			return err
		}
	}
	b.rate("direct_send_msgs_per_s", "msgs/s", n, time.Since(start))
	return nil
}

// child starts the ipc binary under test with args on the mailbox at
// root, as id when id is not "".
func (b *bench) child(root, id string, env []string, args ...string) (*ipcchild.Child, error) {
	return ipcchild.Start(b.ipc, root, id, append(os.Environ(), env...), args...)
}

// benchE2EFS: a send in this process to the moment a watching reader in
// another process (ipc watch) has printed the message; files only. The
// moment is when its line arrives here, which may come before the send
// returns: the sender's acknowledgement waits for the directory fsync after
// the publish, and a reader may claim the published file meanwhile (the
// file's contents are durable before they are published). The peers are
// measured the same way: from the publish call to the consumer's receipt.
func benchE2EFS(ctx context.Context, b *bench) error {
	root, st, alice, err := b.aliceStore(ctx)
	if err != nil {
		return err
	}
	defer st.Close()
	reader, err := b.child(root, "bob", nil, "watch", "--json")
	if err != nil {
		return err
	}
	defer reader.Stop()
	return b.roundTrips("e2e_fs", b.n(200, 1000), func() (time.Duration, error) {
		t0 := time.Now()
		if _, err := alice.Send(ctx, "bob", body200, nil); err != nil {
			return 0, err
		}
		l, err := reader.Line(30 * time.Second)
		return l.At.Sub(t0), err
	})
}

// benchHistory: the cost of a check that returns one message, and of a
// durable send, with an empty history and with 100,000 read messages and
// 1,000 registered agents; and the cost of a check in a mailbox whose new/
// once held a backlog of 1,000 unread messages (ext4 never shrinks a
// directory, and listing new/ walks every block it ever grew). The history
// is read as it arrives, ten messages at a time, so that it grows cur/
// alone. The filled mailboxes' files are written out first, and the
// mailboxes are then measured in turn (a send and a check on each), so that
// drift in the machine's speed and background writeback weigh on all alike.
func benchHistory(ctx context.Context, b *bench) error {
	type side struct {
		check, send             string // figure names
		messages, batch, agents int    // how the history is made
		st                      *maildir.Store
		alice, bob              *maildir.Session
		checks, sends           []time.Duration
	}
	sides := []*side{
		{check: "check_ms_history_0", send: "send_ms_history_0"},
		{check: "check_ms_history_100k", send: "send_ms_history_100k", messages: 100_000, batch: 10, agents: 1000},
		{check: "check_ms_after_backlog_1k", messages: 1000, batch: 1000},
	}
	defer func() {
		for _, sd := range sides {
			if sd.st != nil {
				sd.st.Close()
			}
		}
	}()
	for _, sd := range sides {
		root, err := b.tempRoot()
		if err != nil {
			return err
		}
		if err := fillHistory(ctx, root, sd.messages, sd.batch, sd.agents); err != nil {
			return err
		}
		syncFS(root)
		if sd.st, err = benchStore(root); err != nil {
			return err
		}
		if sd.alice, sd.bob, err = loginPair(ctx, sd.st); err != nil {
			return err
		}
	}
	for i := 0; i < b.n(200, 1000); i++ {
		for _, sd := range sides {
			t0 := time.Now()
			if _, err := sd.alice.Send(ctx, "bob", body200, nil); err != nil {
				return err
			}
			sd.sends = append(sd.sends, time.Since(t0))
			t0 = time.Now()
			r, err := sd.bob.Check(ctx, maildir.CheckOptions{})
			if err != nil {
				return err
			}
			if len(r.Messages) != 1 {
				return fmt.Errorf("check returned %d messages, want 1", len(r.Messages))
			}
			sd.checks = append(sd.checks, time.Since(t0))
		}
	}
	for _, sd := range sides {
		b.value(sd.check, "ms", medianMS(sd.checks))
		if sd.send != "" {
			b.value(sd.send, "ms", medianMS(sd.sends))
		}
	}
	return nil
}

// fillHistory sends n messages from alice to bob, which bob reads batch at
// a time, after registering agents others.
func fillHistory(ctx context.Context, root string, n, batch, agents int) error {
	if n == 0 {
		return nil
	}
	st, err := maildir.Open(root, maildir.Options{Sync: maildir.SyncNone, RateBurst: -1})
	if err != nil {
		return err
	}
	defer st.Close()
	for i := 0; i < agents; i++ {
		s, err := st.Login(ctx, fmt.Sprintf("agent%04d", i), "")
		if err != nil {
			return err
		}
		s.Close()
	}
	alice, bob, err := loginPair(ctx, st)
	if err != nil {
		return err
	}
	for i := 0; i < n; i++ {
		if _, err := alice.Send(ctx, "bob", body200, nil); err != nil {
			return err
		}
		if i%batch == batch-1 || i == n-1 {
			if _, err := bob.Check(ctx, maildir.CheckOptions{}); err != nil {
				return err
			}
		}
	}
	return nil
}

// loginPair acts as alice and bob on st.
func loginPair(ctx context.Context, st *maildir.Store) (alice, bob *maildir.Session, err error) {
	var s [2]*maildir.Session
	for i, id := range []string{"alice", "bob"} {
		if s[i], err = st.Login(ctx, id, ""); err != nil {
			return nil, nil, err
		}
	}
	return s[0], s[1], nil
}

func medianMS(d []time.Duration) float64 {
	ms := make([]float64, len(d))
	for i, x := range d {
		ms[i] = float64(x) / float64(time.Millisecond)
	}
	sort.Float64s(ms)
	return quantile(ms, 0.5)
}

// benchMCPStart: time from starting ipc mcp to its initialize reply, and its
// resident memory once idle.
func benchMCPStart(ctx context.Context, b *bench) error {
	root, err := b.tempRoot()
	if err != nil {
		return err
	}
	t0 := time.Now()
	c, err := b.child(root, "", nil, "mcp")
	if err != nil {
		return err
	}
	defer c.Stop()
	init := `{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"ipc-bench","version":"1"}}}` + "\n"
	if _, err := io.WriteString(c.Stdin, init); err != nil {
		return err
	}
	l, err := c.Line(10 * time.Second)
	if err != nil {
		return err
	}
	elapsed := l.At.Sub(t0)
	if !strings.Contains(l.Text, `"id":1`) {
		return fmt.Errorf("unexpected initialize reply %q", l.Text)
	}
	b.value("mcp_start_ms", "ms", float64(elapsed)/float64(time.Millisecond))
	io.WriteString(c.Stdin, `{"jsonrpc":"2.0","method":"notifications/initialized"}`+"\n"+`{"jsonrpc":"2.0","id":2,"method":"tools/list"}`+"\n")
	if _, err := c.Line(10 * time.Second); err != nil {
		return err
	}
	if rss, ok := rssMB(c.Cmd.Process.Pid); ok {
		b.value("mcp_idle_rss_mb", "MB", rss)
	}
	return nil
}

// rssMB reads the resident set size of pid (Linux).
func rssMB(pid int) (float64, bool) {
	bs, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, false
	}
	for _, line := range strings.Split(string(bs), "\n") {
		if f := strings.Fields(line); len(f) >= 2 && f[0] == "VmRSS:" {
			kb, err := strconv.ParseFloat(f[1], 64)
			return kb / 1024, err == nil
		}
	}
	return 0, false
}

// benchPeers runs the peer systems of package peers in this process, in
// the run's scratch directory, and merges their figures and notes.
func benchPeers(ctx context.Context, b *bench) error {
	rep, failed := peers.Run(ctx, peers.Options{Quick: b.quick, Dir: b.scratch})
	for k, v := range rep.Figures {
		unit := "ms"
		if strings.Contains(k, "_per_s") {
			unit = "msgs/s"
		}
		if strings.HasPrefix(k, "raw_limit") {
			k = "peers_run_" + k // the peers' own reference loop, kept apart
		}
		b.value(k, unit, v)
	}
	b.notes = append(b.notes, rep.Notes...)
	if failed {
		return fmt.Errorf("a peer scenario failed or was cut short (see the notes)")
	}
	return nil
}
