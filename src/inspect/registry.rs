//! The rule registry: one line per rule. Each rule lives in `rules/<rule_id>.rs` with its
//! detector, its [`RuleInfo`] and its tests.

use std::sync::LazyLock;

use super::rules;
use super::{Emitter, FileCx};
use crate::finding::RuleInfo;

/// A code-inspection rule: its description and its detector.
pub struct Rule {
    pub info: &'static RuleInfo,
    pub check: fn(&FileCx<'_>, &mut Emitter<'_>),
}

macro_rules! rule {
    ($m:ident) => {
        Rule {
            info: &rules::$m::INFO,
            check: rules::$m::check,
        }
    };
}

/// Every code-inspection rule, in reporting order.
pub static RULES: &[Rule] = &[
    rule!(remote_code_execution),
    rule!(exec_decoded),
    rule!(dynamic_import_obfuscation),
    rule!(obfuscated_url),
    rule!(obfuscated_code),
    rule!(install_hook_process),
    rule!(install_hook_network),
    rule!(pth_exec),
    rule!(shell_downloader),
    rule!(credential_exfiltration),
    rule!(suspicious_destination),
    rule!(reverse_shell),
    rule!(runtime_pip_install),
    rule!(bundled_executable),
    rule!(hidden_process_window),
    rule!(download_execute),
    rule!(persistence),
    rule!(destructive_operation),
    rule!(cryptominer),
    rule!(clipboard_hijack),
    rule!(keylogger),
    rule!(screen_capture),
    rule!(steganography),
    rule!(packer),
    rule!(anti_analysis),
    rule!(analysis_incomplete),
];

/// Static descriptions of every code-inspection rule.
pub fn rule_infos() -> &'static [RuleInfo] {
    static INFOS: LazyLock<Vec<RuleInfo>> =
        LazyLock::new(|| RULES.iter().map(|r| *r.info).collect());
    &INFOS
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_unique_kebab_and_documented() {
        let mut seen = std::collections::HashSet::new();
        for r in rule_infos() {
            assert!(seen.insert(r.id), "duplicate {}", r.id);
            assert!(
                r.id.bytes().all(|b| b.is_ascii_lowercase() || b == b'-'),
                "{}",
                r.id
            );
            assert!(
                !r.summary.is_empty() && r.help.len() > 80,
                "{} lacks docs",
                r.id
            );
        }
        for reserved in [
            "archive-bomb",
            "path-traversal",
            "archive-link",
            "duplicate-entry",
            "record-mismatch",
            "record-missing",
            "hash-mismatch",
            "typosquat",
            "yanked",
            "recent-release",
            "known-vulnerability",
            "known-malicious",
            "unpinned",
            "unhashed",
        ] {
            assert!(
                !seen.contains(reserved),
                "{reserved} belongs to another stage"
            );
        }
    }
}
