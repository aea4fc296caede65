//! Metadata checks: release and project age, dormancy, version anomalies, yanked releases,
//! typosquats, maintainers, missing source repository, deceptive emails and provenance.
//!
//! Pure functions of the lockfile entry, the index's `ProjectInfo` and a [`Context`] that carries
//! an injected `now` (no clock is read here), the thresholds, the owners recorded by the last
//! audit, the popular-names snapshot and who publishes the other projects the caller knows of
//! (the typosquat check's evidence of shared ownership, [`related`]). Each check lives in its
//! own submodule with its `RuleInfo`; [`check`] runs them all for one locked package and also
//! returns the [`PackageMetadata`] it based them on, so the report can show why. [`check_dist`] runs the
//! checks that only need an artifact's own metadata (for `pyvet scan` of a local file), and
//! [`index_confusion`] is called by the pipeline when a name is known to several indexes.

mod age;
mod author;
mod confusion;
mod owners;
mod provenance;
pub mod related;
mod repository;
pub mod typosquat;
mod version;
mod yanked;

use std::sync::Arc;

use serde::{Deserialize, Serialize};

use crate::archive::DistMetadata;
use crate::finding::{Finding, RuleInfo};
use crate::package::{LockedPackage, Source};
use crate::project::{normalize_version, IndexFile, ProjectInfo};
use typosquat::Popular;

pub use author::{deceptive_email, is_disposable_domain};
pub use confusion::index_confusion;
pub use owners::{owners_record, update_owners_cache, OwnersCache, OwnersRecord};
pub use related::{Publisher, Publishers};
pub use repository::{repository_url, RepoPath};

/// Every rule this module reports.
pub static RULES: &[&RuleInfo] = &[
    &age::RECENT_RELEASE,
    &age::NEW_PROJECT,
    &age::DORMANT_REVIVED,
    &version::VERSION_ANOMALY,
    &yanked::YANKED,
    &typosquat::TYPOSQUAT,
    &confusion::INDEX_CONFUSION,
    &owners::MAINTAINERS,
    &owners::MAINTAINERS_CHANGED,
    &repository::NO_SOURCE_REPOSITORY,
    &author::DECEPTIVE_AUTHOR,
    &provenance::PROVENANCE_DROPPED,
];

/// Thresholds (configurable in pyvet.toml). Defaults are the documented ones.
#[derive(Debug, Clone)]
pub struct Thresholds {
    /// `recent-release`: a locked artifact younger than this is reported (medium).
    pub min_release_age_days: i64,
    /// `recent-release`: younger than this many hours is high rather than medium.
    pub recent_release_high_hours: i64,
    /// `new-project`: a project whose first upload is younger than this is reported.
    pub new_project_days: i64,
    /// `dormant-revived`: a silence of at least this many years before the locked release...
    pub dormant_years: i64,
    /// ...reported only while the revival itself is at most this many days old.
    pub revived_within_days: i64,
    /// `version-anomaly`: the locked major is at least this many times the previous major...
    pub version_jump_factor: u64,
    /// ...and at least this much larger;
    pub version_jump_min: u64,
    /// or at least this while every other version's major is below 10.
    pub version_suspicious_major: u64,
    /// `typosquat`: when a look-alike is a finding.
    pub typosquat: typosquat::Policy,
}

impl Default for Thresholds {
    fn default() -> Self {
        Self {
            min_release_age_days: 7,
            recent_release_high_hours: 24,
            new_project_days: 90,
            dormant_years: 2,
            revived_within_days: 180,
            version_jump_factor: 10,
            version_jump_min: 10,
            version_suspicious_major: 90,
            typosquat: typosquat::Policy::default(),
        }
    }
}

