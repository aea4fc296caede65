//! install-hook-network: network access while a package is built or installed.

use crate::finding::RuleInfo;
use crate::finding::{Confidence, Severity};
use crate::inspect::context::{FileRole, RunContext};
use crate::inspect::{Emitter, FileCx};

pub static INFO: RuleInfo = RuleInfo {
    id: "install-hook-network",
    severity: Severity::High,
    summary: "Install-time code touches the network (setup.py, build backend, .pth)",
    help: "Reports HTTP requests, socket connections, DNS lookups and downloads in code that \
           runs while the package is installed: setup.py, in-tree build backends and .pth \
           files. Installers already fetch declared dependencies; a setup script that contacts \
           the network on its own can exfiltrate the build environment or pull a payload that \
           never appears in the artifact. Some legitimate projects download native libraries \
           at build time; review where they fetch from and whether a hash is checked.",
};

pub fn check(cx: &FileCx<'_>, out: &mut Emitter<'_>) {
    let Some(facts) = cx.facts else { return };
    for c in &facts.calls {
        if c.ctx != RunContext::Install || !c.is_network() {
            continue;
        }
        // Constructing a session object alone is not traffic; its methods are reported.
        if matches!(
            c.name.as_str(),
            "requests.Session"
                | "requests.session"
                | "httpx.Client"
                | "urllib.request.Request"
                | "urllib2.Request"
        ) {
            continue;
        }
        let sev = if cx.role == FileRole::Pth {
            Severity::Critical
        } else {
            Severity::High
        };
        let target = c
            .arg_text(0)
            .map(|t| {
                format!(
                    " ({})",
                    crate::redact::redact_url(&crate::inspect::patterns::excerpt(&t, 100))
                )
            })
            .unwrap_or_default();
        out.emit(
            &INFO,
            sev,
            Confidence::High,
            c.line,
            format!("install-time code calls `{}`{target}", c.name),
            c.note.as_deref(),
        );
    }
}

#[cfg(test)]
mod tests {
    use crate::finding::Severity;
    use crate::inspect::rules::testutil::worst;

    #[test]
    fn setup_py_download_is_high() {
        let src = "from urllib.request import urlopen\nfrom setuptools import setup\ndata = urlopen('https://x.example.invalid/a').read()\nsetup(name='x')\n";
        assert_eq!(
            worst("install-hook-network", "pkg-1.0/setup.py", src),
            Some(Severity::High)
        );
    }

    #[test]
    fn in_tree_build_backend_is_install_time() {
        use crate::inspect::rules::testutil::artifact;
        let pyproject = b"[build-system]\nrequires = []\nbuild-backend = 'backend'\nbackend-path = ['_build']\n";
        let backend = b"import urllib.request\ndef build_wheel(d, c=None, m=None):\n    urllib.request.urlopen('https://x.example.invalid/b').read()\n";
        let a = artifact(
            "pkg-1.0.tar.gz",
            &[
                ("pkg-1.0/pyproject.toml", pyproject),
                ("pkg-1.0/_build/backend.py", backend),
            ],
        );
        let f = crate::inspect::inspect(&a, &Default::default());
        assert!(
            f.iter()
                .any(|f| f.rule == "install-hook-network" && f.severity == Severity::High),
            "{f:?}"
        );
        // The same file outside backend-path is an ordinary module.
        let b = artifact("pkg-1.0.tar.gz", &[("pkg-1.0/pkg/backend.py", backend)]);
        assert!(crate::inspect::inspect(&b, &Default::default())
            .iter()
            .all(|f| f.rule != "install-hook-network"));
    }

    #[test]
    fn library_request_is_not_install_time() {
        let src =
            "import requests\ndef fetch():\n    return requests.get('https://example.invalid')\n";
        assert_eq!(worst("install-hook-network", "pkg/client.py", src), None);
        let setup =
            "from setuptools import setup\nsetup(name='x', url='https://example.invalid')\n";
        assert_eq!(
            worst("install-hook-network", "pkg-1.0/setup.py", setup),
            None
        );
    }
}
