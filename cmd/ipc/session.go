package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"slices"
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
// errors instead of printing. It holds the global flags too (--as,
// --home), so that they work after the command: run takes them out of the
// command line before the command parses it (takeGlobals).
func flags(name string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	declareGlobals(fs, new(string), new(string))
	return fs
}

// The global flags: the mailbox and the identity.
const (
	flagHome = "home"
	flagAs   = "as"
)

// declareGlobals declares --home and --as on fs, into home and as.
func declareGlobals(fs *flag.FlagSet, home, as *string) {
	fs.StringVar(home, flagHome, "", "the mailbox `DIR` (default $IPC_HOME or ~/.claude-ipc)")
	fs.StringVar(as, flagAs, "", "act as the identity `NAME` (default $IPC_ID)")
}

// isGlobal reports whether f is one of the global flags.
func isGlobal(f *flag.Flag) bool { return f.Name == flagHome || f.Name == flagAs }

// flagError turns a flag parsing error into a usage error, or into a
// request for the command's help (-h, --help).
func flagError(fs *flag.FlagSet, err error) error {
	if errors.Is(err, flag.ErrHelp) {
		return helpRequest{fs}
	}
	hint := ""
	if strings.HasPrefix(err.Error(), "flag provided but not defined") && strings.Contains(commands()[fs.Name()].summary, "MESSAGE") {
		hint = "; message text that starts with - goes after --"
	}
	return usageError("%s: %v (run ipc %s --help%s)", fs.Name(), err, fs.Name(), hint)
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

// parse parses args and returns the positional words: flags go anywhere
// before the first "--" (ipc check --json, ipc send bob hi --data {}), and
// every word after it is positional, flag-like or not (ipc send bob --
// --help sends "--help"). So "--" is never a flag's value, and a message
// that starts with "-" goes after it, as in git and gh. A lone "-" is a
// word (send's stdin).
func parse(fs *flag.FlagSet, args []string) ([]string, error) {
	before, after := args, []string(nil)
	if i := slices.Index(args, "--"); i >= 0 {
		before, after = args[:i:i], args[i+1:]
	}
	var pos []string
	for {
		if err := fs.Parse(before); err != nil {
			return nil, flagError(fs, err)
		}
		before = fs.Args()
		if len(before) == 0 {
			return append(pos, after...), nil
		}
		pos = append(pos, before[0])
		before = before[1:]
	}
}

// flagSet returns the flag set of cmd, or nil when it has none. A command
// declares its flags and parses its arguments before it does anything
// else, and parse answers --help with a helpRequest carrying the flag set:
// so asking the command for its help hands its flags over (for the global
// flags after the command, help and completion), with nothing done. The
// command is asked with a context already ended and no streams, so that
// a command that does not answer so cannot act.
func (c *cli) flagSet(ctx context.Context, cmd command) *flag.FlagSet {
	probe := *c
	probe.stdin, probe.stdout, probe.stderr = strings.NewReader(""), io.Discard, io.Discard
	ctx, cancel := context.WithCancel(ctx)
	cancel()
	var h helpRequest
	if errors.As(cmd.run(ctx, &probe, []string{"--help"}), &h) {
		return h.fs
	}
	return nil
}

// takeGlobals takes the global flags given after the command out of its
// arguments into c, and returns the command's own arguments: its flags,
// then "--", then its words. Arguments that do not parse are returned as
// they are, for the command to report the mistake in its own way.
func (c *cli) takeGlobals(ctx context.Context, cmd command, args []string) []string {
	fs := c.flagSet(ctx, cmd)
	if fs == nil {
		return args
	}
	pos, err := parse(fs, args)
	if err != nil {
		return args
	}
	var own []string
	fs.Visit(func(f *flag.Flag) {
		switch f.Name {
		case flagHome:
			c.home = f.Value.String()
		case flagAs:
			c.as = f.Value.String()
		default:
			own = append(own, "--"+f.Name+"="+f.Value.String())
		}
	})
	return append(append(own, "--"), pos...)
}