/// Everything the checks need besides the package and its project.
#[derive(Debug, Clone)]
pub struct Context {
    /// "Now" for every age computation (the CLI's hidden `--now`, else the clock, read once).
    pub now: jiff::Timestamp,
    pub thresholds: Thresholds,
    /// Owners recorded by the last audit, by normalised name (from the cache; empty when none).
    pub previous_owners: OwnersCache,
    /// A refreshed popular-names snapshot (`load_popular_override`); `None` uses the embedded one.
    pub popular: Option<Arc<Popular>>,
    /// Who publishes the other projects the caller knows of (the audit's own projects and
    /// those [`typosquat_lookups`] asked for), by normalised name: the typosquat check's
    /// evidence of shared ownership. Empty when nothing is known.
    pub publishers: Arc<Publishers>,
}

impl Context {
    /// Default thresholds, no previous owners, the embedded popular-names snapshot.
    pub fn new(now: jiff::Timestamp) -> Self {
        Self {
            now,
            thresholds: Thresholds::default(),
            previous_owners: OwnersCache::default(),
            popular: None,
            publishers: Arc::default(),
        }
    }

    /// The popular-names snapshot in use.
    pub fn popular(&self) -> &Popular {
        match &self.popular {
            Some(p) => p,
            None => typosquat::embedded(),
        }
    }
}

pub use typosquat::load_popular_override;

/// The projects whose index data would show whether `project`, when its name resembles a popular
/// project, shares that project's publisher (see [`related::lookups`]). The caller looks them up
/// (through the index client and its cache) and adds them to [`Context::publishers`].
pub fn typosquat_lookups(project: &ProjectInfo, ctx: &Context) -> Vec<String> {
    related::lookups(project, ctx.popular(), &ctx.thresholds.typosquat)
}

/// The typosquat finding for `name`, graded by what is known of its publisher.
fn typosquat_finding(
    name: &str,
    version: Option<&str>,
    candidate: &Publisher,
    ctx: &Context,
) -> Option<Finding> {
    let policy = &ctx.thresholds.typosquat;
    let assessment = typosquat::grade(name, ctx.popular(), policy)?;
    let kinship = related::kinship(
        name,
        candidate,
        &assessment.hit.imitated,
        &ctx.publishers,
        ctx.popular(),
        policy,
    );
    Some(assessment.into_finding(version, &kinship))
}

/// Whether the index attests PEP 740 provenance for the locked files.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ProvenanceStatus {
    /// The index lists a provenance object for the locked files (it verifies attestations when
    /// they are uploaded).
    Verified,
    /// The index supports provenance and has none for the locked files.
    Absent,
    /// The index does not say (no PEP 740 support, or the project is unknown).
    #[default]
    Unknown,
}

/// What the checks used, shown per package in the JSON report.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct PackageMetadata {
    /// Upload time of the locked artifact(s): the latest one, from the lockfile when it says,
    /// else from the index files of the locked version.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub upload_time: Option<jiff::Timestamp>,
    /// Earliest upload of any file of the project.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_release: Option<jiff::Timestamp>,
    /// The most recently uploaded release and when.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub latest_version: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub latest_release: Option<jiff::Timestamp>,
    /// Source repository URL (redacted), when the project metadata names one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub repository: Option<String>,
    /// `user (Role)` for every role the index lists.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub owners: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub organization: Option<String>,
    #[serde(default)]
    pub yanked: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub yanked_reason: Option<String>,
    #[serde(default)]
    pub provenance: ProvenanceStatus,
}

