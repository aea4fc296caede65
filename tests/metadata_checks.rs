//! Metadata checks against hand-written `ProjectInfo` fixtures (testdata/metadata/*.json), with
//! a fixed "now" so ages are reproducible.

use std::collections::BTreeSet;

use pyvet::archive::DistMetadata;
use pyvet::finding::{Finding, Severity};
use pyvet::metadata::{
    self, check, check_dist, index_confusion, owners_record, update_owners_cache, Context,
    OwnersCache, OwnersRecord, PackageMetadata, ProvenanceStatus,
};
use pyvet::package::{Artifact, LockedPackage, Source};
use pyvet::project::{ProjectInfo, Role};

const NOW: &str = "2026-11-26T12:00:00Z";

fn ts(s: &str) -> jiff::Timestamp {
    s.parse().unwrap()
}

fn fixture(name: &str) -> ProjectInfo {
    let path = format!(
        "{}/testdata/metadata/{name}.json",
        env!("CARGO_MANIFEST_DIR")
    );
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn registry_pkg(name: &str, version: &str) -> LockedPackage {
    LockedPackage::new(name, Some(version.into()), Source::Registry { url: None })
}

fn ctx() -> Context {
    Context::new(ts(NOW))
}

fn run(name: &str, version: &str, fixture_name: &str) -> (Vec<Finding>, PackageMetadata) {
    check(
        &registry_pkg(name, version),
        Some(&fixture(fixture_name)),
        &ctx(),
    )
}

fn rules(findings: &[Finding]) -> BTreeSet<&str> {
    findings.iter().map(|f| f.rule.as_str()).collect()
}

fn only<'a>(findings: &'a [Finding], rule: &str) -> &'a Finding {
    let hits: Vec<&Finding> = findings.iter().filter(|f| f.rule == rule).collect();
    assert_eq!(hits.len(), 1, "expected one {rule} in {findings:#?}");
    hits[0]
}

#[test]
fn findings_are_package_level_and_documented() {
    let (findings, _) = run("fresh-lib", "0.1.1", "new");
    assert!(!findings.is_empty());
    for f in &findings {
        assert_eq!(f.package.as_deref(), Some("fresh-lib"), "{f:?}");
        assert!(f.location.path.is_none(), "{f:?}");
        assert!(
            metadata::RULES.iter().any(|r| r.id == f.rule),
            "{} is not in RULES",
            f.rule
        );
    }
}

#[test]
fn old_well_behaved_project_has_only_the_maintainers_note() {
    let (findings, meta) = run("stable-lib", "2.1", "old");
    assert_eq!(
        rules(&findings),
        BTreeSet::from(["maintainers"]),
        "{findings:#?}"
    );
    let m = only(&findings, "maintainers");
    assert_eq!(m.severity, Severity::Info);
    assert!(
        m.message.contains("alice (Owner)") && m.message.contains("acme-corp"),
        "{}",
        m.message
    );

    assert_eq!(meta.upload_time, Some(ts("2024-05-01T10:02:00Z")));
    assert_eq!(meta.first_release, Some(ts("2019-01-10T09:00:00Z")));
    assert_eq!(meta.latest_version.as_deref(), Some("2.1"));
    assert_eq!(meta.latest_release, Some(ts("2024-05-01T10:00:00Z")));
    assert_eq!(
        meta.repository.as_deref(),
        Some("https://github.com/acme-corp/stable-lib")
    );
    assert_eq!(meta.owners, vec!["alice (Owner)", "bob (Maintainer)"]);
    assert_eq!(meta.organization.as_deref(), Some("acme-corp"));
    assert!(!meta.yanked);
    assert_eq!(meta.provenance, ProvenanceStatus::Verified);
}

#[test]
fn package_metadata_serialises_for_the_report() {
    let (_, meta) = run("stable-lib", "2.1", "old");
    let json = serde_json::to_value(&meta).unwrap();
    assert_eq!(json["provenance"], "verified");
    assert_eq!(json["first_release"], "2019-01-10T09:00:00Z");
    assert_eq!(json["owners"][1], "bob (Maintainer)");
    let back: PackageMetadata = serde_json::from_value(json).unwrap();
    assert_eq!(back, meta);
}

