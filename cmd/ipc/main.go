package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/ipc-dev/ipc/maildir"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "dev"

func main() {
	ctx, stop := signalContext()
	go exitAfterGrace(ctx, stop)
	code := run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr, os.Getenv)
	stop()
	os.Exit(code)
}

// exitGrace is how long a command may take to end after SIGINT or SIGTERM:
// longer than the graceful shutdown of ipc serve (socket.DefaultGrace).
const exitGrace = 15 * time.Second

// exitAfterGrace bounds the end of the process once a signal ended ctx: a
// second signal kills it at once (stop restores the default handling), and
// if the command has not returned within exitGrace (a system call stuck on
// a hung filesystem, say), the process exits anyway with status 1.
func exitAfterGrace(ctx context.Context, stop context.CancelFunc) {
	<-ctx.Done()
	stop()
	<-time.After(exitGrace)
	fmt.Fprintf(os.Stderr, "ipc: still busy %v after the signal; exiting\n", exitGrace)
	os.Exit(1)
}

// cli carries what every command needs: its streams, the environment and
// the global flags.
type cli struct {
	stdin  io.Reader
	stdout io.Writer
	stderr io.Writer
	getenv func(string) string
	home   string // --home or IPC_HOME, absolute (resolveHome)
	as     string // --as or IPC_ID
	exe    string // the ipc binary to start servers with; "" means this one

	asFrom   string // where as came from: "--as" or "IPC_ID"
	homeFrom string // where home came from: "--home", "IPC_HOME" or "default"
	homeNote string // how a relative IPC_HOME was resolved: the first store opened says it (open)
}

// command is one subcommand.
type command struct {
	run     func(ctx context.Context, c *cli, args []string) error
	summary string
}

// commands is the table of contents of the CLI: one file per command.
func commands() map[string]command {
	return map[string]command{
		"send":      {runSend, "send TO MESSAGE... — send a message (colon after TO optional; - reads stdin)"},
		"reply":     {runReply, "reply ID MESSAGE... — answer a message in its thread (to its sender; - reads stdin)"},
		"broadcast": {runBroadcast, "broadcast MESSAGE... [--json] — send to every registered agent"},
		"check":     {runCheck, "check [--wait D] [--max N] [--json] — read unread mail (marks it read)"},
		"watch":     {runWatch, "watch [--json] — print mail as it lands, until interrupted"},
		"tail":      {runTail, "tail [--all] [--thread ID] [--from A] [-n N] [--json] — follow the mail as it lands, one line each, never marking it read"},
		"history":   {runHistory, "history [-n N] [--before ID] [--json] — read mail, a page at a time, newest last"},
		"read":      {runRead, "read ID [--json] — show one message by id"},
		"sent":      {runSent, "sent [-n N] [--after ID] [--json] — your outbox, newest first, with each message's state"},
		"search":    {runSearch, "search QUERY... [--from A] [--to B] [--thread ID] [--since WHEN] [--unread] [-n N] [--after CURSOR] [--json] — your mail holding every term, newest first"},
		"thread":    {runThread, "thread ID [-n N] [--after CURSOR] [--json] — a conversation, oldest first, read and unread"},
		"status":    {runStatus, "status ID [--json] — what became of a message you sent"},
		"ack":       {runAck, "ack ID [--json] — acknowledge a message you received"},
		"list":      {runList, "list [--json] — registered agents, online now and last seen, unread, what each is doing"},
		"doing":     {runDoing, "doing TEXT... | doing --clear [--json] — say in one line what you are doing (shown in ipc list)"},
		"rename":    {runRename, "rename NEW [--json] — change your own name (once per hour)"},
		"forget":    {runForget, "forget NAME [--mail] [--json] — remove an agent that will not come back (its mail stays unless --mail)"},
		"whoami":    {runWhoami, "whoami [--json] — your identity and where it comes from, the mailbox, registered, online, unread"},
		"gc":        {runGC, "gc [--json] — apply retention now"},
		"doctor":    {runDoctor, "doctor [--json] — filesystem, watching mode, permissions, disk, server"},
		"demo":      {runDemo, "demo — a guided tour in a temporary mailbox"},
		"mcp":       {runMCP, "mcp — the MCP stdio server (for Claude Code, Gemini CLI, Codex)"},
		"serve":     {runServe, "serve — the socket server (TCP 127.0.0.1:9876 and a Unix socket)"},
		"stop":      {runStop, "stop [--json] — stop this mailbox's server (ipc serve), if one runs"},
		"hook":      {runHook, "hook — Claude Code hook: inject unread mail into the conversation"},
		"web":       {runWeb, "web [--addr PORT] [--no-open] — the console in a browser: agents, live traffic, threads, search, timelines, compose as human"},
		"version":   {runVersion, "version [--json] — print the version"},

		// Shells.
		"completion": {runCompletion, "completion SHELL — print the completion script for bash, zsh or fish"},
	}
}

