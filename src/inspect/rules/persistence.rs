//! persistence: making a payload survive reboots — Run registry keys, scheduled tasks,
//! crontab, systemd user units, startup folders, shell rc files, macOS LaunchAgents.

use crate::finding::RuleInfo;
use crate::finding::{Confidence, Severity};
use crate::inspect::context::RunContext;
use crate::inspect::facts::{Facts, StrFact};
use crate::inspect::patterns::{AsciiRegex, Keywords};
use crate::inspect::rules::{mark, string_marks};
use crate::inspect::{Emitter, FileCx, FileKind};

pub static INFO: RuleInfo = RuleInfo {
    id: "persistence",
    severity: Severity::High,
    summary: "Code installs itself to run at login or boot",
    help: "Reports references to autostart locations in code: the Windows Run/RunOnce registry \
           keys, schtasks /create, the Startup folder, crontab edits, systemd user units, \
           ~/.bashrc/.zshrc/.profile writes and macOS LaunchAgents/LaunchDaemons. A location \
           that only appears in text written into another file (a temporary rc file that \
           sources ~/.bashrc) is not reported: the location must be what is opened, run or set. A library has \
           no reason to make something run at every login; malware does it to survive reboots. \
           High at install or import time or when combined with a write or process call, medium \
           otherwise; low in tests.",
};

static PERSIST: AsciiRegex = AsciiRegex::new(
    r"(?i)(software\\+microsoft\\+windows\\+currentversion\\+run(once)?\b|schtasks(\.exe)?\s+/create|\\start menu\\programs\\startup|microsoft\\+windows\\+start menu\\+programs\\+startup|\bcrontab\s+(-l|-|/)|/etc/cron\.|/var/spool/cron|\.config/systemd/user|systemctl\s+--user\s+enable|/etc/systemd/system/[\w.-]+\.service|library/launchagents|library/launchdaemons|~/\.bashrc|~/\.zshrc|~/\.bash_profile|~/\.profile|/etc/rc\.local|/etc/profile\.d/|\.config/autostart)",
);

/// Literals one of which every match of [`PERSIST`] contains.
pub(crate) const WORDS: &[&str] = &[
    "currentversion",
    "schtasks",
    "start menu",
    "crontab",
    "/etc/cron.",
    "/var/spool/cron",
    "systemd/user",
    "systemctl",
    "/etc/systemd/system/",
    "library/launch",
    "~/.",
    "/etc/rc.local",
    "/etc/profile.d/",
    ".config/autostart",
];

static PERSIST_KEYWORDS: Keywords = Keywords::one(WORDS);

fn persist(text: &str) -> bool {
    PERSIST_KEYWORDS.find_in(text) && PERSIST.is_match(text)
}

/// Whether string `s` is the text written *into* a file (`tmprc.write('. ~/.bashrc')`,
/// `print('...', file=f)`) rather than naming the file written to: an rc snippet written to a
/// temporary file (meson's `devenv`) does not touch the real autostart location.
fn written_content(facts: &Facts, s: &StrFact) -> bool {
    facts.calls.iter().any(|c| {
        let content = match c.method() {
            "write" | "writelines" | "write_text" => c.args.first(),
            "print" if c.kw("file").is_some() => c.args.first(),
            _ => None,
        };
        content.is_some_and(|a| {
            s.line >= c.line
                && s.line - c.line <= 3
                && (a.atoms.contains(&s.text)
                    || a.text().is_some_and(|t| t.contains(s.text.as_str())))
        })
    })
}

/// A call that writes somewhere: open for writing or appending, a copy, move or link, a new
/// directory, a registry value, a process (crontab, schtasks).
fn is_writer(c: &crate::inspect::facts::Call) -> bool {
    matches!(
        c.name.as_str(),
        "winreg.SetValueEx"
            | "winreg.CreateKey"
            | "_winreg.SetValueEx"
            | "winreg.CreateKeyEx"
            | "shutil.copy"
            | "shutil.copyfile"
            | "shutil.copy2"
            | "shutil.move"
            | "os.rename"
            | "os.replace"
            | "os.symlink"
            | "os.makedirs"
            | "os.mkdir"
    ) || c.is_process()
        || c.name == "open"
            && c.args
                .get(1)
                .or(c.kw("mode"))
                .and_then(|a| a.text())
                .is_some_and(|m| m.contains('a') || m.contains('w'))
        || matches!(c.method(), "write" | "write_text" | "write_bytes" | "mkdir")
}

