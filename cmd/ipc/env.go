package main

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/ipc-dev/ipc/maildir"
)

// The environment variables of the CLI. The environment is read here, in
// the command, through its injected getenv; the packages beneath take
// values. (The variables a door documents as its own, present.EnvBudget,
// mcp.EnvChannel and IPC_SHARE_COMMAND, are read here too.)
const (
	envHome         = "IPC_HOME"
	envID           = "IPC_ID"
	envSecret       = "IPC_SHARED_SECRET"
	envSync         = "IPC_SYNC"          // full | batch | none
	envPoll         = "IPC_POLL"          // 1 forces polling; 0 or unset: automatic (polling only where events do not cross)
	envPollInterval = "IPC_POLL_INTERVAL" // Go duration, e.g. 250ms
	envRateBurst    = "IPC_RATE_BURST"    // integer; "off" or a negative number disables rate limits
	envRatePerSec   = "IPC_RATE_PER_SEC"  // float
	envRetention    = "IPC_RETENTION"     // read-mail retention, Go duration or days ("30d")
	envFutureKeep   = "IPC_FUTURE_RETENTION"
	envShareCommand = "IPC_SHARE_COMMAND" // 0 turns share_command off

	envHost      = "IPC_HOST"      // TCP host, default 127.0.0.1
	envPort      = "IPC_PORT"      // TCP port, default 9876; 0 any free port; off no TCP
	envSocket    = "IPC_SOCKET"    // Unix socket path; off for none
	envAutostart = "IPC_AUTOSTART" // 0/false/off/no: never start a server automatically
	envIdleExit  = "IPC_IDLE_EXIT" // how long an auto-started server waits unused before it stops

	envRuntimeDir = "XDG_RUNTIME_DIR" // where the server's Unix socket lies by default
	envWSLDistro  = "WSL_DISTRO_NAME" // set under WSL
)

// storeSettings are the variables of optionsFromEnv: a server started from
// a command gets them as the command sees them (serverEnv).
var storeSettings = []string{envSecret, envSync, envPoll, envPollInterval,
	envRateBurst, envRatePerSec, envRetention, envFutureKeep}

// defaultRoot returns $IPC_HOME, or ~/.claude-ipc, with a leading ~
// expanded (see expandHome).
func defaultRoot(getenv func(string) string) string {
	if r := getenv(envHome); r != "" {
		return expandHome(r, getenv)
	}
	home := userHome(getenv)
	if home == "" {
		return ".claude-ipc"
	}
	return filepath.Join(home, ".claude-ipc")
}

// resolveHome sets c.home, the mailbox root, from --home (already in
// c.home) or IPC_HOME, as an absolute path with a leading ~ expanded. A
// relative IPC_HOME names a different mailbox in every directory a command
// runs in, so it is resolved and the first store opened says which path it
// became (c.homeNote). A relative --home is what its user typed here, and
// is resolved silently.
func (c *cli) resolveHome() {
	fromEnv := c.home == ""
	root := expandHome(c.home, c.getenv)
	switch {
	case !fromEnv:
		c.homeFrom = "--home"
	case c.getenv(envHome) != "":
		c.homeFrom = envHome
	default:
		c.homeFrom = "default"
	}
	if fromEnv {
		root = defaultRoot(c.getenv)
	}
	abs, err := filepath.Abs(root)
	if err != nil {
		c.home = root
		return
	}
	if fromEnv && !filepath.IsAbs(root) {
		c.homeNote = fmt.Sprintf("%s=%s is a relative path: using %s (set an absolute path to mean one mailbox everywhere)", envHome, c.getenv(envHome), abs)
	}
	c.home = abs
}

// expandHome expands a leading "~" or "~/" (and "~\" on Windows) of path
// to the user's home directory, as a shell would: JSON and TOML
// configuration files of MCP clients pass IPC_HOME unexpanded. Other
// paths, "~user" among them, are returned as they are.
func expandHome(path string, getenv func(string) string) string {
	rest, ok := strings.CutPrefix(path, "~")
	if !ok || (rest != "" && rest[0] != '/' && !(runtime.GOOS == "windows" && rest[0] == '\\')) {
		return path
	}
	home := userHome(getenv)
	if home == "" {
		return path
	}
	return filepath.Join(home, rest)
}

// userHome is the user's home directory: $HOME (on Windows
// %USERPROFILE%), else what the system says; "" when unknown.
func userHome(getenv func(string) string) string {
	v := "HOME"
	if runtime.GOOS == "windows" {
		v = "USERPROFILE"
	}
	if h := getenv(v); h != "" {
		return h
	}
	h, _ := os.UserHomeDir()
	return h
}

// optionsFromEnv returns the Options the IPC_* variables of getenv set, or
// an error naming the variable that is malformed.
func optionsFromEnv(getenv func(string) string) (maildir.Options, error) {
	var o maildir.Options
	o.Secret = getenv(envSecret)
	if v := getenv(envSync); v != "" {
		switch p := maildir.SyncPolicy(strings.ToLower(v)); p {
		case maildir.SyncBatch, maildir.SyncFull, maildir.SyncNone:
			o.Sync = p
		default:
			return o, fmt.Errorf("%s=%q: want full, batch or none", envSync, v)
		}
	}
	if v := getenv(envPoll); v != "" {
		b, err := strconv.ParseBool(v)
		if err != nil {
			return o, fmt.Errorf("%s=%q: want 1 or 0", envPoll, v)
		}
		o.Poll = b
	}
	var err error
	if o.PollInterval, err = envDuration(getenv, envPollInterval); err != nil {
		return o, err
	}
	if v := getenv(envRateBurst); v != "" {
		if strings.EqualFold(v, "off") {
			o.RateBurst = -1
		} else if o.RateBurst, err = strconv.Atoi(v); err != nil {
			return o, fmt.Errorf("%s=%q: want an integer or off", envRateBurst, v)
		}
	}
	if v := getenv(envRatePerSec); v != "" {
		if o.RatePerSecond, err = strconv.ParseFloat(v, 64); err != nil {
			return o, fmt.Errorf("%s=%q: want a number", envRatePerSec, v)
		}
	}
	if o.ReadRetention, err = envDuration(getenv, envRetention); err != nil {
		return o, err
	}
	if o.FutureRetention, err = envDuration(getenv, envFutureKeep); err != nil {
		return o, err
	}
	if o.FutureRetention > 0 && o.FutureRetention < maildir.DefaultFutureRetention {
		return o, fmt.Errorf("%s=%s: future mail is kept at least 7 days", envFutureKeep, o.FutureRetention)
	}
	return o, nil
}

// envDuration parses the variable name of getenv as a Go duration or a
// whole number of days ("30d"); 0 when it is not set.
func envDuration(getenv func(string) string, name string) (time.Duration, error) {
	v := getenv(name)
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

// envOr returns the variable k of getenv, or def when it is not set.
func envOr(getenv func(string) string, k, def string) string {
	if v := getenv(k); v != "" {
		return v
	}
	return def
}

// envOn reports whether a boolean switch is set to on ("1", "true", "on",
// "yes").
func envOn(v string) bool {
	switch strings.ToLower(strings.TrimSpace(v)) {
	case "1", "true", "on", "yes":
		return true
	}
	return false
}

// envOff reports whether a boolean switch is set to off ("0", "false",
// "off", "no").
func envOff(v string) bool {
	switch strings.ToLower(strings.TrimSpace(v)) {
	case "0", "false", "off", "no":
		return true
	}
	return false
}
