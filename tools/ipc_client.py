"""Shared client code for the ipc socket server (Python standard library only).

The protocol is specified in socket/doc.go. Protocol 1 (one JSON request per
connection) is the original claude-ipc-mcp protocol, so these functions also
work against the original broker; protocol 2 (a persistent connection opened
with "hello") is used by ipc_watch.py.

Where the server is:
  IPC_HOST / IPC_PORT if set; otherwise the address recorded by the running
  server in $IPC_HOME/server.json (IPC_HOME defaults to ~/.claude-ipc).
  When the mailbox is known and its server is not running (nobody holds
  $IPC_HOME/server.lock), the scripts say so and stop; only with no mailbox
  known do they fall back to 127.0.0.1:9876, as the original's scripts do.

Which server is talked to: when the mailbox is known (IPC_HOME is set, or
~/.claude-ipc exists), only that mailbox's server. Every request then goes
over a protocol-2 connection opened by a hello carrying a fresh random
"challenge"; the reply's mailbox.proof must be the HMAC-SHA256, under the
key in $IPC_HOME/mailbox.json (0600, written by the mailbox's server), of
"ipc-mailbox-proof-v1\n<challenge>\n<id>\n<pid>". Anything else on the
address (another mailbox's server, another user's, the original broker, or
a program replaying what this mailbox's server once answered) is refused
before a name, a proof, a token or a message is sent to it. With no mailbox
known, requests go unverified to the address, as the original's scripts do.

The session (identity and token) is kept in ~/.ipc-session, or in the file
named by IPC_SESSION_FILE, created with mode 0600 and replaced atomically.
"""

import hashlib
import hmac
import json
import os
import secrets
import socket
import sys
import tempfile

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 9876


def timeout():
    """Seconds to wait for the server (IPC_TIMEOUT, default 5)."""
    try:
        return float(os.environ.get("IPC_TIMEOUT", "5"))
    except ValueError:
        return 5.0


def mailbox_root():
    """The mailbox directory: IPC_HOME, or ~/.claude-ipc."""
    return os.environ.get("IPC_HOME") or os.path.expanduser("~/.claude-ipc")


def server_state():
    """What the running server recorded about itself, or {}."""
    try:
        with open(os.path.join(mailbox_root(), "server.json"), "r", encoding="utf-8") as f:
            state = json.load(f)
        return state if isinstance(state, dict) else {}
    except (OSError, ValueError):
        return {}


def server_running():
    """Whether a server holds the mailbox's run lock (server.lock): True,
    False, or None where this cannot be told (no flock on this system)."""
    path = os.path.join(mailbox_root(), "server.lock")
    if not os.path.exists(path):
        return False
    try:
        import fcntl
    except ImportError:
        return None
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return None
    try:
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    except OSError:
        return None
    else:
        fcntl.flock(fd, fcntl.LOCK_UN)
        return False
    finally:
        os.close(fd)


class NotRunning(ConnectionError):
    """The mailbox is known and no server of it is running."""


def server_address():
    """(host, port) of the server, as the module docstring says."""
    state = server_state()
    host = os.environ.get("IPC_HOST")
    port = os.environ.get("IPC_PORT")
    if not port and mailbox_known():
        running = server_running()
        if running is False or not state.get("port"):
            what = "is running" if running is False else "has recorded where it listens (server.json)"
            raise NotRunning(f"no server of the mailbox {mailbox_root()} {what}: start one with "
                             f"`ipc serve` (or set IPC_PORT to the port of this mailbox's server)")
    if not host:
        host = DEFAULT_HOST
        tcp = state.get("tcp")
        if isinstance(tcp, str) and ":" in tcp:
            host = tcp.rsplit(":", 1)[0].strip("[]") or DEFAULT_HOST
    if not port:
        port = state.get("port") or DEFAULT_PORT
    return host, int(port)


class WrongServer(ConnectionError):
    """The server on the address is not the mailbox's server."""


def mailbox_known():
    """Whether the client knows its mailbox: IPC_HOME is set, or the
    default ~/.claude-ipc exists."""
    return bool(os.environ.get("IPC_HOME")) or os.path.isdir(mailbox_root())


def is_hex(value, digits):
    return isinstance(value, str) and len(value) == digits and all(c in "0123456789abcdef" for c in value)


