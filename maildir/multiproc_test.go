package maildir

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ipc-dev/ipc/internal/ipctest"
)

// The multi-process tests re-execute the test binary: with
// ipctest.HelperEnv set, TestMain runs one helper role instead of the tests.
func TestMain(m *testing.M) {
	ipctest.Main(m, os.Getenv(ipctest.HelperEnv), runHelper)
}

// helperOptions are the options of a helper process's store: the sync
// policy and polling of its parent (IPC_SYNC, IPC_POLL, IPC_POLL_INTERVAL),
// and no rate limit.
func helperOptions() Options {
	o := Options{Sync: SyncPolicy(os.Getenv("IPC_SYNC")), RateBurst: -1}
	o.Poll, _ = strconv.ParseBool(os.Getenv("IPC_POLL"))
	o.PollInterval, _ = time.ParseDuration(os.Getenv("IPC_POLL_INTERVAL"))
	return o
}

// runHelper runs a role with arguments "root,arg,arg...".
func runHelper(role, args string) error {
	a := strings.Split(args, ",")
	if h, ok := moreHelpers[role]; ok {
		return h(a)
	}
	st, err := Open(a[0], helperOptions())
	if err != nil {
		return err
	}
	defer st.Close()
	out := bufio.NewWriter(os.Stdout)
	defer out.Flush()
	switch role {
	case "send": // root,id,to,count: one line "sent <n> <id>" per durable send
		s, err := st.Login(context.Background(), a[1], "")
		if err != nil {
			return err
		}
		n, _ := strconv.Atoi(a[3])
		for i := 0; i < n; i++ {
			r, err := s.Send(context.Background(), a[2], fmt.Sprintf("%s %d", a[1], i), nil)
			if err != nil {
				return err
			}
			fmt.Fprintf(out, "sent %d %s\n", i, r.ID)
			out.Flush()
		}
	case "sendonce": // root,id,to,key: one send with an idempotency key; prints "<message id> <replayed>"
		s, err := st.Login(context.Background(), a[1], "")
		if err != nil {
			return err
		}
		r, err := s.SendPayload(context.Background(), a[2], Payload{Content: "keyed", Key: a[3]})
		if err != nil {
			return err
		}
		fmt.Fprintf(out, "%s %v\n", r.ID, r.Replayed)
	case "check": // root,inbox,stopfile: claims until stopfile exists and the inbox is empty
		ch, cancel, err := st.subscribe(st.boxPath(a[1], dirNew))
		if err != nil {
			return err
		}
		defer cancel()
		for {
			_, statErr := os.Stat(a[2])
			stop := statErr == nil
			r, err := st.check(context.Background(), a[1], CheckOptions{Max: 50})
			if err != nil {
				return err
			}
			for _, m := range r.Messages {
				fmt.Fprintf(out, "got %s %s\n", m.From, m.Content)
			}
			if stop && len(r.Messages) == 0 {
				return nil
			}
			if len(r.Messages) == 0 {
				select {
				case <-ch:
				case <-time.After(100 * time.Millisecond): // re-read the stop file
				}
			}
		}
	default:
		return fmt.Errorf("unknown role %q", role)
	}
	return nil
}

func helperCmd(t *testing.T, poll bool, role string, args ...string) *exec.Cmd {
	t.Helper()
	env := append(os.Environ(), "IPC_POLL="+strconv.FormatBool(poll), "IPC_POLL_INTERVAL=20ms")
	return ipctest.HelperCmd(t, env, role, args...)
}

func TestMultiProcessDelivery(t *testing.T) {
	if testing.Short() {
		t.Skip("multi-process test")
	}
	for _, poll := range []bool{false, true} {
		t.Run(fmt.Sprintf("poll=%v", poll), func(t *testing.T) { testMultiProcess(t, poll) })
	}
}

