#!/usr/bin/env python3
"""Register an instance with the IPC server: ipc_register.py <instance_id>

Saves the session to ~/.ipc-session (0600) for the other scripts.
Exit status: 0 registered, 1 otherwise (usage, server error, no server).
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import ipc_client  # noqa: E402


def main():
    if len(sys.argv) != 2:
        print("Usage: ipc_register.py <instance_id>")
        sys.exit(1)
    instance_id = sys.argv[1]
    try:
        response = ipc_client.request({
            "action": "register",
            "instance_id": instance_id,
            "auth_token": ipc_client.auth_token(instance_id),
        })
    except Exception as e:
        print(f"Error: {e}")
        sys.exit(1)
    if response.get("status") != "ok" or not response.get("session_token"):
        ipc_client.fail(response)
    try:
        ipc_client.save_session({"instance_id": instance_id, "session_token": response["session_token"]})
    except OSError as e:
        print(f"Registered {instance_id}, but the session could not be saved to {ipc_client.session_file()}: {e}")
        sys.exit(1)
    print(f"Registered as {instance_id}")
    if "message" in response:
        print(response["message"])


if __name__ == "__main__":
    main()