// ---- recent-release -------------------------------------------------------------------------

#[test]
fn recent_release_from_index_times_is_high_under_a_day() {
    let (findings, meta) = run("fresh-lib", "0.1.1", "new");
    let f = only(&findings, "recent-release");
    assert_eq!(f.severity, Severity::High);
    // The latest upload among the version's files, and where it came from.
    let ev = f.evidence.as_deref().unwrap();
    assert!(
        ev.contains("uploaded 2026-11-26T02:01:00Z (from the index)"),
        "{ev}"
    );
    assert!(ev.contains("9 hours before now"), "{ev}");
    assert_eq!(meta.upload_time, Some(ts("2026-11-26T02:01:00Z")));
}

#[test]
fn recent_release_prefers_the_lockfile_upload_time() {
    let mut pkg = registry_pkg("fresh-lib", "0.1.1");
    let mut a = Artifact::new("fresh_lib-0.1.1-py3-none-any.whl");
    a.upload_time = Some(ts("2026-11-22T12:00:00Z"));
    pkg.artifacts.push(a);
    let (findings, meta) = check(&pkg, Some(&fixture("new")), &ctx());
    let f = only(&findings, "recent-release");
    assert_eq!(f.severity, Severity::Medium);
    assert!(f.message.contains("4 days ago"), "{}", f.message);
    assert!(f.evidence.as_deref().unwrap().contains("from the lockfile"));
    assert_eq!(meta.upload_time, Some(ts("2026-11-22T12:00:00Z")));

    // Offline (no project info): the lockfile's own time still works.
    let (offline, _) = check(&pkg, None, &ctx());
    assert_eq!(rules(&offline), BTreeSet::from(["recent-release"]));
}

#[test]
fn recent_release_respects_the_threshold() {
    let mut c = ctx();
    c.thresholds.min_release_age_days = 0;
    c.thresholds.recent_release_high_hours = 0;
    let (findings, _) = check(
        &registry_pkg("fresh-lib", "0.1.1"),
        Some(&fixture("new")),
        &c,
    );
    assert!(!rules(&findings).contains("recent-release"));
    // Old release, default thresholds: nothing.
    let (findings, _) = run("fresh-lib", "0.1.0", "new");
    assert!(
        !rules(&findings).contains("recent-release"),
        "{findings:#?}"
    );
    // Nothing known at all: nothing said.
    let (findings, meta) = check(&registry_pkg("fresh-lib", "0.1.1"), None, &ctx());
    assert!(findings.is_empty(), "{findings:#?}");
    assert_eq!(meta, PackageMetadata::default());
}

#[test]
fn upload_after_now_is_reported() {
    let mut c = ctx();
    c.now = ts("2026-11-25T00:00:00Z");
    let (findings, _) = check(
        &registry_pkg("fresh-lib", "0.1.1"),
        Some(&fixture("new")),
        &c,
    );
    let f = only(&findings, "recent-release");
    assert_eq!(f.severity, Severity::High);
    assert!(
        f.message.contains("after the time of this audit"),
        "{}",
        f.message
    );
}

// ---- new-project ----------------------------------------------------------------------------

#[test]
fn new_project_is_reported_and_old_one_is_not() {
    let (findings, meta) = run("fresh-lib", "0.1.0", "new");
    let f = only(&findings, "new-project");
    assert_eq!(f.severity, Severity::Medium);
    assert!(f.message.contains("37 days ago"), "{}", f.message);
    assert!(f
        .evidence
        .as_deref()
        .unwrap()
        .contains("fresh_lib-0.1.0.tar.gz"));
    assert_eq!(meta.first_release, Some(ts("2026-10-20T08:00:00Z")));

    let mut c = ctx();
    c.now = ts("2027-03-01T00:00:00Z");
    let (later, _) = check(
        &registry_pkg("fresh-lib", "0.1.0"),
        Some(&fixture("new")),
        &c,
    );
    assert!(!rules(&later).contains("new-project"));
    let (old, _) = run("stable-lib", "1.0", "old");
    assert!(!rules(&old).contains("new-project"));
}

