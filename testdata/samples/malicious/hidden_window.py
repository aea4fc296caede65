# INERT SAMPLE: never run.
import subprocess
subprocess.Popen(["inert.exe"], creationflags=subprocess.CREATE_NO_WINDOW)
