#!/usr/bin/env python3
"""List the registered instances: ipc_list.py

Exit status: 0 listed, 1 otherwise (not registered, server error).
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import ipc_client  # noqa: E402


def main():
    response = ipc_client.ask("list")
    instances = response.get("instances", [])
    if not instances:
        print("No active instances found")
        return
    print("Active IPC instances:")
    print("-" * 50)
    for instance in instances:
        print(f"ID: {instance['id']}")
        print(f"Last seen: {instance['last_seen']}")
        if "online" in instance:
            print(f"Online: {'yes' if instance['online'] else 'no'}")
        print("-" * 50)


if __name__ == "__main__":
    main()
