// Package e2e runs the real agent clients, Claude Code, Codex and Gemini
// CLI, against ipc and a scripted fake model endpoint (internal/fakemodel),
// and asserts on what the model receives: ipc's tool definitions and
// instructions, a send and check round trip, mail injected by the Claude
// Code hooks, runs that end, and an idle session woken by new mail, through the Stop
// hook and through a channel event.
//
// The tests run only with IPC_CLIENTS=1 (make clients), and each finds its
// client in IPC_CLAUDE, IPC_CODEX or IPC_GEMINI, which .ci/clients.sh
// installs at pinned versions and prints; a missing client skips its tests
// with its name. The package holds only tests.
package e2e
