//go:build unix

package e2e

import (
	"encoding/json"
	"path/filepath"
	"testing"
	"time"

	"github.com/ipc-dev/ipc/internal/fakemodel"
)

// newGemini is a sandbox set up for Gemini CLI as docs/mcp.md says: its
// mcpServers block in ~/.gemini/settings.json, with IPC_HOME added to env,
// an API-key login, the project trusted, and no telemetry or updates.
func newGemini(t *testing.T, script fakemodel.Script) (*sandbox, string) {
	t.Helper()
	bin := clientBin(t, "IPC_GEMINI", "Gemini CLI")
	s := newSandbox(t, script)
	var settings map[string]any
	if err := json.Unmarshal([]byte(docBlock(t, "json", `"IPC_ID": "gemini"`)), &settings); err != nil {
		t.Fatalf("docs/mcp.md: the Gemini settings block: %v", err)
	}
	server, _ := settings["mcpServers"].(map[string]any)["ipc"].(map[string]any)
	if server == nil {
		t.Fatal(`docs/mcp.md: the Gemini settings block has no mcpServers.ipc`)
	}
	server["env"].(map[string]any)["IPC_HOME"] = s.ipcHome
	settings["security"] = map[string]any{"auth": map[string]any{"selectedType": "gemini-api-key"}, "folderTrust": map[string]any{"enabled": true}}
	settings["privacy"] = map[string]any{"usageStatisticsEnabled": false}
	settings["telemetry"] = map[string]any{"enabled": false}
	settings["general"] = map[string]any{"disableAutoUpdate": true, "disableUpdateNag": true}
	b, _ := json.MarshalIndent(settings, "", "  ")
	s.writeFile(filepath.Join(".gemini", "settings.json"), string(b))
	trusted, _ := json.Marshal(map[string]string{s.project: "TRUST_FOLDER"})
	s.writeFile(filepath.Join(".gemini", "trustedFolders.json"), string(trusted))
	return s, bin
}

// TestGeminiRoundTrip: mail sent with the CLI reaches the model once
// through check, the model's send reaches the peer once, ipc's tools are
// in the request, and gemini -p ends.
func TestGeminiRoundTrip(t *testing.T) {
	tok := token(t)
	s, bin := newGemini(t, fakemodel.Steps(
		fakemodel.Reply{Call: &fakemodel.Call{Tool: "check", Args: map[string]any{"instance_id": "gemini"}}},
		fakemodel.Reply{Call: &fakemodel.Call{Tool: "send", Args: map[string]any{"from_id": "gemini", "to_id": "bob", "content": reply(tok)}}},
	))
	s.ipc("bob", "send", "gemini", tok)
	env := s.env("GEMINI_API_KEY=fake", "GOOGLE_GEMINI_BASE_URL="+s.model.URL)
	r := startClient(t, s.project, env, bin, "--yolo", "-p", "check my messages and answer bob")
	if !r.wait(2 * time.Minute) {
		t.Fatalf("gemini -p did not end within 2m\n%s", r.out.String())
	}
	reportRoundTrip(t, "Gemini CLI", s, r, tok)
}
