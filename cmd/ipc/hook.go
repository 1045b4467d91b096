package main

import (
	"context"
	"errors"

	"github.com/ipc-dev/ipc/hook"
)

// runHook: ipc [--as NAME] hook [--wait D] [--event NAME], the Claude Code
// hook (package hook). Its errors exit 1, never 2, which Claude Code reads
// as a wake or a blocked prompt.
func runHook(ctx context.Context, c *cli, args []string) error {
	code, err := c.hook(ctx, args)
	if errors.As(err, new(helpRequest)) {
		return err // run prints the help, exit 0
	}
	if err != nil {
		c.fail(err)
		code = hook.Fail
	}
	if code == hook.Done {
		return nil
	}
	return exitStatus(code)
}

func (c *cli) hook(ctx context.Context, args []string) (int, error) {
	fs := flags("hook")
	wait := fs.Duration("wait", 0, "wait in the background up to this long for new mail, then exit 2 to wake the session (asyncRewake)")
	event := fs.String("event", "", "the hook event `NAME`, when stdin does not name it")
	pos, err := parse(fs, args)
	if err != nil {
		return hook.Fail, err
	}
	if len(pos) > 0 || *wait < 0 {
		return hook.Fail, usageError("hook [--wait D] [--event NAME]: reads the hook's JSON on stdin")
	}
	cfg := hook.Config{ID: c.as, Open: c.openHookStore, Getenv: c.getenv, Event: *event, Wait: *wait}
	code, err := hook.Run(ctx, cfg, c.stdin, c.stdout, c.stderr)
	if errors.Is(err, hook.ErrInput) {
		err = usageError("%v", err)
	}
	return code, err
}