/// Run every metadata check for one package.
///
/// `project` is `None` when the index could not be asked (offline without a cache entry, or a
/// non-index source): only the checks that need no index data run then (typosquat, and the
/// release age when the lockfile records upload times).
pub fn check(
    pkg: &LockedPackage,
    project: Option<&ProjectInfo>,
    ctx: &Context,
) -> (Vec<Finding>, PackageMetadata) {
    let mut findings = Vec::new();
    let mut meta = PackageMetadata::default();
    let name = pkg.name.normalized.as_str();
    let version = pkg.version.as_deref();

    // The user's own code (workspace members, local paths) is not imitating anyone.
    let own_code = matches!(pkg.source, Source::Virtual { .. } | Source::Path { .. });
    if !own_code {
        let candidate = project.map(Publisher::of).unwrap_or_default();
        findings.extend(typosquat_finding(name, version, &candidate, ctx));
    }

    let view = project.map(|p| ProjectView::new(pkg, p));
    meta.upload_time = age::locked_upload_time(pkg, view.as_ref()).map(|(t, _)| t);
    findings.extend(age::recent_release(pkg, view.as_ref(), ctx));

    if let (Some(project), Some(view)) = (project, view.as_ref()) {
        meta.first_release = view.first_upload();
        if let Some(latest) = view.latest_release() {
            meta.latest_version = Some(latest.version.clone());
            meta.latest_release = latest.first_upload;
        }
        findings.extend(age::new_project(pkg, view, ctx));
        findings.extend(age::dormant_revived(pkg, view, ctx));
        findings.extend(version::version_anomaly(pkg, view, ctx));
        let (yanked_finding, reason) = yanked::yanked(pkg, view);
        meta.yanked = yanked_finding.is_some();
        meta.yanked_reason = reason;
        findings.extend(yanked_finding);
        if let Some(ownership) = &project.ownership {
            meta.owners = owners::describe_roles(&ownership.roles);
            meta.organization = ownership.organization.clone();
        }
        findings.extend(owners::maintainers(pkg, project, ctx));
        if let Some(info) = &project.info {
            meta.repository = repository::repository_url(info);
            findings.extend(repository::no_source_repository(pkg, info));
            findings.extend(author::deceptive_author(
                name,
                version,
                [
                    info.author_email.as_deref(),
                    info.maintainer_email.as_deref(),
                ],
            ));
        }
        let (status, dropped) = provenance::provenance(pkg, view);
        meta.provenance = status;
        findings.extend(dropped);
    }
    (findings, meta)
}

/// The checks that need only an artifact's own metadata: typosquat on its name and
/// deceptive-author on its emails. For `pyvet scan` of a local file.
pub fn check_dist(meta: &DistMetadata, ctx: &Context) -> Vec<Finding> {
    let mut findings = Vec::new();
    let name = meta.name.as_deref().map(crate::package::normalize_name);
    let version = meta.version.as_deref();
    if let Some(name) = name.as_deref().filter(|n| !n.is_empty()) {
        findings.extend(typosquat_finding(
            name,
            version,
            &Publisher::of_dist(meta),
            ctx,
        ));
    }
    findings.extend(author::deceptive_author(
        name.as_deref().unwrap_or(""),
        version,
        [
            meta.author_email.as_deref(),
            meta.maintainer_email.as_deref(),
        ],
    ));
    findings
}

/// One version of a project as the index lists it.
#[derive(Debug)]
struct Release<'a> {
    /// PEP 440-normalised version string (raw text when it does not parse).
    version: String,
    parsed: Option<pep440_rs::Version>,
    files: Vec<&'a IndexFile>,
    /// Earliest upload among its files: when the release appeared.
    first_upload: Option<jiff::Timestamp>,
}

impl Release<'_> {
    /// Same version: PEP 440 equality when both parse (`3.1` == `3.1.0`), else the same text.
    fn is(&self, key: &str, parsed: Option<&pep440_rs::Version>) -> bool {
        match (&self.parsed, parsed) {
            (Some(a), Some(b)) => a == b,
            _ => self.version == key,
        }
    }
}

/// A project's files grouped by release, plus which release and files the lockfile pins.
#[derive(Debug)]
struct ProjectView<'a> {
    releases: Vec<Release<'a>>,
    /// Index in `releases` of the locked version, when the index lists it.
    locked: Option<usize>,
    /// The index files that the lockfile's artifacts name (all files of the locked version when
    /// the lockfile names none, or none of its names match).
    locked_files: Vec<&'a IndexFile>,
}

