import subprocess, sys

def install(requirement):
    """Install on request from the user's CLI command."""
    subprocess.check_call([sys.executable, "-m", "pip", "install", requirement])
