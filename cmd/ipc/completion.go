package main

import (
	"context"
	"flag"
	"fmt"
	"maps"
	"os"
	"slices"
	"strings"

	"github.com/ipc-dev/ipc/maildir"
)

// completeCommand is the hidden command the completion scripts call:
// ipc __complete WORD... prints the candidates for the last word, one a
// line.
const completeCommand = "__complete"

// shells are the shells ipc completion writes a script for.
var shells = map[string]string{"bash": bashCompletion, "zsh": zshCompletion, "fish": fishCompletion}

// runCompletion: ipc completion bash|zsh|fish — prints the shell's script.
func runCompletion(ctx context.Context, c *cli, args []string) error {
	pos, err := parse(flags("completion"), args)
	if err != nil {
		return err
	}
	if len(pos) != 1 || shells[pos[0]] == "" {
		return usageError("completion: want a shell: ipc completion bash, zsh or fish")
	}
	fmt.Fprint(c.stdout, shells[pos[0]])
	return nil
}

// The scripts call the binary the user typed (words[0]) back with the
// words of the command line up to the cursor. It prints nothing where the
// shell completes better (a directory after --home, a file elsewhere).
const (
	bashCompletion = `# bash completion for ipc. Load it with: source <(ipc completion bash)
_ipc() {
    local IFS=$'\n'
    COMPREPLY=($("${COMP_WORDS[0]}" __complete "${COMP_WORDS[@]:1:COMP_CWORD}" 2>/dev/null))
}
complete -o default -F _ipc ipc
`
	zshCompletion = `#compdef ipc
# zsh completion for ipc. Load it with: source <(ipc completion zsh)
# (after compinit), or save it as _ipc in a directory of $fpath.
_ipc() {
    local -a candidates
    candidates=("${(@f)$("${words[1]}" __complete "${(@)words[2,CURRENT]}" 2>/dev/null)}")
    candidates=(${candidates:#})
    if (( ${#candidates} )); then
        compadd -- "${candidates[@]}"
    else
        _files
    fi
}
if [[ "${funcstack[1]}" = "_ipc" ]]; then
    _ipc "$@"
else
    compdef _ipc ipc
fi
`
	fishCompletion = `# fish completion for ipc. Load it with:
#   ipc completion fish > ~/.config/fish/completions/ipc.fish
function __ipc_complete
    set -l words (commandline -opc)
    set -l current (commandline -ct)
    $words[1] __complete $words[2..-1] "$current" 2>/dev/null
end
complete -c ipc -f -a '(__ipc_complete)'
complete -c ipc -l home -r -F
`
)

// printCompletions runs ipc __complete WORD...: the candidates for the
// last word (the one at the cursor, maybe empty), given the words before
// it. It reads the mailbox for agent names and writes nothing to it.
func (c *cli) printCompletions(ctx context.Context, words []string) int {
	for _, w := range c.completions(ctx, words) {
		fmt.Fprintln(c.stdout, w)
	}
	return 0
}

// completions returns the candidates for the last of words that it begins.
func (c *cli) completions(ctx context.Context, words []string) []string {
	current := ""
	if len(words) > 0 {
		current, words = words[len(words)-1], words[:len(words)-1]
	}
	line := c.scan(ctx, words)
	var all []string
	switch {
	case line.value != nil:
		if line.value.Name == flagAs {
			all = c.agentNames(ctx, line)
		}
	case strings.HasPrefix(current, "-") && !line.words:
		all = flagNames(line.fs)
	case line.command == "":
		all = append(commandNames(), "help")
	default:
		all = c.positionals(ctx, line)
	}
	var out []string
	for _, w := range all {
		if strings.HasPrefix(w, current) {
			out = append(out, w)
		}
	}
	return out
}

// commandLine is what the words before the cursor say.
type commandLine struct {
	fs         *flag.FlagSet // the flags in effect: the command's, or the global ones
	command    string        // "" before the command
	positional int           // the command's words so far
	value      *flag.Flag    // the flag whose value is at the cursor
	words      bool          // after "--": only words follow
	home       string        // --home, if given
}

