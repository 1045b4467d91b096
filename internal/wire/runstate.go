package wire

import "time"

// Run-state files in the mailbox root. The lock file, not "whoever bound
// the port", decides which process serves a mailbox; the state file tells
// clients where it listens.
const (
	RunLockFile  = "server.lock" // flock held by the serving process; holds no data
	RunStateFile = "server.json" // RunState of the serving process, 0600
	RunLogFile   = "server.log"  // stderr of a detached server
)

// RunState records a running server in RunStateFile.
type RunState struct {
	PID      int       `json:"pid"`
	Host     string    `json:"host"`             // the machine's host name
	TCP      string    `json:"tcp,omitempty"`    // "127.0.0.1:9876"
	Port     int       `json:"port,omitempty"`   // the TCP port, for clients that only want it
	Socket   string    `json:"socket,omitempty"` // the Unix socket path
	Protocol int       `json:"protocol"`         // the highest protocol version served
	Version  string    `json:"version,omitempty"`
	Started  time.Time `json:"started"`
	IdleExit string    `json:"idle_exit,omitempty"` // "30m0s": stops after this long unused
	Notice   string    `json:"notice,omitempty"`    // what differs from the configuration, and why
}
