package hook

import (
	"context"
	"errors"
	"io"
	"time"

	"github.com/ipc-dev/ipc/maildir"
)

// Config is what the hook takes from the program that runs it.
type Config struct {
	// ID is the identity the hook acts as (ipc's --as or IPC_ID); with
	// none the hook reads its input and does nothing.
	ID string
	// Open opens the mailbox. The hook calls it only when it has an ID,
	// and closes the store it returns.
	Open func() (*maildir.Store, error)
	// Getenv reads the environment: IPC_SECRET, IPC_BUDGET and Claude
	// Code's variables.
	Getenv func(string) string
	// Now is the clock the messages shown are dated against; nil is
	// time.Now.
	Now func() time.Time
	// Event names the event when stdin does not (ipc hook --event).
	Event string
	// Wait, when above 0, makes the hook a wake waiter on any event,
	// waiting this long for mail (ipc hook --wait). Stop and SubagentStop
	// wait DefaultWait when it is 0.
	Wait time.Duration
}

// The exit statuses the hook ends with, as Claude Code reads them.
const (
	Done = 0 // no wake: the context, if any, is on stdout
	Fail = 1 // the hook's own error, written on stderr by the caller
	Wake = 2 // the mail is on stderr: wake the idle session with it
)

// DefaultWait is how long a wake waiter waits when Config.Wait is 0.
const DefaultWait = 50 * time.Minute

// ErrInput is the error, wrapped, of a stdin that is not the hook's JSON:
// the caller's usage error.
var ErrInput = errors.New("stdin is not the hook's JSON")

// Run handles the event on stdin and returns the exit status Claude Code
// is to see: Done, or Wake once the mail is on stderr. On an error it
// returns Fail, never Wake, and the error, which the caller writes on
// stderr in its own form.
func Run(ctx context.Context, cfg Config, stdin io.Reader, stdout, stderr io.Writer) (int, error) {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	d := &door{Config: cfg, stdout: stdout, stderr: stderr}
	woke, err := d.run(ctx, stdin)
	switch {
	case err != nil:
		return Fail, err
	case woke:
		return Wake, nil
	}
	return Done, nil
}

// door is one run of the hook.
type door struct {
	Config
	stdout, stderr io.Writer
}