// ---- dormant-revived ------------------------------------------------------------------------

#[test]
fn revival_after_years_of_silence_is_reported() {
    let (findings, _) = run("sleepy-lib", "1.2", "revived");
    let f = only(&findings, "dormant-revived");
    assert_eq!(f.severity, Severity::Medium);
    assert!(f.message.contains("7.3 years"), "{}", f.message);
    let ev = f.evidence.as_deref().unwrap();
    assert!(
        ev.contains("previous release 1.1 uploaded 2019-06-01T12:00:00Z"),
        "{ev}"
    );
}

#[test]
fn short_gaps_and_old_revivals_are_not() {
    // 1.0 -> 1.1 is 16 months.
    let (findings, _) = run("sleepy-lib", "1.1", "revived");
    assert!(!rules(&findings).contains("dormant-revived"));
    // The revival is more than 180 days old by now.
    let mut c = ctx();
    c.now = ts("2027-06-01T00:00:00Z");
    let (findings, _) = check(
        &registry_pkg("sleepy-lib", "1.2"),
        Some(&fixture("revived")),
        &c,
    );
    assert!(!rules(&findings).contains("dormant-revived"));
    // A continuously maintained project.
    let (findings, _) = run("stable-lib", "2.1", "old");
    assert!(!rules(&findings).contains("dormant-revived"));
}

// ---- version-anomaly ------------------------------------------------------------------------

#[test]
fn dependency_confusion_version_jump_is_reported() {
    let (findings, _) = run("internal-tool", "99.0", "version-jump");
    let f = only(&findings, "version-anomaly");
    assert_eq!(f.severity, Severity::High);
    assert!(
        f.message.contains("previous highest version was 1.4"),
        "{}",
        f.message
    );
    let (findings, _) = run("internal-tool", "1.4", "version-jump");
    assert!(!rules(&findings).contains("version-anomaly"));
}

#[test]
fn calendar_versions_are_not_anomalies() {
    for v in ["2024.1", "2025.3"] {
        let (findings, _) = run("calendar-lib", v, "calver");
        assert!(
            !rules(&findings).contains("version-anomaly"),
            "{v}: {findings:#?}"
        );
    }
}

fn project_with_versions(name: &str, versions: &[(&str, &str)]) -> ProjectInfo {
    let files = versions
        .iter()
        .map(|(v, t)| pyvet::project::IndexFile {
            filename: format!("{name}-{v}.tar.gz"),
            url: format!("https://files.example.invalid/{name}-{v}.tar.gz"),
            version: Some(v.to_string()),
            upload_time: Some(ts(t)),
            ..Default::default()
        })
        .collect();
    ProjectInfo {
        name: name.into(),
        index_url: "https://index.example.invalid/simple/".into(),
        versions: versions.iter().map(|(v, _)| v.to_string()).collect(),
        files,
        ..Default::default()
    }
}

/// (version, upload time) pairs.
type Releases = &'static [(&'static str, &'static str)];

