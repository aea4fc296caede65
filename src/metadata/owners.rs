//! Maintainers: who can publish a project (`maintainers`, informational), and whether that set
//! changed since the last audit (`maintainers-changed`).
//!
//! Account takeovers and hand-overs of abandoned projects show up as new owners. The pipeline
//! keeps an [`OwnersCache`] (normalised name -> [`OwnersRecord`]) from the previous audit in its
//! cache directory, passes it in `Context::previous_owners`, and stores the result of
//! [`update_owners_cache`] after the audit. Only indexes that expose ownership are covered.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use super::Context;
use crate::finding::{Finding, RuleInfo, Severity};
use crate::package::LockedPackage;
use crate::project::{ProjectInfo, Role};

pub static MAINTAINERS: RuleInfo = RuleInfo {
    id: "maintainers",
    severity: Severity::Info,
    summary: "Who can publish this project (owners, maintainers, organisation)",
    help: "Lists the accounts and organisation that the index says can publish new releases of \
           the project. Informational: it tells you whom you trust when you install it. \
           Reported only when the index exposes ownership.",
};

pub static MAINTAINERS_CHANGED: RuleInfo = RuleInfo {
    id: "maintainers-changed",
    severity: Severity::Medium,
    summary: "The project's owners or organisation changed since the last audit",
    help: "The accounts (or their roles) or the organisation that can publish the project differ \
           from those recorded by the previous audit. New owners are how abandoned or stolen \
           projects get malicious releases; most changes are ordinary team changes, so check \
           who was added and whether the project announced it. Compared only when a previous \
           audit recorded the owners.",
};

/// The owners of one project as recorded by an audit.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct OwnersRecord {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub organization: Option<String>,
    /// Sorted, de-duplicated.
    #[serde(default)]
    pub roles: Vec<Role>,
    /// When the audit recorded it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recorded_at: Option<jiff::Timestamp>,
}

/// Owners recorded by the last audit, by normalised project name. Serialise it as JSON in the
/// cache directory.
pub type OwnersCache = BTreeMap<String, OwnersRecord>;

/// The record to store for a project, when the index exposes its ownership.
pub fn owners_record(project: &ProjectInfo, now: jiff::Timestamp) -> Option<OwnersRecord> {
    let ownership = project.ownership.as_ref()?;
    let mut roles: Vec<Role> = ownership
        .roles
        .iter()
        .map(|r| Role {
            user: r.user.trim().to_string(),
            role: r.role.trim().to_string(),
        })
        .filter(|r| !r.user.is_empty())
        .collect();
    roles.sort();
    roles.dedup();
    Some(OwnersRecord {
        organization: ownership
            .organization
            .as_deref()
            .map(str::trim)
            .filter(|o| !o.is_empty())
            .map(str::to_string),
        roles,
        recorded_at: Some(now),
    })
}

/// Record the current owners of `project` in `cache` (a project whose ownership the index does
/// not expose keeps its previous record, so one offline run does not erase history).
pub fn update_owners_cache(cache: &mut OwnersCache, project: &ProjectInfo, now: jiff::Timestamp) {
    if let Some(record) = owners_record(project, now) {
        cache.insert(crate::package::normalize_name(&project.name), record);
    }
}

/// `user (Role)` strings for the report.
pub(super) fn describe_roles(roles: &[Role]) -> Vec<String> {
    let mut out: Vec<String> = roles
        .iter()
        .map(|r| {
            if r.role.trim().is_empty() {
                r.user.clone()
            } else {
                format!("{} ({})", r.user, r.role)
            }
        })
        .collect();
    out.sort();
    out.dedup();
    out
}

pub(super) fn maintainers(
    pkg: &LockedPackage,
    project: &ProjectInfo,
    ctx: &Context,
) -> Vec<Finding> {
    let Some(current) = owners_record(project, ctx.now) else {
        return Vec::new();
    };
    let name = pkg.name.normalized.as_str();
    let version = pkg.version.as_deref();
    let mut findings = Vec::new();
    if !current.roles.is_empty() || current.organization.is_some() {
        let owners = describe_roles(&current.roles);
        let mut parts = Vec::new();
        if !owners.is_empty() {
            parts.push(format!("owners: {}", owners.join(", ")));
        }
        if let Some(org) = &current.organization {
            parts.push(format!("organization: {org}"));
        }
        findings.push(
            MAINTAINERS
                .finding(format!("`{name}` can be published by {}", parts.join("; ")))
                .for_package(name, version),
        );
    }
    if let Some(previous) = ctx.previous_owners.get(name) {
        if let Some(change) = describe_change(previous, &current) {
            let since = previous
                .recorded_at
                .map(|t| format!(" (recorded {t})"))
                .unwrap_or_default();
            findings.push(
                MAINTAINERS_CHANGED
                    .finding(format!(
                        "`{name}` owners changed since the last audit: {change}"
                    ))
                    .for_package(name, version)
                    .with_evidence(format!(
                        "before{since}: {}; now: {}",
                        summary(previous),
                        summary(&current)
                    )),
            );
        }
    }
    findings
}

fn summary(r: &OwnersRecord) -> String {
    let mut s = describe_roles(&r.roles).join(", ");
    if s.is_empty() {
        s = "no owners listed".into();
    }
    if let Some(org) = &r.organization {
        s.push_str(&format!("; organization {org}"));
    }
    s
}

/// What changed between two records, or `None` when nothing did. Users compare
/// case-insensitively (index accounts are case-insensitive).
fn describe_change(before: &OwnersRecord, after: &OwnersRecord) -> Option<String> {
    let by_user = |r: &OwnersRecord| -> BTreeMap<String, BTreeSet<String>> {
        let mut m: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
        for role in &r.roles {
            m.entry(role.user.to_lowercase())
                .or_default()
                .insert(role.role.to_lowercase());
        }
        m
    };
    let (old, new) = (by_user(before), by_user(after));
    let mut parts = Vec::new();
    let added: Vec<&str> = new
        .keys()
        .filter(|u| !old.contains_key(*u))
        .map(String::as_str)
        .collect();
    let removed: Vec<&str> = old
        .keys()
        .filter(|u| !new.contains_key(*u))
        .map(String::as_str)
        .collect();
    let changed: Vec<String> = new
        .iter()
        .filter_map(|(u, roles)| {
            let before = old.get(u)?;
            (before != roles).then(|| {
                let fmt = |s: &BTreeSet<String>| s.iter().cloned().collect::<Vec<_>>().join("+");
                format!("{u} {} -> {}", fmt(before), fmt(roles))
            })
        })
        .collect();
    if !added.is_empty() {
        parts.push(format!("added {}", added.join(", ")));
    }
    if !removed.is_empty() {
        parts.push(format!("removed {}", removed.join(", ")));
    }
    if !changed.is_empty() {
        parts.push(format!("role changed: {}", changed.join(", ")));
    }
    let norm_org = |o: &Option<String>| o.as_deref().map(str::to_lowercase);
    if norm_org(&before.organization) != norm_org(&after.organization) {
        parts.push(format!(
            "organization {} -> {}",
            before.organization.as_deref().unwrap_or("none"),
            after.organization.as_deref().unwrap_or("none")
        ));
    }
    (!parts.is_empty()).then(|| parts.join("; "))
}
