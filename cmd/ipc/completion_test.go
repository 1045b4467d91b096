package main

import (
	"errors"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/ipc-dev/ipc/socket"
)

// completionCases are command lines up to the cursor (the last word is
// the one completed) and the candidates every shell offers there, for a
// mailbox where alice and bob are registered and one at otherHome where
// carol is: exactly those, in any order, or (exact false) at least those.
var completionCases = []struct {
	words []string
	want  []string
	exact bool
}{
	{[]string{""}, []string{"send", "broadcast", "check", "completion", "help"}, false},
	{[]string{"se"}, []string{"search", "send", "sent", "serve"}, true},
	{[]string{"send", ""}, []string{"alice", "bob"}, true},
	{[]string{"send", "b"}, []string{"bob"}, true},
	{[]string{"send", "bob", ""}, nil, true}, // message text
	{[]string{"send", "--json", "bob", "hi", "--"}, []string{"--ack", "--data", "--idempotency-key", "--json", "--priority", "--reply-to", "--subject", "--as", "--home", "--help"}, true},
	{[]string{"send", "--", ""}, []string{"alice", "bob"}, true}, // after --, TO still
	{[]string{"--as", ""}, []string{"alice", "bob"}, true},
	{[]string{"check", "--as", "a"}, []string{"alice"}, true},
	{[]string{"check", "--w"}, []string{"--wait"}, true},
	{[]string{"history", "-"}, []string{"--before", "-n", "--json", "--as", "--home", "--help"}, true},
	{[]string{"-"}, []string{"--as", "--help", "--home", "--version"}, true},
	{[]string{"help", "st"}, []string{"status", "stop"}, true},
	{[]string{"completion", ""}, []string{"bash", "fish", "zsh"}, true},
	{[]string{"--home", "OTHER", "send", ""}, []string{"carol"}, true},
	{[]string{"send", "--home", "OTHER", ""}, []string{"carol"}, true},
	{[]string{"--home", "MISSING", "send", ""}, nil, true},
	{[]string{"sned", ""}, nil, true},
}

// completionHomes makes the mailboxes of completionCases and returns them
// with the words' placeholders replaced.
func completionHomes(t *testing.T) (home string, expand func([]string) []string) {
	tmp := t.TempDir()
	home, other, missing := filepath.Join(tmp, "home"), filepath.Join(tmp, "other"), filepath.Join(tmp, "missing")
	mustIPC(t, home, "alice", "", "check")
	mustIPC(t, home, "bob", "", "check")
	mustIPC(t, other, "carol", "", "check")
	t.Cleanup(func() {
		if _, err := os.Stat(missing); !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("completion created the mailbox %s (stat: %v)", missing, err)
		}
	})
	return home, func(words []string) []string {
		out := slices.Clone(words)
		for i, w := range out {
			out[i] = strings.NewReplacer("OTHER", other, "MISSING", missing).Replace(w)
		}
		return out
	}
}

// completionEnv is the environment the shells run in: auto-start on, so
// that a completion that started a server would be seen.
func completionEnv(home string) []string {
	return []string{"IPC_HOME=" + home, "HOME=" + home, "PATH=" + filepath.Dir(ipcBin) + string(os.PathListSeparator) + os.Getenv("PATH"), "GORACE=atexit_sleep_ms=0"}
}

// checkCompletions runs every case through complete and checks what it
// offers, then that the completions registered nobody and started no
// server.
func checkCompletions(t *testing.T, shell string, complete func(home string, words []string) []string) {
	home, expand := completionHomes(t)
	for _, c := range completionCases {
		got := complete(home, expand(c.words))
		slices.Sort(got) // each shell orders them its own way
		want := slices.Sorted(slices.Values(c.want))
		ok := slices.Equal(got, want)
		if !c.exact {
			ok = true
			for _, w := range c.want {
				ok = ok && slices.Contains(got, w)
			}
			ok = ok && !slices.Contains(got, completeCommand)
		}
		if !ok {
			t.Errorf("%s: ipc %q<TAB> offers %q, want %q", shell, c.words, got, c.want)
		}
	}
	if out := mustIPC(t, home, "", "", "list"); strings.Count(out, "\n") != 3 { // header, alice, bob
		t.Errorf("%s: completion registered an agent:\n%s", shell, out)
	}
	if rs, running, _ := socket.Running(home); running {
		t.Errorf("%s: completion started a server (pid %d)", shell, rs.PID)
		mustIPC(t, home, "", "", "stop")
	}
}

