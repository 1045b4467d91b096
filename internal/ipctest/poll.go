package ipctest

import (
	"strconv"
	"time"
)

// The variables of the polling switch, as the product reads them.
const (
	envPoll         = "IPC_POLL"
	envPollInterval = "IPC_POLL_INTERVAL"
)

// pollEvery is how often a polled test mailbox is listed unless
// IPC_POLL_INTERVAL says otherwise: tests wait on conditions, so a short
// interval keeps them short.
const pollEvery = 20 * time.Millisecond

// Polling is the polling switch of a test run.
type Polling struct {
	On       bool          // IPC_POLL is set on (1, true)
	Interval time.Duration // IPC_POLL_INTERVAL, else 20ms
}

// Poll reads the switch with getenv: a test passes its environment's.
func Poll(getenv func(string) string) Polling {
	on, _ := strconv.ParseBool(getenv(envPoll))
	if !on {
		return Polling{}
	}
	p := Polling{On: true, Interval: pollEvery}
	if d, err := time.ParseDuration(getenv(envPollInterval)); err == nil && d > 0 {
		p.Interval = d
	}
	return p
}

// Apply applies the switch to the Poll and PollInterval options of a
// test's Store: with the switch on it polls, at p.Interval unless an
// interval is set already.
func (p Polling) Apply(poll *bool, interval *time.Duration) {
	if !p.On {
		return
	}
	*poll = true
	if *interval == 0 {
		*interval = p.Interval
	}
}

// Env is the switch as environment variables for the processes a test
// starts; nil when it is off.
func (p Polling) Env() []string {
	if !p.On {
		return nil
	}
	return []string{envPoll + "=1", envPollInterval + "=" + p.Interval.String()}
}