// run executes the command line and returns the exit code (exitcode.go):
// 0 ok, 1 failure, 2 usage, 3 a broadcast that reached only some
// recipients, 4 a check --wait that no mail ended, 128 + n for signal n.
// Errors go to stderr as "ipc: <kind>: <sentence>".
func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer, getenv func(string) string) int {
	c := &cli{stdin: stdin, stdout: stdout, stderr: stderr, getenv: getenv}
	fs := flag.NewFlagSet("ipc", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	declareGlobals(fs, &c.home, &c.as)
	help := fs.Bool("help", false, "show help")
	fs.BoolVar(help, "h", false, "show help")
	showVersion := fs.Bool("version", false, "print the version")
	fs.BoolVar(showVersion, "v", false, "print the version")
	if err := fs.Parse(args); err != nil {
		code := c.fail(usageError("%v", err))
		if slices.Contains(args, "hook") {
			code = 1 // to Claude Code, 2 from a hook is a wake or a blocked prompt
		}
		return code
	}
	args = fs.Args()
	if *showVersion {
		args = []string{"version"}
	}
	if *help || len(args) == 0 {
		c.usage(stdout)
		if len(args) == 0 && !*help {
			return 2
		}
		return 0
	}
	name, args := args[0], args[1:]
	cmd, ok := commands()[name]
	if ok {
		args = c.takeGlobals(ctx, cmd, args)
	}
	c.resolveHome()
	c.asFrom = "--as"
	if c.as == "" {
		c.as, c.asFrom = getenv(envID), envID
	}
	switch {
	case name == "help": // ipc help [COMMAND]
		return c.help(ctx, args)
	case name == completeCommand:
		return c.printCompletions(ctx, args)
	case !ok:
		return c.fail(unknownCommand(name))
	}
	if err := cmd.run(ctx, c, args); err != nil {
		return c.fail(err)
	}
	return 0
}

func (c *cli) usage(w io.Writer) {
	fmt.Fprint(w, manual)
}

// usageErr is a command-line mistake: exit code 2.
type usageErr struct{ msg string }

func (e usageErr) Error() string { return e.msg }

func usageError(format string, args ...any) error {
	return usageErr{fmt.Sprintf(format, args...)}
}

// helpRequest is -h or --help after a command: its usage goes to stdout.
type helpRequest struct{ fs *flag.FlagSet }

func (h helpRequest) Error() string { return "help requested" }

// exitStatus ends a command with a given status and no error message (a
// hook's exit 2 that asks Claude Code to wake the session).
type exitStatus int

func (e exitStatus) Error() string { return fmt.Sprintf("exit status %d", int(e)) }

// fail prints err as "ipc: <kind>: <sentence>" and returns its exit code.
func (c *cli) fail(err error) int {
	var st exitStatus
	if errors.As(err, &st) {
		return int(st)
	}
	var h helpRequest
	if errors.As(err, &h) {
		c.commandHelp(h.fs)
		return 0
	}
	var u usageErr
	if errors.As(err, &u) {
		fmt.Fprintf(c.stderr, "ipc: usage: %s\n", u.msg)
		return exitUsage
	}
	var p partialError
	if errors.As(err, &p) {
		fmt.Fprintf(c.stderr, "ipc: partial: %s\n", p)
		return 3
	}
	var dp doctorProblems
	if errors.As(err, &dp) {
		fmt.Fprintf(c.stderr, "ipc: %s\n", dp)
		return 1
	}
	var ie interruptedError
	if errors.As(err, &ie) {
		fmt.Fprintf(c.stderr, "ipc: %s\n", ie)
		return ie.code()
	}
	if errors.Is(err, context.Canceled) {
		return 1
	}
	msg := err.Error()
	kind := maildir.KindOf(err)
	fmt.Fprintf(c.stderr, "ipc: %s: %s\n", kind, strings.TrimSpace(msg))
	if commandLineMistake(err) {
		return exitUsage
	}
	return exitFailure
}

func runVersion(ctx context.Context, c *cli, args []string) error {
	fs := flags("version")
	asJSON := fs.Bool("json", false, `print {"version": ...} as JSON`)
	if _, err := parse(fs, args); err != nil {
		return err
	}
	if *asJSON {
		return writeJSON(c.stdout, map[string]string{"version": version})
	}
	fmt.Fprintln(c.stdout, "ipc", version)
	return nil
}