#[test]
fn version_jump_rules() {
    let cases: &[(Releases, &str, bool)] = &[
        (
            &[
                ("1.4", "2020-01-01T00:00:00Z"),
                ("11.0", "2021-01-01T00:00:00Z"),
            ],
            "11.0",
            true,
        ),
        (
            &[
                ("1.4", "2020-01-01T00:00:00Z"),
                ("3.0", "2021-01-01T00:00:00Z"),
            ],
            "3.0",
            false,
        ),
        (
            &[
                ("5.0", "2020-01-01T00:00:00Z"),
                ("20.0", "2021-01-01T00:00:00Z"),
            ],
            "20.0",
            false,
        ),
        (
            &[
                ("9.1", "2020-01-01T00:00:00Z"),
                ("90.0", "2021-01-01T00:00:00Z"),
            ],
            "90.0",
            true,
        ),
        (&[("99.0", "2025-01-01T00:00:00Z")], "99.0", true),
        (&[("1.0", "2025-01-01T00:00:00Z")], "1.0", false),
        (
            &[
                ("0.9", "2020-01-01T00:00:00Z"),
                ("9000.0.1", "2021-01-01T00:00:00Z"),
            ],
            "9000.0.1",
            true,
        ),
        // Locked below a high version: the anomaly is elsewhere, not in what is locked.
        (
            &[
                ("1.4", "2020-01-01T00:00:00Z"),
                ("99.0", "2021-01-01T00:00:00Z"),
            ],
            "1.4",
            false,
        ),
        // Not PEP 440: no verdict.
        (
            &[
                ("1.4", "2020-01-01T00:00:00Z"),
                ("banana", "2021-01-01T00:00:00Z"),
            ],
            "banana",
            false,
        ),
    ];
    for (versions, locked, expect) in cases {
        let project = project_with_versions("jumper", versions);
        let (findings, _) = check(&registry_pkg("jumper", locked), Some(&project), &ctx());
        assert_eq!(
            rules(&findings).contains("version-anomaly"),
            *expect,
            "{versions:?} locked {locked}: {findings:#?}"
        );
    }
}

// ---- yanked ---------------------------------------------------------------------------------

#[test]
fn yanked_release_is_reported_with_its_reason_redacted() {
    let (findings, meta) = run("withdrawn-lib", "3.1.0", "yanked");
    let f = only(&findings, "yanked");
    assert_eq!(f.severity, Severity::High);
    assert!(f.message.contains("compromised release"), "{}", f.message);
    assert!(!f.message.contains("hunter2"), "{}", f.message);
    assert!(meta.yanked);
    assert!(meta
        .yanked_reason
        .as_deref()
        .unwrap()
        .starts_with("compromised release"));
    assert!(!meta.yanked_reason.as_deref().unwrap().contains("hunter2"));

    let (findings, meta) = run("withdrawn-lib", "3.0.0", "yanked");
    assert!(!rules(&findings).contains("yanked"));
    assert!(!meta.yanked && meta.yanked_reason.is_none());
}

#[test]
fn yanked_matches_versions_after_pep440_normalisation() {
    let (findings, _) = run("withdrawn-lib", "3.1", "yanked");
    assert!(rules(&findings).contains("yanked"), "{findings:#?}");
}

// ---- maintainers ----------------------------------------------------------------------------

fn previous_owners() -> OwnersCache {
    OwnersCache::from([(
        "handed-over".to_string(),
        OwnersRecord {
            organization: Some("old-owners".into()),
            roles: vec![
                Role {
                    user: "alice".into(),
                    role: "Owner".into(),
                },
                Role {
                    user: "bob".into(),
                    role: "Maintainer".into(),
                },
            ],
            recorded_at: Some(ts("2026-10-01T00:00:00Z")),
        },
    )])
}

#[test]
fn changed_owners_are_reported() {
    let mut c = ctx();
    c.previous_owners = previous_owners();
    let (findings, meta) = check(
        &registry_pkg("handed-over", "1.0"),
        Some(&fixture("owners-renamed")),
        &c,
    );
    let f = only(&findings, "maintainers-changed");
    assert_eq!(f.severity, Severity::Medium);
    assert!(f.message.contains("added mallory"), "{}", f.message);
    assert!(
        !f.message.contains("added alice"),
        "case-insensitive users: {}",
        f.message
    );
    assert!(
        f.message.contains("bob maintainer -> owner"),
        "{}",
        f.message
    );
    assert!(
        f.message
            .contains("organization old-owners -> new-owners-inc"),
        "{}",
        f.message
    );
    assert!(f
        .evidence
        .as_deref()
        .unwrap()
        .contains("recorded 2026-10-01T00:00:00Z"));
    assert_eq!(meta.organization.as_deref(), Some("new-owners-inc"));
    assert_eq!(meta.owners.len(), 3);
}

