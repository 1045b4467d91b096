#!/usr/bin/env python3
"""Print messages as they land: ipc_watch.py [--json]

Keeps a persistent (protocol 2) connection with a subscription: every new
message for the registered identity is printed the moment it arrives (and
marked read), whoever sent it. When the server restarts, reconnects and
resumes the session. Stop it with Ctrl-C.

--json prints each message as one line of JSON instead.
Exit status: 0 when interrupted, 1 if not registered or the session is refused.
"""
import json
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import ipc_client  # noqa: E402


def show(messages, as_json):
    for msg in messages:
        if as_json:
            print(json.dumps(msg, ensure_ascii=False))
        else:
            ipc_client.print_messages([msg])
    sys.stdout.flush()


def watch(token, as_json):
    """Serve one connection; returns when the server closes it."""
    conn = ipc_client.Connection(session_token=token)
    try:
        if conn.hello.get("status") != "ok":
            ipc_client.fail(conn.hello)
        reply = conn.call({"action": "subscribe"})
        if reply.get("status") != "ok":
            ipc_client.fail(reply)
        print(f"Watching mail for {conn.hello.get('instance_id')} (Ctrl-C to stop)", file=sys.stderr)
        pending, conn.events = conn.events, []
        frames = iter(pending)
        while True:
            frame = next(frames, None) or conn.read_frame(None)
            if frame is None:
                return
            event = frame.get("event")
            if event == "mail":
                show(frame.get("messages", []), as_json)
            elif event in ("closing", "subscription_ended"):
                print(f"Server: {frame.get('message')}", file=sys.stderr)
                if not frame.get("recoverable"):
                    sys.exit(1)
                return
    finally:
        conn.close()


def main():
    args = sys.argv[1:]
    if args not in ([], ["--json"]):
        print("Usage: ipc_watch.py [--json]")
        sys.exit(1)
    as_json = args == ["--json"]
    session = ipc_client.load_session()
    delay = 0.2
    while True:
        try:
            watch(session["session_token"], as_json)
            delay = 0.2
        except KeyboardInterrupt:
            return
        except OSError as e:
            print(f"Not connected ({e}); retrying in {delay:.1f}s", file=sys.stderr)
        try:
            time.sleep(delay)
        except KeyboardInterrupt:
            return
        delay = min(delay * 2, 10.0)


if __name__ == "__main__":
    main()
