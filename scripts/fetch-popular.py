#!/usr/bin/env python3
"""Download pinned packages (one Linux CPython 3.12 wheel and the sdist of each) for benchmarks.

Usage: scripts/fetch-popular.py LIST DEST
The index comes from PYVET_INDEX_URL or PIP_INDEX_URL (a simple-API root); nothing is built or
run: files are fetched over the simple API (PEP 691 JSON) and written as they are.
"""
import json
import os
import sys
import urllib.parse
import urllib.request


def best_wheel(files):
    def score(f):
        n = f["filename"]
        if not n.endswith(".whl"):
            return None
        py, abi, plat = n[:-4].split("-")[-3:]
        plat_ok = plat == "any" or ("x86_64" in plat and "manylinux" in plat)
        py_ok = "cp312" in py or py in ("py3", "py2.py3") or "abi3" in abi
        if not (plat_ok and py_ok):
            return None
        return (plat != "any", "cp312" in py)
    scored = [(score(f), f) for f in files]
    scored = [s for s in scored if s[0] is not None]
    return max(scored, key=lambda s: s[0])[1] if scored else None


def main():
    index = os.environ.get("PYVET_INDEX_URL") or os.environ.get("PIP_INDEX_URL")
    if not index:
        sys.exit("set PYVET_INDEX_URL (or PIP_INDEX_URL) to the simple-API root of your index")
    lst, dest = sys.argv[1], sys.argv[2]
    for sub in ("wheel", "sdist"):
        os.makedirs(os.path.join(dest, sub), exist_ok=True)
    for line in open(lst):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        name, version = line.split("==")
        url = index.rstrip("/") + "/" + name + "/"
        req = urllib.request.Request(url, headers={"Accept": "application/vnd.pypi.simple.v1+json"})
        with urllib.request.urlopen(req, timeout=60) as r:
            page = json.load(r)
            base = r.geturl()
        files = [f for f in page["files"] if f"-{version}" in f["filename"] or f"-{version}." in f["filename"]]
        files = [f for f in files if f["filename"].lower().replace("_", "-").startswith(f"{name.lower()}-{version}".replace("_", "-"))]
        picks = {"wheel": best_wheel(files),
                 "sdist": next((f for f in files if f["filename"].endswith((".tar.gz", ".zip"))), None)}
        for sub, f in picks.items():
            if f is None:
                print(f"no {sub} for {line}", file=sys.stderr)
                continue
            out = os.path.join(dest, sub, f["filename"])
            if os.path.exists(out):
                continue
            with urllib.request.urlopen(urllib.parse.urljoin(base, f["url"]), timeout=300) as r, open(out + ".part", "wb") as o:
                o.write(r.read())
            os.replace(out + ".part", out)
            print(f"{sub:5} {f['filename']}")


if __name__ == "__main__":
    main()