func testMultiProcess(t *testing.T, poll bool) {
	const senders, perSender, checkers = 8, 500, 4
	root := t.TempDir()
	stop := filepath.Join(t.TempDir(), "stop")
	mustOpenAt(t, root, Options{}).Close() // create the tree
	var mu sync.Mutex
	got := map[string]int{}     // content -> times received
	lastSeq := map[string]int{} // checker/sender -> last sequence number seen
	var wg sync.WaitGroup
	var checkCmds []*exec.Cmd
	for c := 0; c < checkers; c++ {
		cmd := helperCmd(t, poll, "check", root, "inbox", stop)
		stdout, _ := cmd.StdoutPipe()
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		checkCmds = append(checkCmds, cmd)
		wg.Add(1)
		go func(c int) {
			defer wg.Done()
			sc := bufio.NewScanner(stdout)
			for sc.Scan() {
				var from, content string
				var seq int
				f := strings.Fields(sc.Text())
				if len(f) != 4 || f[0] != "got" {
					t.Errorf("checker %d: bad line %q", c, sc.Text())
					continue
				}
				from, content = f[1], f[2]+" "+f[3]
				seq, _ = strconv.Atoi(f[3])
				mu.Lock()
				got[content]++
				key := fmt.Sprintf("%d/%s", c, from)
				if prev, ok := lastSeq[key]; ok && seq <= prev {
					t.Errorf("checker %d saw %s after %d: out of per-sender order", c, content, prev)
				}
				lastSeq[key] = seq
				mu.Unlock()
			}
		}(c)
	}
	var sendCmds []*exec.Cmd
	for s := 0; s < senders; s++ {
		cmd := helperCmd(t, poll, "send", root, fmt.Sprintf("sender%d", s), "inbox", strconv.Itoa(perSender))
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		sendCmds = append(sendCmds, cmd)
	}
	for _, cmd := range sendCmds {
		if err := cmd.Wait(); err != nil {
			t.Fatalf("sender: %v", err)
		}
	}
	if err := os.WriteFile(stop, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	wg.Wait()
	for _, cmd := range checkCmds {
		if err := cmd.Wait(); err != nil {
			t.Fatalf("checker: %v", err)
		}
	}
	if len(got) != senders*perSender {
		t.Fatalf("received %d distinct messages, want %d", len(got), senders*perSender)
	}
	for c, n := range got {
		if n != 1 {
			t.Errorf("%q received %d times", c, n)
		}
	}
}

func TestKilledSenderLeavesNoPartialMessage(t *testing.T) {
	if testing.Short() {
		t.Skip("multi-process test")
	}
	root := t.TempDir()
	st := mustOpenAt(t, root, Options{})
	cmd := helperCmd(t, false, "send", root, "killer", "victim", "1000000")
	stdout, _ := cmd.StdoutPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	sc := bufio.NewScanner(stdout)
	done := map[string]bool{}
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) == 3 {
			done[f[2]] = true
		}
		if len(done) == 300 {
			break
		}
	}
	if err := cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	for sc.Scan() { // sends reported between our decision and the kill
		if f := strings.Fields(sc.Text()); len(f) == 3 {
			done[f[2]] = true
		}
	}
	cmd.Wait()
	newDir := filepath.Join(root, "mail", "victim", "new")
	names, err := listDir(newDir)
	if err != nil {
		t.Fatal(err)
	}
	onDisk := map[string]bool{}
	for _, n := range names {
		b, err := os.ReadFile(filepath.Join(newDir, n))
		if err != nil {
			t.Fatal(err)
		}
		m, err := parseMessage(b)
		if err != nil || m.From != "killer" || !strings.HasPrefix(m.Content, "killer ") {
			t.Fatalf("partial or corrupt message visible: %s: %q (%v)", n, b, err)
		}
		onDisk[n] = true
	}
	for id := range done {
		if !onDisk[id] {
			t.Errorf("send %s was reported done but is not in new/", id)
		}
	}
	t.Logf("killed after %d reported sends; %d messages on disk", len(done), len(onDisk))
	// The leftover in tmp/ (if the kill hit mid-write) belongs to a dead
	// process: GC removes it.
	if _, err := st.GC(ctx); err != nil {
		t.Fatal(err)
	}
	left, _ := listDir(filepath.Join(root, "mail", "victim", "tmp"))
	if len(left) != 0 {
		t.Fatalf("tmp/ leftovers after GC: %v", left)
	}
	// The killed sender's name is free again.
	s, err := st.Login(ctx, "killer", "")
	if err != nil {
		t.Fatalf("login as the killed sender: %v", err)
	}
	s.Close()
	if _, err := os.Stat(filepath.Join(root, "mail", "victim", "cur")); errors.Is(err, fs.ErrNotExist) {
		t.Fatal("maildir incomplete")
	}
}
