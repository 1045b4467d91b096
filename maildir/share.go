package maildir

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/ipc-dev/ipc/internal/text"
)

// Sharing a file or a command's output with another agent. The rules live
// here so that every door applies the same ones:
//
//   - share a file: only a regular file (never a device, FIFO or socket,
//     which could block or never end), at most MaxShareFile bytes, UTF-8
//     text; a path through symlinks is reported with the file it leads to.
//     The text travels as the message content, so a file over the large
//     threshold travels as a large-message file like any long message.
//   - share a command: split like a POSIX shell would split words (quotes
//     and backslashes, no variables, globs, pipes or redirections) and run
//     by a CommandRunner (internal/sharecmd: without a shell, stdin empty,
//     without the product's secrets in its environment, for at most
//     CommandTimeout, as a process group that ends with it); each of stdout
//     and stderr is kept up to MaxCommandOutput bytes. The command, its exit
//     code and its output are sent even when it fails or times out.
//   - check first, then act: a share is refused for whatever it can be
//     refused for (the session, the recipient, the message without the
//     file's text or the command's output, the rate limit, the file's kind
//     and size) before the file is read or the command is run.
//
// Running commands on behalf of a model is powerful: a door offers it only
// when given a CommandRunner, which the user can withhold (ipc mcp does
// when IPC_SHARE_COMMAND=0).

// Limits of sharing.
const (
	MaxShareFile     = 1 << 20          // the largest file ShareFile sends
	CommandTimeout   = 30 * time.Second // how long ShareCommand lets a command run
	MaxCommandOutput = 64 << 10         // bytes of stdout, and of stderr, kept
)

// FileShare describes a shared file.
type FileShare struct {
	SendResult
	Path     string // the absolute path that was asked for
	Resolved string // the file Path leads to through symlinks, when different
	Size     int    // bytes sent
}

// ShareFile sends the text of the file at path to to, with an optional
// description. A relative path is taken from the working directory of the
// process. Everything a share can be refused for without reading the file
// is checked first: the session, the recipient, the message without the
// text, the rate limit, and the file's kind and size. Errors: NotFound (no
// such file), BadRequest (not a regular file, not UTF-8 text, unreadable),
// TooLarge, and those of Send.
func (s *Session) ShareFile(ctx context.Context, to, path, description string) (FileShare, error) {
	const op = OpShareFile
	me := s.ID()
	if strings.TrimSpace(path) == "" {
		return FileShare{}, errorf(op, BadRequest, me, "filepath is empty: give the path of a text file")
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return FileShare{}, errorf(op, BadRequest, me, "cannot resolve %q: %v", text.Cut(path, 200), err)
	}
	content, data := fileMessage(abs, "", description, "")
	if err := s.checkShare(op, to, content, data); err != nil {
		return FileShare{}, err
	}
	give, err := s.reserve(op)
	if err != nil {
		return FileShare{}, err
	}
	resolved, size, err := statShareFile(op, me, abs)
	if err == nil && len(content)+int(size) > s.st.opts.MaxContent {
		err = errorf(op, TooLarge, me, "%s is %d bytes: the message would be over the %d-byte content limit", abs, size, s.st.opts.MaxContent)
	}
	var text string
	if err == nil {
		text, err = readShareFile(op, me, abs)
	}
	give()
	if err != nil {
		return FileShare{}, err
	}
	content, data = fileMessage(abs, resolved, description, text)
	res, err := s.Send(ctx, to, content, data)
	if err != nil {
		return FileShare{}, err
	}
	return FileShare{SendResult: res, Path: abs, Resolved: resolved, Size: len(text)}, nil
}

// fileMessage formats a shared file as the content and data of its
// message.
func fileMessage(abs, resolved, description, text string) (string, json.RawMessage) {
	var b strings.Builder
	fmt.Fprintf(&b, "Shared file: %s (%d bytes)\n", abs, len(text))
	if resolved != "" {
		fmt.Fprintf(&b, "Symlink to: %s\n", resolved)
	}
	if description != "" {
		fmt.Fprintf(&b, "Description: %s\n", description)
	}
	b.WriteString("\n")
	b.WriteString(text)
	data, _ := json.Marshal(map[string]any{
		"type": "file", "filepath": abs, "resolved": resolved,
		"size": len(text), "description": description,
	})
	return b.String(), data
}

