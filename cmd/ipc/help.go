package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"slices"
	"sort"
	"strings"
	"text/tabwriter"

	"github.com/ipc-dev/ipc/internal/present"
	"github.com/ipc-dev/ipc/maildir"
	"github.com/ipc-dev/ipc/mcp"
)

// commandDoc is what a command's help says beyond its summary and flags.
// A command without one still gets its usage line, description and flags.
type commandDoc struct {
	about    string   // a paragraph after the description
	env      []string // the variables it reads, beyond the mailbox settings
	settings bool     // it opens the mailbox, so reads the mailbox settings
	examples []string
}

// Variables the commands read, grouped as they are read.
var (
	mailboxEnv = []string{envHome}
	sessionEnv = []string{envID, envHome, envAutostart, envIdleExit}
)

// commandDocs holds the help of each command of commands(), by name.
var commandDocs = map[string]commandDoc{
	"send": {
		about: "Quotes are optional: the words after TO are the message. Flags go anywhere\n" +
			"before --; message text that starts with - goes after it.",
		env: sessionEnv, settings: true,
		examples: []string{
			"ipc send bob: need help with auth",
			`ipc send --data '{"pr": 42}' bob please review`,
			"git diff | ipc send bob -",
			"ipc send bob -- -1 is the answer",
			"ipc --as alice send --idempotency-key deploy-42 bob deployed",
			`ipc send --subject "auth freeze" --priority urgent --ack bob freeze the auth module`,
			"ipc send --reply-to ID bob and the tests too",
		},
	},
	"reply": {
		about: "A message you received is answered to its sender (a broadcast too, to its\n" +
			"sender only); one you sent, to its recipient. The answer joins the thread\n" +
			"(In-Reply-To, References) with the subject \"Re: ...\" unless --subject gives one.\n" +
			"A notice from the mailbox itself cannot be replied to.",
		env: sessionEnv, settings: true,
		examples: []string{
			"ipc reply ID done, merged",
			"ipc reply --priority high --ack ID please confirm before 5",
			"git log -1 | ipc reply ID -",
		},
	},
	"sent": {
		about: "One line per message: id, time, to, state (queued, unread, surfaced, read,\n" +
			"acknowledged, expired, bounced) and subject. A page ends with the command that\n" +
			"shows the next one (\"next\" in --json).",
		env: sessionEnv, settings: true,
		examples: []string{"ipc sent", "ipc sent -n 50 --after ID", "ipc sent --json | jq -r '.sent[] | select(.state != \"acknowledged\") | .id'"},
	},
	"broadcast": {
		about: "One line per recipient follows the summary; exit status 3 when some got no copy\n" +
			"(send to them once fixed, do not broadcast again).",
		env: sessionEnv, settings: true,
		examples: []string{
			"ipc broadcast tests are green on main",
			"ipc broadcast --json -- --force-push is forbidden today",
		},
	},
	"check": {
		about: "Messages shown are marked read and kept on disk (ipc history, ipc read ID).",
		env:   sessionEnv, settings: true,
		examples: []string{"ipc check", "ipc check --wait 30s", "IPC_ID=bob ipc check --json --max 10"},
	},
	"watch": {
		about: "Each message is marked read as it is printed.",
		env:   sessionEnv, settings: true,
		examples: []string{"ipc watch", "ipc watch --json | jq .message.content"},
	},
	"tail": {
		about: "By default the mail you receive and send (--as NAME or IPC_ID); --all follows every\n" +
			"mailbox. Starts with the latest -n messages, then each one as it lands, until\n" +
			"Ctrl-C. A line is the time (with the date when not today), from -> to, [urgent]\n" +
			"or [high], [subject], the start of the text and the message id for ipc read and\n" +
			"reply. Nothing is marked read and no name is registered. Colour on a terminal\n" +
			"unless NO_COLOR is set; --json prints one message per line, as ipc watch --json.",
		env: []string{envID, envHome, "NO_COLOR"}, settings: true,
		examples: []string{"ipc tail", "ipc tail --all -n 50", "ipc tail --all --from alice", "ipc tail --all --thread ID --json | jq .subject"},
	},
	"doing": {
		about: "One line of at most 120 characters, shown beside your name in ipc list and the\n" +
			"console; --clear removes it.",
		env: sessionEnv, settings: true,
		examples: []string{"ipc doing reviewing the parser", "ipc doing --clear"},
	},
	"history": {
		about: "Pages back from the newest: each page ends with the command that shows the one\n" +
			"before it (\"next\" in --json). Only the page's messages are read.",
		env: sessionEnv, settings: true, examples: []string{"ipc history", "ipc history -n 50 --before ID", "ipc history -n 0 --json"},
	},
	"read":   {env: sessionEnv, settings: true, examples: []string{"ipc read 1796119911.M840857P12561Q1Ra965a1099bca9570.vm"}},
	"status": {env: sessionEnv, settings: true, examples: []string{"ipc status ID", "ipc status ID --json"}},
	"ack": {
		about: "A message shown with \"Acknowledgement requested\" (sent with --ack) asks for it;\n" +
			"any message of your mailbox can be acknowledged. The sender's ipc status ID\n" +
			"and ipc sent then say acknowledged.",
		env: sessionEnv, settings: true, examples: []string{"ipc ack ID", "ipc ack --json ID"},
	},
	"search": {
		about: "Terms all match; \"a phrase\" matches in order; 'auth*' is a prefix; from:A to:B\n" +
			"thread:ID since:2h work inline too. Nothing is marked read. The index\n" +
			"(index/search.db) is a cache of the files, rebuilt when missing or damaged.",
		env: sessionEnv, settings: true,
		examples: []string{"ipc search auth module", `ipc search "freeze the branch" --from alice`, "ipc search 'deploy*' --since 3d --json"},
	},
	"thread": {
		about: "Each reply is indented under the message it answers. A page ends with the\n" +
			"command for the next: the same with --after CURSOR. Nothing is marked read.",
		env: sessionEnv, settings: true, examples: []string{"ipc thread ID", "ipc thread ID -n 50 --after CURSOR", "ipc thread ID --json"},
	},
	"list":   {about: "Needs no identity.", env: mailboxEnv, settings: true, examples: []string{"ipc list", "ipc list --json"}},
	"rename": {about: "The old name forwards to the new one for 2 hours.", env: sessionEnv, settings: true, examples: []string{"ipc --as bob rename robert"}},
	"gc":     {about: "Servers apply retention on their own; this applies it now.", env: mailboxEnv, settings: true, examples: []string{"ipc gc", "IPC_RETENTION=7d ipc gc"}},
	"doctor": {about: "Exits 1 when it finds a problem.", env: []string{envHome, envPort}, settings: true, examples: []string{"ipc doctor", "ipc doctor --home /mnt/c/ipc"}},
	"demo":   {about: "Touches no mailbox of yours.", examples: []string{"ipc demo", "ipc demo --keep"}},
	"mcp":    {about: "Stdout carries only JSON-RPC; diagnostics go to stderr.", env: []string{envID, envHome, envAutostart, envIdleExit, mcp.EnvChannel, envShareCommand, present.EnvBudget}, settings: true, examples: []string{"claude mcp add ipc -e IPC_ID=alice -- ipc mcp"}},
	"serve":  {env: []string{envHome, envHost, envPort, envSocket, envIdleExit, envRuntimeDir}, settings: true, examples: []string{"ipc serve", "ipc serve --detach", "ipc serve --port 0 --socket off"}},
	"stop":   {env: mailboxEnv, examples: []string{"ipc stop", "ipc stop --home /tmp/ipc"}},
	"forget": {
		about: "Refuses a name a live process acts as, and your own. Its mail stays in\n" +
			"mail/NAME/ unless --mail; a later registration of NAME finds it there.",
		env: mailboxEnv, settings: true, examples: []string{"ipc forget bbo", "ipc forget --mail old-agent"},
	},
	"whoami": {about: "Registers nothing and starts no server.", env: sessionEnv, settings: true, examples: []string{"ipc whoami", "IPC_ID=bob ipc whoami --json"}},
	"web": {about: "Prints the URL to open, with its token, on stdout (as Jupyter does): every page,\n" +
		"asset and API call needs it (a cookie keeps it after the first visit). Listens on\n" +
		"loopback only; the Host and Origin of each request must be the console's own.\n" +
		"The console writes as \"human\", a reserved name agents answer like any other;\n" +
		"reading through it never marks mail read. Routes and page: docs/web.md.",
		env: mailboxEnv, settings: true,
		examples: []string{"ipc web", "ipc web --addr 8765 --no-open"}},
	"hook":    {about: "Reads the hook's JSON on stdin; its errors exit 1, never 2.", env: []string{envID, envHome, present.EnvBudget}, settings: true, examples: []string{"ipc hook --event SessionStart", "ipc hook --wait 55m"}},
	"version": {examples: []string{"ipc version", "ipc --version"}},
	"completion": {
		about: "Completes commands, flags and agent names (read from the mailbox; nothing is registered).",
		examples: []string{
			"source <(ipc completion bash)               # in ~/.bashrc",
			"source <(ipc completion zsh)                # in ~/.zshrc, after compinit",
			"ipc completion fish > ~/.config/fish/completions/ipc.fish",
		},
	},
}

