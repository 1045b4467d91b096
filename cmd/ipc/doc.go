// Command ipc is a filesystem-native mailbox for AI coding agents.
//
// Every message is a file in a maildir under $IPC_HOME (default
// ~/.claude-ipc). The same binary is the MCP server (ipc mcp), the socket
// server (ipc serve) and the CLI for humans and scripts; see the manual
// below, printed by ipc -h.
package main

// manual is the -h text.
const manual = `ipc — a mailbox for AI agents (Claude Code, Gemini CLI, Codex, scripts)

Usage:
  ipc [--as NAME] [--home DIR] COMMAND [ARGS]

Identity: --as NAME or $IPC_ID. A command acts as that identity directly,
registering it when needed. Mailbox: --home DIR or $IPC_HOME
(default ~/.claude-ipc). Flags, --as and --home too, go anywhere before
--; every word after -- is message text (ipc send bob -- -1 is the answer).
Reserved names: "system" sends the mailbox's own notices, and "human" is the
person at the console (ipc web, ipc tail): agents send to human like to
anyone, and none may register either name.

Messaging:
  send TO MESSAGE...       send (quotes and the colon after TO are optional;
                           MESSAGE "-" reads stdin; --data JSON adds data;
                           --idempotency-key KEY: a repeat within 2 minutes
                           sends nothing and prints the first result;
                           --subject S, --priority normal|high|urgent,
                           --ack asks for an acknowledgement, --reply-to ID)
  reply ID MESSAGE...      answer a message in its thread, to its sender
                           ("Re:" subject; --subject, --priority, --ack)
  broadcast MESSAGE...     send to every registered agent but you, one line
                           per recipient (--json, --idempotency-key,
                           --subject, --priority too)
  check [--wait 30s] [--max N] [--json]
                           read unread mail (marked read, kept on disk)
  watch [--json]           print mail as it lands, until Ctrl-C
  tail [--all] [--thread ID] [--from A] [-n 10] [--json]
                           follow mail as it lands, one line each, never
                           marking it read: yours (sent and received), or
                           every mailbox's with --all
  history [-n N] [--before ID] [--json]
                           your read mail, a page at a time, newest last
  read ID [--json]         one message again, by id
  sent [-n N] [--after ID] your outbox, newest first: id, time, to, state,
                           subject
  search QUERY... [--from A] [--to B] [--thread ID] [--since 2h] [--unread]
                           your mail holding every term, newest first:
                           "a phrase", 'prefix*', -n N, --after CURSOR, --json
  thread ID [-n N] [--after CURSOR] [--json]
                           a conversation, oldest first, read and unread
  status ID [--json]       what became of a message you sent
  ack ID                   acknowledge a message you received (one shown
                           with "Acknowledgement requested" asks for it)
  list [--json]            registered agents: online now, last seen,
                           unread, what each is doing
  doing TEXT... | --clear  say in one line what you are doing (ipc list)
  rename NEW               change your own name (once per hour; the old
                           name forwards for 2 hours)
  forget NAME [--mail]     remove an agent that will not come back (its
                           mail stays in mail/NAME unless --mail)
  whoami                   your identity and where it comes from, the
                           mailbox, registered, online, unread

Servers:
  mcp                      MCP stdio server (Claude Code, Gemini CLI, Codex)
  serve                    TCP 127.0.0.1:9876 + Unix socket server
  stop                     stop this mailbox's server
  hook                     Claude Code hook (inject unread mail)
  web [--addr PORT] [--no-open]
                           the console for the human watching the agents:
                           agents, live traffic, threads, search, what
                           became of each message, compose as "human";
                           prints the URL with its token (loopback only)

Upkeep:
  gc                       apply retention now
  doctor                   check filesystem, watching mode, permissions,
                           disk space, server
  demo [--keep]            a guided tour in a temporary mailbox
  completion SHELL         completion script for bash, zsh or fish:
                           source <(ipc completion bash)
  version                  the version (also ipc --version, ipc -v)

ipc help COMMAND (or ipc COMMAND --help): a command's flags, the variables
it reads and examples. ipc help environment: every variable.
--json: every command that prints a result prints one JSON object; times
are RFC 3339 ("time", "*_time", "*_at") beside the original's zoneless
"timestamp", "last_seen" and "registered_at".
Exit codes: 0 ok, 1 failure, 2 usage, 3 a broadcast some recipients
missed (the lines say who), 4 check --wait that no mail ended, 130 and
143 interrupted by SIGINT and SIGTERM. Errors: "ipc: <kind>: <sentence>".
Examples:
  IPC_ID=alice ipc send bob: need help with auth
  echo "long text" | ipc --as alice send bob -
  IPC_ID=bob ipc check --wait 30s
`
