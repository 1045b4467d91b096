package main

import (
	"context"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	"github.com/ipc-dev/ipc/maildir"
)

// runDoctor: ipc doctor [--json] — reports what ipc will do on this
// machine and whatever looks wrong. It exits 1 when a problem is found.
// With --json the same findings are one object (doctorReport).
func runDoctor(ctx context.Context, c *cli, args []string) error {
	set := flags("doctor")
	asJSON := set.Bool("json", false, "print the findings as JSON")
	if _, err := parse(set, args); err != nil {
		return err
	}
	r := &doctorReport{}
	if !*asJSON {
		r.text = c.stdout
	}
	c.diagnose(ctx, r)
	if *asJSON {
		if err := writeJSON(c.stdout, r.summary()); err != nil {
			return err
		}
	}
	return r.err()
}

// diagnose runs the checks of ipc doctor, each finding into r under the
// name of the part of the setup it is about (r.in).
func (c *cli) diagnose(ctx context.Context, r *doctorReport) {
	say, note := r.say, r.note
	r.in("environment")
	opts, err := optionsFromEnv(c.getenv)
	say(err == nil, "environment settings parse%s", errSuffix(err))
	st, err := c.openStore()
	if err != nil {
		say(false, "open mailbox %s: %v", c.home, err)
		return
	}
	defer st.Close()
	r.in("mailbox")
	say(true, "mailbox at %s", st.Root())

	r.in("filesystem")
	info := st.FS()
	say(true, "filesystem: %s%s", info.Type, map[bool]string{true: " (remote/shared: other writers raise no events)", false: ""}[info.Remote])
	switch {
	case opts.Poll:
		say(true, "new mail is detected by polling every %s (forced by %s=1)", pollInterval(opts), envPoll)
	case info.Polling:
		say(true, "new mail is detected by polling every %s (automatic on %s)", pollInterval(opts), info.Type)
	default:
		say(true, "new mail is detected by filesystem events (fsnotify); set %s=1 to force polling", envPoll)
	}
	if runtime.GOOS == "linux" {
		if b, err := os.ReadFile("/proc/sys/fs/inotify/max_user_instances"); err == nil {
			note("inotify max_user_instances = %s (one per ipc process)", strings.TrimSpace(string(b)))
		}
	}
	if strings.HasPrefix(st.Root(), "/mnt/") && runtime.GOOS == "linux" {
		note("a Windows drive under /mnt: locks may not cross to Windows programs; ipc relies on heartbeats there")
	}
	r.in("sync")
	sync := opts.Sync
	if sync == "" {
		sync = maildir.SyncBatch
	}
	say(true, "sync policy: %s (%s)", sync, map[maildir.SyncPolicy]string{
		maildir.SyncBatch: "durable, concurrent sends share directory fsyncs",
		maildir.SyncFull:  "durable, one directory fsync per message",
		maildir.SyncNone:  "NOT durable: a power loss can lose mail",
	}[sync])

	r.in("disk")
	if info.Free > 0 {
		say(info.Free > 100<<20, "disk space free: %s", humanBytes(info.Free))
	}
	probe := filepath.Join(st.Root(), ".doctor-probe")
	werr := os.WriteFile(probe, []byte("x"), 0o600)
	os.Remove(probe)
	say(werr == nil, "mailbox is writable%s", errSuffix(werr))

	r.in("permissions")
	if runtime.GOOS != "windows" {
		bad := permissionProblems(st.Root(), 20000)
		say(len(bad) == 0, "permissions: directories 0700, files 0600 (%d wrong)", len(bad))
		for i, b := range bad {
			if i == 5 {
				note("... and %d more", len(bad)-5)
				break
			}
			note("%s", b)
		}
	}

	r.in("quarantine")
	quarantineReport(st, say, note)

	r.in("identity")

	if id := c.as; id != "" {
		say(maildir.ValidID(id), "identity %q (from --as/IPC_ID) is a valid instance id", id)
	} else {
		note("no identity set: pass --as NAME or set %s for send/check", envID)
	}
	if opts.Secret != "" {
		note("secure mode is on (%s set): registrations need the shared-secret proof", envSecret)
	}

	r.add(c.wakeFindings(st.Root())...)
	r.add(c.serverFindings(ctx, st.Root())...)
}

// quarantineReport lists the entries readers moved aside because they were
// not messages, as one problem: something put them in a maildir.
func quarantineReport(st *maildir.Store, say func(bool, string, ...any), note func(string, ...any)) {
	q, err := st.Quarantine()
	if err != nil {
		say(false, "quarantine: %v", err)
		return
	}
	if len(q) == 0 {
		say(true, "no entries moved aside: every file in the maildirs was a message")
		return
	}
	say(false, "%d entries of the maildirs were not messages and were moved aside to %s:", len(q), filepath.Join(st.Root(), "quarantine"))
	for i, e := range q {
		if i == 10 {
			note("... and %d more", len(q)-10)
			break
		}
		note("%s/%s: %s, %d bytes, %s", e.Box, e.Name, fileKind(e.Mode), e.Size, localMinute(e.Time))
	}
	note("inspect them, then remove them; nothing reads them")
}

// fileKind names the type of a quarantined entry.
func fileKind(m fs.FileMode) string {
	switch {
	case m&fs.ModeSymlink != 0:
		return "symbolic link"
	case m.IsDir():
		return "directory"
	case m&fs.ModeNamedPipe != 0:
		return "FIFO"
	case m&fs.ModeSocket != 0:
		return "socket"
	case m&fs.ModeDevice != 0:
		return "device"
	case m.IsRegular():
		return "file"
	}
	return "special file"
}

func errSuffix(err error) string {
	if err == nil {
		return ""
	}
	return ": " + err.Error()
}

func pollInterval(o maildir.Options) time.Duration {
	if o.PollInterval > 0 {
		return o.PollInterval
	}
	return maildir.DefaultPollInterval
}

func humanBytes(n uint64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	div, exp := uint64(unit), 0
	for m := n / unit; m >= unit; m /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.1f %ciB", float64(n)/float64(div), "KMGTPE"[exp])
}

// permissionProblems lists entries under root whose mode is wider than
// 0700 (directories) or 0600 (files), looking at up to limit entries.
func permissionProblems(root string, limit int) []string {
	var bad []string
	n := 0
	filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return nil
		}
		if n++; n > limit {
			return filepath.SkipAll
		}
		if d.IsDir() && filepath.Base(p) == "quarantine" && filepath.Dir(p) == root {
			return filepath.SkipDir // reported on its own
		}
		info, err := d.Info()
		if err != nil || info.Mode()&(fs.ModeSocket|fs.ModeSymlink) != 0 {
			return nil
		}
		if perm := info.Mode().Perm(); perm&0o077 != 0 {
			bad = append(bad, fmt.Sprintf("%s is %v", p, perm))
		}
		return nil
	})
	return bad
}