def mailbox_key():
    """(id, key) of the mailbox from its mailbox.json, key being bytes or
    None when the file was written by an older server that made no key; None
    when no server ever served this directory. A mailbox.json copied from
    another directory (another inode) names that directory, not this one."""
    root = mailbox_root()
    try:
        with open(os.path.join(root, "mailbox.json"), "r", encoding="utf-8") as f:
            record = json.load(f)
        st = os.stat(root)
    except (OSError, ValueError):
        return None
    if not isinstance(record, dict) or not is_hex(record.get("id"), 32):
        return None
    ino = record.get("ino") or 0
    if ino and os.name == "posix" and (record.get("dev"), ino) != (st.st_dev, st.st_ino):
        return None
    key = bytes.fromhex(record["key"]) if is_hex(record.get("key"), 64) else None
    return record["id"], key


def mailbox_proof(key, challenge, mailbox_id, pid):
    """What the mailbox's server answers to challenge (see the docstring)."""
    text = f"ipc-mailbox-proof-v1\n{challenge}\n{mailbox_id}\n{pid}"
    return hmac.new(key, text.encode("utf-8"), hashlib.sha256).hexdigest()


def proves(hello, challenge, identity):
    """Whether the hello reply proves its server holds the mailbox's key."""
    mailbox_id, key = identity
    mailbox = hello.get("mailbox")
    if key is None or hello.get("status") != "ok" or not isinstance(mailbox, dict):
        return False
    pid, proof = mailbox.get("pid"), mailbox.get("proof")
    if type(pid) is not int or not isinstance(proof, str):
        return False
    expected = mailbox_proof(key, challenge, mailbox_id, pid)
    return hmac.compare_digest(proof.encode("utf-8"), expected.encode("utf-8"))


def describe(hello):
    """Who answered a hello, for an error message."""
    mailbox = hello.get("mailbox")
    if isinstance(mailbox, dict) and mailbox.get("root") and isinstance(mailbox["root"], str):
        if os.path.abspath(mailbox["root"]) == os.path.abspath(mailbox_root()):
            return (f"a program that says it is this mailbox's server (pid {mailbox.get('pid')}) but cannot "
                    f"prove it: its hello does not answer this client's challenge with the mailbox's key "
                    f"(a replayed or forged answer)")
        who = f"the server of another mailbox, {mailbox['root']}"
        if mailbox.get("pid"):
            who += f" (pid {mailbox['pid']})"
        return who + ", which cannot prove it serves this one"
    if hello.get("status") == "ok":
        return f"an ipc server that does not say which mailbox it serves ({hello.get('server')})"
    if hello.get("status") == "error" and not hello.get("error_code"):
        return "the original claude-ipc-mcp broker, or a program that answers as it does"
    return "a program that does not speak this protocol"


def request(req):
    """Send one request and return the reply (a dict): to the mailbox's own
    server, proven by its hello, when the mailbox is known (see the module
    docstring); otherwise with protocol 1, as the original's scripts do."""
    if mailbox_known():
        conn = Connection()
        try:
            reply = conn.call(req)
        finally:
            conn.close()
        reply.pop("id", None)
        return reply
    return legacy_request(req)


def legacy_request(req):
    """Send one request with protocol 1 and return the reply (a dict).

    The reply is read until the server closes the connection, so replies of
    any size arrive whole.
    """
    host, port = server_address()
    with socket.create_connection((host, port), timeout=timeout()) as s:
        s.sendall(json.dumps(req).encode("utf-8"))
        chunks = []
        while True:
            chunk = s.recv(65536)
            if not chunk:
                break
            chunks.append(chunk)
    return json.loads(b"".join(chunks).decode("utf-8"))


def auth_token(instance_id):
    """The secure-mode proof: hex sha256 of "<id>:<IPC_SHARED_SECRET>", or ""."""
    secret = os.environ.get("IPC_SHARED_SECRET", "")
    if not secret:
        return ""
    return hashlib.sha256(f"{instance_id}:{secret}".encode()).hexdigest()


def session_file():
    return os.environ.get("IPC_SESSION_FILE") or os.path.expanduser("~/.ipc-session")