// statShareFile checks, without opening it, that abs is a regular file
// within MaxShareFile, and returns its size. resolved is the file it leads
// to through symlinks, or "" when that is abs itself.
func statShareFile(op Op, me, abs string) (resolved string, size int64, err error) {
	info, err := os.Stat(abs)
	if errors.Is(err, fs.ErrNotExist) {
		return "", 0, errorf(op, NotFound, me, "no such file: %s", abs)
	}
	if err != nil {
		return "", 0, errorf(op, BadRequest, me, "cannot read %s: %v", abs, unwrapPath(err))
	}
	if real, err := filepath.EvalSymlinks(abs); err == nil && real != abs {
		resolved = real
	}
	if !info.Mode().IsRegular() {
		return "", 0, errorf(op, BadRequest, me, "%s is not a regular file (%s): only regular text files can be shared", abs, describeMode(info.Mode()))
	}
	if info.Size() > MaxShareFile {
		return "", 0, errorf(op, TooLarge, me, "%s is %d bytes, over the %d-byte limit: send its path instead", abs, info.Size(), MaxShareFile)
	}
	return resolved, info.Size(), nil
}

// readShareFile reads the text of the regular file at abs, checking again
// what statShareFile checked: the file may have changed since.
func readShareFile(op Op, me, abs string) (string, error) {
	// Opened without blocking: were the file swapped for a FIFO since the
	// Stat, the open would otherwise wait for a writer forever.
	f, err := os.OpenFile(abs, os.O_RDONLY|openNoBlock, 0)
	if err != nil {
		return "", errorf(op, BadRequest, me, "cannot open %s: %v", abs, unwrapPath(err))
	}
	defer f.Close()
	if info, err := f.Stat(); err != nil || !info.Mode().IsRegular() {
		return "", errorf(op, BadRequest, me, "%s is not a regular file: only regular text files can be shared", abs)
	}
	b, err := io.ReadAll(io.LimitReader(f, MaxShareFile+1))
	if err != nil {
		return "", errorf(op, BadRequest, me, "cannot read %s: %v", abs, unwrapPath(err))
	}
	if len(b) > MaxShareFile {
		return "", errorf(op, TooLarge, me, "%s is over the %d-byte limit: send its path instead", abs, MaxShareFile)
	}
	if !utf8.Valid(b) || bytes.IndexByte(b, 0) >= 0 {
		return "", errorf(op, BadRequest, me, "%s is not UTF-8 text (a binary file?): send its path instead", abs)
	}
	return string(b), nil
}