// envDocs says what each variable does, in the order ipc help environment
// lists them.
var envDocs = []struct{ name, doc string }{
	{envHome, "the mailbox (--home; default ~/.claude-ipc)"},
	{envID, "the identity a command acts as (--as)"},
	{envSecret, "secure mode: registering needs sha256(\"<id>:<secret>\") in hex"},
	{envSync, "durability: batch (default), full or none"},
	{envPoll, "1 forces polling instead of filesystem events"},
	{envPollInterval, "the polling interval (default 500ms)"},
	{envRateBurst, "messages one identity may send at once (default 1000; off: no limit)"},
	{envRatePerSec, "the refill rate of that burst (default 100)"},
	{envRetention, "read mail older than this is removed (default 30d)"},
	{envFutureKeep, "unread mail to never-registered names is kept this long (at least 7d)"},
	{envAutostart, "0 never starts a server (ipc serve) automatically"},
	{envIdleExit, "an auto-started server stops after this long unused (default 30m; 0 never)"},
	{envHost, "the TCP host of ipc serve (default 127.0.0.1)"},
	{envPort, "the TCP port of ipc serve (default 9876; 0 any free port; off none)"},
	{envSocket, "the Unix socket of ipc serve (off: none)"},
	{envRuntimeDir, "where the Unix socket lies by default"},
	{mcp.EnvChannel, "Claude Code channel notifications of ipc mcp: auto, 1 any client, 0 none"},
	{envShareCommand, "0 disables the share_command MCP tool"},
	{present.EnvBudget, "the most one MCP check result or hook output may measure"},
}

