# INERT SAMPLE: never run.
import subprocess, sys
subprocess.check_call([sys.executable, "-m", "pip", "install", "--quiet", "inert-helper-sample"])
