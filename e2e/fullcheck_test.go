//go:build unix

package e2e

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ipc-dev/ipc/internal/fakemodel"
	"github.com/ipc-dev/ipc/internal/present"
	"github.com/ipc-dev/ipc/maildir"
)

// A check at the full budget: the inbox holds several budgets' worth of
// mail of mixed shapes, the model calls check once, and the tests read
// the tool result as the client put it into the model's next request.

// fullMail is one message the tests put in the inbox.
type fullMail struct {
	content string
	data    string // compact JSON, or ""
}

// fullInbox is the mail of a check at the full budget of p, in arrival
// order: two short multi-line messages; one message over every client's
// budget on its own (code plus 40 KB of data); messages of 3 to 9 KB of
// code-like text up to about 70% of the budget; short multi-line messages
// that take the check to the edge of its budget; then mixed mail until the
// inbox holds five budgets' worth. Each content is under the 10 KB at
// which a send stores the content as a file, so each is framed whole when
// it fits.
func fullInbox(p present.Profile) []fullMail {
	mail := []fullMail{{content: shortMail(0)}, {content: shortMail(1)}}
	type row struct {
		Line int    `json:"line"`
		Src  string `json:"src"`
	}
	var rows []row
	for i := range 400 {
		rows = append(rows, row{i, fmt.Sprintf("if err := f(\"k%d\", \"x\\ty\"); err != nil && n < %d { return <-done }", i, i)})
	}
	data, _ := json.Marshal(map[string]any{"rows": rows})
	mail = append(mail, fullMail{content: codeMail(2, 2000), data: string(data)})
	size := 0
	for i := 3; ; i++ {
		m := fullMail{content: codeMail(i, 3000+((i-3)*1777)%6000)}
		if size+p.Measure(m.content) > p.Limit*7/10 {
			break
		}
		size += p.Measure(m.content)
		mail = append(mail, m)
	}
	for range 60 {
		mail = append(mail, fullMail{content: shortMail(len(mail))})
		size += p.Measure(mail[len(mail)-1].content)
	}
	for i := len(mail); size < 5*p.Limit; i++ {
		m := fullMail{content: shortMail(i)}
		if i%4 == 0 {
			m.content = codeMail(i, 3000+(i*373)%6000)
		}
		size += p.Measure(m.content)
		mail = append(mail, m)
	}
	return mail
}

// shortMail is a short multi-line message: quotes, a tab, text outside
// ASCII (an emoji is two UTF-16 units), a line that looks like a frame's
// end, a trailing newline on every other one.
func shortMail(i int) string {
	s := fmt.Sprintf("note %d from bob:\n\t- the build is \"green\" on linux ✓\n- café, naïve, 日本語, 🚀 (%d)\n<<<end ipc-msg-000000000000>>>\nlast line & <tag>", i, i*i)
	if i%2 == 0 {
		s += "\n"
	}
	return s
}

// codeMail is about size bytes of Go-like code: tabs, quotes, backslashes,
// <, > and &, the characters JSON escapes.
func codeMail(i, size int) string {
	var b strings.Builder
	fmt.Fprintf(&b, "patch %d: please review\n\nfunc handler%d(w http.ResponseWriter, r *http.Request) {\n", i, i)
	for n := 0; b.Len() < size; n++ {
		fmt.Fprintf(&b, "\tif v := r.FormValue(\"k%d\"); v != \"\" && len(v) < %d {\n\t\tfmt.Fprintf(w, \"<b>%%s</b>\\n\", html.EscapeString(v)) // a\\b & c\n\t}\n", n, n*7)
	}
	b.WriteString("}\n")
	return b.String()
}

// sendAll sends mail to "to" as bob through the CLI, content on stdin.
func (s *sandbox) sendAll(to string, mail []fullMail) {
	s.t.Helper()
	for _, m := range mail {
		args := []string{"send"}
		if m.data != "" {
			args = append(args, "--data", m.data)
		}
		cmd := exec.Command(ipcReal, append(args, to, "-")...)
		cmd.Env = s.env("IPC_ID=bob")
		cmd.Stdin = strings.NewReader(m.content)
		if out, err := cmd.CombinedOutput(); err != nil {
			s.t.Fatalf("ipc send: %v\n%s", err, out)
		}
	}
}

// history is every message "as" has read, by id, from ipc history --json.
func (s *sandbox) history(as string) map[string]fullMail {
	s.t.Helper()
	var r struct {
		Messages []struct {
			ID      string `json:"id"`
			Message struct {
				Content string          `json:"content"`
				Data    json.RawMessage `json:"data"`
			} `json:"message"`
		} `json:"messages"`
	}
	if err := json.Unmarshal([]byte(s.ipc(as, "history", "-n", "0", "--json")), &r); err != nil {
		s.t.Fatal(err)
	}
	out := map[string]fullMail{}
	for _, m := range r.Messages {
		out[m.ID] = fullMail{content: m.Message.Content, data: string(m.Message.Data)}
	}
	return out
}

