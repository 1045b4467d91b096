package present

import (
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"
)

// EnvBudget overrides the budget of every door (ipc mcp's check and
// auto_process, the hook): the most a result may measure, in the unit of
// the client's profile.
const EnvBudget = "IPC_BUDGET"

// MinBudget is the smallest budget EnvBudget may set: below it not even a
// message's summary fits.
const MinBudget = 2000

// Unit is how a client counts the text it truncates.
type Unit int

const (
	// UTF16 counts UTF-16 code units: a JavaScript string's length
	// (Claude Code, Gemini CLI).
	UTF16 Unit = iota
	// Bytes counts UTF-8 bytes. A token is at least one byte, so a
	// budget in bytes bounds a budget in tokens.
	Bytes
	// JSONBytes counts the UTF-8 bytes of the text written as a JSON
	// string, quotes and escapes included: what a client sees if it passes
	// the tool result on serialized. It is at least Bytes and UTF16.
	JSONBytes
)

func (u Unit) String() string {
	switch u {
	case UTF16:
		return "UTF-16 units"
	case Bytes:
		return "bytes"
	}
	return "bytes as JSON"
}

// Count measures s in unit u.
func (u Unit) Count(s string) int {
	switch u {
	case UTF16:
		n := 0
		for _, r := range s {
			if r >= 0x10000 {
				n += 2
			} else {
				n++
			}
		}
		return n
	case Bytes:
		return len(s)
	}
	return jsonLen(s)
}

// jsonLen is the length of s as a JSON string, escaped as the strictest
// common encoder does (Go's: control characters, quote, backslash, <, >,
// &, U+2028 and U+2029).
func jsonLen(s string) int {
	n := 2
	for _, r := range s {
		switch {
		case r == '"' || r == '\\' || r == '\n' || r == '\r' || r == '\t' || r == '\b' || r == '\f':
			n += 2
		case r < 0x20 || r == '<' || r == '>' || r == '&' || r == 0x2028 || r == 0x2029:
			n += 6
		case r == utf8.RuneError:
			n += 6 // an invalid byte becomes \ufffd
		default:
			n += utf8.RuneLen(r)
		}
	}
	return n
}

// Profile is what one client shows whole of one door's result.
type Profile struct {
	Client string // who shows it
	Limit  int    // the most a result may measure
	Unit   Unit   // how the client counts
	Why    string // the measured limit the budget keeps under
}

// Measure counts s as the profile's client does.
func (p Profile) Measure(s string) int { return p.Unit.Count(s) }

func (p Profile) String() string {
	return fmt.Sprintf("%s: %d %s (%s)", p.Client, p.Limit, p.Unit, p.Why)
}

// The budgets, each with a margin under what its client was measured to
// show whole.
var (
	// Hook is the Claude Code hook's stdout line: Claude Code replaces
	// hook output over 10,000 characters with a preview and a file path.
	// The whole JSON line is counted, escapes included.
	Hook = Profile{Client: "claude-code hook", Limit: 9000, Unit: UTF16,
		Why: "Claude Code replaces hook output over 10,000 characters with a 2 KB preview"}
	// ClaudeCode is an MCP tool result in Claude Code, which replaces one
	// over MAX_MCP_OUTPUT_TOKENS (25,000 by default) with a preview.
	ClaudeCode = Profile{Client: "claude-code", Limit: 20000, Unit: Bytes,
		Why: "Claude Code keeps MCP results up to 25,000 tokens (MAX_MCP_OUTPUT_TOKENS); a token is at least a byte"}
	// Codex is an MCP tool result in Codex CLI, which keeps about 12,000
	// characters of it (head and tail, the middle replaced).
	Codex = Profile{Client: "codex", Limit: 10000, Unit: JSONBytes,
		Why: "Codex keeps about 12,000 characters of a tool result, head and tail"}
	// Gemini is an MCP tool result in Gemini CLI, which keeps the first
	// 8,000 and the last 32,000 characters of a longer one.
	Gemini = Profile{Client: "gemini-cli", Limit: 32000, Unit: UTF16,
		Why: "Gemini CLI keeps the first 8,000 and last 32,000 characters of a tool result"}
	// Unknown is for a client that does not say who it is: within it,
	// every profile above shows a result whole.
	Unknown = Profile{Client: "unknown client", Limit: 9000, Unit: JSONBytes,
		Why: "the least every supported client shows whole"}
)

// ForClient returns the profile of the MCP client that named itself name
// in initialize's clientInfo. maxMCPTokens is MAX_MCP_OUTPUT_TOKENS from
// the environment ("" when unset), which Claude Code honours.
func ForClient(name, maxMCPTokens string) Profile {
	n := strings.ToLower(name)
	switch {
	case strings.Contains(n, "claude"):
		p := ClaudeCode
		if t, err := strconv.Atoi(strings.TrimSpace(maxMCPTokens)); err == nil && t > 0 {
			p.Limit = max(MinBudget, t*4/5)
			p.Why = fmt.Sprintf("MAX_MCP_OUTPUT_TOKENS=%d; a token is at least a byte", t)
		}
		return p
	case strings.Contains(n, "codex"):
		return Codex
	case strings.Contains(n, "gemini"):
		return Gemini
	}
	return Unknown
}

// WithOverride returns p with the limit EnvBudget sets (its value v), or p
// when v is empty. Errors: a value that is not a whole number of at least
// MinBudget.
func (p Profile) WithOverride(v string) (Profile, error) {
	v = strings.TrimSpace(v)
	if v == "" {
		return p, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < MinBudget {
		return p, fmt.Errorf("%s=%q: want a whole number of at least %d", EnvBudget, v, MinBudget)
	}
	p.Limit, p.Why = n, EnvBudget+" sets it"
	return p, nil
}
