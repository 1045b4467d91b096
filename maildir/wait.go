package maildir

import (
	"context"
	"time"
)

// Checking and waiting: the one rule every door follows to wait for mail.
//
// A door that waits (the MCP check with wait_seconds, ipc check --wait, the
// hook's wake, ipc watch, a socket subscription) checks first, and waits on
// the watcher only while nothing was claimed. What wakes a wait is not
// always mail the waiter gets: an entry that is not mail is moved aside by
// the wait itself, and mail another reader (a hook, a second client)
// claims first leaves the check that follows empty. Neither ends the wait.

// Waited is the result of CheckWait.
type Waited struct {
	// Checked is the last check: the mail it claimed, its text, and in
	// Result.Quarantined (and so in Warnings) the entries moved aside by
	// every check on the way.
	Checked
	// Waited is how long CheckWait waited before that check (0: the mail
	// was there at once).
	Waited time.Duration
	// TimedOut reports that the wait ran out with nothing claimed.
	TimedOut bool
}

// CheckWait checks c and, while nothing was claimed, waits up to wait for
// mail and checks again:
//
//   - the first check runs at once: mail already unread is returned without
//     waiting, and wait <= 0 means that one check only;
//   - the wait is on the watcher (Wait), never on a timer, and goes on
//     after a check that claimed nothing: what woke it was not mail
//     (moved aside), or mail another reader claimed first;
//   - the entries moved aside by every check on the way are in the result,
//     so the warnings a door shows are those of the whole wait;
//   - when the wait runs out, the mailbox is checked once more and the
//     result is that check (TimedOut when it claimed nothing): the end of
//     the wait is no mail, not an error. When ctx ends first, its error is
//     returned (KindOf: Canceled or Timeout) with the last check;
//   - budget, when set, is the door's budget for a check that comes after
//     waiting waited, and every check on the way is CheckWithin it: its
//     Render says "after waiting ..." in the door's own words. With budget
//     nil each check is c.Check(ctx, opt), opt.Accept kept.
//
// Errors: as Check and Wait.
func CheckWait(ctx context.Context, c Checker, opt CheckOptions, wait time.Duration, budget func(waited time.Duration) Budget) (Waited, error) {
	start := time.Now()
	acc := &accumulating{Checker: c}
	check := func(waited time.Duration) (Waited, error) {
		var out Checked
		var err error
		if budget == nil {
			var res CheckResult
			res, err = acc.Check(ctx, opt)
			out = Checked{Result: res, Shown: Shown{Remaining: res.Remaining, Warnings: res.Warnings()}}
		} else {
			out, err = CheckWithin(ctx, acc, opt, budget(waited))
		}
		return Waited{Checked: out, Waited: waited}, err
	}
	out, err := check(0)
	if err != nil || len(out.Result.Messages) > 0 || wait <= 0 {
		return out, err
	}
	wctx, cancel := context.WithTimeout(ctx, wait)
	defer cancel()
	for {
		if err := c.Wait(wctx); err != nil {
			if wctx.Err() == nil || ctx.Err() != nil {
				return out, err // a failure, or the caller's end
			}
			out, err = check(time.Since(start)) // the wait is over: a last look
			out.TimedOut = err == nil && len(out.Result.Messages) == 0
			return out, err
		}
		out, err = check(time.Since(start))
		if err != nil || len(out.Result.Messages) > 0 {
			return out, err
		}
	}
}

// accumulating is a Checker whose results carry the entries moved aside
// by every check through it so far.
type accumulating struct {
	Checker
	moved []Quarantined
}

func (a *accumulating) Check(ctx context.Context, opt CheckOptions) (CheckResult, error) {
	res, err := a.Checker.Check(ctx, opt)
	a.moved = append(a.moved, res.Quarantined...)
	res.Quarantined = a.moved[:len(a.moved):len(a.moved)]
	return res, err
}

// Follow is check-then-wait for a door that streams mail until its client
// stops (ipc watch, a socket subscription). round checks c and hands what
// it claimed to the client, in the door's own shape and budget, and
// returns how many unread messages it left. Follow calls round at once;
// again without waiting while a round leaves mail unread (a batch bound);
// otherwise after c.Wait says mail landed. A wake that brings nothing
// round can claim (an entry that was not mail, mail another reader claimed
// first) only leads to another wait. The end of ctx is the normal end:
// Follow then returns nil; an error of round or of the wait is returned.
func Follow(ctx context.Context, c Checker, round func() (left int, err error)) error {
	for {
		left, err := round()
		if err != nil {
			return err
		}
		if left > 0 && ctx.Err() == nil {
			continue
		}
		if err := c.Wait(ctx); err != nil {
			if ctx.Err() != nil {
				return nil
			}
			return err
		}
	}
}