// help runs "ipc help [TOPIC]": the manual, a command's help (as ipc
// COMMAND --help prints it) or the environment.
func (c *cli) help(ctx context.Context, args []string) int {
	switch {
	case len(args) == 0:
		c.usage(c.stdout)
		return 0
	case args[0] == "environment":
		c.printEnvironment(c.stdout)
		return 0
	}
	cmd, ok := commands()[args[0]]
	if !ok {
		return c.fail(unknownCommand(args[0]))
	}
	if fs := c.flagSet(ctx, cmd); fs != nil {
		return c.fail(helpRequest{fs})
	}
	printHelp(c.stdout, args[0], nil)
	return 0
}

// unknownCommand is the usage error of a command that does not exist,
// with the commands it may be a typo of.
func unknownCommand(name string) error {
	hint := ""
	if near := maildir.Suggest(name, commandNames()); len(near) > 0 {
		hint = ": did you mean " + orList(near) + "?"
	}
	return usageError("unknown command %q%s (run ipc -h)", name, hint)
}

// orList writes words as "a", "a or b", "a, b or c".
func orList(words []string) string {
	if len(words) == 1 {
		return words[0]
	}
	return strings.Join(words[:len(words)-1], ", ") + " or " + words[len(words)-1]
}

// commandNames are the names of commands(), sorted.
func commandNames() []string {
	names := make([]string, 0, len(commands()))
	for name := range commands() {
		names = append(names, name)
	}
	sort.Strings(names)
	return names
}

// commandHelp prints the help of the command whose flags fs holds.
func (c *cli) commandHelp(fs *flag.FlagSet) {
	printHelp(c.stdout, fs.Name(), fs)
}

// splitSummary takes a summary of the command table apart: "send TO
// MESSAGE... — send a message" is the synopsis "send TO MESSAGE..." and
// the description "send a message".
func splitSummary(summary string) (synopsis, description string) {
	synopsis, description, _ = strings.Cut(summary, " — ")
	return synopsis, description
}