#[test]
fn unchanged_or_unrecorded_owners_are_not() {
    let project = fixture("owners-renamed");
    // No previous record.
    let (findings, _) = check(&registry_pkg("handed-over", "1.0"), Some(&project), &ctx());
    assert_eq!(rules(&findings), BTreeSet::from(["maintainers"]));
    // The record computed last time, stored and loaded again.
    let mut cache = OwnersCache::new();
    update_owners_cache(&mut cache, &project, ts("2026-11-01T00:00:00Z"));
    let stored = serde_json::to_string(&cache).unwrap();
    let mut c = ctx();
    c.previous_owners = serde_json::from_str(&stored).unwrap();
    let (findings, _) = check(&registry_pkg("handed-over", "1.0"), Some(&project), &c);
    assert!(
        !rules(&findings).contains("maintainers-changed"),
        "{findings:#?}"
    );
}

#[test]
fn owners_cache_keeps_history_when_ownership_is_unknown() {
    let mut cache = previous_owners();
    let mut project = fixture("owners-renamed");
    project.ownership = None;
    update_owners_cache(&mut cache, &project, ts(NOW));
    assert_eq!(cache, previous_owners());
    assert!(owners_record(&project, ts(NOW)).is_none());
    // Unknown ownership: no maintainers findings at all.
    let mut c = ctx();
    c.previous_owners = previous_owners();
    let (findings, meta) = check(&registry_pkg("handed-over", "1.0"), Some(&project), &c);
    assert!(
        findings.iter().all(|f| !f.rule.starts_with("maintainers")),
        "{findings:#?}"
    );
    assert!(meta.owners.is_empty());
}

// ---- no-source-repository -------------------------------------------------------------------

#[test]
fn missing_repository_is_reported_only_when_metadata_is_known() {
    let (findings, meta) = run("fresh-lib", "0.1.0", "new");
    let f = only(&findings, "no-source-repository");
    assert_eq!(f.severity, Severity::Low);
    assert!(f
        .evidence
        .as_deref()
        .unwrap()
        .contains("Homepage: https://fresh-lib.example.invalid/"));
    assert!(meta.repository.is_none());
    // Labelled `Repository` on a host pyvet does not know: accepted.
    let (findings, meta) = run("sleepy-lib", "1.1", "revived");
    assert!(!rules(&findings).contains("no-source-repository"));
    assert_eq!(
        meta.repository.as_deref(),
        Some("https://code.sleepy-lib.dev/sleepy-lib")
    );
    // No project JSON: unknown, not missing.
    let (findings, _) = run("withdrawn-lib", "3.0.0", "yanked");
    assert!(!rules(&findings).contains("no-source-repository"));
}

#[test]
fn repository_hosts_are_recognised_without_labels() {
    let mut info = pyvet::project::ProjectDetails::default();
    for (url, expect) in [
        ("https://gitlab.com/group/sub/project", true),
        ("https://www.github.com/a/b", true),
        ("https://git.sr.ht/~user/project", true),
        ("https://codeberg.org/x/y", true),
        ("https://gitlab.acme-corp.dev/x/y", true),
        ("https://notgithub.com/x", false),
        ("https://docs.acme-corp.dev/", false),
        ("not a url", false),
    ] {
        info.project_urls.clear();
        info.project_urls.insert("Homepage".into(), url.into());
        assert_eq!(metadata::repository_url(&info).is_some(), expect, "{url}");
    }
    info.project_urls.clear();
    info.home_page = Some("https://user:token@bitbucket.org/team/repo".into());
    assert_eq!(
        metadata::repository_url(&info).as_deref(),
        Some("https://***@bitbucket.org/team/repo")
    );
}

// ---- deceptive-author -----------------------------------------------------------------------

