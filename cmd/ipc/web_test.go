package main

import (
	"bufio"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/ipc-dev/ipc/internal/ipctest"
)

// TestWebPrintsTheTokenURLAndStopsOnInterrupt runs ipc web: one line on
// stdout, the URL with its token; the URL's cookie opens the API; an
// open event stream is shown a message sent with ipc send; SIGINT ends
// it with status 0.
func TestWebPrintsTheTokenURLAndStopsOnInterrupt(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("needs SIGINT")
	}
	d := filepath.Join(t.TempDir(), "home")
	mustIPC(t, d, "bob", "", "whoami")
	cmd := ipcCmd(d, "", "web", "--no-open")
	stdout, _ := cmd.StdoutPipe()
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill() })
	sc := bufio.NewScanner(stdout)
	if !sc.Scan() {
		t.Fatal("ipc web printed no URL")
	}
	url := sc.Text()
	base, token, ok := strings.Cut(url, "/?token=")
	if !ok || !strings.HasPrefix(base, "http://127.0.0.1:") || len(token) != 64 {
		t.Fatalf("the URL %q: want http://127.0.0.1:PORT/?token= and 64 hex digits", url)
	}
	if res, err := http.Get(base + "/api/agents"); err != nil || res.StatusCode != http.StatusUnauthorized {
		t.Fatalf("without the token: %v %v", res, err)
	}
	req, _ := http.NewRequest("GET", base+"/api/events?backlog=0", nil)
	req.Header.Set("Authorization", "Bearer "+token)
	res, err := http.DefaultClient.Do(req)
	if err != nil || res.StatusCode != 200 {
		t.Fatalf("events: %v %v", res, err)
	}
	defer res.Body.Close()
	events := bufio.NewScanner(res.Body)
	mustIPC(t, d, "alice", "", "send", "bob", "seen by the console")
	ipctest.Within(t, "the message in the stream", time.Minute, func() {
		for events.Scan() {
			if strings.HasPrefix(events.Text(), "data: ") && strings.Contains(events.Text(), `"content":"seen by the console"`) {
				return
			}
		}
		t.Error("the stream ended without the message")
	})
	cmd.Process.Signal(os.Interrupt)
	ipctest.Within(t, "ipc web after SIGINT", time.Minute, func() {
		io.Copy(io.Discard, res.Body) // the stream ends with the server
		if err := cmd.Wait(); err != nil {
			t.Errorf("ipc web after SIGINT: %v", err)
		}
	})
}

func TestWebRefusesAnAddressThatIsNotLoopback(t *testing.T) {
	d := filepath.Join(t.TempDir(), "home")
	r := ipc(t, d, "", "", "web", "--no-open", "--addr", "0.0.0.0:0")
	if r.code != 2 || !strings.Contains(r.stderr, "loopback") || !strings.Contains(r.stderr, "--listen-any") || r.stdout != "" {
		t.Errorf("ipc web --addr 0.0.0.0:0: %d %q %q", r.code, r.stdout, r.stderr)
	}
}