pub fn check(cx: &FileCx<'_>, out: &mut Emitter<'_>) {
    if let Some(facts) = cx.facts {
        // The location reaches a write (open for writing or appending, a copy, a registry
        // value, a process such as crontab or schtasks) when a writing call on its line or
        // one whose arguments are built from it (the same literal or a variable holding it).
        let writes = || facts.calls.iter().any(is_writer);
        let reaches_write = |s| crate::inspect::rules::string_reaches(facts, s, is_writer);
        for (s, &m) in facts.strings.iter().zip(string_marks(cx)) {
            if s.text.len() > 4000
                || m & mark::PERSISTENCE == 0
                || !PERSIST.is_match(&s.text)
                || written_content(facts, s)
            {
                continue;
            }
            // Named but never written (a dict of shells' rc files, a help text): low in a
            // function body, medium where it runs by itself.
            let sev = if reaches_write(s) || s.ctx == RunContext::Install && writes() {
                // At install time, naming an autostart location in a file that writes
                // anything is enough.
                Severity::High
            } else {
                s.ctx.pick(Severity::Medium, Severity::Low)
            };
            out.emit(
                &INFO,
                sev,
                Confidence::Medium,
                s.line,
                format!("autostart location referenced {}", s.ctx.label()),
                s.decoded_via.map(|_| s.text.as_str()).or(s.note.as_deref()),
            );
        }
    }
    if cx.kind == FileKind::Script && cx.text.is_some_and(|t| PERSIST_KEYWORDS.find_in(t)) {
        for (n, line) in cx.text_lines() {
            if !line.trim_start().starts_with('#') && persist(line) {
                out.emit(
                    &INFO,
                    Severity::Medium,
                    Confidence::Low,
                    n,
                    "autostart location referenced in a shipped script",
                    None,
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn prefilter_and_ascii_build_agree_with_the_unicode_regex() {
        let mut fragments = super::WORDS.to_vec();
        fragments.extend([
            "software\\microsoft\\windows\\currentversion\\run",
            "once",
            "schtasks /create",
            "crontab -l",
            "systemctl --user enable",
            "x.service",
            "~/.bashrc",
            "~/.profile",
            "library/launchagents",
        ]);
        super::PERSIST.assert_agrees(&fragments, 10_000, super::persist);
    }

    use crate::finding::Severity;
    use crate::inspect::rules::testutil::worst;

    #[test]
    fn run_key_write() {
        let src = "import winreg\nk = winreg.OpenKey(winreg.HKEY_CURRENT_USER, r'Software\\Microsoft\\Windows\\CurrentVersion\\Run', 0, winreg.KEY_SET_VALUE)\nwinreg.SetValueEx(k, 'upd', 0, winreg.REG_SZ, 'C:\\\\x.exe')\n";
        assert_eq!(
            worst("persistence", "pkg/__init__.py", src),
            Some(Severity::High)
        );
        let cron = "import os\ndef f():\n    os.system('(crontab -l; echo \"@reboot /tmp/x\") | crontab -')\n";
        assert_eq!(worst("persistence", "pkg/a.py", cron), Some(Severity::High));
    }

    #[test]
    fn unrelated_paths() {
        let src = "import os\nCONF = os.path.expanduser('~/.config/mytool/config.toml')\n";
        assert_eq!(worst("persistence", "pkg/a.py", src), None);
    }

    #[test]
    fn meson_devenv_temporary_rcfile_is_not_persistence() {
        let src = "import tempfile\ndef run(args, prompt_prefix):\n    tmprc = tempfile.NamedTemporaryFile(mode='w')\n    tmprc.write('[ -e ~/.bashrc ] && . ~/.bashrc\\n')\n    tmprc.write(f'export PS1=\"{prompt_prefix} $PS1\"\\n')\n    tmprc.flush()\n    args.append('--rcfile')\n    args.append(tmprc.name)\n";
        assert_eq!(worst("persistence", "mesonbuild/mdevenv.py", src), None);
        let printed = "def f(out):\n    print('source ~/.zshrc', file=out)\n";
        assert_eq!(worst("persistence", "pkg/a.py", printed), None);
    }

    #[test]
    fn appending_to_the_real_bashrc_is_still_high() {
        let src = "import os\ndef f():\n    with open(os.path.expanduser('~/.bashrc'), 'a') as fh:\n        fh.write('python3 -m inert_sample &\\n')\n";
        assert_eq!(worst("persistence", "pkg/a.py", src), Some(Severity::High));
        let top = "import os\nos.system('echo /tmp/x >> ~/.profile')\n";
        assert_eq!(
            worst("persistence", "pkg/__init__.py", top),
            Some(Severity::High)
        );
    }
}