#[test]
fn disposable_author_email_is_reported() {
    let (findings, _) = run("fresh-lib", "0.1.0", "new");
    let f = only(&findings, "deceptive-author");
    assert_eq!(f.severity, Severity::Medium);
    assert!(f.message.contains("mailinator.com"), "{}", f.message);
    let (findings, _) = run("stable-lib", "2.1", "old");
    assert!(!rules(&findings).contains("deceptive-author"));
}

// ---- provenance-dropped ---------------------------------------------------------------------

#[test]
fn dropped_provenance_is_reported() {
    let (findings, meta) = run("attested-lib", "1.2", "provenance-dropped");
    let f = only(&findings, "provenance-dropped");
    assert_eq!(f.severity, Severity::High);
    assert!(f.message.contains("previous release 1.1"), "{}", f.message);
    assert_eq!(meta.provenance, ProvenanceStatus::Absent);

    let (findings, meta) = run("attested-lib", "1.1", "provenance-dropped");
    assert!(!rules(&findings).contains("provenance-dropped"));
    assert_eq!(meta.provenance, ProvenanceStatus::Verified);
}

#[test]
fn provenance_never_offered_or_unknown_says_nothing() {
    // The index does not expose provenance at all.
    let (findings, meta) = run("attested-lib", "1.2", "provenance-unknown");
    assert!(!rules(&findings).contains("provenance-dropped"));
    assert_eq!(meta.provenance, ProvenanceStatus::Unknown);
    // Earlier releases never had it (1.0, 1.1 are `false`).
    let (findings, meta) = run("stable-lib", "1.1", "old");
    assert!(!rules(&findings).contains("provenance-dropped"));
    assert_eq!(meta.provenance, ProvenanceStatus::Absent);
}

// ---- index-confusion ------------------------------------------------------------------------

#[test]
fn index_confusion_needs_two_distinct_indexes() {
    let two = vec![
        "https://deploy:s3cret@private.example.invalid/simple/".to_string(),
        "https://public.example.invalid/simple".to_string(),
    ];
    let f = index_confusion("Internal_Tool", &two).expect("finding");
    assert_eq!(f.rule, "index-confusion");
    assert_eq!(f.severity, Severity::High);
    assert_eq!(f.package.as_deref(), Some("internal-tool"));
    let ev = f.evidence.as_deref().unwrap();
    assert!(
        !ev.contains("s3cret") && ev.contains("public.example.invalid"),
        "{ev}"
    );

    let same = vec![
        "https://public.example.invalid/simple/".to_string(),
        "https://public.example.invalid/simple".to_string(),
    ];
    assert!(index_confusion("internal-tool", &same).is_none());
    assert!(index_confusion("internal-tool", &two[..1]).is_none());
    assert!(index_confusion("internal-tool", &[]).is_none());
}

// ---- typosquat via check / check_dist -------------------------------------------------------

#[test]
fn typosquat_runs_for_index_packages_but_not_own_code() {
    let (findings, _) = check(&registry_pkg("reqeusts", "2.32.3"), None, &ctx());
    let f = only(&findings, "typosquat");
    assert!(
        f.message.contains("looks like `requests` (rank"),
        "{}",
        f.message
    );
    assert_eq!(f.version.as_deref(), Some("2.32.3"));

    let own = LockedPackage::new(
        "reqeusts",
        Some("0.1".into()),
        Source::Virtual { path: ".".into() },
    );
    assert!(check(&own, None, &ctx()).0.is_empty());
}

