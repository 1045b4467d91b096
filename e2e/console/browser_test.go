//go:build unix

package console

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/input"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
)

// bound only turns a hang into a failure: every wait ends on a condition,
// far sooner.
const bound = 60 * time.Second

// browser is the one Chromium of the run; each test opens its pages in a
// browser context of its own, so no cookie or storage crosses tests.
// noBrowser says why there is none when the machine has no Chromium.
var (
	browser   context.Context
	noBrowser string
)

// chromium finds the browser: $IPC_CHROMIUM, or Debian's chromium
// package, or another Chromium or Chrome on PATH.
func chromium() (string, bool) {
	if p := os.Getenv("IPC_CHROMIUM"); p != "" {
		return p, true
	}
	for _, name := range []string{"/usr/bin/chromium", "chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p, true
		}
	}
	return "", false
}

// startBrowser starts headless Chromium with a fresh profile in dir, or,
// on a machine without one, leaves browser nil so the tests skip, unless
// IPC_REQUIRE_BROWSER=1 (CI) makes that an error. The flags keep the
// browser from reaching the network on its own (no component updates, no
// sync, no QUIC), and run it as root in a container (no sandbox, no GPU).
func startBrowser(ctx context.Context, dir string) (stop func(), err error) {
	path, ok := chromium()
	if !ok {
		if os.Getenv("IPC_REQUIRE_BROWSER") == "1" {
			return nil, errors.New("Chromium is not installed and IPC_REQUIRE_BROWSER=1 requires it (apt-get install chromium)")
		}
		noBrowser = "Chromium is not installed (apt-get install chromium; .ci/run installs it)"
		return func() {}, nil
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(path),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.UserDataDir(dir),
		chromedp.WindowSize(1280, 800),
	)
	actx, cancelAlloc := chromedp.NewExecAllocator(ctx, opts...)
	bctx, cancelBrowser := chromedp.NewContext(actx)
	if err := chromedp.Do(bctx); err != nil {
		cancelBrowser()
		cancelAlloc()
		return nil, fmt.Errorf("start %s: %w", path, err)
	}
	browser = bctx
	return func() { cancelBrowser(); cancelAlloc() }, nil
}

// page is one browser tab of a test, in its own browser context.
type page struct {
	t   testing.TB
	ctx context.Context

	mu     sync.Mutex
	thrown []string // uncaught exceptions of the page's scripts
}

// newPage opens a tab of width x height CSS pixels. An exception the
// page's scripts throw fails the test when it ends.
func newPage(t testing.TB, width, height int64) *page {
	t.Helper()
	if browser == nil {
		t.Skip(noBrowser)
	}
	ctx, cancel := chromedp.NewContext(browser, chromedp.WithNewBrowserContext())
	// The first run opens the tab and binds its life to the context it
	// gets: the tab's own, not one of do's bounded ones.
	if err := chromedp.Do(ctx); err != nil {
		cancel()
		t.Fatalf("open a tab: %v", err)
	}
	p := &page{t: t, ctx: ctx}
	p.do(chromedp.EmulateViewport(width, height))
	messages := chromedp.Console(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		for m, err := range messages {
			if err != nil {
				return
			}
			if m.IsException() {
				p.mu.Lock()
				p.thrown = append(p.thrown, m.String())
				p.mu.Unlock()
			}
		}
	}()
	t.Cleanup(func() {
		cancel()
		<-done
		p.mu.Lock()
		defer p.mu.Unlock()
		for _, e := range p.thrown {
			t.Errorf("the page threw: %s", e)
		}
	})
	return p
}

// do runs actions in the tab, each within bound; an error fails the test.
func (p *page) do(actions ...chromedp.Action[chromedp.Void]) {
	p.t.Helper()
	ctx, cancel := context.WithTimeout(p.ctx, bound)
	defer cancel()
	if err := chromedp.Do(ctx, actions...); err != nil {
		p.t.Fatalf("browser: %v", err)
	}
}

// open navigates to url and returns the HTTP status of the document.
func (p *page) open(url string) int64 {
	p.t.Helper()
	ctx, cancel := context.WithTimeout(p.ctx, bound)
	defer cancel()
	resp, err := chromedp.Run(ctx, chromedp.NavigateResponse(url))
	if err != nil {
		p.t.Fatalf("open %s: %v", redact(url), err)
	}
	return resp.Status
}

