//! The catalogue of every rule pyvet can report, whichever stage reports it: archive safety,
//! code inspection, hashes, lockfile problems, metadata and vulnerabilities. `pyvet rules` and
//! the SARIF renderer read it; a test keeps the ids unique and kebab-case.

use serde::Serialize;

use crate::finding::Severity;

/// Static description of one rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct RuleInfo {
    /// Stable kebab-case id.
    pub id: &'static str,
    /// Default severity (individual findings may be graded lower or higher with context).
    pub severity: Severity,
    /// One line for `pyvet rules`.
    pub summary: &'static str,
    /// One paragraph: what it detects, why it matters, how to tell a false alarm.
    pub help: &'static str,
}

/// Every rule, grouped by the stage that reports it.
pub fn all() -> Vec<&'static RuleInfo> {
    let groups: [&'static [RuleInfo]; 9] = [
        crate::lockfile::RULES,
        crate::resolve::RULES,
        crate::audit::RULES,
        crate::fetch::RULES,
        crate::archive::RULES,
        crate::inspect::registry::rule_infos(),
        crate::metadata::RULES,
        crate::vulns::RULES,
        crate::diff::RULES,
    ];
    groups.into_iter().flatten().collect()
}

pub fn find(id: &str) -> Option<&'static RuleInfo> {
    all().into_iter().find(|r| r.id == id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_unique_and_kebab_case() {
        let mut seen = std::collections::HashSet::new();
        for r in all() {
            assert!(seen.insert(r.id), "duplicate rule id {}", r.id);
            assert!(
                !r.id.is_empty()
                    && r.id
                        .bytes()
                        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
                    && !r.id.starts_with('-')
                    && !r.id.ends_with('-'),
                "rule id {} is not kebab-case",
                r.id
            );
            assert!(
                !r.summary.is_empty() && !r.help.is_empty(),
                "{} lacks docs",
                r.id
            );
        }
    }
}
