// Package console tests the web console, ipc web, in a real browser: the
// built ipc serves a temporary mailbox, headless Chromium (Debian's
// chromium package) opens its printed URL, and chromedp drives the page
// over the DevTools protocol. The tests cover every screen with real
// mail, live arrival of mail sent with the CLI while the page is open,
// compose and its receipt, the token, Host and Origin checks, a phone-sized
// screen and the keyboard shortcuts, and that reading through the console
// marks nothing read. With IPC_SCREENSHOTS=dir they save the main screens
// as PNG files there (make screenshots); with IPC_MEASURE=1 the
// measurement test times 100 sends to the open page and weighs a page
// holding 10,000 messages (make measure-web).
//
// A machine without Chromium skips the tests with the reason; with
// IPC_REQUIRE_BROWSER=1 (set by .ci/run) a missing browser fails them.
// The package holds only tests: chromedp never reaches the ipc binary.
package console