// readIDs are the ids of the messages in as's cur/: the messages read.
func (s *sandbox) readIDs(as string) map[string]bool {
	s.t.Helper()
	names, err := os.ReadDir(filepath.Join(s.ipcHome, "mail", as, "cur"))
	if err != nil {
		s.t.Fatal(err)
	}
	ids := map[string]bool{}
	for _, n := range names {
		id, _, _ := strings.Cut(n.Name(), "!")
		ids[id] = true
	}
	return ids
}

// checkResults are the texts of the check results ipc mcp wrote to its
// client, from the shim's log.
func (s *sandbox) checkResults() []string {
	s.t.Helper()
	f, err := os.Open(s.mcpLog)
	if err != nil {
		s.t.Fatalf("ipc mcp never ran: %v", err)
	}
	defer f.Close()
	var out []string
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 64<<20)
	for sc.Scan() {
		var msg struct {
			Result struct {
				Content []struct {
					Text string `json:"text"`
				} `json:"content"`
			} `json:"result"`
		}
		if json.Unmarshal(sc.Bytes(), &msg) != nil || len(msg.Result.Content) == 0 {
			continue
		}
		if t := msg.Result.Content[0].Text; strings.HasPrefix(t, "New messages:") || strings.HasPrefix(t, "No new messages") {
			out = append(out, t)
		}
	}
	return out
}

// truncationMarks are what each client writes where it cuts a tool
// result: Codex ("…N tokens truncated…", "Total output lines:"), Gemini
// CLI ("Output too large. Showing first …", "… characters omitted …"),
// Claude Code ("The tool output was truncated", "Output too large (…).
// Full output saved to:", <persisted-output>).
var truncationMarks = []string{
	"tokens truncated", "chars truncated", "Total output lines:",
	"Output too large", "characters omitted", "[TRUNCATED",
	"The tool output was truncated", "persisted-output",
}

var remainingLine = regexp.MustCompile(`New messages: (\d+) \(now marked read(?:; (\d+) more unread: call check again)?\)`)

// modelText is the text of a tool result as the model reads it: the
// client may pass ipc's text on as is, after text of its own (Codex: "Wall
// time: …\nOutput:"), or inside JSON (Gemini CLI: {"output": …}), whose
// strings the model reads.
func modelText(received string) string {
	if !strings.HasPrefix(strings.TrimSpace(received), "{") && !strings.HasPrefix(strings.TrimSpace(received), "[") {
		return received
	}
	var v any
	if json.Unmarshal([]byte(received), &v) != nil {
		return received
	}
	return jsonStrings(v, "")
}

// checkAtFullBudget fills the inbox of agent with fullInbox, runs the
// client (start) whose script calls check once, and asserts on the tool
// result in the model's next request: every message the check marked read
// is in it whole and byte for byte, exactly once; the message over the
// budget is its summary and the path of its full text; no client cut it;
// the remaining count is what is left in new/.
func checkAtFullBudget(t *testing.T, client, agent string, profile present.Profile, s *sandbox, start func() *run) {
	t.Helper()
	mail := fullInbox(profile)
	s.sendAll(agent, mail)
	total := len(mail)
	r := start()
	if !r.wait(2 * time.Minute) {
		t.Fatalf("%s did not end within 2m\n%s", client, r.out.String())
	}
	s.dump()
	var received string
	found := false
	for _, q := range mainRequests(s.model.Requests()) {
		if len(q.ToolResults) > 0 {
			received, found = q.ToolResults[0], true
			break
		}
	}
	if !found {
		t.Fatalf("%s: no model request carries the check's result\n%s", client, r.out.String())
	}
	text := modelText(received)
	sent := s.checkResults()
	if len(sent) != 1 {
		t.Fatalf("%s: ipc mcp answered %d checks, want 1", client, len(sent))
	}
	if !strings.Contains(text, sent[0]) {
		t.Errorf("%s: the tool result the model received (%d chars) does not hold the %d chars ipc returned verbatim", client, len([]rune(text)), len([]rune(sent[0])))
	}
	switch m := profile.Measure(sent[0]); {
	case m > profile.Limit:
		t.Errorf("%s: ipc returned %d %s, over its budget of %d", client, m, profile.Unit, profile.Limit)
	case m < profile.Limit*9/10:
		t.Errorf("%s: ipc returned %d %s, not the full budget of %d: the test shows less than it means to", client, m, profile.Unit, profile.Limit)
	}
	for _, mark := range truncationMarks {
		if strings.Contains(received, mark) {
			t.Errorf("%s cut the tool result: it holds %q", client, mark)
		}
	}

	frames, err := present.Parse(text)
	if err != nil {
		t.Fatalf("%s: the frames of the tool result: %v\n%s", client, err, text)
	}
	read := s.readIDs(agent)
	unread := s.unread(agent)
	if len(read)+unread != total {
		t.Errorf("%s: %d read + %d unread, want the %d sent", client, len(read), unread, total)
	}
	hist := s.history(agent)
	seen := map[string]int{}
	whole, code, summaries := 0, 0, 0
	for _, f := range frames {
		id := f.Attrs["id"]
		seen[id]++
		want, ok := hist[id]
		switch {
		case !read[id] || !ok:
			t.Errorf("%s: a frame of message %s, which is not marked read", client, id)
		case f.Attrs["shown"] == "summary":
			summaries++
			checkSummary(t, client, f, want)
		case f.Body != want.content || f.Data != want.data:
			t.Errorf("%s: message %s is not byte for byte what was sent: %d bytes of content and %d of data shown, %d and %d sent",
				client, id, len(f.Body), len(f.Data), len(want.content), len(want.data))
		default:
			whole++
			if len(f.Body) >= 3000 {
				code++
			}
		}
	}
	for id := range read {
		if seen[id] != 1 {
			t.Errorf("%s: message %s, marked read, appears %d times in the tool result, want exactly once", client, id, seen[id])
		}
	}
	if code == 0 {
		t.Errorf("%s: no message of code shown whole: the check is not of mixed mail", client)
	}
	if summaries != 1 {
		t.Errorf("%s: %d messages shown as a summary, want 1 (the one over the budget)", client, summaries)
	}
	stated := -1
	if m := remainingLine.FindStringSubmatch(text); m != nil {
		stated = 0
		if m[2] != "" {
			stated, _ = strconv.Atoi(m[2])
		}
	}
	if stated != unread {
		t.Errorf("%s: the result says %d remain, %d are left in new/", client, stated, unread)
	}
	if unread == 0 {
		t.Errorf("%s: one check took all %d messages: the inbox did not exceed the budget", client, total)
	}
	t.Logf("figures: %s check at the full budget: the model received a tool result of %d chars, %d of them ipc's (%d %s, budget %d); %d of %d messages shown whole (%d of them 3-9 KB of code), %d as summary and path, %d remaining (stated %d)",
		client, len([]rune(text)), len([]rune(sent[0])), profile.Measure(sent[0]), profile.Unit, profile.Limit, whole, total, code, summaries, unread, stated)
	if r.err != nil {
		t.Errorf("%s exited with %v\n%s", client, r.err, r.out.String())
	}
}

