package main

import (
	"context"
	"fmt"
	"html"
	"os"
	"os/exec"
	"runtime"
	"time"

	"github.com/ipc-dev/ipc/web"
)

// runWeb: ipc web [--addr 127.0.0.1:0|PORT] [--no-open] [--listen-any] —
// the console, on loopback, until interrupted. It prints the URL with the
// token to stdout (and only there) and opens it in the browser unless
// --no-open.
func runWeb(ctx context.Context, c *cli, args []string) error {
	fs := flags("web")
	addr := fs.String("addr", web.DefaultAddr, "listen on `HOST:PORT` or a bare PORT of 127.0.0.1 (0: any free port)")
	noOpen := fs.Bool("no-open", false, "print the URL only; do not open a browser")
	listenAny := fs.Bool("listen-any", false, "allow an --addr that is not loopback (WARNING: whoever reaches it with the token reads every mailbox and writes as the human, over clear HTTP)")
	if _, err := parseExactly(fs, args, 0, "web takes no arguments: ipc web [--addr PORT] [--no-open]"); err != nil {
		return err
	}
	st, err := c.openDaemonStore(func(format string, a ...any) { fmt.Fprintf(c.stderr, "ipc web: "+format+"\n", a...) })
	if err != nil {
		return err
	}
	defer st.Close()
	srv, err := web.Listen(st, web.Config{Addr: *addr, ListenAny: *listenAny})
	if err != nil {
		return usageError("%v", err)
	}
	if *listenAny {
		fmt.Fprintln(c.stderr, "ipc web: WARNING: --listen-any: anyone who reaches this address with the token reads every mailbox and writes as the human")
	}
	fmt.Fprintln(c.stdout, srv.URL())
	fmt.Fprintf(c.stderr, "ipc web: serving the console of %s as %q; Ctrl-C stops it\n", st.Root(), "human")
	openCtx, stopOpening := context.WithCancel(ctx)
	defer stopOpening()
	opened := make(chan struct{})
	if *noOpen {
		close(opened)
	} else {
		go func() {
			defer close(opened)
			if err := openBrowser(openCtx, srv.URL()); err != nil {
				fmt.Fprintf(c.stderr, "ipc web: could not open a browser (%v): open the URL above\n", err)
			}
		}()
	}
	err = srv.Run(ctx)
	stopOpening()
	<-opened
	return err
}

// openBrowser opens url in the user's browser through a private file that
// redirects to it, as Jupyter does, so that the token never appears in
// another process's command line. The file is removed once the browser
// had time to read it, or when ctx ends.
func openBrowser(ctx context.Context, url string) error {
	f, err := os.CreateTemp("", "ipc-web-*.html")
	if err != nil {
		return err
	}
	defer os.Remove(f.Name())
	page := `<!doctype html><meta charset="utf-8"><meta http-equiv="refresh" content="0;url=` + html.EscapeString(url) +
		`"><title>ipc web</title><p><a href="` + html.EscapeString(url) + `">Open the ipc console</a></p>`
	if _, err := f.WriteString(page); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	var cmd *exec.Cmd
	switch runtime.GOOS {
	case "darwin":
		cmd = exec.CommandContext(ctx, "open", f.Name())
	case "windows":
		cmd = exec.CommandContext(ctx, "rundll32", "url.dll,FileProtocolHandler", f.Name())
	default:
		cmd = exec.CommandContext(ctx, "xdg-open", f.Name())
	}
	if err := cmd.Run(); err != nil {
		return err
	}
	select { // the browser reads the file after its opener returns
	case <-ctx.Done():
	case <-time.After(30 * time.Second):
	}
	return nil
}
