import os
import re
import subprocess
from setuptools import setup

HERE = os.path.dirname(os.path.abspath(__file__))
about = {}
exec(open(os.path.join(HERE, "pkg", "__version__.py")).read(), about)
with open(os.path.join(HERE, "pkg", "__init__.py")) as f:
    version = re.search(r'__version__ = "(.*?)"', f.read()).group(1)

def git_sha():
    try:
        return subprocess.check_output(["git", "rev-parse", "HEAD"], cwd=HERE).decode().strip()
    except Exception:
        return "unknown"

home = os.environ.get("HOME")
setup(name="benign", version=version, url="https://example.invalid/benign")
