//! What an index knows about a project, independent of which endpoint said it.
//!
//! The `index` module fills this from the simple repository API (PEP 691 JSON / PEP 503 HTML,
//! with PEP 700 upload times and PEP 592 yanks) and, when the index serves it, the project
//! metadata JSON (`<root>/pypi/<name>/json`: author, project URLs, ownership). Metadata checks
//! consume only this type, so they work the same online and from the cache.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::hash::Hashes;

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ProjectInfo {
    /// Normalised project name.
    pub name: String,
    /// Index root the information came from (may carry credentials: redact before printing).
    pub index_url: String,
    /// When the index answered (from the cache entry when offline).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fetched_at: Option<jiff::Timestamp>,
    /// Every file the index lists, across versions.
    #[serde(default)]
    pub files: Vec<IndexFile>,
    /// All versions the index lists (PEP 700 `versions`, or derived from files / releases).
    #[serde(default)]
    pub versions: Vec<String>,
    /// Core metadata of the latest release, when the metadata JSON endpoint exists.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub info: Option<ProjectDetails>,
    /// Ownership (owners, maintainers, organisation), when the index exposes it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ownership: Option<Ownership>,
}

impl ProjectInfo {
    /// Files of one version (compared as written and after PEP 440 normalisation).
    pub fn files_for_version<'a>(
        &'a self,
        version: &'a str,
    ) -> impl Iterator<Item = &'a IndexFile> {
        let wanted = normalize_version(version);
        self.files.iter().filter(move |f| {
            f.version.as_deref().map(normalize_version).as_deref() == Some(wanted.as_str())
        })
    }
}

/// Normalise a version string for comparison (`1.0` == `1.0.0`? no: PEP 440 only folds case,
/// leading `v`, separators and the like; we defer to `pep440_rs` and fall back to the raw text).
pub fn normalize_version(v: &str) -> String {
    match v.parse::<pep440_rs::Version>() {
        Ok(parsed) => parsed.to_string(),
        Err(_) => v.trim().to_ascii_lowercase(),
    }
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct IndexFile {
    pub filename: String,
    /// Absolute URL (relative hrefs are resolved against the response URL by the index client).
    pub url: String,
    #[serde(default)]
    pub hashes: Hashes,
    /// Version the file belongs to (from the release it was listed under, else from the filename).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub upload_time: Option<jiff::Timestamp>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub size: Option<u64>,
    #[serde(default)]
    pub yanked: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub yanked_reason: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub requires_python: Option<String>,
    /// PEP 740: URL of the provenance object, when the index advertises one. `None` when the
    /// index does not say (unknown), as opposed to `Some(false)` in `has_provenance`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub provenance_url: Option<String>,
    /// Whether the index reported provenance for this file; `None` when the index does not
    /// support PEP 740 at all (so absence means nothing).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub has_provenance: Option<bool>,
    /// PEP 658/714: the index serves this file's core metadata on its own
    /// (`data-core-metadata`, `data-dist-info-metadata`, `core-metadata`), with these hashes
    /// (empty when it stated none).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub core_metadata: Option<Hashes>,
    /// How the page contradicts itself about this file (anchor text or JSON `filename` naming
    /// another file than its URL, an attribute given twice): installers and reviewers may see
    /// different files. `filename` is always the one the URL path gives, as pip and uv read
    /// PEP 503 pages.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub page_conflict: Option<PageConflict>,
}

/// A contradiction on an index page about one file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PageConflict {
    pub message: String,
    /// Installers may download or select different files because of it.
    pub installers_differ: bool,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ProjectDetails {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub summary: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub author: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub author_email: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub maintainer: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub maintainer_email: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub home_page: Option<String>,
    /// Label -> URL (`Source`, `Repository`, `Homepage`, ...).
    #[serde(default)]
    pub project_urls: BTreeMap<String, String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub license: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Ownership {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub organization: Option<String>,
    /// (user, role) pairs, e.g. ("alice", "Owner").
    #[serde(default)]
    pub roles: Vec<Role>,
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Role {
    pub user: String,
    pub role: String,
}
