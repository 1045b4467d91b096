#!/usr/bin/env python3
"""Rename your IPC instance: ipc_rename.py <new_name>

Exit status: 0 renamed, 1 otherwise (usage, not registered, server error).
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import ipc_client  # noqa: E402


def main():
    if len(sys.argv) != 2:
        print("Usage: ipc_rename.py <new_name>")
        print("Example: ipc_rename.py Fred-Debug")
        sys.exit(1)
    new_id = sys.argv[1]
    try:
        session = ipc_client.load_session()
        old_id = session["instance_id"]
        response = ipc_client.request({
            "action": "rename",
            "old_id": old_id,
            "new_id": new_id,
            "session_token": session["session_token"],
        })
    except Exception as e:
        print(f"Error: {e}")
        sys.exit(1)
    if response.get("status") != "ok":
        ipc_client.fail(response)
    session["instance_id"] = new_id
    try:
        ipc_client.save_session(session)
    except OSError as e:
        print(f"Renamed {old_id} to {new_id}, but {ipc_client.session_file()} could not be updated: {e}")
        sys.exit(1)
    print(f"✅ Renamed from {old_id} to {new_id}")
    print(f"\nYour old name '{old_id}' will forward to '{new_id}' for 2 hours.")


if __name__ == "__main__":
    main()
