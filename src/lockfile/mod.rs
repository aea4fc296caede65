//! Lockfile readers. Each format has its own module that parses into wire types and validates
//! them into the shared model of `package.rs`; this module detects formats and dispatches.
//!
//! Readers never touch the network: they report what the file says, and flag what cannot be
//! vetted (unpinned, unhashed, VCS/local/editable sources) as `Problem`s on the package.

use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::catalog::RuleInfo;
use crate::error::{Error, InputError};
use crate::finding::Severity;
use crate::package::LockedPackage;

/// The lockfile formats pyvet reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, clap::ValueEnum)]
#[serde(rename_all = "kebab-case")]
pub enum LockKind {
    /// pip requirements file (as written by pip-compile, uv export, uv pip compile, pip freeze).
    #[value(name = "requirements")]
    RequirementsTxt,
    /// poetry.lock (lock versions 1.1, 2.0, 2.1).
    #[value(name = "poetry")]
    PoetryLock,
    /// uv.lock (version 1, any revision).
    #[value(name = "uv")]
    UvLock,
    /// PEP 751 pylock.toml / pylock.*.toml.
    #[value(name = "pylock")]
    Pylock,
}

/// A parsed lockfile.
#[derive(Debug, Clone, Serialize)]
pub struct Lockfile {
    pub path: PathBuf,
    pub kind: LockKind,
    pub packages: Vec<LockedPackage>,
    /// Index URLs the lockfile itself names (`--index-url`/`--extra-index-url` in requirements,
    /// `[[package.source]]` registries, uv's registry sources, ...), in the order given.
    pub index_urls: Vec<String>,
    /// `--find-links` locations (requirements.txt).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub find_links: Vec<String>,
    /// `--no-index` was given (requirements.txt).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub no_index: bool,
}

/// Rules reported for lockfile-level problems (see `Problem`).
pub static RULES: &[RuleInfo] = &[];

/// Detect the lockfile to use in `dir` when none is named: uv.lock, pylock.toml, poetry.lock,
/// requirements.txt, in that order.
pub fn detect(dir: &Path) -> Option<PathBuf> {
    ["uv.lock", "pylock.toml", "poetry.lock", "requirements.txt"]
        .iter()
        .map(|n| dir.join(n))
        .find(|p| p.is_file())
}

/// Read and parse a lockfile. `kind` overrides detection by name and content.
pub fn load(path: &Path, kind: Option<LockKind>) -> Result<Lockfile, Error> {
    let _ = (path, kind);
    Err(Error::NotYet("lockfile::load"))
}

/// Parse lockfile text that did not come from disk (e.g. `git show REV:path`). `path` is used
/// for messages and for resolving relative includes.
pub fn load_str(path: &Path, text: &str, kind: Option<LockKind>) -> Result<Lockfile, Error> {
    let _ = (path, text, kind, InputError::new(path, None, ""));
    Err(Error::NotYet("lockfile::load_str"))
}

#[allow(dead_code)]
const _SEVERITY_USED: Severity = Severity::Info;
