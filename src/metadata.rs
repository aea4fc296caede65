//! Metadata checks: release and project age, dormancy, version anomalies, yanked releases,
//! typosquats, maintainers, missing source repository, deceptive emails and provenance. Pure
//! functions of the lockfile entry, the index's `ProjectInfo` and an injected `now`.

use serde::Serialize;

use crate::catalog::RuleInfo;
use crate::finding::Finding;
use crate::package::LockedPackage;
use crate::project::ProjectInfo;

pub static RULES: &[RuleInfo] = &[];

/// Thresholds (configurable in pyvet.toml).
#[derive(Debug, Clone)]
pub struct Thresholds {
    pub min_release_age_days: i64,
    pub new_project_days: i64,
    pub dormant_years: i64,
}

impl Default for Thresholds {
    fn default() -> Self {
        Self {
            min_release_age_days: 7,
            new_project_days: 90,
            dormant_years: 2,
        }
    }
}

pub struct Context {
    pub now: jiff::Timestamp,
    pub thresholds: Thresholds,
}

/// What the checks used, shown per package in the JSON report.
#[derive(Debug, Clone, Default, PartialEq, Serialize, serde::Deserialize)]
pub struct PackageMetadata {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub upload_time: Option<jiff::Timestamp>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub first_release: Option<jiff::Timestamp>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub repository: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub owners: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub organization: Option<String>,
    pub yanked: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub yanked_reason: Option<String>,
}

/// Run every metadata check for one package.
pub fn check(
    pkg: &LockedPackage,
    project: Option<&ProjectInfo>,
    ctx: &Context,
) -> (Vec<Finding>, PackageMetadata) {
    let _ = (pkg, project, ctx);
    (Vec::new(), PackageMetadata::default())
}
