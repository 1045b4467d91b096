package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/ipc-dev/ipc/client"
	"github.com/ipc-dev/ipc/maildir"
)

// openStore opens the mailbox with the options of the environment, for a
// command a person runs: a mailbox that did not exist yet is created, and
// the command says so on stderr.
func (c *cli) openStore() (*maildir.Store, error) {
	return c.open(openInteractive, nil)
}

// openHookStore is openStore for the Claude Code hook, whose stderr is not
// a person's terminal: it says nothing.
func (c *cli) openHookStore() (*maildir.Store, error) {
	return c.open(openQuiet, nil)
}

// openDaemonStore opens the mailbox for a long-lived process (ipc mcp, ipc
// serve): it applies retention in the background and reports diagnostics
// (quarantined indices, fallbacks) through logf.
func (c *cli) openDaemonStore(logf func(format string, args ...any)) (*maildir.Store, error) {
	return c.open(openDaemon, logf)
}

// openMode is who a store is opened for, which decides what is said on
// stderr: how a relative IPC_HOME was resolved (except to the hook), and
// that the mailbox was created (to a person only).
type openMode int

const (
	openInteractive openMode = iota // a command a person runs
	openDaemon                      // ipc mcp, ipc serve
	openQuiet                       // the hook
)

func (c *cli) open(mode openMode, logf func(format string, args ...any)) (*maildir.Store, error) {
	opts, err := optionsFromEnv(c.getenv)
	if err != nil {
		return nil, usageError("%v", err)
	}
	opts.AutoGC = mode == openDaemon
	opts.Logf = logf
	if c.homeNote != "" && mode != openQuiet {
		fmt.Fprintf(c.stderr, "ipc: %s\n", c.homeNote)
		c.homeNote = ""
	}
	st, err := maildir.Open(c.home, opts)
	if err != nil {
		return nil, err
	}
	if st.Created() && mode == openInteractive {
		fmt.Fprintf(c.stderr, "ipc: created the mailbox %s\n", st.Root())
	}
	return st, nil
}

// session opens the mailbox and acts as the identity of --as / IPC_ID,
// registering it implicitly. Where another command of this user holds the
// name (ipc watch in another terminal), the command acts beside it in a
// shared session (maildir.Store.JoinLocal); a name an agent holds is
// in_use. The caller closes the
// returned store, which ends the session.
func (c *cli) session(ctx context.Context) (*maildir.Store, *maildir.Session, error) {
	if c.as == "" {
		return nil, nil, usageError("who are you? pass --as NAME or set IPC_ID")
	}
	st, err := c.openStore()
	if err != nil {
		return nil, nil, err
	}
	c.ensureServer(ctx)
	s, err := st.JoinLocal(ctx, c.as)
	if maildir.KindOf(err) == maildir.InUse && c.releaseFromServer(ctx) {
		s, err = st.JoinLocal(ctx, c.as)
	}
	if err != nil {
		st.Close()
		return nil, nil, err
	}
	return st, s, nil
}

// inSession runs fn in the session of --as / IPC_ID (see session) and
// then closes the mailbox, which ends the session.
func (c *cli) inSession(ctx context.Context, fn func(*maildir.Store, *maildir.Session) error) error {
	st, s, err := c.session(ctx)
	if err != nil {
		return err
	}
	defer st.Close()
	return fn(st, s)
}

// inStore runs fn on the mailbox, for a command that needs no identity,
// and then closes it.
func (c *cli) inStore(fn func(*maildir.Store) error) error {
	st, err := c.openStore()
	if err != nil {
		return err
	}
	defer st.Close()
	return fn(st)
}

// releaseFromServer asks this mailbox's server to let go of the name where
// it holds it only for a script between its requests, so that a script's
// registration never locks its user's CLI out of the name. The script
// hears of it at its next request (in_use, naming this process, while it
// runs).
func (c *cli) releaseFromServer(ctx context.Context) bool {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	released, err := client.ReleaseName(ctx, c.home, c.as)
	return err == nil && released
}

// flags returns a flag set for a subcommand that reports errors as usage
// errors instead of printing.
func flags(name string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	return fs
}

// flagError turns a flag parsing error into a usage error, or into a
// request for the command's help (-h, --help).
func flagError(fs *flag.FlagSet, err error) error {
	if errors.Is(err, flag.ErrHelp) {
		return helpRequest{fs}
	}
	return usageError("%s: %v (run ipc %s --help)", fs.Name(), err, fs.Name())
}

// parseExactly is parse for a command that takes n positional arguments:
// any other number is the usage error usage.
func parseExactly(fs *flag.FlagSet, args []string, n int, usage string) ([]string, error) {
	pos, err := parse(fs, args)
	if err != nil {
		return nil, err
	}
	if len(pos) != n {
		return nil, usageError("%s", usage)
	}
	return pos, nil
}

// parseID parses the arguments of "ipc NAME ID [--json]": the message id,
// trimmed, and whether --json was given. With jsonDoc "" the command has
// no --json flag.
func parseID(name, jsonDoc string, args []string) (id string, asJSON bool, err error) {
	fs := flags(name)
	if jsonDoc != "" {
		fs.BoolVar(&asJSON, "json", false, jsonDoc)
	}
	pos, err := parseExactly(fs, args, 1, fmt.Sprintf("%s: want one message id: ipc %s ID", name, name))
	if err != nil {
		return "", false, err
	}
	return strings.TrimSpace(pos[0]), asJSON, nil
}

// parse parses args, accepting flags before and after positional
// arguments (ipc check --json, ipc send bob hi --data {}).
func parse(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, flagError(fs, err)
		}
		args = fs.Args()
		if len(args) == 0 {
			return pos, nil
		}
		if args[0] == "--" {
			return append(pos, args[1:]...), nil
		}
		pos = append(pos, args[0])
		args = args[1:]
	}
}
