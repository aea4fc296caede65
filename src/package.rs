//! The lockfile-independent model of "what would be installed".
//!
//! Every lockfile reader validates its wire types into these domain types, and every later stage
//! (fetch, inspect, metadata, vulnerabilities, report) consumes only these. Keeping one model means
//! a finding about a package looks the same whether it came from uv.lock or requirements.txt.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::hash::Hashes;

/// A project name, kept both as written and PEP 503-normalised (`Foo_Bar` -> `foo-bar`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct PackageName {
    /// The normalised name: lowercase, runs of `-`, `_` and `.` collapsed to one `-`.
    pub normalized: String,
    /// The name as the lockfile spelled it.
    pub display: String,
}

impl PackageName {
    pub fn new(display: &str) -> Self {
        Self {
            normalized: normalize_name(display),
            display: display.to_string(),
        }
    }
}

impl fmt::Display for PackageName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.display)
    }
}

/// PEP 503 normalisation.
pub fn normalize_name(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    let mut pending_sep = false;
    for c in name.trim().chars() {
        if c == '-' || c == '_' || c == '.' {
            pending_sep = true;
        } else {
            if pending_sep && !out.is_empty() {
                out.push('-');
            }
            pending_sep = false;
            out.extend(c.to_lowercase());
        }
    }
    out
}

/// Where a locked package comes from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "kebab-case")]
pub enum Source {
    /// A package index (simple repository API). `url` is the index root when the lockfile says it.
    Registry { url: Option<String> },
    /// A direct URL to an archive.
    Url { url: String },
    /// A VCS checkout (git, hg, ...). Cannot be vetted by hash.
    Vcs {
        url: String,
        reference: Option<String>,
    },
    /// A local file or directory. `editable` for `-e` / editable installs.
    Path { path: String, editable: bool },
    /// A workspace member or virtual package: nothing is downloaded.
    Virtual { path: String },
}

impl Source {
    /// Short label for tables.
    pub fn label(&self) -> String {
        match self {
            Source::Registry { url: Some(u) } => {
                format!("registry {}", crate::redact::redact_url(u))
            }
            Source::Registry { url: None } => "registry".into(),
            Source::Url { url } => format!("url {}", crate::redact::redact_url(url)),
            Source::Vcs { url, .. } => format!("vcs {}", crate::redact::redact_url(url)),
            Source::Path { path, editable } => {
                if *editable {
                    format!("editable {path}")
                } else {
                    format!("path {path}")
                }
            }
            Source::Virtual { path } => format!("virtual {path}"),
        }
    }
}

/// The kind of a distribution file, from its filename.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ArtifactKind {
    Wheel,
    Sdist,
    /// Anything else (legacy .egg, .exe installers, unknown extension).
    Other,
}

impl ArtifactKind {
    pub fn from_filename(filename: &str) -> Self {
        let lower = filename.to_ascii_lowercase();
        if lower.ends_with(".whl") {
            ArtifactKind::Wheel
        } else if [".tar.gz", ".tgz", ".tar.bz2", ".tar.xz", ".zip", ".tar"]
            .iter()
            .any(|ext| lower.ends_with(ext))
        {
            ArtifactKind::Sdist
        } else {
            ArtifactKind::Other
        }
    }
}

/// One distribution file that an installer may pick for a package.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Artifact {
    pub filename: String,
    /// Absolute URL when the lockfile gives one (it may be relative to the index in some formats;
    /// readers resolve what they can).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// Every hash the lockfile states for this file.
    pub hashes: Hashes,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub size: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub upload_time: Option<jiff::Timestamp>,
    pub kind: ArtifactKind,
}

impl Artifact {
    pub fn new(filename: impl Into<String>) -> Self {
        let filename = filename.into();
        let kind = ArtifactKind::from_filename(&filename);
        Self {
            filename,
            url: None,
            hashes: Hashes::default(),
            size: None,
            upload_time: None,
            kind,
        }
    }
}

/// Why (part of) a package cannot be vetted. These are not errors: they become findings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum Problem {
    /// No exact `==`/`===` pin: the installer may pick any version.
    Unpinned { specifier: String },
    /// Pinned, but no hash: the bytes installed cannot be checked.
    Unhashed,
    /// A VCS source: no artifact, no hash.
    VcsSource,
    /// A local file or directory.
    LocalSource,
    /// An editable install.
    Editable,
    /// A direct URL without a hash.
    UrlWithoutHash,
    /// The lockfile lists no artifact for this package (so nothing can be fetched).
    NoArtifacts,
}

impl Problem {
    pub fn describe(&self) -> String {
        match self {
            Problem::Unpinned { specifier } if specifier.is_empty() => {
                "not pinned to an exact version".into()
            }
            Problem::Unpinned { specifier } => {
                format!("not pinned to an exact version ({specifier})")
            }
            Problem::Unhashed => "no hash: the installed bytes cannot be verified".into(),
            Problem::VcsSource => "VCS source: cannot be verified by hash".into(),
            Problem::LocalSource => "local path source: not from an index".into(),
            Problem::Editable => "editable install".into(),
            Problem::UrlWithoutHash => "direct URL without a hash".into(),
            Problem::NoArtifacts => "the lockfile lists no artifact for this package".into(),
        }
    }
}

/// One package as a lockfile pins it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LockedPackage {
    pub name: PackageName,
    /// The exact version when pinned (string as written; compare with `pep440_rs` when needed).
    pub version: Option<String>,
    pub source: Source,
    /// PEP 508 environment markers under which this entry applies (requirements/poetry/uv forks).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub markers: Option<String>,
    /// Extras requested with the requirement (`name[a,b]`, `-e .[a]`), as written. They change
    /// which dependencies a resolver adds; a lockfile's pinned entries list those already.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub extras: Vec<String>,
    pub artifacts: Vec<Artifact>,
    /// Hashes stated for the requirement as a whole rather than per file (pip's `--hash`, which
    /// may list one digest per file the installer may pick). A downloaded file must match one.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub requirement_hashes: Vec<crate::hash::Digest>,
    pub problems: Vec<Problem>,
    /// 1-based line in the lockfile where this package is declared (for SARIF locations).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub line: Option<u32>,
}

impl LockedPackage {
    pub fn new(name: &str, version: Option<String>, source: Source) -> Self {
        Self {
            name: PackageName::new(name),
            version,
            source,
            markers: None,
            extras: Vec::new(),
            artifacts: Vec::new(),
            requirement_hashes: Vec::new(),
            problems: Vec::new(),
            line: None,
        }
    }

    /// `name==version` (or just the name when unpinned).
    pub fn id(&self) -> String {
        match &self.version {
            Some(v) => format!("{}=={}", self.name.normalized, v),
            None => self.name.normalized.clone(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalizes_like_pep_503() {
        assert_eq!(normalize_name("Foo_Bar"), "foo-bar");
        assert_eq!(normalize_name("foo...bar__baz"), "foo-bar-baz");
        assert_eq!(normalize_name("zope.interface"), "zope-interface");
        assert_eq!(normalize_name("Django"), "django");
    }

    #[test]
    fn artifact_kind_from_filename() {
        assert_eq!(
            ArtifactKind::from_filename("requests-2.32.3-py3-none-any.whl"),
            ArtifactKind::Wheel
        );
        assert_eq!(
            ArtifactKind::from_filename("requests-2.32.3.tar.gz"),
            ArtifactKind::Sdist
        );
        assert_eq!(ArtifactKind::from_filename("foo.egg"), ArtifactKind::Other);
    }
}
