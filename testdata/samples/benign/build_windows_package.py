#!/usr/bin/env python3
# Benign look-alike: meson's manual test that downloads a zip, unpacks it, then runs the
# build tools (vendored in numpy's sdist). Nothing downloaded is executed.
import os, urllib.request, shutil, subprocess

sdl_url = 'http://example.invalid/release/SDL2-devel-2.0.3-VC.zip'
sdl_filename = 'SDL2-devel-2.0.3-VC.zip'

if not os.path.exists(sdl_filename):
    response = urllib.request.urlopen(sdl_url, timeout=600.0)
    data = response.read()
    open(sdl_filename, 'wb').write(data)

shutil.unpack_archive(sdl_filename, 'build')
subprocess.check_call(['python3', r'..\..\meson.py', 'build',
                       '--backend=ninja', '--buildtype=release'])
subprocess.check_call(['ninja'], cwd='build')
