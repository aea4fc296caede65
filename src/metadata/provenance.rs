//! `provenance-dropped`: earlier releases were published with PEP 740 provenance (an
//! attestation tying the files to a source repository and build), the locked one was not.
//!
//! Projects that publish from CI with trusted publishing get provenance on every release; a
//! release without it was most likely uploaded by hand, possibly with a stolen token. When the
//! index does not expose provenance at all (`has_provenance == None`) nothing is said.

use super::{ProjectView, ProvenanceStatus};
use crate::finding::{Confidence, Finding, RuleInfo, Severity};
use crate::package::LockedPackage;

pub static PROVENANCE_DROPPED: RuleInfo = RuleInfo {
    id: "provenance-dropped",
    severity: Severity::High,
    summary: "Earlier releases had PEP 740 provenance; the locked release has none",
    help: "The release before the locked one (in version order) was published with provenance \
           attestations (PEP 740: signed statements that the files were built from a given \
           repository by a given CI workflow), and the locked release's files have none. \
           Projects that publish from CI keep doing so; a release without provenance was most \
           likely uploaded by other means, which is how stolen upload tokens are used. Reported \
           only when the index says whether files have provenance. A false alarm is a project \
           that changed its release process: check its repository and announcements.",
};

/// The provenance status of the locked files, and the finding if provenance was dropped.
pub(super) fn provenance(
    pkg: &LockedPackage,
    view: &ProjectView<'_>,
) -> (ProvenanceStatus, Option<Finding>) {
    let known: Vec<bool> = view
        .locked_files
        .iter()
        .filter_map(|f| f.has_provenance)
        .collect();
    let status = if known.iter().any(|&b| b) {
        ProvenanceStatus::Verified
    } else if !known.is_empty() {
        ProvenanceStatus::Absent
    } else {
        ProvenanceStatus::Unknown
    };
    if status != ProvenanceStatus::Absent {
        return (status, None);
    }
    // The closest earlier release whose provenance the index reports either way.
    let Some(previous) =
        view.previous_by_version(|r| r.files.iter().any(|f| f.has_provenance.is_some()))
    else {
        return (status, None);
    };
    let attested: Vec<&str> = previous
        .files
        .iter()
        .filter(|f| f.has_provenance == Some(true))
        .map(|f| f.filename.as_str())
        .collect();
    if attested.is_empty() {
        return (status, None);
    }
    let version = pkg.version.as_deref().unwrap_or("?");
    let locked_names: Vec<&str> = view
        .locked_files
        .iter()
        .map(|f| f.filename.as_str())
        .collect();
    let finding = PROVENANCE_DROPPED
        .finding(format!(
            "`{}` {version} has no provenance, but the previous release {} had",
            pkg.name.normalized, previous.version
        ))
        .with_confidence(Confidence::Medium)
        .for_package(&pkg.name.normalized, pkg.version.as_deref())
        .with_evidence(format!(
            "with provenance in {}: {}; without in {version}: {}",
            previous.version,
            attested.join(", "),
            locked_names.join(", ")
        ));
    (status, Some(finding))
}
