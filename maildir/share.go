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
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"time"
	"unicode/utf8"
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
//     without a shell, stdin empty, for at most CommandTimeout, after which
//     its whole process group is killed; each of stdout and stderr is kept
//     up to MaxCommandOutput bytes. The command, its exit code and its
//     output are sent even when it fails or times out.
//
// Running commands on behalf of a model is powerful: doors let the user turn
// it off with EnvShareCommand.

// Limits of sharing.
const (
	MaxShareFile     = 1 << 20          // the largest file ShareFile sends
	CommandTimeout   = 30 * time.Second // how long ShareCommand lets a command run
	MaxCommandOutput = 64 << 10         // bytes of stdout, and of stderr, kept
)

// EnvShareCommand turns off share_command on every door when set to "0"
// (or "false", "off").
const EnvShareCommand = "IPC_SHARE_COMMAND"

// ShareCommandAllowed reports whether the value of EnvShareCommand allows
// running commands.
func ShareCommandAllowed(value string) bool {
	switch strings.ToLower(strings.TrimSpace(value)) {
	case "0", "false", "off", "no":
		return false
	}
	return true
}

// FileShare describes a shared file.
type FileShare struct {
	SendResult
	Path     string // the absolute path that was asked for
	Resolved string // the file Path leads to through symlinks, when different
	Size     int    // bytes sent
}

// ShareFile sends the text of the file at path to to, with an optional
// description. A relative path is taken from the working directory of the
// process. Errors: NotFound (no such file), BadRequest (not a regular
// file, not UTF-8 text, unreadable), TooLarge, and those of Send.
func (s *Session) ShareFile(ctx context.Context, to, path, description string) (FileShare, error) {
	const op = "share_file"
	me := s.ID()
	if err := checkID(op, "recipient id", to); err != nil {
		return FileShare{}, err // before reading anything
	}
	if strings.TrimSpace(path) == "" {
		return FileShare{}, errorf(op, BadRequest, me, "filepath is empty: give the path of a text file")
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return FileShare{}, errorf(op, BadRequest, me, "cannot resolve %q: %v", truncate(path, 200), err)
	}
	text, resolved, err := readShareFile(op, me, abs)
	if err != nil {
		return FileShare{}, err
	}
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
	res, err := s.Send(ctx, to, b.String(), data)
	if err != nil {
		return FileShare{}, err
	}
	return FileShare{SendResult: res, Path: abs, Resolved: resolved, Size: len(text)}, nil
}

// readShareFile reads the regular file at abs. resolved is the file it
// leads to through symlinks, or "" when that is abs itself.
func readShareFile(op, me, abs string) (text, resolved string, err error) {
	info, err := os.Stat(abs)
	if errors.Is(err, fs.ErrNotExist) {
		return "", "", errorf(op, NotFound, me, "no such file: %s", abs)
	}
	if err != nil {
		return "", "", errorf(op, BadRequest, me, "cannot read %s: %v", abs, unwrapPath(err))
	}
	if real, err := filepath.EvalSymlinks(abs); err == nil && real != abs {
		resolved = real
	}
	if !info.Mode().IsRegular() {
		return "", "", errorf(op, BadRequest, me, "%s is not a regular file (%s): only regular text files can be shared", abs, fileType(info.Mode()))
	}
	if info.Size() > MaxShareFile {
		return "", "", errorf(op, TooLarge, me, "%s is %d bytes, over the %d-byte limit: send its path instead", abs, info.Size(), MaxShareFile)
	}
	// Opened without blocking: were the file swapped for a FIFO since the
	// Stat, the open would otherwise wait for a writer forever.
	f, err := os.OpenFile(abs, os.O_RDONLY|openNoBlock, 0)
	if err != nil {
		return "", "", errorf(op, BadRequest, me, "cannot open %s: %v", abs, unwrapPath(err))
	}
	defer f.Close()
	if info, err := f.Stat(); err != nil || !info.Mode().IsRegular() {
		return "", "", errorf(op, BadRequest, me, "%s is not a regular file: only regular text files can be shared", abs)
	}
	b, err := io.ReadAll(io.LimitReader(f, MaxShareFile+1))
	if err != nil {
		return "", "", errorf(op, BadRequest, me, "cannot read %s: %v", abs, unwrapPath(err))
	}
	if len(b) > MaxShareFile {
		return "", "", errorf(op, TooLarge, me, "%s is over the %d-byte limit: send its path instead", abs, MaxShareFile)
	}
	if !utf8.Valid(b) || bytes.IndexByte(b, 0) >= 0 {
		return "", "", errorf(op, BadRequest, me, "%s is not UTF-8 text (a binary file?): send its path instead", abs)
	}
	return string(b), resolved, nil
}