func unwrapPath(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// CommandRun is what running a shared command gave.
type CommandRun struct {
	ExitCode  int  // -1 when it was killed or did not exit normally
	TimedOut  bool // killed after CommandTimeout
	Stdout    string
	Stderr    string
	Truncated bool // stdout or stderr was longer than MaxCommandOutput
}

// CommandRunner runs the words of a shared command within the limits of
// sharing (CommandTimeout, MaxCommandOutput), its output made valid UTF-8.
// An error means the program could not be started. Running programs is not
// a mailbox rule: the product's runner is internal/sharecmd.Runner, which the
// doors hand to ShareCommand.
type CommandRunner func(ctx context.Context, args []string) (CommandRun, error)

// CommandShare describes a shared command run.
type CommandShare struct {
	SendResult
	CommandRun
	Args []string // the command split into words
}

// ShareCommand runs command (split into words, without a shell) with run
// and sends the command, its exit code and its output to to, with an
// optional description. Everything a share can be refused for without
// running the command is checked first: the command's form, the session,
// the recipient, the message without the output, and the rate limit. The
// caller's ctx also bounds the run. Errors: BadRequest (empty or malformed
// command, a program that cannot be started), and those of Send.
func (s *Session) ShareCommand(ctx context.Context, to, command, description string, run CommandRunner) (CommandShare, error) {
	const op = OpShareCommand
	me := s.ID()
	args, err := splitCommand(command)
	if err != nil {
		return CommandShare{}, errorf(op, BadRequest, me, "invalid command format: %v", err)
	}
	if len(args) == 0 {
		return CommandShare{}, errorf(op, BadRequest, me, "command is empty: give a program and its arguments, e.g. \"git status --short\"")
	}
	if run == nil {
		return CommandShare{}, errorf(op, Internal, me, "no command runner: this door cannot run commands")
	}
	content, data := commandMessage(command, description, CommandRun{})
	if err := s.checkShare(op, to, content, data); err != nil {
		return CommandShare{}, err
	}
	give, err := s.reserve(op)
	if err != nil {
		return CommandShare{}, err
	}
	out, err := run(ctx, args)
	give()
	if err != nil {
		return CommandShare{}, errorf(op, BadRequest, me, "cannot run %s: %v", args[0], unwrapPath(err))
	}
	content, data = commandMessage(command, description, out)
	res, err := s.Send(ctx, to, content, data)
	if err != nil {
		return CommandShare{}, err
	}
	return CommandShare{SendResult: res, CommandRun: out, Args: args}, nil
}

// commandMessage formats a command run as the content and data of its
// message.
func commandMessage(command, description string, run CommandRun) (string, json.RawMessage) {
	var b strings.Builder
	fmt.Fprintf(&b, "Command output: %s\n", command)
	switch {
	case run.TimedOut:
		fmt.Fprintf(&b, "Timed out after %s and killed.\n", CommandTimeout)
	default:
		fmt.Fprintf(&b, "Exit code: %d\n", run.ExitCode)
	}
	if description != "" {
		fmt.Fprintf(&b, "Description: %s\n", description)
	}
	writeStream(&b, "stdout", run.Stdout)
	writeStream(&b, "stderr", run.Stderr)
	if run.Truncated {
		fmt.Fprintf(&b, "\n(output cut at %d bytes per stream)\n", MaxCommandOutput)
	}
	data, _ := json.Marshal(map[string]any{
		"type": "command", "command": command, "returncode": run.ExitCode,
		"timed_out": run.TimedOut, "truncated": run.Truncated, "description": description,
	})
	return b.String(), data
}

func writeStream(b *strings.Builder, name, out string) {
	if out == "" {
		fmt.Fprintf(b, "\n%s: (empty)\n", name)
		return
	}
	fmt.Fprintf(b, "\n%s:\n%s", name, out)
	if !strings.HasSuffix(out, "\n") {
		b.WriteString("\n")
	}
}

// checkShare applies, before a share acts, the checks Send would apply
// after: the session is open, the recipient can receive mail, and the
// message (formatted without what the act adds: the file's text, the
// command's output) is acceptable content. The act can only make the
// message longer, so a share refused here would have been refused after.
func (s *Session) checkShare(op Op, to, content string, data json.RawMessage) error {
	if err := s.begin(op); err != nil {
		return err
	}
	if err := checkRecipient(op, to); err != nil {
		return err
	}
	_, _, err := s.st.checkPayload(op, s.ID(), content, data, nil)
	return err
}

// reserve takes the rate-limit token of a share before it acts, so that a
// sender over its limit never reads a file or runs a command. give hands
// the token back, just before the Send that delivers the share takes it
// again: a share costs one token, as a send does, and other sends of the
// same session during a 30 s command cannot spend the share's token.
func (s *Session) reserve(op Op) (give func(), err error) {
	if err := s.allow(op, 1); err != nil {
		return nil, err
	}
	return func() {
		s.mu.Lock()
		defer s.mu.Unlock()
		if burst := s.st.opts.RateBurst; burst >= 0 {
			s.rate.tokens = min(float64(burst), s.rate.tokens+1)
		}
	}, nil
}

// splitCommand splits a command line into words as Python's shlex.split
// does (the original product used it): words are separated by unquoted
// whitespace; single quotes keep everything literally; inside double quotes
// a backslash escapes only '"' and '\'; outside quotes a backslash escapes
// any character. Nothing else is special: no variables, globs, pipes,
// redirections or comments. An unclosed quote or a trailing backslash is an
// error.
func splitCommand(s string) ([]string, error) {
	var (
		words []string
		cur   strings.Builder
		inTok bool // a word has started (it may be empty: "")
	)
	const (
		plain = iota
		single
		double
	)
	state := plain
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch state {
		case plain:
			switch c {
			case ' ', '\t', '\n', '\r', '\v', '\f':
				if inTok {
					words = append(words, cur.String())
					cur.Reset()
					inTok = false
				}
			case '\'':
				state, inTok = single, true
			case '"':
				state, inTok = double, true
			case '\\':
				if i+1 >= len(s) {
					return nil, errors.New("no escaped character after the final backslash")
				}
				i++
				cur.WriteByte(s[i])
				inTok = true
			default:
				cur.WriteByte(c)
				inTok = true
			}
		case single:
			if c == '\'' {
				state = plain
			} else {
				cur.WriteByte(c)
			}
		case double:
			switch {
			case c == '"':
				state = plain
			case c == '\\' && i+1 < len(s) && (s[i+1] == '"' || s[i+1] == '\\'):
				i++
				cur.WriteByte(s[i])
			default:
				cur.WriteByte(c)
			}
		}
	}
	if state != plain {
		return nil, errors.New("no closing quotation")
	}
	if inTok {
		words = append(words, cur.String())
	}
	return words, nil
}
