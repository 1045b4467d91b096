// Package socket is the socket door of the mailbox: `ipc serve` listens on
// TCP (127.0.0.1:9876 by default) and on a Unix socket, and speaks two
// protocols over both, as a thin translation onto package maildir. Every
// rule (identities, tokens, forwarding, limits, large messages) is the
// core's; this package only frames requests, calls the core, and maps its
// errors to replies, in one place (legacy.go). Its Go client is package
// client; the JSON shapes both share are in internal/wire.
//
// This comment is the protocol specification: a client in any language can
// be written from it alone.
//
// # Transport and framing
//
// A client connects to the TCP address or the Unix socket of the server
// (where to find them: see "Finding the server"). Every frame in either
// direction is one JSON object encoded in UTF-8.
//
// In open mode the server serves only processes of its own OS user: on
// Linux it learns the uid at the other end of each connection from the
// kernel (SO_PEERCRED; for TCP a sock_diag lookup of the client's socket),
// and a connection from another uid, or from a peer that is not a socket
// of this machine, gets one error reply (error_code "denied") before
// anything is read, and is closed. In secure mode the proof is the
// credential, whoever connects. (Elsewhere TCP peers are not identified.)
//
// The server reads a request incrementally until one complete JSON value
// has arrived: it may come in any number of TCP segments, with or without
// a trailing newline, with or without the client shutting down its sending
// side. Whitespace (space, tab, CR, LF) before and after a value is
// ignored. A value must be an object; the server refuses anything else as
// soon as its first byte arrives. Limits:
//
//   - A request is at most 16 MiB (16,777,216 bytes, Config.MaxFrame); a
//     larger one gets an error reply (error_code "too_large"), never a
//     reset without an answer.
//   - Objects and arrays nest at most 10,000 deep.
//   - A connection must send the first byte of its request within 10 s of
//     connecting (legacy) and the whole request within 60 s of its first
//     byte; otherwise it gets a "timeout" error and is closed.
//   - At most 512 connections are served at once (fewer when the
//     process may open few files); a connection over the cap gets a
//     "busy" error and is closed.
//
// Replies are written as one JSON object followed by "\n", with raw UTF-8
// (no \u escaping beyond what JSON requires) and never a raw newline
// inside. Keys with empty values are left out, except "messages" and
// "instances", which are lists even when empty.
//
// # Protocol 1: legacy (one request per connection)
//
// This is the original claude-ipc-mcp protocol, wire-compatible with its
// clients: connect, send one request object, read one reply, and the server
// closes the connection. The reply is written in a single write. After it,
// the server shuts down its sending side and discards whatever the client
// still sends (for at most 2 s) until the client closes, so that the reply
// is never destroyed by a reset. Sending a second object on the same
// connection is an error ("extra data").
//
// Request fields, by action (others are ignored):
//
//	register   instance_id, auth_token (secure mode)
//	send       session_token, to_id, message {content, data}, from_id (optional), idempotency_key (optional)
//	broadcast  session_token, message {content, data}, from_id (optional), idempotency_key (optional)
//	check      session_token, instance_id (optional)
//	list       session_token (instance_id, from_id: ignored, as by the original)
//	rename     session_token, new_id, old_id (optional)
//	doing      session_token, text: one line of what the session is doing ("" clears it)
//	ping       (nothing)
//	release    instance_id: let go of a name held only for legacy clients (below)
//	hello      version: opens protocol 2 on this connection (below)
//
// Every reply has "status": "ok" or "error". Other reply fields:
//
//	message        a sentence: the result, or what went wrong
//	session_token  register: the token for later requests
//	instance_id    register and rename: the identity now acted as
//	messages       check: a list of messages (below)
//	remaining      check: how many unread messages are left for a later check
//	instances      list: a list of agents (below)
//	error_code     error: a stable machine-readable kind (below)
//	recoverable    error: true if retrying, waiting or registering again can succeed
//
// A message is
//
//	{"id": "<message id>", "from": "<sender>", "to": "<recipient>",
//	 "timestamp": "2026-11-21T23:14:38.937601",
//	 "message": {"content": "<text>", "data": ..., <other keys>}}
//
// where "message" is the object the sender gave, as the original returns
// it: "data" (any JSON value) when the sender gave one, and every other key
// the sender put beside content and data (e.g. "priority"), in its order.
// The
// timestamp is naive local time with microseconds, as the original's. The
// id names the message file; read mail stays on disk under that name.
//
// An agent is {"id", "last_seen", "online", "registered_at"}: last_seen is
// the last activity or heartbeat, online whether a live process (this
// server included) acts as it now.
//
// register. instance_id must match ^[A-Za-z0-9_-]{1,32}$. In secure mode
// (the server has IPC_SHARED_SECRET), auth_token must be the lowercase hex
// SHA-256 of "<instance_id>:<secret>". The reply carries a new 43-character
// session token; it revokes earlier tokens of that identity. Tokens are
// shared with every door of the mailbox (a token from TCP works for the
// CLI and MCP, and the other way round) and expire 24 h after their last
// use. The message is "Registered <id>", or "Registered <id> with <n>
// queued messages" when unread mail was waiting. A name held by a live
// session of another process, or by an open protocol-2 connection to this
// server, is refused with "in_use".
//
// Every other action needs a session_token (on protocol 2 a bound session
// will do). It is checked before the action: a missing, unknown or expired
// token gets "Invalid or missing session token" (error_code
// "invalid_token" or "token_expired"). A session acts only as its own
// identity: from_id, instance_id and old_id may be left out, but one that
// names another identity is refused with "not_owner" (list, which acts as
// nobody, ignores them).
//
// send. to_id is any valid id; content (a string, "" if absent), data (any
// JSON value, optional) and any other keys are in "message"; data and the
// other keys together are at most 1 MiB. The message is one of
// "Message sent", "Message queued for <to> (not yet registered)" (the name
// gets it when it registers; kept at least 7 days) or "Message forwarded
// from <old> to <new>" (the name was renamed). Content over 10,240 bytes is
// stored as a markdown file; the message then carries a two-sentence
// summary followed by " Full content saved to: <path>", and data gets
// "large_message_file" and "original_size_kb".
//
// idempotency_key (send and broadcast; a string of at most 256 bytes,
// printable). A request repeating a key of the same identity within 2
// minutes delivers nothing and gets the first request's reply with
// "replayed": true; a repeat that arrives while the first is still served
// waits for it. The same key with a different message is refused
// ("bad_request"). A request that failed is not remembered.
//
// broadcast. One copy to every registered agent but the sender: "Broadcast
// to <n> instances". A recipient whose copy fails does not fail the others:
// the reply is still "ok", the message ends "; <k> failed: <ids>", and
// "recipients" lists every recipient as {"id", "status": "ok", "message_id"}
// or {"id", "status": "error", "error_code", "message"}. On the fast path
// "recipients" is always present; on the legacy door only when a copy
// failed. When every copy fails, the reply is the first one's error.
//
// check. Returns unread messages, oldest first, and marks them read. A
// legacy reply is at most 61,440 bytes, so that it arrives whole in the
// original clients' single recv(65536): it holds as many messages as fit,
// the rest stay unread, and "remaining" says how many. A single message too
// large for a reply on its own is sent alone as its summary (the core's
// rule, maildir.CheckWithin), its data replaced by {"truncated": true,
// "id", "path"}, with a note naming the file that keeps the whole message.
// Nothing is lost: read mail stays on disk.
//
// list. Every registered agent, by id.
//
// rename. Renames the session's own identity to new_id: "Renamed <old> to
// <new>". Once per hour per name; the old name forwards to the new one for
// 2 hours; every other agent gets "📝 <old> renamed to <new>" from
// "system"; the token keeps working under the new name.
//
// ping. Answers "pong"; needs no token.
//
// release. Needs no token, only a connection from the mailbox owner's own
// user. The server lets go of instance_id where it holds the name only
// between a legacy client's requests, so that another process of the same
// user (the CLI) can act as it: "Released <id>", or "<id> is not
// held by this server". The client's token stays valid; for 2 s, and then
// while the other process holds the name, its requests get "in_use". A
// name bound to an open protocol-2 connection is not released ("in_use").
// A token revoked because another client registered its name gets "Invalid
// or missing session token: <id> was registered again at <time> by another
// client, ..." (error_code "invalid_token").
//
// Error replies keep the original's sentences where it had one:
//
//	Invalid or missing session token                          invalid_token, token_expired
//	Invalid instance ID format. Use 1-32 alphanumeric ...     invalid_id (register)
//	Invalid recipient ID format                               invalid_id (send)
//	Invalid new instance ID format                            invalid_id (rename)
//	Invalid auth token                                        denied
//	Too many registration attempts. Please wait.             rate_limited (register)
//	Rate limit exceeded. Please wait before sending more ... rate_limited (send, broadcast)
//	Rate limit: can rename again in <m> minutes               rate_limited (rename)
//	Instance <id> already exists                              exists (rename)
//	Unknown action: <action>   ("None" when absent)           unknown_action
//
// Other errors carry the core's sentence. The error codes are the values
// of maildir.Kind, the same on every door: invalid_id, bad_request,
// not_found, exists, in_use, forwarded, not_owner, denied, rate_limited,
// too_large, no_space, token_expired, invalid_token, session_closed,
// not_registered, internal, timeout (a request that did not arrive in
// time, an idle connection, a deadline), canceled, busy (over the
// connection cap, or shutting down) and unknown_action. Codes are never
// renamed; new ones may appear, so treat an unknown code as an error.
//
// # Protocol 2: the fast path (persistent connections)
//
// A client that sends {"action": "hello", "version": 2} as its first
// request keeps the connection open and may send any number of requests.
// Send each request as one JSON object followed by "\n" (the server accepts
// any whitespace between objects). Requests may be pipelined: send many
// without waiting; they are served one after another and answered in
// order. Each request may carry an "id" (a string, a number or null, at
// most 256 bytes), which its reply echoes.
//
// hello may carry a session_token to resume a session (the reply then has
// its instance_id) and a "challenge": 32 to 128 lowercase hex digits, fresh
// and random (this package's clients send 64). Its reply has "version" (2),
// "server" (the server's name and version), "max_frame" (the request size
// limit) and "mailbox", the mailbox served: {"root": "/home/u/.claude-ipc",
// "pid": 1234, "proof": "<64 hex digits>"}, the proof only when a challenge
// was sent (see "Which server" below). A version below 2 is refused, and so
// is a malformed challenge; a client asking for more than 2 gets 2 and
// decides.
//
// The actions and fields are those of protocol 1, plus those below. A
// connection is bound to a session by hello with a token, by register, or
// by any request carrying a session_token; later requests without a token
// act as the bound session. While bound, the identity counts as in use
// (register from elsewhere gets "in_use"), and the session is never closed
// for idleness.
//
// check takes an optional "max" (1 to 1000, default 100) and returns at
// most that many messages, and no more than about 1 MiB of them (a single
// larger message is sent whole). Mail events are bounded the same way.
//
// subscribe (no fields) starts pushing the session's mail: unread mail
// first, then each message the moment it lands, whoever wrote it (any
// door, any process: the server watches the files). It is answered "ok"
// before the first event. Pushed mail is marked read, as by check. The
// subscription stays with the session it was started for, even if later
// requests carry another token; one subscription per connection.
// unsubscribe stops it. A connection with a subscription may stay silent
// for as long as it likes; one without must send a request at least every
// 5 minutes (ping will do) or be closed.
//
// Besides replies, the server writes events, which have an "event" key and
// no "status" (and no "id"):
//
//	{"event": "mail", "messages": [...], "remaining": n}
//	    new mail for the subscribed identity, in the check shape
//	{"event": "subscription_ended", "error_code": ..., "message": ..., "recoverable": ...}
//	    the subscription stopped (e.g. the session was closed); the
//	    connection stays open
//	{"event": "closing", "error_code": ..., "message": ..., "recoverable": ...}
//	    the server closes the connection after this event: "busy" when it
//	    is shutting down (reconnect and resume with hello + session_token),
//	    "timeout" when the connection sat idle, "bad_request" or
//	    "too_large" when a request could not be framed
//
// Events never split a reply and never reorder replies. A request that is
// well framed but not valid JSON gets an error reply without "id", and the
// connection stays open.
//
// A server stops reading requests of a client that does not read its
// replies (at most 32 frames wait); a client that stops reading for 30 s is
// disconnected.
//
// # Finding the server
//
// One server serves a mailbox (IPC_HOME, default ~/.claude-ipc), decided by
// an exclusive lock on IPC_HOME/server.lock held while it runs. It records
// where it listens in IPC_HOME/server.json (mode 0600):
//
//	{"pid": 1234, "host": "box", "tcp": "127.0.0.1:9876", "port": 9876,
//	 "socket": "/run/user/1000/ipc/5f3a9c2e1b7d.sock", "protocol": 2,
//	 "version": "ipc v1.0.0", "started": "2026-11-21T22:14:38Z"}
//
// The file is removed at a clean shutdown; one left by a server that was
// killed is stale (nobody holds the lock, and connecting fails). Clients
// use, in order: IPC_HOST / IPC_PORT if set, the file's tcp, then
// 127.0.0.1:9876. The Unix socket defaults to $XDG_RUNTIME_DIR/ipc/<hash
// of IPC_HOME>.sock (else <tmp>/ipc-<uid>/...; %LOCALAPPDATA%\ipc\... on
// Windows), never inside IPC_HOME, which may be on a Windows drive under
// WSL where sockets cannot live; IPC_SOCKET overrides it. The socket is
// 0600 in a 0700 directory.
//
// Which server: a port or a socket path says nothing about the mailbox
// behind it (another mailbox's server, another user's, or the original
// broker may hold 127.0.0.1:9876, and whoever saw a reply of this
// mailbox's server may take its port once it stops). A mailbox's server
// writes IPC_HOME/mailbox.json (mode 0600, in the 0700 IPC_HOME) before it
// listens:
//
//	{"id": "<32 hex digits>", "key": "<64 hex digits>", "dev": D, "ino": I}
//
// a random id and key, the device and inode being the root's (0 on
// Windows); a file without a key (an older version's) keeps its id and gets
// a key. Neither is ever sent. A client that knows its IPC_HOME reads the
// file, ignores it if dev and ino name another directory (a copy), sends
// hello with a fresh challenge and no token, and talks on only if the
// reply's mailbox.proof is
//
//	hex(HMAC-SHA256(key, "ipc-mailbox-proof-v1\n" + challenge + "\n" + id + "\n" + pid))
//
// with pid the reply's mailbox.pid in decimal (so the pid is proven too):
// nothing, not even a name or a token, goes to another mailbox's server or
// to a program replaying an earlier reply. With no key there is no server
// of this version for that mailbox; with no server holding server.lock,
// none runs, and a client says so rather than trying 9876. client.DialMailbox,
// client.ProbePort with PortHolder.Serves, and the Python clients in tools/ do
// this; the original's scripts, which know nothing of it and send no
// hello, keep using 9876 with protocol 1.
//
// # Lifetime
//
// A server stops by itself when its IPC_HOME is removed, or renamed away and
// replaced by another directory (its device and inode are watched: events
// in the parent directory, and a check every 5 seconds), leaving the new
// directory's files alone. With Config.IdleExit (ipc serve --idle-exit; the
// CLI and ipc mcp start servers with 30m, IPC_IDLE_EXIT) it stops after
// that long in which no connection was open or opened and no agent of the
// mailbox was online (a live process acting as it, including the server's
// own sessions for legacy clients, closed after 10 minutes unused).
//
// # Durability and concurrency
//
// A send is answered only after the message is durable (with the default
// sync policy): connections are served concurrently, with no server-wide
// lock, so deliveries in flight at the same time share one directory fsync
// (group commit) and every reply still waits for its own message. A session
// the server holds for a legacy client stays open between its requests and
// is closed after 10 minutes without one (Config.SessionIdle); its token
// resumes it later. At shutdown (SIGINT, SIGTERM) the server stops
// accepting, tells waiting connections, finishes requests in flight and
// writes their replies, then exits.
package socket