impl<'a> ProjectView<'a> {
    fn new(pkg: &LockedPackage, project: &'a ProjectInfo) -> Self {
        let mut releases: Vec<Release<'a>> = Vec::new();
        let mut add = |v: &str, file: Option<&'a IndexFile>| {
            let key = normalize_version(v);
            let parsed: Option<pep440_rs::Version> = key.parse().ok();
            let pos = match releases.iter().position(|r| r.is(&key, parsed.as_ref())) {
                Some(pos) => pos,
                None => {
                    releases.push(Release {
                        parsed,
                        version: key,
                        files: Vec::new(),
                        first_upload: None,
                    });
                    releases.len() - 1
                }
            };
            if let Some(f) = file {
                let r = &mut releases[pos];
                r.files.push(f);
                if let Some(t) = f.upload_time {
                    r.first_upload = Some(r.first_upload.map_or(t, |old| old.min(t)));
                }
            }
        };
        for v in &project.versions {
            add(v, None);
        }
        for f in &project.files {
            if let Some(v) = f.version.as_deref() {
                add(v, Some(f));
            }
        }
        let locked = pkg.version.as_deref().and_then(|v| {
            let key = normalize_version(v);
            let parsed: Option<pep440_rs::Version> = key.parse().ok();
            releases.iter().position(|r| r.is(&key, parsed.as_ref()))
        });
        let locked_files = match locked {
            Some(i) => {
                let all = &releases[i].files;
                let named: Vec<&IndexFile> = all
                    .iter()
                    .copied()
                    .filter(|f| pkg.artifacts.iter().any(|a| a.filename == f.filename))
                    .collect();
                if named.is_empty() {
                    all.clone()
                } else {
                    named
                }
            }
            None => Vec::new(),
        };
        Self {
            releases,
            locked,
            locked_files,
        }
    }

    fn locked_release(&self) -> Option<&Release<'a>> {
        self.locked.map(|i| &self.releases[i])
    }

    fn first_upload(&self) -> Option<jiff::Timestamp> {
        self.releases.iter().filter_map(|r| r.first_upload).min()
    }

    fn latest_release(&self) -> Option<&Release<'a>> {
        self.releases
            .iter()
            .filter(|r| r.first_upload.is_some())
            .max_by_key(|r| r.first_upload)
    }

    /// The release just below the locked one in PEP 440 order, among those `keep` accepts.
    fn previous_by_version(&self, keep: impl Fn(&Release<'a>) -> bool) -> Option<&Release<'a>> {
        let locked = self.locked_release()?.parsed.as_ref()?;
        self.releases
            .iter()
            .filter(|r| r.parsed.as_ref().is_some_and(|v| v < locked))
            .filter(|r| keep(r))
            .max_by(|a, b| a.parsed.cmp(&b.parsed))
    }
}

/// "5 hours", "3 days", "2.5 years": a human age for messages.
fn human_age(seconds: i64) -> String {
    let s = seconds.max(0);
    let plural = |n: i64, unit: &str| format!("{n} {unit}{}", if n == 1 { "" } else { "s" });
    if s < 3600 {
        plural(s / 60, "minute")
    } else if s < 48 * 3600 {
        plural(s / 3600, "hour")
    } else if s < 730 * 86400 {
        plural(s / 86400, "day")
    } else {
        format!("{:.1} years", s as f64 / (365.25 * 86400.0))
    }
}

fn seconds_between(earlier: jiff::Timestamp, later: jiff::Timestamp) -> i64 {
    later.as_second() - earlier.as_second()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn human_ages() {
        assert_eq!(human_age(59), "0 minutes");
        assert_eq!(human_age(3600), "1 hour");
        assert_eq!(human_age(5 * 3600), "5 hours");
        assert_eq!(human_age(3 * 86400), "3 days");
        assert_eq!(human_age(-5), "0 minutes");
        assert_eq!(human_age(3 * 365 * 86400), "3.0 years");
    }

    #[test]
    fn rule_ids_are_the_documented_ones() {
        let ids: Vec<&str> = RULES.iter().map(|r| r.id).collect();
        for id in [
            "recent-release",
            "new-project",
            "dormant-revived",
            "version-anomaly",
            "yanked",
            "typosquat",
            "index-confusion",
            "maintainers",
            "maintainers-changed",
            "no-source-repository",
            "deceptive-author",
            "provenance-dropped",
        ] {
            assert!(ids.contains(&id), "{id} missing");
        }
        assert_eq!(ids.len(), 12);
    }
}
