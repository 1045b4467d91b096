//go:build linux

package web_test

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/ipc-dev/ipc/maildir"
)

// consoleClient asks the console for each path (with the right token, a
// loopback Host and no Origin) and prints one JSON line per request: its
// status and body. A path starting with "POST " posts a message to bob.
const consoleClient = `
import http.client, json, sys
host, port, token = sys.argv[1], int(sys.argv[2]), sys.argv[3]
for path in sys.argv[4:]:
    try:
        c = http.client.HTTPConnection(host, port, timeout=20)
        headers = {"Authorization": "Bearer " + token}
        if path.startswith("POST "):
            headers["Content-Type"] = "application/json"
            c.request("POST", path[5:], body=json.dumps({"to": ["bob"], "content": "forged"}), headers=headers)
        else:
            c.request("GET", path, headers=headers)
        r = c.getresponse()
        body = r.read(65536) if r.status != 200 or "event-stream" not in (r.getheader("Content-Type") or "") else b""
        print(json.dumps({"path": path, "status": r.status, "body": body.decode("utf-8", "replace")}))
        c.close()
    except Exception as e:
        print(json.dumps({"path": path, "client_error": repr(e)}))
`

// askConsole runs consoleClient as uid (0: as this process) and returns
// its answers.
func askConsole(t *testing.T, c *console, uid int, paths ...string) []map[string]any {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	host, port, _ := strings.Cut(strings.TrimPrefix(c.base, "http://"), ":")
	cmd := exec.CommandContext(ctx, "/usr/bin/python3", append([]string{"-c", consoleClient, host, port, c.srv.Token()}, paths...)...)
	cmd.Dir = "/"
	cmd.Env = []string{"PATH=/usr/bin:/bin", "HOME=/nonexistent", "PYTHONDONTWRITEBYTECODE=1"}
	if uid != os.Geteuid() {
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: uint32(uid), Gid: uint32(uid)}}
	}
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("client as uid %d: %v\n%s", uid, err, out)
	}
	var res []map[string]any
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		var m map[string]any
		if err := json.Unmarshal([]byte(line), &m); err != nil {
			t.Fatalf("client output %q: %v", line, err)
		}
		res = append(res, m)
	}
	if len(res) != len(paths) {
		t.Fatalf("client as uid %d: %d answers for %d paths:\n%s", uid, len(res), len(paths), out)
	}
	return res
}

const nobodyUID = 65534

// TestOtherUserCannotUseConsole: another OS user holding the token gets
// 403 and no data from every route (page, API, event stream, send), and
// sends nothing; the same requests from this process's user are served.
func TestOtherUserCannotUseConsole(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root, to run a client as another user")
	}
	if _, err := os.Stat("/usr/bin/python3"); err != nil {
		t.Skip("needs /usr/bin/python3")
	}
	c := startConsole(t)
	alice, bob := c.login("alice"), c.login("bob")
	id := send(t, alice, "bob", "the secret plan", maildir.Payload{Subject: "private"})
	paths := []string{"/", "/api/agents", "/api/search?q=secret", "/api/message?id=" + id, "/api/thread?id=" + id, "/api/events", "POST /api/send"}

	for _, r := range askConsole(t, c, nobodyUID, paths...) {
		body, _ := r["body"].(string)
		if r["status"] != float64(403) || !strings.Contains(body, `"forbidden"`) || !strings.Contains(body, "uid 65534") ||
			strings.Contains(body, "secret plan") || strings.Contains(body, "alice") {
			t.Errorf("%v as nobody: %v, want 403 forbidden with no data", r["path"], r)
		}
	}
	for _, r := range askConsole(t, c, os.Geteuid(), paths...) {
		if r["status"] != float64(200) {
			t.Errorf("%v as this user: %v, want 200", r["path"], r)
		}
	}

	// Only this user's send reached bob.
	res, err := bob.Check(context.Background(), maildir.CheckOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var forged int
	for _, m := range res.Messages {
		if m.Content == "forged" {
			forged++
		}
	}
	if forged != 1 {
		t.Errorf("bob got %d sends from the console, want 1 (this user's): %+v", forged, res.Messages)
	}
	t.Logf("figures: TestOtherUserCannotUseConsole: %d requests as uid %d refused with 403, the same %d as uid %d served", len(paths), nobodyUID, len(paths), os.Geteuid())
}
