//! Known vulnerabilities and known-malicious packages from an OSV database kept in the cache
//! directory, matched offline with PEP 440 semantics.

use crate::catalog::RuleInfo;

pub static RULES: &[RuleInfo] = &[];
