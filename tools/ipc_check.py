#!/usr/bin/env python3
"""Check for new messages: ipc_check.py

Prints the messages and marks them read. If more are waiting than fit in
one reply, says so: run it again.
Exit status: 0 checked, 1 otherwise (not registered, server error).
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import ipc_client  # noqa: E402


def main():
    response = ipc_client.ask("check")
    messages = response.get("messages", [])
    if messages:
        print("New messages:")
        print("-" * 50)
        ipc_client.print_messages(messages)
    else:
        print("No new messages")
    remaining = response.get("remaining") or 0
    if remaining:
        print(f"{remaining} more message(s) waiting: run ipc_check.py again")


if __name__ == "__main__":
    main()
