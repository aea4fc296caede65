import os
import subprocess

def run_tool(args):
    env = dict(os.environ)
    env["LC_ALL"] = "C"
    return subprocess.run(["tool"] + list(args), env=env, check=True)
