//! Lockfile diffs: which packages a change adds, removes, upgrades or moves to another source.

use crate::catalog::RuleInfo;

pub static RULES: &[RuleInfo] = &[];
