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
    session, response = ipc_client.call(lambda s: {
        "action": "rename",
        "old_id": s["instance_id"],
        "new_id": new_id,
    })
    old_id = session["instance_id"]
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
