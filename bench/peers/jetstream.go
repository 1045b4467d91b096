package peers

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

func natsServerVersion() string { return server.VERSION }
func natsClientVersion() string { return nats.Version }

// peerResult is what one peer scenario measured. short says why a phase
// stopped before its count (its time bound), if it did.
type peerResult struct {
	e2e     latency
	tput    rates
	version string
	short   string
}

// startNATS runs an embedded nats-server with JetStream on a random
// loopback port, its file store in dir.
func startNATS(dir string, syncAlways bool) (*server.Server, error) {
	opts := &server.Options{
		ServerName: "bench",
		Host:       "127.0.0.1",
		Port:       server.RANDOM_PORT,
		HTTPPort:   0,
		JetStream:  true,
		StoreDir:   dir,
		// SyncAlways makes the file store fsync every write before the
		// publish is acknowledged; without it the store syncs every
		// SyncInterval (two minutes by default).
		SyncAlways: syncAlways,
		NoLog:      true,
		NoSigs:     true,
	}
	s, err := server.NewServer(opts)
	if err != nil {
		return nil, err
	}
	s.Start()
	if !s.ReadyForConnections(10 * time.Second) {
		s.Shutdown()
		s.WaitForShutdown()
		return nil, errors.New("nats-server not ready within 10 s")
	}
	if !s.JetStreamEnabled() {
		s.Shutdown()
		s.WaitForShutdown()
		return nil, errors.New("JetStream did not start")
	}
	return s, nil
}

// jetStream measures one JetStream configuration: e2e latency to a durable
// consumer, one message at a time, then acknowledged publishes per second
// from cfg.Senders concurrent publishers.
func jetStream(ctx context.Context, root string, syncAlways bool, consumer string, cfg config,
	progress func(string, ...any)) (res peerResult, err error) {
	name := "jetstream_default"
	if syncAlways {
		name = "jetstream_sync"
	}
	dir := filepath.Join(root, name)
	if err := os.Mkdir(dir, 0o700); err != nil {
		return res, err
	}
	s, err := startNATS(dir, syncAlways)
	if err != nil {
		return res, err
	}
	defer func() {
		s.Shutdown()
		s.WaitForShutdown()
	}()
	url := s.ClientURL()

	res.e2e, res.short, err = jetStreamE2E(ctx, url, consumer, cfg)
	if err != nil {
		return res, fmt.Errorf("e2e: %w", err)
	}
	progress("%s: e2e p50 %.3f ms, p99 %.3f ms (%d samples)", name, res.e2e.p50(), res.e2e.p99(), len(res.e2e))

	res.tput, err = jetStreamThroughput(ctx, url, cfg, func(t int, r float64) {
		progress("%s: trial %d/%d: %.0f acked msgs/s from %d publishers", name, t+1, cfg.Trials, r, cfg.Senders)
	})
	if err != nil {
		return res, fmt.Errorf("throughput: %w", err)
	}
	return res, nil
}

// received is one message as its consumer saw it.
type received struct {
	at  time.Time
	tag string
}

func connect(url, name string) (*nats.Conn, error) {
	return nats.Connect(url, nats.Name(name), nats.NoReconnect())
}