// lines splits a shell's output into its candidates.
func lines(out []byte) []string {
	var got []string
	for _, l := range strings.Split(string(out), "\n") {
		if l != "" {
			got = append(got, l)
		}
	}
	return got
}

// shellScript writes the script of ipc completion SHELL to a file named
// name and returns its path, after the shell checked its syntax (-n).
func shellScript(t *testing.T, shell, name string) string {
	t.Helper()
	script := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(script, []byte(mustIPC(t, t.TempDir(), "", "", "completion", shell)), 0o644); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command(shell, "-n", script).CombinedOutput(); err != nil {
		t.Fatalf("%s -n: %v\n%s", shell, err, out)
	}
	return script
}

// TestCompletionBash loads the bash script in a non-interactive bash,
// checks that it registers itself for ipc, and calls its function as bash
// does at a TAB, with COMP_WORDS and COMP_CWORD set.
func TestCompletionBash(t *testing.T) {
	bash, err := exec.LookPath("bash")
	if err != nil {
		t.Skip("bash is not installed")
	}
	script := shellScript(t, "bash", "ipc.bash")
	reg, err := exec.Command(bash, "--norc", "--noprofile", "-c", `source "$1" && complete -p ipc`, "bash", script).CombinedOutput()
	if err != nil || !strings.Contains(string(reg), "-F _ipc") {
		t.Fatalf("complete -p ipc after sourcing the script: %v %q", err, reg)
	}
	checkCompletions(t, "bash", func(home string, words []string) []string {
		const call = `source "$1"; shift; COMP_WORDS=("$@"); COMP_CWORD=$((${#COMP_WORDS[@]} - 1)); _ipc; printf '%s\n' "${COMPREPLY[@]}"`
		cmd := exec.Command(bash, append([]string{"--norc", "--noprofile", "-c", call, "bash", script, "ipc"}, words...)...)
		cmd.Env = completionEnv(home)
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("bash completion of %q: %v", words, err)
		}
		return lines(out)
	})
}

// TestCompletionZsh checks the zsh script's syntax, then runs its
// function with words and CURRENT set as the completion system sets them,
// compadd and _files standing in for the system's own.
func TestCompletionZsh(t *testing.T) {
	zsh, err := exec.LookPath("zsh")
	if err != nil {
		t.Skip("zsh is not installed (.ci/run installs it)")
	}
	script := shellScript(t, "zsh", "_ipc")
	checkCompletions(t, "zsh", func(home string, words []string) []string {
		const call = `compdef() { :; }; compadd() { [[ $1 == -- ]] && shift; print -rl -- "$@"; }; _files() { :; }
source "$1"; shift; words=("$@"); CURRENT=$#words; _ipc`
		cmd := exec.Command(zsh, append([]string{"-f", "-c", call, "zsh", script, "ipc"}, words...)...)
		cmd.Env = completionEnv(home)
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("zsh completion of %q: %v", words, err)
		}
		return lines(out)
	})
}

// TestCompletionFish checks the fish script's syntax, then asks fish
// itself what it completes for each command line (complete -C).
func TestCompletionFish(t *testing.T) {
	fish, err := exec.LookPath("fish")
	if err != nil {
		t.Skip("fish is not installed (.ci/run installs it)")
	}
	script := shellScript(t, "fish", "ipc.fish")
	checkCompletions(t, "fish", func(home string, words []string) []string {
		line := "ipc"
		for _, w := range words {
			line += " " + w
		}
		cmd := exec.Command(fish, "--no-config", "-c", `source $argv[1]; complete -C $argv[2]`, script, line)
		cmd.Env = append(completionEnv(home), "XDG_CONFIG_HOME="+home, "XDG_DATA_HOME="+home)
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("fish completion of %q: %v", line, err)
		}
		var got []string
		for _, l := range lines(out) {
			got = append(got, strings.SplitN(l, "\t", 2)[0]) // candidate<TAB>description
		}
		return got
	})
}
