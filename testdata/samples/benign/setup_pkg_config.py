# Benign look-alike: setup.py probing pkg-config and the C++ compiler (cffi, pillow, grpcio).
import os, shlex, subprocess, sys
from subprocess import PIPE
from setuptools import setup

def ask_pkg_config(option):
    pkg_config = os.environ.get('PKG_CONFIG', 'pkg-config')
    p = subprocess.Popen([pkg_config, option, 'libffi'], stdout=PIPE)
    return p.stdout.read().decode().strip()

def needs_libatomic():
    cxx = shlex.split(os.environ.get("CXX", "c++"))
    probe = subprocess.Popen(cxx + ["-x", "c++", "-std=c++14", "-"], stdin=PIPE, stdout=PIPE, stderr=PIPE)
    probe.communicate(input=b"int main() { return 0; }")
    return probe.returncode != 0

if sys.argv[-1] == "publish":
    os.system("twine upload dist/*")
    sys.exit()

setup(name="sample", version="1.0")
