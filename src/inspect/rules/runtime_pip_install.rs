//! runtime-pip-install: package code that installs other packages behind the resolver's back
//! (`pip install` via subprocess/os.system, `pip.main`, `ensurepip`).

use crate::finding::RuleInfo;
use crate::finding::{Confidence, Severity};
use crate::inspect::patterns::{self, AsciiRegex};
use crate::inspect::{Emitter, FileCx};

pub static INFO: RuleInfo = RuleInfo {
    id: "runtime-pip-install",
    severity: Severity::High,
    summary: "Package code runs `pip install` or ensurepip itself",
    help: "Reports subprocess/os.system calls that run `pip install` (or `python -m pip \
           install`), calls to pip.main/pip._internal, and ensurepip use from package code. \
           Installing packages outside the lockfile bypasses pinning, hashes and review, and is \
           a common second-stage loader. High at install or import time; low inside functions \
           of tools that manage environments on request.",
};

static PIP_INSTALL: AsciiRegex = AsciiRegex::new(
    r"(?i)\bpip[0-9.]*(\.exe)?\s+(-\S+\s+)*install\b|-m\s+pip\s+(-\S+\s+)*install\b|\bensurepip\b",
);

pub fn check(cx: &FileCx<'_>, out: &mut Emitter<'_>) {
    let Some(facts) = cx.facts else { return };
    for c in &facts.calls {
        let hit = if c.is_process() {
            PIP_INSTALL.is_match(&c.all_text())
        } else if matches!(
            c.name.as_str(),
            "pip.main" | "pip._internal.main" | "pip._internal.cli.main.main"
        ) {
            // pip's own entry points call main() without arguments.
            c.args
                .first()
                .and_then(|a| a.text())
                .is_some_and(|t| t.contains("install"))
        } else {
            matches!(c.name.as_str(), "ensurepip.bootstrap" | "ensurepip._main")
        };
        if !hit {
            continue;
        }
        let sev = c.ctx.pick(Severity::High, Severity::Low);
        out.emit(
            &INFO,
            sev,
            Confidence::High,
            c.line,
            format!(
                "installs packages at run time via `{}` {}{}",
                c.name,
                c.ctx.label(),
                match c.all_text() {
                    t if t.is_empty() => String::new(),
                    t => format!(": {}", patterns::excerpt(&t, 100)),
                }
            ),
            c.note.as_deref(),
        );
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn ascii_build_agrees_with_the_unicode_regex() {
        let fragments = [
            "pip install",
            "pip3.11.exe install",
            "-m pip install",
            "-q ",
            "--user ",
            "ensurepip",
        ];
        super::PIP_INSTALL.assert_agrees(&fragments, 5_000, |s| super::PIP_INSTALL.is_match(s));
    }

    use crate::finding::Severity;
    use crate::inspect::rules::testutil::worst;

    #[test]
    fn import_time_pip_install_is_high() {
        let src = "import subprocess, sys\nsubprocess.check_call([sys.executable, '-m', 'pip', 'install', 'helper-pkg'])\n";
        assert_eq!(
            worst("runtime-pip-install", "pkg/__init__.py", src),
            Some(Severity::High)
        );
        let os_sys = "import os\nos.system('pip install --quiet helper-pkg')\n";
        assert_eq!(
            worst("runtime-pip-install", "pkg-1.0/setup.py", os_sys),
            Some(Severity::High)
        );
    }

    #[test]
    fn function_body_is_low_and_other_commands_ignored() {
        let src = "import subprocess, sys\ndef ensure(p):\n    subprocess.run([sys.executable, '-m', 'pip', 'install', p])\n";
        assert_eq!(
            worst("runtime-pip-install", "pkg/cli.py", src),
            Some(Severity::Low)
        );
        let entry = "from pip._internal.cli.main import main\ndef run():\n    return main()\n";
        assert_eq!(worst("runtime-pip-install", "pip/__main__.py", entry), None);
        let legacy = "import pip\npip.main(['install', 'helper-pkg'])\n";
        assert_eq!(
            worst("runtime-pip-install", "pkg/__init__.py", legacy),
            Some(Severity::High)
        );
        let other = "import subprocess\nsubprocess.run(['pip', 'list'])\n";
        assert_eq!(worst("runtime-pip-install", "pkg/__init__.py", other), None);
    }
}
