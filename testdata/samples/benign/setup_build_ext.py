import subprocess, sys
from setuptools import setup, Extension
from setuptools.command.build_ext import build_ext

class CMakeBuild(build_ext):
    def run(self):
        subprocess.check_call(["cmake", "-S", ".", "-B", "build"])
        subprocess.check_call(["cmake", "--build", "build"])
        subprocess.check_call([sys.executable, "tools/gen.py"])
        super().run()

setup(name="benign", ext_modules=[Extension("x", ["x.c"])], cmdclass={"build_ext": CMakeBuild})
