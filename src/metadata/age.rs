//! Age checks: a release uploaded moments ago (`recent-release`), a project that did not exist a
//! season ago (`new-project`), and a project that woke up after years of silence
//! (`dormant-revived`). Most malicious uploads are caught and removed within days, so waiting
//! is a cheap defence; a takeover of an abandoned name shows up as a sudden revival.

use jiff::Timestamp;

use super::{human_age, seconds_between, Context, ProjectView};
use crate::finding::{Confidence, Finding, RuleInfo, Severity};
use crate::package::LockedPackage;

pub static RECENT_RELEASE: RuleInfo = RuleInfo {
    id: "recent-release",
    severity: Severity::Medium,
    summary: "The locked artifact was uploaded less than the minimum release age ago",
    help: "The artifact the lockfile pins was uploaded to the index recently (less than \
           `min-release-age`, 7 days by default; high when under 24 hours). Most malicious \
           releases, including compromised maintainers' accounts, are detected and removed \
           within days, so holding back fresh uploads is a cheap defence. The upload time comes \
           from the lockfile when it records one (uv.lock, pylock.toml), else from the index \
           files of that version (the latest of them). A false alarm is an ordinary new release \
           you need now: review it, or wait and audit again.",
};

pub static NEW_PROJECT: RuleInfo = RuleInfo {
    id: "new-project",
    severity: Severity::Medium,
    summary: "The project's first release is younger than the new-project threshold",
    help: "The earliest file the index lists for this project was uploaded less than 90 days \
           ago (`new-project-days`). Brand-new projects have no track record and include most \
           typosquats and dependency-confusion packages. A false alarm is a genuinely new project \
           you chose deliberately: check its author and repository, then suppress.",
};

pub static DORMANT_REVIVED: RuleInfo = RuleInfo {
    id: "dormant-revived",
    severity: Severity::Medium,
    summary: "The locked release ended a silence of years, and is itself recent",
    help: "No release was uploaded for at least two years (`dormant-years`) before the locked \
           one, and the locked release is at most 180 days old. Abandoned projects are taken over \
           through expired maintainer email domains or handed to strangers, and the first sign \
           is a sudden new release. Old revivals are not reported: once a revived release has \
           been public for half a year the history is noise. A false alarm is a maintainer \
           returning: check that the release comes from the known people and repository.",
};

/// Upload time of the locked artifact(s) and where it came from: the latest of the lockfile's
/// own upload times, else the latest upload among the index files of the locked version.
pub(super) fn locked_upload_time(
    pkg: &LockedPackage,
    view: Option<&ProjectView<'_>>,
) -> Option<(Timestamp, &'static str)> {
    if let Some(t) = pkg.artifacts.iter().filter_map(|a| a.upload_time).max() {
        return Some((t, "the lockfile"));
    }
    let view = view?;
    view.locked_files
        .iter()
        .filter_map(|f| f.upload_time)
        .max()
        .map(|t| (t, "the index"))
}

pub(super) fn recent_release(
    pkg: &LockedPackage,
    view: Option<&ProjectView<'_>>,
    ctx: &Context,
) -> Option<Finding> {
    let (uploaded, from) = locked_upload_time(pkg, view)?;
    let th = &ctx.thresholds;
    let age = seconds_between(uploaded, ctx.now);
    if age >= th.min_release_age_days.saturating_mul(86400) {
        return None;
    }
    let severity = if age < th.recent_release_high_hours.saturating_mul(3600) {
        Severity::High
    } else {
        Severity::Medium
    };
    let version = pkg.version.as_deref().unwrap_or("?");
    let when = if age < 0 {
        format!("{} after now", human_age(-age))
    } else {
        format!("{} before now", human_age(age))
    };
    let message = format!(
        "`{}` {version} was uploaded {} (minimum release age: {} days)",
        pkg.name.normalized,
        if age < 0 {
            "after the time of this audit".to_string()
        } else {
            format!("{} ago", human_age(age))
        },
        th.min_release_age_days
    );
    Some(
        RECENT_RELEASE
            .finding(message)
            .with_severity(severity)
            .for_package(&pkg.name.normalized, pkg.version.as_deref())
            .with_evidence(format!(
                "uploaded {uploaded} (from {from}), {when} ({})",
                ctx.now
            )),
    )
}

pub(super) fn new_project(
    pkg: &LockedPackage,
    view: &ProjectView<'_>,
    ctx: &Context,
) -> Option<Finding> {
    let first = view.first_upload()?;
    let age = seconds_between(first, ctx.now);
    if age >= ctx.thresholds.new_project_days.saturating_mul(86400) {
        return None;
    }
    let first_file = view
        .releases
        .iter()
        .flat_map(|r| r.files.iter())
        .filter(|f| f.upload_time == Some(first))
        .map(|f| f.filename.as_str())
        .next()
        .unwrap_or("?");
    Some(
        NEW_PROJECT
            .finding(format!(
                "`{}` is a new project: its first release was uploaded {} ago",
                pkg.name.normalized,
                human_age(age)
            ))
            .for_package(&pkg.name.normalized, pkg.version.as_deref())
            .with_evidence(format!(
                "first upload {first} ({first_file}), {} releases listed; threshold {} days",
                view.releases.len(),
                ctx.thresholds.new_project_days
            )),
    )
}

pub(super) fn dormant_revived(
    pkg: &LockedPackage,
    view: &ProjectView<'_>,
    ctx: &Context,
) -> Option<Finding> {
    let locked = view.locked_release()?;
    let released = locked.first_upload?;
    let th = &ctx.thresholds;
    if seconds_between(released, ctx.now) > th.revived_within_days.saturating_mul(86400) {
        return None;
    }
    let previous = view
        .releases
        .iter()
        .filter(|r| r.version != locked.version)
        .filter_map(|r| r.first_upload.map(|t| (t, r)))
        .filter(|(t, _)| *t < released)
        .max_by_key(|(t, _)| *t)?;
    let gap = seconds_between(previous.0, released);
    // Years of 365 days: two years is 730 days, whether or not they span a leap day.
    if gap < th.dormant_years.saturating_mul(365 * 86400) {
        return None;
    }
    Some(
        DORMANT_REVIVED
            .finding(format!(
                "`{}` {} came after {} without any release",
                pkg.name.normalized,
                locked.version,
                human_age(gap)
            ))
            .with_confidence(Confidence::Medium)
            .for_package(&pkg.name.normalized, pkg.version.as_deref())
            .with_evidence(format!(
                "previous release {} uploaded {}; {} uploaded {released}, {} before now",
                previous.1.version,
                previous.0,
                locked.version,
                human_age(seconds_between(released, ctx.now))
            )),
    )
}
