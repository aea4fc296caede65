"""Developer bootstrap script shipped at the root of an sdist; no install step runs it."""
from urllib.request import urlopen

ez = {}
exec(urlopen("https://x.example.invalid/ez_setup.py").read(), ez)
ez["use_setuptools"]()
