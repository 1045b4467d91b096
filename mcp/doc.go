// Package mcp is the MCP door of the mailbox: the stdio server that Claude
// Code, Gemini CLI, Codex and other MCP clients start as "ipc mcp".
//
// It is a thin translation over package maildir, which holds every rule.
// The contract:
//
//   - Tools: the nine tools of the original claude-ipc-mcp with the same
//     names, input schemas and required fields (register, send, broadcast,
//     check, list_instances, share_file, share_command, rename,
//     auto_process), plus optional extras (check's wait_seconds,
//     auto_process's send_receipts), and a tenth, mail
//     (mail.go), whose definition is kept tiny. tools.go is the table
//     of the tools; each has a file with its argument struct, from which
//     mcp-go derives its input schema, and its typed handler; call.go is
//     the middleware around every call. Every tool states the annotation
//     hints that differ from the MCP defaults, so none passes for
//     destructive or open-world by omission. check and send carry
//     _meta["anthropic/alwaysLoad"], so that Claude Code loads them up
//     front instead of behind its tool search.
//   - Budget: the tool definitions and the instructions, as a client
//     receives them, stay within 6,000 characters, the instructions within
//     2,000 and opening with the agent's identity (TestMCPPromptBudget in
//     cmd/ipc; the figures are in bench/cmd/ipcbench).
//   - Identity: a Server acts as at most one identity at a time, held in the
//     Server (never a package variable), taken by the register tool or at
//     start from Config.ID (IPC_ID). A name held by another live process
//     is retried in the background, never delaying the handshake; tools
//     wait for the outcome. A from_id, instance_id or old_id naming
//     another identity is refused (kind not_owner). Before an identity is
//     taken, only register and list_instances work. Session tokens never
//     reach the model.
//   - Results are text only, with no structured content: Claude Code shows
//     the model only the structured part when both are present. Domain
//     failures are results with isError set, reading "<kind>: <sentence>"
//     with the next step (errors.go is the one place that maps them); only a
//     malformed request or an unknown tool is a JSON-RPC error. Every result
//     ends with a line such as "📬 2 unread: from alice, bob — call check"
//     while mail waits.
//   - Peer text is framed as data, verbatim: check, auto_process and channel
//     events show each message byte for byte between begin and end lines
//     whose boundary occurs in no message of the result (internal/present),
//     so nothing a peer writes can end its frame or pass for the server's
//     words.
//   - check marks read only what the client shows whole: the result is
//     built within the budget of the client named in initialize
//     (present.ForClient, or IPC_BUDGET) by maildir.CheckWithin, counted
//     on the final text; a message over the budget alone comes as its
//     summary and the path of its file.
//   - Mail arrives without polling: check can wait (wait_seconds, at most
//     MaxWait) and returns the moment mail lands; with Config.Channel, to a
//     client that shows them (Claude Code; see handshake.go), the server
//     declares the experimental "claude/channel" capability, describes the
//     events in its instructions, offers only the protocol revisions that
//     let it send notifications, and sends notifications/claude/channel
//     when new mail lands. Notifications are hints: they never mark mail
//     read.
//   - The ipc://status resource reports the identity, unread mail and the
//     agents.
//
// Stdout carries only JSON-RPC; diagnostics go to Config.Logf.
package mcp
