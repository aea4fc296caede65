"""Tell the user which shell start-up file to add a line to (nothing is written)."""
import os


def rc_file(shell):
    return {
        "bash": "~/.bashrc",
        "zsh": "~/.zshrc",
    }.get(shell, "~/.profile")


def show(shell):
    print(f"add this to {os.path.expanduser(rc_file(shell))}")