// eval evaluates a JavaScript expression in the page (awaiting a promise
// it returns) and decodes its value.
func eval[T any](p *page, expr string) T {
	p.t.Helper()
	ctx, cancel := context.WithTimeout(p.ctx, bound)
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](expr, chromedp.EvalAwaitPromise))
	if err != nil {
		p.t.Fatalf("evaluate %s: %v", expr, err)
	}
	return v
}

// waitFor waits until the JavaScript expression cond is truthy in the
// page, checking it on every frame (an exception counts as false, as an
// element not there yet does); what names the condition when it never
// holds.
func (p *page) waitFor(what, cond string) {
	p.t.Helper()
	ctx, cancel := context.WithTimeout(p.ctx, bound+5*time.Second)
	defer cancel()
	safe := `(() => { try { return (` + cond + `); } catch (e) { return false; } })()`
	_, err := chromedp.Run(ctx, chromedp.Poll[chromedp.Void](safe, chromedp.WithPollingTimeout(bound)))
	if err != nil {
		p.t.Fatalf("waiting for %s (%s): %v\nthe page shows:\n%.2000s", what, cond, err, p.text())
	}
}

// text is the page's visible text, for failure messages and assertions.
func (p *page) text() string {
	ctx, cancel := context.WithTimeout(p.ctx, 10*time.Second)
	defer cancel()
	s, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.body ? document.body.innerText : ""`))
	if err != nil {
		return fmt.Sprintf("(no text: %v)", err)
	}
	return s
}

// key presses keys in turn as a keyboard does, on whatever has the focus:
// a key's keydown carries its text, so a page that takes the keydown
// (preventDefault) keeps the character out of a field, as in a real
// browser. (chromedp.KeyEvent types the character in a separate event,
// which such a page cannot stop.)
func (p *page) key(keys string) {
	p.t.Helper()
	p.do(chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		for _, r := range keys {
			var down, up *input.DispatchKeyEventParams
			text := ""
			for _, ev := range kb.Encode(r) {
				switch ev.Type {
				case input.DispatchKeyEventTypeKeyDown:
					down = ev
				case input.DispatchKeyEventTypeChar:
					text = ev.Text
				case input.DispatchKeyEventTypeKeyUp:
					up = ev
				}
			}
			if down == nil || up == nil {
				return fmt.Errorf("no key for %q", r)
			}
			down.Text, down.UnmodifiedText = text, text
			for _, ev := range []*input.DispatchKeyEventParams{down, up} {
				if _, err := cdp.Call(ctx, tg, input.DispatchKeyEvent, *ev); err != nil {
					return err
				}
			}
		}
		return nil
	}))
}

// screenshot saves the viewport as name.png in $IPC_SCREENSHOTS, when it
// is set (make screenshots); otherwise it does nothing.
func (p *page) screenshot(name string) {
	p.t.Helper()
	dir := os.Getenv("IPC_SCREENSHOTS")
	if dir == "" {
		return
	}
	ctx, cancel := context.WithTimeout(p.ctx, bound)
	defer cancel()
	png, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
	if err != nil {
		p.t.Fatalf("screenshot %s: %v", name, err)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		p.t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, name+".png"), png, 0o644); err != nil {
		p.t.Fatal(err)
	}
}

// js quotes s as a JavaScript string literal.
func js(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for _, r := range s {
		switch {
		case r == '"' || r == '\\':
			b.WriteByte('\\')
			b.WriteRune(r)
		case r < 0x20 || r == 0x2028 || r == 0x2029:
			fmt.Fprintf(&b, `\u%04x`, r)
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte('"')
	return b.String()
}

// clickCSS clicks, with the mouse, the first element sel matches once it
// is visible.
func clickCSS(sel string) chromedp.Action[chromedp.Void] {
	return chromedp.Click(chromedp.CSS(sel), chromedp.NodeVisible)
}

// typeInto focuses the field sel matches and types text into it.
func typeInto(sel, text string) chromedp.Action[chromedp.Void] {
	return chromedp.SendKeys(chromedp.CSS(sel), text, chromedp.NodeVisible)
}