func unwrapPath(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

func fileType(m fs.FileMode) string {
	switch {
	case m.IsDir():
		return "a directory"
	case m&fs.ModeNamedPipe != 0:
		return "a FIFO"
	case m&fs.ModeSocket != 0:
		return "a socket"
	case m&fs.ModeDevice != 0:
		return "a device"
	}
	return "not a regular file"
}

// CommandShare describes a shared command run.
type CommandShare struct {
	SendResult
	Args      []string // the command split into words
	ExitCode  int      // -1 when it was killed or did not exit normally
	TimedOut  bool     // killed after CommandTimeout
	Stdout    string
	Stderr    string
	Truncated bool // stdout or stderr was longer than MaxCommandOutput
}

// ShareCommand runs command (split into words, without a shell) and sends
// the command, its exit code and its output to to, with an optional
// description. The caller's ctx also bounds the run. Errors: BadRequest
// (empty or malformed command, a program that cannot be started), and
// those of Send.
func (s *Session) ShareCommand(ctx context.Context, to, command, description string) (CommandShare, error) {
	const op = "share_command"
	me := s.ID()
	args, err := SplitCommand(command)
	if err != nil {
		return CommandShare{}, errorf(op, BadRequest, me, "invalid command format: %v", err)
	}
	if len(args) == 0 {
		return CommandShare{}, errorf(op, BadRequest, me, "command is empty: give a program and its arguments, e.g. \"git status --short\"")
	}
	if err := checkID(op, "recipient id", to); err != nil {
		return CommandShare{}, err // before running anything
	}
	run, err := runCommand(ctx, args)
	if err != nil {
		return CommandShare{}, errorf(op, BadRequest, me, "cannot run %s: %v", args[0], unwrapPath(err))
	}
	run.Args = args

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
	res, err := s.Send(ctx, to, b.String(), data)
	if err != nil {
		return CommandShare{}, err
	}
	run.SendResult = res
	return run, nil
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

// runCommand runs args with the limits of ShareCommand. An error means the
// program could not be started.
func runCommand(ctx context.Context, args []string) (CommandShare, error) {
	ctx, cancel := context.WithTimeout(ctx, CommandTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, args[0], args[1:]...)
	var stdout, stderr cappedBuffer
	stdout.max, stderr.max = MaxCommandOutput, MaxCommandOutput
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	killGroup(cmd)
	// Children that keep the output pipes open must not hold us past the
	// deadline.
	cmd.WaitDelay = 2 * time.Second
	err := cmd.Run()
	var run CommandShare
	run.Stdout, run.Stderr = toText(stdout.bytes()), toText(stderr.bytes())
	run.Truncated = stdout.cut || stderr.cut
	run.TimedOut = errors.Is(ctx.Err(), context.DeadlineExceeded)
	run.ExitCode = -1
	if cmd.ProcessState != nil {
		run.ExitCode = cmd.ProcessState.ExitCode()
	}
	var exitErr *exec.ExitError
	if err != nil && cmd.ProcessState == nil && !errors.As(err, &exitErr) {
		return run, err // never started
	}
	return run, nil
}

// toText makes command output valid UTF-8 text.
func toText(b []byte) string {
	return strings.ToValidUTF8(string(b), "\uFFFD")
}

// cappedBuffer keeps the first max bytes written to it and counts the
// rest, so a chatty command cannot fill memory.
type cappedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
	max int
	cut bool
}

func (c *cappedBuffer) Write(p []byte) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if room := c.max - c.buf.Len(); room < len(p) {
		c.cut = true
		if room > 0 {
			c.buf.Write(p[:room])
		}
		return len(p), nil
	}
	return c.buf.Write(p)
}

func (c *cappedBuffer) bytes() []byte {
	c.mu.Lock()
	defer c.mu.Unlock()
	return bytes.Clone(c.buf.Bytes())
}

// SplitCommand splits a command line into words as Python's shlex.split
// does (the original product used it): words are separated by unquoted
// whitespace; single quotes keep everything literally; inside double quotes
// a backslash escapes only '"' and '\'; outside quotes a backslash escapes
// any character. Nothing else is special: no variables, globs, pipes,
// redirections or comments. An unclosed quote or a trailing backslash is an
// error.
func SplitCommand(s string) ([]string, error) {
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
