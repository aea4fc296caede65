//! `index-confusion`: a name that more than one configured index knows.
//!
//! With several indexes configured (`--extra-index-url`, private mirrors), installers pick a
//! project from whichever index offers the best version, so an attacker who registers an
//! internal name on a public index can substitute their package (dependency confusion). The
//! caller asks each configured index and passes the ones that know the name.

use crate::finding::{Confidence, Finding, RuleInfo, Severity};
use crate::package::normalize_name;

pub static INDEX_CONFUSION: RuleInfo = RuleInfo {
    id: "index-confusion",
    severity: Severity::High,
    summary: "The project name exists on more than one configured index",
    help: "More than one of the configured package indexes serves a project with this name. \
           Installers merge the indexes and take the best version from any of them, so a public \
           project with the same name as a private one can replace it (dependency confusion). \
           Lock each package to one index (uv's index pinning, pip's single --index-url with a \
           proxy that prefers the private index), or verify that both projects are the same.",
};

/// The finding when `indexes_that_know_it` names two or more distinct indexes. URLs are
/// redacted and compared without a trailing slash.
pub fn index_confusion(name: &str, indexes_that_know_it: &[String]) -> Option<Finding> {
    let mut distinct: Vec<String> = Vec::new();
    for url in indexes_that_know_it {
        let shown = crate::redact::redact_url(url.trim())
            .trim_end_matches('/')
            .to_string();
        if !shown.is_empty() && !distinct.iter().any(|d| d.eq_ignore_ascii_case(&shown)) {
            distinct.push(shown);
        }
    }
    if distinct.len() < 2 {
        return None;
    }
    let name = normalize_name(name);
    Some(
        INDEX_CONFUSION.finding(format!(
                "`{name}` exists on {} configured indexes: an installer may take it from any of them",
                distinct.len()
            )).with_confidence(Confidence::Medium)
        .for_package(&name, None)
        .with_evidence(format!("indexes that list `{name}`: {}", distinct.join(", "))),
    )
}
