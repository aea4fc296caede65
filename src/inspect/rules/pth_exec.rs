//! pth-exec: `.pth` files whose `import` lines run code at every interpreter start.

use crate::finding::RuleInfo;
use crate::finding::{Confidence, Severity};
use crate::inspect::patterns::{self};
use crate::inspect::{pth_line_runs, Emitter, FileCx, FileKind};

pub static INFO: RuleInfo = RuleInfo {
    id: "pth-exec",
    severity: Severity::High,
    summary: "A .pth file runs code at every Python start-up",
    help: "Python's site module executes every line of a .pth file in site-packages that starts \
           with `import`. Malware uses this to run on every interpreter start, long after \
           installation. Namespace-package boilerplate, editable-install finders and similar \
           one-line shims are reported as info; other executable lines as medium; lines that \
           exec, decode, spawn processes or touch the network as critical.",
};

fn benign(line: &str) -> bool {
    line.contains("sys._getframe(1).f_locals['sitedir']")
        || line.contains("_distutils_hack")
        || line.contains("__editable__")
        || line.starts_with("import _virtualenv")
        || line.contains("coverage.process_startup()")
        || line.trim() == "import sys"
}

pub fn check(cx: &FileCx<'_>, out: &mut Emitter<'_>) {
    if cx.kind != FileKind::Pth {
        return;
    }
    for (n, line) in cx.text_lines() {
        if !pth_line_runs(line) {
            continue;
        }
        let dangerous = cx.facts.is_some_and(|f| {
            f.calls.iter().any(|c| {
                // exec of a plain constant (coverage's start-up hook) is judged by the code
                // it runs, which is inspected as nested code on the same line.
                let plain_exec = c.is_code_exec()
                    && c.args
                        .first()
                        .and_then(|a| a.folded.as_ref())
                        .is_some_and(|f| !f.obfuscated);
                c.line == n
                    && (c.is_code_exec() && !plain_exec
                        || c.is_process()
                        || c.is_network()
                        || c.is_decoder())
            }) || f.strings.iter().any(|s| {
                s.line == n && (s.decoded_via.is_some() || patterns::has_url_or_ip(&s.text))
            })
        });
        let (sev, msg) = if dangerous {
            (
                Severity::Critical,
                ".pth file executes, decodes or downloads code at every interpreter start",
            )
        } else if benign(line) {
            (
                Severity::Info,
                ".pth file runs a known import shim at interpreter start",
            )
        } else {
            (
                Severity::Medium,
                ".pth file runs code at every interpreter start",
            )
        };
        out.emit(&INFO, sev, Confidence::High, n, msg, None);
    }
}

#[cfg(test)]
mod tests {
    use crate::finding::Severity;
    use crate::inspect::rules::testutil::worst;

    #[test]
    fn exec_in_pth_is_critical() {
        let src = "import base64;exec(base64.b64decode('cHJpbnQoMSk='))\n";
        assert_eq!(
            worst("pth-exec", "evil_init.pth", src),
            Some(Severity::Critical)
        );
    }

    #[test]
    fn exec_of_a_constant_is_judged_by_the_code_it_runs() {
        // A coverage-style start-up hook: exec of constant code that only imports and calls
        // its own package.
        let hook = "import sys; exec('import os\\nif os.getenv(\"COV_START\"):\\n import cov\\n cov.process_startup(slug=\"pth\")\\n')\n";
        assert_eq!(
            worst("pth-exec", "a1_cov.pth", hook),
            Some(Severity::Medium)
        );
        // The same shape running a command, or exec of decoded data, is critical.
        let bad = "import sys; exec('import os\\nos.system(\"echo inert\")\\n')\n";
        assert_eq!(
            worst("pth-exec", "a1_cov.pth", bad),
            Some(Severity::Critical)
        );
        let hidden = "import sys; exec(bytes.fromhex('7072696e74283129').decode())\n";
        assert_eq!(worst("pth-exec", "x.pth", hidden), Some(Severity::Critical));
    }

    #[test]
    fn shims_are_info_and_paths_ignored() {
        let src = "import os; var = 'SETUPTOOLS_USE_DISTUTILS'; enabled = os.environ.get(var, 'local') == 'local'; enabled and __import__('_distutils_hack').add_shim(); \n";
        assert_eq!(
            worst("pth-exec", "distutils-precedence.pth", src),
            Some(Severity::Info)
        );
        assert_eq!(
            worst("pth-exec", "pkg.pth", "/opt/lib/extra\n./src\n"),
            None
        );
        assert_eq!(
            worst("pth-exec", "pkg.pth", "import mypkg_hook\n"),
            Some(Severity::Medium)
        );
    }
}
