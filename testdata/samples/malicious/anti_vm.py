# INERT SAMPLE: never run.
import os, sys, subprocess
VM_PROCS = ["vboxservice.exe", "vmtoolsd.exe", "wireshark.exe"]
running = subprocess.check_output(["tasklist"]).decode().lower()
if any(p in running for p in VM_PROCS):
    sys.exit(0)