// printHelp prints the help of the command name: its usage line and
// description from the command table, then its flags (fs, which may be
// nil), the global flags, the variables it reads and its examples.
func printHelp(w io.Writer, name string, fs *flag.FlagSet) {
	synopsis, description := splitSummary(commands()[name].summary)
	doc := commandDocs[name]
	fmt.Fprintf(w, "Usage: ipc %s\n", synopsis)
	if description != "" {
		fmt.Fprintf(w, "\n%s.\n", sentence(description))
	}
	if doc.about != "" {
		fmt.Fprintf(w, "%s\n", doc.about)
	}
	var own, global []*flag.Flag
	if fs != nil {
		fs.VisitAll(func(f *flag.Flag) {
			if isGlobal(f) {
				global = append(global, f)
			} else {
				own = append(own, f)
			}
		})
	}
	if len(own) > 0 {
		fmt.Fprintln(w, "\nFlags:")
		printFlags(w, own)
	}
	fmt.Fprintln(w, "\nGlobal flags:")
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	for _, f := range global {
		fmt.Fprintln(tw, flagLine(f))
	}
	fmt.Fprintln(tw, "  -h, --help\tshow this help")
	tw.Flush()
	if len(doc.env) > 0 || doc.settings {
		fmt.Fprintln(w, "\nEnvironment:")
		printEnv(w, doc.env)
		if doc.settings {
			fmt.Fprintf(w, "  and the mailbox settings (ipc help environment):\n%s", wrap(strings.Join(storeSettings, ", "), "    ", 76))
		}
	}
	if len(doc.examples) > 0 {
		fmt.Fprintln(w, "\nExamples:")
		for _, e := range doc.examples {
			fmt.Fprintf(w, "  %s\n", e)
		}
	}
}

// wrap breaks text at spaces into lines of at most width, each starting
// with indent and ending with a newline.
func wrap(text, indent string, width int) string {
	var b strings.Builder
	line := indent
	for _, word := range strings.Fields(text) {
		if line != indent && len(line)+1+len(word) > width {
			b.WriteString(line + "\n")
			line = indent
		}
		if line != indent {
			line += " "
		}
		line += word
	}
	b.WriteString(line + "\n")
	return b.String()
}

// sentence starts s with a capital letter.
func sentence(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// printFlags prints flags as "  --name VALUE  usage (default D)", aligned.
func printFlags(w io.Writer, flags []*flag.Flag) {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	for _, f := range flags {
		fmt.Fprintln(tw, flagLine(f))
	}
	tw.Flush()
}

// flagLine is one flag's line of help, with a tab before its usage: a
// long flag written --name, a one-letter one -n (as the flag package
// takes both), its value named by the word in backquotes in its usage or
// by its type.
func flagLine(f *flag.Flag) string {
	value, usage := flag.UnquoteUsage(f)
	dash := "--"
	if len(f.Name) == 1 {
		dash = "-"
	}
	line := "  " + dash + f.Name
	if value != "" {
		line += " " + placeholder(value)
	}
	line += "\t" + usage
	if !zeroDefault(f.DefValue) {
		line += fmt.Sprintf(" (default %s)", f.DefValue)
	}
	return line
}

// placeholder names a flag's value: the word its usage gives in
// backquotes, or its type in capitals (N for a number).
func placeholder(value string) string {
	switch value {
	case "int", "uint", "float":
		return "N"
	}
	return strings.ToUpper(value)
}

// zeroDefault reports whether a flag's default is its type's zero value,
// which help does not print.
func zeroDefault(v string) bool {
	return slices.Contains([]string{"", "0", "false", "0s"}, v)
}

// printEnv prints the variables names with what they do.
func printEnv(w io.Writer, names []string) {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	for _, e := range envDocs {
		if slices.Contains(names, e.name) {
			fmt.Fprintf(tw, "  %s\t%s\n", e.name, e.doc)
		}
	}
	tw.Flush()
}

// printEnvironment prints every variable ipc reads: ipc help environment.
func (c *cli) printEnvironment(w io.Writer) {
	fmt.Fprintln(w, "Environment variables (a flag, where there is one, wins):")
	names := make([]string, len(envDocs))
	for i, e := range envDocs {
		names[i] = e.name
	}
	printEnv(w, names)
}
