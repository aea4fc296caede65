# Benign look-alike: meson devenv writes a temporary rc file that sources ~/.bashrc.
import os, subprocess, tempfile

def shell(prompt_prefix):
    args = [os.environ.get("SHELL", "/bin/sh")]
    tmprc = tempfile.NamedTemporaryFile(mode='w')
    tmprc.write('[ -e ~/.bashrc ] && . ~/.bashrc\n')
    tmprc.write(f'export PS1="{prompt_prefix} $PS1"\n')
    tmprc.flush()
    args += ["--rcfile", tmprc.name]
    return subprocess.call(args)
