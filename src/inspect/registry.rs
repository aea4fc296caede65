//! The rule registry: one line per rule.

use crate::catalog::RuleInfo;

/// Static descriptions of every code-inspection rule.
pub fn rule_infos() -> &'static [RuleInfo] {
    &[]
}
