package main

import (
	"context"
	"errors"
	"flag"
	"io"
	"time"

	"github.com/ipc-dev/ipc/client"
	"github.com/ipc-dev/ipc/maildir"
)

// openStore opens the mailbox with the options of the environment.
func (c *cli) openStore() (*maildir.Store, error) {
	return c.open(false, nil)
}

// openDaemonStore opens the mailbox for a long-lived process (ipc mcp, ipc
// serve): it applies retention in the background and reports diagnostics
// (quarantined indices, fallbacks) through logf.
func (c *cli) openDaemonStore(logf func(format string, args ...any)) (*maildir.Store, error) {
	return c.open(true, logf)
}

func (c *cli) open(autoGC bool, logf func(format string, args ...any)) (*maildir.Store, error) {
	opts, err := maildir.OptionsFromEnv()
	if err != nil {
		return nil, usageError("%v", err)
	}
	opts.AutoGC = autoGC
	opts.Logf = logf
	return maildir.Open(c.home, opts)
}

// session opens the mailbox and acts as the identity of --as / IPC_ID,
// registering it implicitly. The caller closes the returned store, which
// ends the session.
func (c *cli) session(ctx context.Context) (*maildir.Store, *maildir.Session, error) {
	if c.as == "" {
		return nil, nil, usageError("who are you? pass --as NAME or set IPC_ID")
	}
	c.ensureServer(ctx)
	st, err := c.openStore()
	if err != nil {
		return nil, nil, err
	}
	proof := maildir.Proof(c.as, c.getenv(maildir.EnvSecret))
	s, err := st.Login(ctx, c.as, proof)
	if maildir.KindOf(err) == maildir.InUse && c.releaseFromServer(ctx) {
		s, err = st.Login(ctx, c.as, proof)
	}
	if err != nil {
		st.Close()
		return nil, nil, err
	}
	return st, s, nil
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
