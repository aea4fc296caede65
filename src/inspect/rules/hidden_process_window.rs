//! hidden-process-window: processes started with their window hidden (CREATE_NO_WINDOW,
//! SW_HIDE, pythonw, `-WindowStyle Hidden`).

use crate::finding::RuleInfo;
use crate::finding::{Confidence, Severity};
use crate::inspect::patterns::AsciiRegex;
use crate::inspect::{Emitter, FileCx};

pub static INFO: RuleInfo = RuleInfo {
    id: "hidden-process-window",
    severity: Severity::Medium,
    summary: "A process is started with its window hidden",
    help: "Reports process spawns using CREATE_NO_WINDOW/DETACHED_PROCESS creation flags, a \
           STARTUPINFO with SW_HIDE, pythonw.exe, or PowerShell `-WindowStyle Hidden`/`-w \
           hidden`. Hiding a window keeps the user from noticing a payload. GUI and IDE tools \
           sometimes hide console windows on Windows in function bodies (low); at install or \
           import time it is high.",
};

static PS_HIDDEN: AsciiRegex = AsciiRegex::new(
    r"(?i)(-w(indowstyle)?\s+h(idden)?\b|\bpythonw(\.exe)?\b|\bstart\s+/b\b|\bnohup\b[^\n]*&\s*$)",
);

const FLAGS: &[&str] = &[
    "subprocess.CREATE_NO_WINDOW",
    "subprocess.DETACHED_PROCESS",
    "subprocess.SW_HIDE",
    "win32con.SW_HIDE",
    "win32process.CREATE_NO_WINDOW",
    "subprocess.STARTF_USESHOWWINDOW",
];

pub fn check(cx: &FileCx<'_>, out: &mut Emitter<'_>) {
    let Some(facts) = cx.facts else { return };
    let flag_ref = facts.ref_line(FLAGS);
    for c in &facts.calls {
        if !c.is_process() {
            continue;
        }
        let text = c.all_text();
        let ps_hidden = PS_HIDDEN.is_match(&text);
        let flags = c.kw("creationflags").is_some() || c.kw("startupinfo").is_some();
        if !(ps_hidden || flags && flag_ref.is_some()) {
            continue;
        }
        let sev = c.ctx.pick(Severity::High, Severity::Low);
        out.emit(
            &INFO,
            sev,
            Confidence::Medium,
            c.line,
            format!("`{}` starts a hidden process {}", c.name, c.ctx.label()),
            c.note.as_deref(),
        );
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn ascii_build_agrees_with_the_unicode_regex() {
        let fragments = [
            "-w hidden",
            "-windowstyle h",
            "pythonw.exe",
            "start /b",
            "nohup x &",
            "-w h",
        ];
        super::PS_HIDDEN.assert_agrees(&fragments, 5_000, |s| super::PS_HIDDEN.is_match(s));
    }

    use crate::finding::Severity;
    use crate::inspect::rules::testutil::worst;

    #[test]
    fn hidden_powershell_at_install() {
        let src = "import subprocess\nsubprocess.Popen('powershell -WindowStyle Hidden -c Get-Date', shell=True)\n";
        assert_eq!(
            worst("hidden-process-window", "pkg-1.0/setup.py", src),
            Some(Severity::High)
        );
        let flags = "import subprocess\nsubprocess.Popen(['x.exe'], creationflags=subprocess.CREATE_NO_WINDOW)\n";
        assert_eq!(
            worst("hidden-process-window", "pkg/__init__.py", flags),
            Some(Severity::High)
        );
    }

    #[test]
    fn visible_or_function_body() {
        let src = "import subprocess\ndef f():\n    subprocess.Popen(['git', 'status'], creationflags=subprocess.CREATE_NO_WINDOW)\n";
        assert_eq!(
            worst("hidden-process-window", "pkg/ide.py", src),
            Some(Severity::Low)
        );
        assert_eq!(
            worst(
                "hidden-process-window",
                "pkg/a.py",
                "import subprocess\nsubprocess.run(['ls'])\n"
            ),
            None
        );
    }
}