// scan reads the words before the cursor.
func (c *cli) scan(ctx context.Context, words []string) commandLine {
	line := commandLine{fs: globalFlags()}
	for _, w := range words {
		switch {
		case line.value != nil:
			if w == "=" { // bash splits --as=x at the "="
				continue
			}
			if line.value.Name == flagHome {
				line.home = w
			}
			line.value = nil
		case w == "--" && !line.words:
			line.words = true
		case strings.HasPrefix(w, "-") && len(w) > 1 && !line.words:
			name, value, inline := strings.Cut(strings.TrimLeft(w, "-"), "=")
			if f := line.fs.Lookup(name); f != nil && !isBoolFlag(f) && !inline {
				line.value = f
			} else if inline && name == flagHome {
				line.home = value
			}
		case line.command == "":
			line.command = w
			if cmd, ok := commands()[w]; ok {
				if fs := c.flagSet(ctx, cmd); fs != nil {
					line.fs = fs
				}
			}
		default:
			line.positional++
		}
	}
	return line
}

// globalFlags are the flags before a command.
func globalFlags() *flag.FlagSet {
	fs := flags("ipc")
	fs.Bool("help", false, "")
	fs.Bool("version", false, "")
	return fs
}

// isBoolFlag reports whether f takes no value.
func isBoolFlag(f *flag.Flag) bool {
	b, ok := f.Value.(interface{ IsBoolFlag() bool })
	return ok && b.IsBoolFlag()
}

// flagNames are the flags of fs as they are typed, and --help.
func flagNames(fs *flag.FlagSet) []string {
	names := []string{}
	fs.VisitAll(func(f *flag.Flag) {
		if len(f.Name) == 1 {
			names = append(names, "-"+f.Name)
		} else {
			names = append(names, "--"+f.Name)
		}
	})
	if fs.Lookup("help") == nil {
		names = append(names, "--help")
	}
	return names
}

// positionals are the candidates for the next word of the command: a
// command or topic after help, a shell after completion, and agent names
// where the command's usage line names an agent (TO or NAME).
func (c *cli) positionals(ctx context.Context, line commandLine) []string {
	switch line.command {
	case "help":
		if line.positional == 0 {
			return append(commandNames(), "environment")
		}
		return nil
	case "completion":
		if line.positional == 0 {
			return slices.Sorted(maps.Keys(shells))
		}
		return nil
	}
	cmd, ok := commands()[line.command]
	if !ok {
		return nil
	}
	synopsis, _ := splitSummary(cmd.summary)
	slots := slices.DeleteFunc(strings.Fields(synopsis), func(s string) bool { // the words, without [--flag V]
		return strings.HasPrefix(s, "[") || strings.HasSuffix(s, "]")
	})
	slot := line.positional + 1 // slots[0] is the command
	if slot < len(slots) && slices.Contains([]string{"TO", "NAME", "AGENT"}, strings.TrimSuffix(slots[slot], "...")) {
		return c.agentNames(ctx, line)
	}
	return nil
}

// agentNames are the names registered in the mailbox of line (--home, or
// the one of the environment), read without registering anyone or
// starting a server; none when there is no mailbox there yet.
func (c *cli) agentNames(ctx context.Context, line commandLine) []string {
	home := c.home
	if line.home != "" {
		home = line.home
	}
	if _, err := os.Stat(home); err != nil {
		return nil
	}
	opts, err := optionsFromEnv(c.getenv)
	if err != nil {
		return nil
	}
	st, err := maildir.Open(home, opts)
	if err != nil {
		return nil
	}
	defer st.Close()
	agents, err := st.Agents(ctx)
	if err != nil {
		return nil
	}
	names := make([]string, len(agents))
	for i, a := range agents {
		names[i] = a.ID
	}
	return names
}
