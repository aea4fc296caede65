import code
import sys

def handle(command=None):
    """Like Django's shell command: runs code the user typed."""
    if command:
        exec(command, {})
        return
    if not sys.stdin.isatty():
        exec(sys.stdin.read(), {})
        return
    code.interact()