#[test]
fn check_dist_flags_local_artifacts() {
    let meta = DistMetadata {
        name: Some("Reqeusts".into()),
        version: Some("2.0".into()),
        author_email: Some("x@yopmail.com".into()),
        ..Default::default()
    };
    let findings = check_dist(&meta, &ctx());
    assert_eq!(
        rules(&findings),
        BTreeSet::from(["deceptive-author", "typosquat"])
    );
    assert!(findings
        .iter()
        .all(|f| f.package.as_deref() == Some("reqeusts")));

    let fine = DistMetadata {
        name: Some("requests".into()),
        author_email: Some("me@acme-corp.dev".into()),
        ..Default::default()
    };
    assert!(check_dist(&fine, &ctx()).is_empty());
    // Nameless metadata: still checks the email, never panics.
    let nameless = DistMetadata {
        maintainer_email: Some("nobody@".into()),
        ..Default::default()
    };
    let findings = check_dist(&nameless, &ctx());
    assert_eq!(rules(&findings), BTreeSet::from(["deceptive-author"]));
    assert!(findings[0].package.is_none());
}

#[test]
fn popular_override_replaces_the_snapshot() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let path = dir.join("popular.tsv");
    std::fs::write(&path, "# test\nacme-widgets\t1\n").unwrap();
    let popular = metadata::load_popular_override(&path).unwrap();
    let mut c = ctx();
    c.popular = Some(std::sync::Arc::new(popular));
    let (findings, _) = check(&registry_pkg("acme-widgetz", "1.0"), None, &c);
    assert!(only(&findings, "typosquat")
        .message
        .contains("`acme-widgets` (rank 1)"));
    // `reqeusts` is no look-alike of anything in the override.
    assert!(check(&registry_pkg("reqeusts", "1.0"), None, &c)
        .0
        .is_empty());

    std::fs::write(&path, "acme\tfirst\n").unwrap();
    let err = metadata::load_popular_override(&path)
        .unwrap_err()
        .to_string();
    assert!(err.contains("popular.tsv:1"), "{err}");
    std::fs::write(&path, "# nothing\n").unwrap();
    assert!(metadata::load_popular_override(&path).is_err());
    assert!(metadata::load_popular_override(&dir.join("missing.tsv")).is_err());
}

#[test]
fn hostile_project_info_does_not_panic() {
    let mut project = fixture("old");
    project.files.push(pyvet::project::IndexFile {
        filename: "\u{0}weird".into(),
        version: Some("ä.ö".into()),
        upload_time: Some(jiff::Timestamp::MIN),
        yanked: true,
        ..Default::default()
    });
    project.files.push(pyvet::project::IndexFile {
        filename: "stable_lib-99.0.tar.gz".into(),
        version: Some("99.0".into()),
        upload_time: Some(jiff::Timestamp::MAX),
        has_provenance: Some(false),
        ..Default::default()
    });
    project.versions.push(String::new());
    project.versions.push("9".repeat(400));
    for v in [
        "ä.ö",
        "",
        "2.1",
        "99.0",
        &"9".repeat(400),
        "99999999999999999999.0",
    ] {
        let _ = check(&registry_pkg("stable-lib", v), Some(&project), &ctx());
    }
    let mut c = ctx();
    c.now = jiff::Timestamp::MAX;
    let _ = check(&registry_pkg("stable-lib", "2.1"), Some(&project), &c);
    let _ = check(&registry_pkg("stable-lib", "99.0"), Some(&project), &c);
    c.now = jiff::Timestamp::MIN;
    let _ = check(&registry_pkg("stable-lib", "99.0"), Some(&project), &c);
    let _ = check(&registry_pkg("", "1"), Some(&project), &c);
}

#[test]
fn a_local_artifact_claiming_the_imitated_repository_is_still_high() {
    // `pyvet scan` knows only the artifact's own metadata: the copied repository URL is shown,
    // and changes nothing.
    let meta = DistMetadata {
        name: Some("reqeusts".into()),
        version: Some("2.0".into()),
        project_urls: vec![("Source".into(), "https://github.com/psf/requests".into())],
        ..Default::default()
    };
    let findings = check_dist(&meta, &ctx());
    let f = only(&findings, "typosquat");
    assert_eq!(f.severity, Severity::High);
    let evidence = f.evidence.as_deref().unwrap();
    assert!(
        evidence.contains("names the repository github.com/psf/requests")
            && evidence.contains("grade stands"),
        "{evidence}"
    );
}
