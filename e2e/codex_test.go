//go:build unix

package e2e

import (
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/ipc-dev/ipc/internal/fakemodel"
)

// newCodex is a sandbox set up for Codex as docs/mcp.md says: its
// [mcp_servers.ipc] table in ~/.codex/config.toml with IPC_HOME added to
// env, as the documentation tells, plus a model provider that is the fake
// endpoint.
func newCodex(t *testing.T, script fakemodel.Script) (*sandbox, string) {
	t.Helper()
	bin := clientBin(t, "IPC_CODEX", "Codex")
	s := newSandbox(t, script)
	table := docBlock(t, "toml", "[mcp_servers.ipc]")
	table = replaceOnce(t, table, `IPC_ID = "codex"`, fmt.Sprintf("IPC_ID = \"codex\"\nIPC_HOME = %q", s.ipcHome))
	provider := fmt.Sprintf(`model = "gpt-fake"
model_provider = "fake"
approval_policy = "never"
sandbox_mode = "danger-full-access"
check_for_update_on_startup = false

[analytics]
enabled = false

[model_providers.fake]
name = "fake"
base_url = "%s/v1"
env_key = "FAKE_OPENAI_KEY"
wire_api = "responses"
request_max_retries = 0
stream_max_retries = 0

[projects.%q]
trust_level = "trusted"

`, s.model.URL, s.project)
	s.writeFile(filepath.Join(".codex", "config.toml"), provider+table)
	return s, bin
}

// TestCodexRoundTrip: mail sent with the CLI reaches the model once through
// check, the model's send reaches the peer once, ipc's tools are in the
// request, and codex exec ends.
func TestCodexRoundTrip(t *testing.T) {
	tok := token(t)
	s, bin := newCodex(t, fakemodel.Steps(
		fakemodel.Reply{Call: &fakemodel.Call{Tool: "check", Args: map[string]any{"instance_id": "codex"}}},
		fakemodel.Reply{Call: &fakemodel.Call{Tool: "send", Args: map[string]any{"from_id": "codex", "to_id": "bob", "content": reply(tok)}}},
	))
	s.ipc("bob", "send", "codex", tok)
	env := s.env("FAKE_OPENAI_KEY=fake", "CODEX_HOME="+filepath.Join(s.home, ".codex"))
	r := startClient(t, s.project, env, bin, "exec", "--skip-git-repo-check", "check my messages and answer bob")
	if !r.wait(2 * time.Minute) {
		t.Fatalf("codex exec did not end within 2m\n%s", r.out.String())
	}
	reportRoundTrip(t, "Codex", s, r, tok)
}
