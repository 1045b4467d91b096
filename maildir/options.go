package maildir

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

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

// Environment variables read by OptionsFromEnv and DefaultRoot.
const (
	EnvHome         = "IPC_HOME"
	EnvID           = "IPC_ID"
	EnvSecret       = "IPC_SHARED_SECRET"
	EnvSync         = "IPC_SYNC"          // full | batch | none
	EnvPoll         = "IPC_POLL"          // 1 forces polling; 0 or unset: automatic (polling only where events do not cross)
	EnvPollInterval = "IPC_POLL_INTERVAL" // Go duration, e.g. 250ms
	EnvRateBurst    = "IPC_RATE_BURST"    // integer; "off" or a negative number disables rate limits
	EnvRatePerSec   = "IPC_RATE_PER_SEC"  // float
	EnvRetention    = "IPC_RETENTION"     // read-mail retention, Go duration or days ("30d")
	EnvFutureKeep   = "IPC_FUTURE_RETENTION"
)

// DefaultRoot returns $IPC_HOME, or ~/.claude-ipc.
func DefaultRoot() string {
	if r := os.Getenv(EnvHome); r != "" {
		return r
	}
	home, err := os.UserHomeDir()
	if err != nil || home == "" {
		return ".claude-ipc"
	}
	return filepath.Join(home, ".claude-ipc")
}

// OptionsFromEnv returns Options configured from the IPC_* environment
// variables, or an error naming the variable that is malformed.
func OptionsFromEnv() (Options, error) {
	var o Options
	o.Secret = os.Getenv(EnvSecret)
	if v := os.Getenv(EnvSync); v != "" {
		switch p := SyncPolicy(strings.ToLower(v)); p {
		case SyncBatch, SyncFull, SyncNone:
			o.Sync = p
		default:
			return o, fmt.Errorf("%s=%q: want full, batch or none", EnvSync, v)
		}
	}
	if v := os.Getenv(EnvPoll); v != "" {
		b, err := strconv.ParseBool(v)
		if err != nil {
			return o, fmt.Errorf("%s=%q: want 1 or 0", EnvPoll, v)
		}
		o.Poll = b
	}
	var err error
	if o.PollInterval, err = envDuration(EnvPollInterval); err != nil {
		return o, err
	}
	if v := os.Getenv(EnvRateBurst); v != "" {
		if strings.EqualFold(v, "off") {
			o.RateBurst = -1
		} else if o.RateBurst, err = strconv.Atoi(v); err != nil {
			return o, fmt.Errorf("%s=%q: want an integer or off", EnvRateBurst, v)
		}
	}
	if v := os.Getenv(EnvRatePerSec); v != "" {
		if o.RatePerSecond, err = strconv.ParseFloat(v, 64); err != nil {
			return o, fmt.Errorf("%s=%q: want a number", EnvRatePerSec, v)
		}
	}
	if o.ReadRetention, err = envDuration(EnvRetention); err != nil {
		return o, err
	}
	if o.FutureRetention, err = envDuration(EnvFutureKeep); err != nil {
		return o, err
	}
	if o.FutureRetention > 0 && o.FutureRetention < DefaultFutureRetention {
		return o, fmt.Errorf("%s=%s: future mail is kept at least 7 days", EnvFutureKeep, o.FutureRetention)
	}
	return o, nil
}

// envDuration parses a Go duration or a whole number of days ("30d").
func envDuration(name string) (time.Duration, error) {
	v := os.Getenv(name)
	if v == "" {
		return 0, nil
	}
	if d, ok := strings.CutSuffix(v, "d"); ok {
		n, err := strconv.Atoi(d)
		if err == nil && n > 0 {
			return time.Duration(n) * 24 * time.Hour, nil
		}
	}
	dur, err := time.ParseDuration(v)
	if err != nil || dur <= 0 {
		return 0, fmt.Errorf("%s=%q: want a positive duration such as 500ms, 2h or 30d", name, v)
	}
	return dur, nil
}