// jetStreamE2E publishes one message at a time on one connection and times
// it until a durable consumer on another connection has it; the next
// message goes once the previous one is both acknowledged and received.
func jetStreamE2E(ctx context.Context, url, consumer string, cfg config) (lat latency, short string, err error) {
	pubConn, err := connect(url, "e2e-publisher")
	if err != nil {
		return nil, "", err
	}
	defer pubConn.Close()
	subConn, err := connect(url, "e2e-consumer")
	if err != nil {
		return nil, "", err
	}
	defer subConn.Close()
	pub, err := jetstream.New(pubConn)
	if err != nil {
		return nil, "", err
	}
	sub, err := jetstream.New(subConn)
	if err != nil {
		return nil, "", err
	}
	if _, err := pub.CreateStream(ctx, jetstream.StreamConfig{
		Name: "MAIL", Subjects: []string{"mail.>"},
		Storage: jetstream.FileStorage, Replicas: 1,
	}); err != nil {
		return nil, "", err
	}

	got := make(chan received, 64)
	handler := func(m jetstream.Msg) {
		at := time.Now()
		select {
		case got <- received{at, tag(m.Data())}:
		default:
		}
		m.Ack()
	}
	ccfg := jetstream.ConsumerConfig{
		Durable:       "reader",
		FilterSubject: "mail.bob",
		AckPolicy:     jetstream.AckExplicitPolicy,
		DeliverPolicy: jetstream.DeliverAllPolicy,
	}
	var cc jetstream.ConsumeContext
	switch consumer {
	case "push":
		ccfg.DeliverSubject = nats.NewInbox()
		c, err := sub.CreateOrUpdatePushConsumer(ctx, "MAIL", ccfg)
		if err != nil {
			return nil, "", err
		}
		cc, err = c.Consume(handler)
		if err != nil {
			return nil, "", err
		}
	default:
		c, err := sub.CreateOrUpdateConsumer(ctx, "MAIL", ccfg)
		if err != nil {
			return nil, "", err
		}
		cc, err = c.Consume(handler)
		if err != nil {
			return nil, "", err
		}
	}
	defer func() {
		cc.Stop()
		select {
		case <-cc.Closed():
		case <-time.After(5 * time.Second):
		}
	}()

	return e2eSamples(ctx, cfg, got, nil, func(body []byte) error {
		pctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		defer cancel()
		_, err := pub.Publish(pctx, "mail.bob", body)
		return err
	})
}

// jetStreamThroughput runs cfg.Trials trials in which cfg.Senders
// publishers, each on its own connection, publish synchronously (each
// waits for its ack before the next) for cfg.TrialTime, and reports acked
// messages per second.
func jetStreamThroughput(ctx context.Context, url string, cfg config, trial func(int, float64)) (rates, error) {
	var pubs []jetstream.JetStream
	for i := 0; i < cfg.Senders; i++ {
		nc, err := connect(url, fmt.Sprintf("publisher-%d", i))
		if err != nil {
			return nil, err
		}
		defer nc.Close()
		js, err := jetstream.New(nc)
		if err != nil {
			return nil, err
		}
		pubs = append(pubs, js)
	}
	if _, err := pubs[0].CreateStream(ctx, jetstream.StreamConfig{
		Name: "LOAD", Subjects: []string{"load.>"},
		Storage: jetstream.FileStorage, Replicas: 1,
	}); err != nil {
		return nil, err
	}
	body := payload(0)
	// A few publishes first, so the trials do not pay for the first block.
	for i := 0; i < 10; i++ {
		if _, err := pubs[0].Publish(ctx, "load.x", body); err != nil {
			return nil, err
		}
	}
	var out rates
	for t := 0; t < cfg.Trials; t++ {
		if err := ctx.Err(); err != nil {
			return out, err
		}
		r, err := concurrentTrial(ctx, len(pubs), cfg.TrialTime, func(ctx context.Context, i int) error {
			_, err := pubs[i].Publish(ctx, fmt.Sprintf("load.%d", i), body)
			return err
		})
		if err != nil {
			return out, err
		}
		out = append(out, r)
		trial(t, r)
	}
	return out, nil
}

// concurrentTrial runs op in n goroutines, each calling it one call at a
// time until d has passed, and returns completed calls per second over the
// time until the last goroutine finished. Every goroutine is joined before
// it returns.
func concurrentTrial(ctx context.Context, n int, d time.Duration, op func(ctx context.Context, i int) error) (float64, error) {
	ctx, cancel := context.WithTimeout(ctx, d+10*time.Second)
	defer cancel()
	var wg sync.WaitGroup
	counts := make([]int, n)
	errs := make([]error, n)
	start := time.Now()
	end := start.Add(d)
	for i := 0; i < n; i++ {
		wg.Go(func() {
			for time.Now().Before(end) {
				if err := op(ctx, i); err != nil {
					errs[i] = err
					return
				}
				counts[i]++
			}
		})
	}
	wg.Wait()
	elapsed := time.Since(start)
	for _, err := range errs {
		if err != nil {
			return 0, err // the first; the others are most often the same
		}
	}
	total := 0
	for _, c := range counts {
		total += c
	}
	return float64(total) / elapsed.Seconds(), nil
}
