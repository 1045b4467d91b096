#!/usr/bin/env python3
"""Send a message to another instance: ipc_send.py <to_instance_id> <message...>

Exit status: 0 sent, 1 otherwise (usage, not registered, server error).
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import ipc_client  # noqa: E402


def main():
    if len(sys.argv) < 3:
        print("Usage: ipc_send.py <to_instance_id> <message>")
        print("Example: ipc_send.py barney \"Hello from Fred!\"")
        sys.exit(1)
    to_id = sys.argv[1]
    message_content = " ".join(sys.argv[2:])
    _, response = ipc_client.call(lambda s: {
        "action": "send",
        "from_id": s["instance_id"],
        "to_id": to_id,
        "message": {"content": message_content},
    })
    if response.get("status") != "ok":
        ipc_client.fail(response)
    print(f"Sent to {to_id}: {message_content}")
    note = response.get("message", "")
    if note and note != "Message sent":
        print(note)  # queued for a future name, or forwarded after a rename


if __name__ == "__main__":
    main()
