//! Known vulnerabilities and known-malicious packages from an OSV database kept in the cache
//! directory, matched offline with PEP 440 semantics.

use crate::catalog::RuleInfo;

pub static RULES: &[RuleInfo] = &[];

/// The loaded OSV database (stub until the vulnerability module lands).
pub struct VulnDb;

impl VulnDb {
    pub fn open(_cache_dir: &std::path::Path) -> Result<Option<VulnDb>, crate::error::Error> {
        Ok(None)
    }
    pub fn check(&self, _name: &str, _version: &str) -> Vec<crate::finding::Finding> {
        Vec::new()
    }
    pub fn is_stale(&self, _now: jiff::Timestamp) -> bool {
        false
    }
    pub fn imported_at(&self) -> jiff::Timestamp {
        jiff::Timestamp::UNIX_EPOCH
    }
}
