//! `yanked`: the locked release has been withdrawn on the index (PEP 592).
//!
//! Maintainers yank releases that are broken or compromised; installers skip them unless pinned,
//! and a lockfile is exactly such a pin, so it keeps installing the withdrawn files.

use super::ProjectView;
use crate::finding::{Finding, RuleInfo, Severity};
use crate::package::LockedPackage;

pub static YANKED: RuleInfo = RuleInfo {
    id: "yanked",
    severity: Severity::High,
    summary: "The locked release is yanked on the index",
    help: "The index marks the locked version's files as yanked (PEP 592): the maintainers \
           withdrew the release, often because it was broken or compromised. Installers skip \
           yanked releases unless pinned to them exactly, which is what a lockfile does. The \
           message carries the maintainers' reason when they gave one. Fix it by upgrading to a \
           release that is not yanked and locking again.",
};

/// The finding (if the locked files are yanked) and the yank reason for the report.
pub(super) fn yanked(
    pkg: &LockedPackage,
    view: &ProjectView<'_>,
) -> (Option<Finding>, Option<String>) {
    let yanked: Vec<_> = view.locked_files.iter().filter(|f| f.yanked).collect();
    if yanked.is_empty() {
        return (None, None);
    }
    let reason = yanked
        .iter()
        .filter_map(|f| f.yanked_reason.as_deref())
        .map(str::trim)
        .find(|r| !r.is_empty())
        .map(crate::redact::redact_text);
    let version = pkg.version.as_deref().unwrap_or("?");
    let message = match &reason {
        Some(r) => format!(
            "`{}` {version} is yanked on the index: {r}",
            pkg.name.normalized
        ),
        None => format!(
            "`{}` {version} is yanked on the index (no reason given)",
            pkg.name.normalized
        ),
    };
    let files: Vec<&str> = yanked.iter().map(|f| f.filename.as_str()).collect();
    let finding = YANKED
        .finding(message)
        .for_package(&pkg.name.normalized, pkg.version.as_deref())
        .with_evidence(format!(
            "yanked files: {} of {} locked",
            files.join(", "),
            view.locked_files.len()
        ));
    (Some(finding), reason)
}