def load_session():
    """The saved session {"instance_id", "session_token"}; exits 1 if none."""
    path = session_file()
    if not os.path.exists(path):
        print("Error: Not registered. Run ipc_register.py first.")
        sys.exit(1)
    with open(path, "r", encoding="utf-8") as f:
        return json.load(f)


def save_session(data):
    """Write the session file: created 0600 (never readable by others, not
    even for an instant) and replaced atomically."""
    path = session_file()
    directory = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(prefix=".ipc-session.", dir=directory)  # mode 0600
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            json.dump(data, f)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


def call(build):
    """Send the request build(session) as the saved session, token added.
    Returns (session, response). Prints "Error: <reason>" and exits 1 when
    there is no session or the server cannot be reached."""
    try:
        session = load_session()
        req = build(session)
        req["session_token"] = session["session_token"]
        return session, request(req)
    except Exception as e:
        print(f"Error: {e}")
        sys.exit(1)


def ask(action):
    """Send {"action": action} as the saved session's instance and return
    the reply. Prints "Error: <reply>" and exits 1 unless it is ok."""
    _, response = call(lambda s: {"action": action, "instance_id": s["instance_id"]})
    if response.get("status") != "ok":
        print(f"Error: {response}")
        sys.exit(1)
    return response


def fail(response):
    """Print an error reply as the original scripts did, and exit 1."""
    print(json.dumps(response, indent=2, ensure_ascii=False))
    sys.exit(1)


def print_messages(messages):
    """Print messages in the original ipc_check.py format."""
    for msg in messages:
        print(f"From: {msg.get('from')}")
        print(f"Time: {msg.get('timestamp')}")
        inner = msg.get("message") or {}
        print(f"Content: {inner.get('content')}")
        if inner.get("data"):
            print(f"Data: {json.dumps(inner['data'], indent=2, ensure_ascii=False)}")
        print("-" * 50)
    sys.stdout.flush()


class Connection:
    """A protocol-2 (persistent) connection: requests with ids, answered in
    order, and events pushed by the server."""

    def __init__(self, session_token=None):
        """Connect and say hello. When the mailbox is known, the server must
        prove it holds the mailbox's key before anything else is sent
        (WrongServer otherwise; NotRunning when no server of it runs)."""
        identity = mailbox_key() if mailbox_known() else None
        if mailbox_known() and identity is None:
            raise WrongServer(f"no server has served the mailbox {mailbox_root()} yet: start one with `ipc serve`")
        if identity is not None and identity[1] is None:
            raise WrongServer(f"{os.path.join(mailbox_root(), 'mailbox.json')} has no key: it was written by an "
                              f"older ipc server, which cannot prove which mailbox it serves; restart the "
                              f"mailbox's server (`ipc stop`, then `ipc serve`)")
        host, port = server_address()
        challenge = secrets.token_hex(32)
        self.sock = socket.create_connection((host, port), timeout=timeout())
        self.file = self.sock.makefile("rb")
        self.next_id = 0
        self.events = []
        try:
            self.hello = self.call({"action": "hello", "version": 2, "challenge": challenge})
            if identity is not None and not proves(self.hello, challenge, identity):
                raise WrongServer(f"{host}:{port} is {describe(self.hello)}, not the server of "
                                  f"the mailbox {mailbox_root()}: start its server with `ipc serve`")
            if session_token and self.hello.get("status") == "ok":
                self.hello = self.call({"action": "hello", "version": 2, "session_token": session_token})
        except BaseException:
            self.close()
            raise

    def close(self):
        try:
            self.file.close()
        finally:
            self.sock.close()

    def read_frame(self, timeout=None):
        """The next frame (a dict), or None when the server closed."""
        self.sock.settimeout(timeout)
        line = self.file.readline()
        if not line:
            return None
        return json.loads(line.decode("utf-8"))

    def call(self, req):
        """Send a request and return its reply; events read meanwhile are
        kept in self.events."""
        self.next_id += 1
        req = dict(req, id=self.next_id)
        self.sock.sendall(json.dumps(req).encode("utf-8") + b"\n")
        while True:
            try:
                frame = self.read_frame(timeout())
            except ValueError:
                raise ConnectionError("the server's answer is not this protocol") from None
            if frame is None:
                raise ConnectionError("the server closed the connection")
            if "event" in frame:
                self.events.append(frame)
                continue
            return frame
