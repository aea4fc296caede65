#!/usr/bin/env python3
"""Record the ordered wheel tags `packaging.tags` computes for several targets, as the fixture
`testdata/tags/packaging-tags.json` that `tests/select_tags.rs` compares pyvet's tag order with.

Run once, by hand, when the fixture should follow a newer `packaging`:

    python3 -m venv /tmp/tags && /tmp/tags/bin/pip install packaging
    /tmp/tags/bin/python scripts/record-tags.py > testdata/tags/packaging-tags.json

`packaging` computes Linux platform tags from the running system (glibc or musl version, the
interpreter's ELF header); this script replaces those probes with the target's values, so any
target can be recorded on any machine. The tag order is what `packaging.tags.sys_tags()` yields
on a CPython of that target: `cpython_tags` then `compatible_tags`.
"""

import json

import packaging
from packaging import _manylinux, _musllinux, tags

# (pyvet --python-version, pyvet --platform, python version, abi, platform description)
TARGETS = [
    ("3.12", "manylinux_2_28_x86_64", (3, 12), "cp312", ("glibc", (2, 28), "x86_64")),
    ("3.12", "manylinux_2_17_aarch64", (3, 12), "cp312", ("glibc", (2, 17), "aarch64")),
    ("3.11", "manylinux_2_39_x86_64", (3, 11), "cp311", ("glibc", (2, 39), "x86_64")),
    ("3.12", "manylinux2014_i686", (3, 12), "cp312", ("glibc", (2, 17), "i686")),
    ("3.12", "musllinux_1_2_aarch64", (3, 12), "cp312", ("musl", (1, 2), "aarch64")),
    ("3.9", "musllinux_1_1_x86_64", (3, 9), "cp39", ("musl", (1, 1), "x86_64")),
    ("3.12", "macosx_14_0_arm64", (3, 12), "cp312", ("macos", (14, 0), "arm64")),
    ("3.10", "macosx_12_0_x86_64", (3, 10), "cp310", ("macos", (12, 0), "x86_64")),
    ("3.8", "macosx_10_15_x86_64", (3, 8), "cp38", ("macos", (10, 15), "x86_64")),
    ("3.12", "win_amd64", (3, 12), "cp312", ("windows", None, "win_amd64")),
    ("3.11", "win32", (3, 11), "cp311", ("windows", None, "win32")),
    ("3.13t", "manylinux_2_28_x86_64", (3, 13), "cp313t", ("glibc", (2, 28), "x86_64")),
    ("3.13t", "win_arm64", (3, 13), "cp313t", ("windows", None, "win_arm64")),
]


def platforms(kind, version, arch):
    if kind == "windows":
        return [arch]
    if kind == "macos":
        return list(tags.mac_platforms(version, arch))
    out = [f"linux_{arch}"]
    if kind == "glibc":
        _manylinux._get_glibc_version = lambda: _manylinux._GLibCVersion(*version)
        _manylinux._have_compatible_abi = lambda executable, archs: True
        _manylinux._get_manylinux_module = lambda: None
        out += list(_manylinux.platform_tags([arch]))
    else:
        _musllinux._get_musl_version = lambda executable: _musllinux._MuslVersion(*version)
        out += list(_musllinux.platform_tags([arch]))
    return out


def main():
    records = []
    for py_flag, platform_flag, pyver, abi, (kind, version, arch) in TARGETS:
        plats = platforms(kind, version, arch)
        ordered = list(tags.cpython_tags(pyver, [abi], plats))
        ordered += list(tags.compatible_tags(pyver, "cp" + "".join(map(str, pyver)), plats))
        records.append(
            {
                "python_version": py_flag,
                "platform": platform_flag,
                "tags": [str(t) for t in ordered],
            }
        )
    json.dump(
        {"packaging_version": packaging.__version__, "targets": records},
        fp=__import__("sys").stdout,
        indent=0,
    )
    print()


if __name__ == "__main__":
    main()
