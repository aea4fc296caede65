//! destructive-operation: wiping home or root directories, `rm -rf /`, disk wipes.

use crate::finding::RuleInfo;
use crate::finding::{Confidence, Severity};
use crate::inspect::patterns::AsciiRegex;
use crate::inspect::{Emitter, FileCx};

pub static INFO: RuleInfo = RuleInfo {
    id: "destructive-operation",
    severity: Severity::High,
    summary: "Code deletes home/root directories or wipes disks",
    help: "Reports shutil.rmtree/os.remove loops and shell commands aimed at the filesystem \
           root, the user's home directory or whole drives (`rm -rf /`, `rm -rf ~`, `del /s /q \
           C:\\`, `format C:`, `mkfs`, `dd of=/dev/sda`). Protestware and wipers use these. Cleaning \
           a build or cache directory inside a project is not reported.",
};

static CMD: AsciiRegex = AsciiRegex::new(
    r#"(?i)(\brm\s+-[a-z]*r[a-z]*f?[a-z]*\s+(--no-preserve-root\s+)?(/|~|\$home|/\*|~/\*|/home|/users)(\s|$|["'])|\bdel\s+/[sfq]\s+(/[sfq]\s+)*[a-z]:\\|\bformat\s+[a-z]:|\bmkfs(\.\w+)?\s+/dev/|\bdd\s+[^\n]*of=/dev/(sd|nvme|hd|disk)|rd\s+/s\s+/q\s+[a-z]:\\)"#,
);

fn home_or_root(text: &str) -> bool {
    let t = text.trim().trim_end_matches(['/', '\\']);
    matches!(
        t,
        "" | "~"
            | "/"
            | "/home"
            | "/Users"
            | "C:"
            | "c:"
            | "/etc"
            | "/usr"
            | "$HOME"
            | "os.path.expanduser('~')"
            | "Path.home()"
    ) || t.eq_ignore_ascii_case("c:\\windows")
        || t == "~/Documents"
        || t == "~/Desktop"
}

pub fn check(cx: &FileCx<'_>, out: &mut Emitter<'_>) {
    let Some(facts) = cx.facts else { return };
    for c in &facts.calls {
        let hit = if c.is_process() {
            CMD.is_match(&c.all_text())
        } else if matches!(c.name.as_str(), "shutil.rmtree" | "os.removedirs") {
            let a = c.args.first();
            let text = a.and_then(|a| a.text());
            text.as_deref().is_some_and(home_or_root)
                || a.and_then(|a| a.dotted.as_deref())
                    .is_some_and(|d| d == "os.path.expanduser")
                || facts.calls.iter().any(|h| {
                    h.line == c.line
                        && (h.name == "os.path.expanduser"
                            && h.arg_text(0).as_deref().is_some_and(home_or_root)
                            || h.name.ends_with("Path.home")
                            || h.name == "os.path.abspath" && h.arg_text(0).as_deref() == Some("/"))
                })
        } else {
            false
        };
        if hit {
            out.emit(
                &INFO,
                c.ctx.pick(Severity::Critical, Severity::High),
                Confidence::Medium,
                c.line,
                format!("`{}` deletes a home, root or system location", c.name),
                c.note.as_deref(),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn ascii_build_agrees_with_the_unicode_regex() {
        let fragments = [
            "rm -rf /",
            "rm -rf ~",
            "rm -fr $HOME",
            "--no-preserve-root ",
            r"del /s /q c:\",
            "format c:",
            "mkfs.ext4 /dev/sda",
            "dd if=/dev/zero of=/dev/sda",
            r"rd /s /q c:\",
            "/home",
            "/users",
        ];
        super::CMD.assert_agrees(&fragments, 5_000, |s| super::CMD.is_match(s));
    }

    use crate::finding::Severity;
    use crate::inspect::rules::testutil::worst;

    #[test]
    fn wipes() {
        let src = "import shutil, os\nshutil.rmtree(os.path.expanduser('~'))\n";
        assert_eq!(
            worst("destructive-operation", "pkg/__init__.py", src),
            Some(Severity::Critical)
        );
        let rm = "import os\ndef f():\n    os.system('rm -rf / --no-preserve-root')\n";
        assert_eq!(
            worst("destructive-operation", "pkg/a.py", rm),
            Some(Severity::High)
        );
    }

    #[test]
    fn cleaning_build_dirs_is_fine() {
        let src = "import shutil\nshutil.rmtree('build', ignore_errors=True)\nimport os\nos.system('rm -rf ./dist')\n";
        assert_eq!(
            worst("destructive-operation", "pkg-1.0/setup.py", src),
            None
        );
    }
}