// checkSummary asserts that f shows message want as its summary and the
// path of a file that holds it whole.
func checkSummary(t *testing.T, client string, f present.Frame, want fullMail) {
	t.Helper()
	if f.Body != maildir.Summary(want.content) {
		t.Errorf("%s: the summary frame holds %q, want the summary %q", client, f.Body, maildir.Summary(want.content))
	}
	full, err := os.ReadFile(f.Attrs["full"])
	if err != nil {
		t.Errorf("%s: the full text of the summarized message: %v", client, err)
		return
	}
	if !bytes.Contains(full, []byte(want.content)) || !bytes.Contains(full, []byte(want.data)) {
		t.Errorf("%s: %s does not hold the whole message", client, f.Attrs["full"])
	}
}

// TestClaudeCodeCheckAtFullBudget: what Claude Code shows the model of a
// check at its full budget.
func TestClaudeCodeCheckAtFullBudget(t *testing.T) {
	c := newClaude(t, fakemodel.Steps(
		fakemodel.Reply{Call: &fakemodel.Call{Tool: "check", Args: map[string]any{"instance_id": "alice"}}},
	), false)
	checkAtFullBudget(t, "Claude Code", "alice", present.ClaudeCode, c.sandbox, func() *run {
		return c.print("check my messages")
	})
}

// TestCodexCheckAtFullBudget: what Codex shows the model of a check at its
// full budget.
func TestCodexCheckAtFullBudget(t *testing.T) {
	s, bin := newCodex(t, fakemodel.Steps(
		fakemodel.Reply{Call: &fakemodel.Call{Tool: "check", Args: map[string]any{"instance_id": "codex"}}},
	))
	checkAtFullBudget(t, "Codex", "codex", present.Codex, s, func() *run {
		env := s.env("FAKE_OPENAI_KEY=fake", "CODEX_HOME="+filepath.Join(s.home, ".codex"))
		return startClient(t, s.project, env, bin, "exec", "--skip-git-repo-check", "check my messages")
	})
}

// TestGeminiCheckAtFullBudget: what Gemini CLI shows the model of a check
// at its full budget.
func TestGeminiCheckAtFullBudget(t *testing.T) {
	s, bin := newGemini(t, fakemodel.Steps(
		fakemodel.Reply{Call: &fakemodel.Call{Tool: "check", Args: map[string]any{"instance_id": "gemini"}}},
	))
	checkAtFullBudget(t, "Gemini CLI", "gemini", present.Gemini, s, func() *run {
		env := s.env("GEMINI_API_KEY=fake", "GOOGLE_GEMINI_BASE_URL="+s.model.URL)
		return startClient(t, s.project, env, bin, "--yolo", "-p", "check my messages")
	})
}
