//! `version-anomaly`: a locked version far above everything the project released before it.
//!
//! Dependency-confusion attacks publish an internal package's name on a public index with a huge
//! version (`99.0`, `9000.0.1`) so that resolvers prefer it. A legitimate project moves from
//! `1.4` to `2.0`, not to `99.0`. Calendar versions (`2024.1`, `24.3`) are big numbers too, so a
//! major that matches the release's upload year is not an anomaly.

use jiff::tz::TimeZone;

use super::{Context, ProjectView};
use crate::finding::{Confidence, Finding, RuleInfo, Severity};
use crate::package::LockedPackage;

pub static VERSION_ANOMALY: RuleInfo = RuleInfo {
    id: "version-anomaly",
    severity: Severity::High,
    summary: "The locked version jumps far above the project's previous versions",
    help: "The locked version's major number is at least ten times the previous highest major \
           and at least ten more (`1.4` -> `99.0`), or at least 90 while every other version is \
           below 10, or the project's only release is already at major 90 or more. This is the \
           signature of dependency confusion: a public package that shadows an internal one by \
           claiming a higher version. Calendar versions are exempt when the major is the year \
           of upload (`2024.1`, `24.1`). A false alarm is a project that really renumbered: \
           check its changelog and repository.",
};

pub(super) fn version_anomaly(
    pkg: &LockedPackage,
    view: &ProjectView<'_>,
    ctx: &Context,
) -> Option<Finding> {
    let th = &ctx.thresholds;
    let locked_text = pkg.version.as_deref()?;
    let locked: pep440_rs::Version = locked_text.parse().ok()?;
    let major = locked.release().first().copied().unwrap_or(0);
    let others: Vec<&pep440_rs::Version> = view
        .releases
        .iter()
        .filter_map(|r| r.parsed.as_ref())
        .filter(|v| **v != locked)
        .collect();

    // Calendar versioning: the major is the (two- or four-digit) year the release appeared, or
    // when unknown, a year up to the year after "now".
    let year_of = |t: jiff::Timestamp| i64::from(t.to_zoned(TimeZone::UTC).year());
    let uploaded = view.locked_release().and_then(|r| r.first_upload);
    let calver = match uploaded {
        Some(t) => {
            let y = year_of(t);
            let m = major as i64;
            (y - 1..=y + 1).contains(&m) || (y % 100 - 1..=y % 100 + 1).contains(&m)
        }
        None => (1990..=year_of(ctx.now) + 1).contains(&(major as i64)),
    };
    if calver {
        return None;
    }

    let previous = others.iter().filter(|v| **v < &locked).max();
    let reason = match previous {
        Some(prev) => {
            let prev_major = prev.release().first().copied().unwrap_or(0);
            let jump = major >= th.version_jump_factor.saturating_mul(prev_major.max(1))
                && major >= prev_major.saturating_add(th.version_jump_min);
            let all_small = others
                .iter()
                .all(|v| v.release().first().copied().unwrap_or(0) < 10);
            if !(jump || (major >= th.version_suspicious_major && all_small)) {
                return None;
            }
            format!("the previous highest version was {prev}")
        }
        None if others.is_empty() && major >= th.version_suspicious_major => {
            "it is the project's only release".to_string()
        }
        None => return None,
    };
    let listed = {
        let mut all: Vec<String> = others.iter().map(|v| v.to_string()).collect();
        all.sort();
        if all.len() > 10 {
            let n = all.len();
            all.truncate(10);
            all.push(format!("... ({n} in all)"));
        }
        all.join(", ")
    };
    Some(
        VERSION_ANOMALY
            .finding(format!(
                "`{}` {locked} is a suspicious version jump: {reason}",
                pkg.name.normalized
            ))
            .with_confidence(Confidence::Medium)
            .for_package(&pkg.name.normalized, pkg.version.as_deref())
            .with_evidence(if listed.is_empty() {
                format!("locked {locked}; no other versions on the index")
            } else {
                format!("locked {locked}; other versions: {listed}")
            }),
    )
}
