package maildir

import "time"

// SyncPolicy says when delivery flushes to stable storage.
type SyncPolicy string

// The sync policies. Batch and Full are equally durable: a send returns only
// after the message file and the directory entry that publishes it are on
// disk. Batch lets concurrent deliveries in one process share their flushes
// (group commit, see internal/durable): a lone delivery fsyncs its file and its
// directory; several at once share one filesystem sync per step. Full gives
// each delivery its own fsyncs and never syncs more than its own file and
// directory. None never fsyncs: for tmpfs, tests and throwaway mailboxes.
const (
	SyncBatch SyncPolicy = "batch"
	SyncFull  SyncPolicy = "full"
	SyncNone  SyncPolicy = "none"
)

// Defaults for Options fields left zero.
const (
	DefaultLargeThreshold  = 10 * 1024
	DefaultMaxContent      = 64 << 20
	DefaultMaxData         = 1 << 20
	DefaultRateBurst       = 1000
	DefaultRatePerSecond   = 100
	DefaultTokenTTL        = 24 * time.Hour
	DefaultHeartbeat       = 10 * time.Second
	DefaultPollInterval    = 500 * time.Millisecond
	DefaultReadRetention   = 30 * 24 * time.Hour
	DefaultFutureRetention = 7 * 24 * time.Hour
	DefaultGCInterval      = time.Hour
	RenameCooldown         = time.Hour
	ForwardFor             = 2 * time.Hour
	DefaultDedupeWindow    = 2 * time.Minute
	registerLimit          = 100 // registrations per name per registerWindow
	registerWindow         = time.Minute
)

// Options configure a Store. The zero value is usable: every zero field
// takes the documented default.
type Options struct {
	Sync         SyncPolicy    // default SyncBatch (durable)
	Poll         bool          // force polling instead of fsnotify
	PollInterval time.Duration // default 500ms
	Secret       string        // secure mode: registration needs Proof(id, Secret)

	// RateBurst messages may be sent at once by one identity, refilled at
	// RatePerSecond. A negative RateBurst turns rate limiting off.
	RateBurst     int
	RatePerSecond float64

	TokenTTL        time.Duration // a session token expires this long after its last use
	Heartbeat       time.Duration // presence heartbeat interval
	ReadRetention   time.Duration // read mail older than this is removed by GC
	FutureRetention time.Duration // unread mail to never-registered names is kept at least this long
	GCInterval      time.Duration // with AutoGC, how often a long-lived process collects
	AutoGC          bool          // collect garbage in the background (servers)

	LargeThreshold int // content over this many bytes is stored as a markdown file
	MaxContent     int // the largest content accepted
	MaxData        int // the largest data (compact JSON) accepted

	// DedupeWindow is how long a send or broadcast with an idempotency key
	// is remembered: a repeat with the same key within it returns the first
	// call's result and delivers nothing. Default 2 minutes.
	DedupeWindow time.Duration

	// Logf receives diagnostics (quarantined indices, fallbacks). Nil discards.
	Logf func(format string, args ...any)
	// Now is the clock. Nil means time.Now.
	Now func() time.Time
}

func (o *Options) setDefaults() {
	if o.Sync == "" {
		o.Sync = SyncBatch
	}
	if o.PollInterval <= 0 {
		o.PollInterval = DefaultPollInterval
	}
	if o.RateBurst == 0 {
		o.RateBurst = DefaultRateBurst
	}
	if o.RatePerSecond <= 0 {
		o.RatePerSecond = DefaultRatePerSecond
	}
	if o.TokenTTL <= 0 {
		o.TokenTTL = DefaultTokenTTL
	}
	if o.Heartbeat <= 0 {
		o.Heartbeat = DefaultHeartbeat
	}
	if o.ReadRetention <= 0 {
		o.ReadRetention = DefaultReadRetention
	}
	if o.FutureRetention <= 0 {
		o.FutureRetention = DefaultFutureRetention
	}
	if o.GCInterval <= 0 {
		o.GCInterval = DefaultGCInterval
	}
	if o.LargeThreshold <= 0 {
		o.LargeThreshold = DefaultLargeThreshold
	}
	if o.MaxContent <= 0 {
		o.MaxContent = DefaultMaxContent
	}
	if o.MaxData <= 0 {
		o.MaxData = DefaultMaxData
	}
	if o.DedupeWindow <= 0 {
		o.DedupeWindow = DefaultDedupeWindow
	}
	if o.Logf == nil {
		o.Logf = func(string, ...any) {}
	}
	if o.Now == nil {
		o.Now = time.Now
	}
}
