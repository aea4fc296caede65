//! The vulnerability database through its library API: import the fixture records (directory
//! and zip), open the stored index, and check pins inside, at the edges of and outside every
//! kind of OSV range.

mod support;

use std::path::{Path, PathBuf};

use pyvet::finding::{Finding, Severity};
use pyvet::vulns::{self, VulnDb};

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/osv")
}

fn now() -> jiff::Timestamp {
    "2026-01-01T00:00:00Z".parse().unwrap()
}

fn imported() -> (tempfile::TempDir, VulnDb) {
    let dir = support::tempdir();
    vulns::import_path(dir.path(), &fixtures().join("records"), now()).unwrap();
    let db = VulnDb::open(dir.path()).unwrap().expect("database present");
    (dir, db)
}

/// The ids a finding lists in its message ("A / B: summary ...").
fn ids(f: &Finding) -> Vec<String> {
    f.message
        .split(':')
        .next()
        .unwrap()
        .split(" / ")
        .map(str::to_string)
        .collect()
}

fn one(db: &VulnDb, name: &str, version: &str) -> Finding {
    let mut f = db.check(name, version);
    assert_eq!(f.len(), 1, "{name} {version}: {f:#?}");
    f.remove(0)
}

fn clean(db: &VulnDb, name: &str, version: &str) -> bool {
    db.check(name, version).is_empty()
}

#[test]
fn no_database_is_none() {
    let dir = support::tempdir();
    assert!(VulnDb::open(dir.path()).unwrap().is_none());
}

#[test]
fn import_counts_and_skips() {
    let dir = support::tempdir();
    let s = vulns::import_path(dir.path(), &fixtures().join("records"), now()).unwrap();
    assert_eq!(s.files, 11);
    // 11 files: 1 withdrawn, 1 npm-only, 1 GIT-only (no matchable entry) are not stored.
    assert_eq!(s.info.records, 8);
    assert_eq!(s.info.withdrawn, 1);
    assert_eq!(s.other_ecosystem, 1);
    assert_eq!(s.info.malicious, 1);
    assert_eq!(s.info.packages, 7);
    assert_eq!(s.info.imported_at, now());
    assert_eq!(
        s.info.newest_modified.as_deref(),
        Some("2025-10-01T00:00:00Z")
    );
    assert!(s.path.ends_with("osv/db.jsonl"));
}

#[test]
fn folded_aliases_give_one_finding_with_all_ids() {
    let (_d, db) = imported();
    let f = one(&db, "Alpha_HTTP", "2.31.0");
    assert_eq!(f.rule, "known-vulnerability");
    assert_eq!(ids(&f), ["PYSEC-0000-0001", "GHSA-0000-aaaa-0001"]);
    // 6.1 from the CVSS vector (MODERATE agrees) is shown; a known vulnerability blocks: high.
    assert_eq!(f.severity, Severity::High);
    assert!(
        f.message
            .contains("(severity medium, CVSS 6.1; fixed in 2.32.0)"),
        "{}",
        f.message
    );
    let ev = f.evidence.unwrap();
    assert!(ev.contains("aliases: CVE-0000-0001"), "{ev}");
    assert!(ev.contains("base score 6.1"), "{ev}");
    let pysec = ev
        .find("affected (PYSEC-0000-0001)")
        .expect("PYSEC range shown");
    let ghsa = ev
        .find("affected (GHSA-0000-aaaa-0001)")
        .expect("GHSA range shown");
    assert!(pysec < ghsa, "PYSEC listed first: {ev}");
    assert_eq!(f.package.as_deref(), Some("alpha-http"));
    assert_eq!(f.version.as_deref(), Some("2.31.0"));
    // The withdrawn PYSEC-0000-0006 (introduced 0, never fixed) must not show up above 2.32.0.
    assert!(clean(&db, "alpha-http", "2.32.0"));
    assert!(clean(&db, "alpha-http", "3.0"));
    // Pre-release of the fix is still below it.
    assert_eq!(
        ids(&one(&db, "alpha-http", "2.32.0rc1"))[0],
        "PYSEC-0000-0001"
    );
}

#[test]
fn several_introduced_fixed_pairs() {
    let (_d, db) = imported();
    for v in ["0.9", "1.2.5", "1.9", "2.1.1", "2.2"] {
        assert!(clean(&db, "beta-parser", v), "{v} should be clean");
    }
    for (v, fix) in [
        ("1.0", "1.2.5"),
        ("1.2.4", "1.2.5"),
        ("2.0", "2.1.1"),
        ("2.1.0", "2.1.1"),
    ] {
        let f = one(&db, "beta-parser", v);
        assert_eq!(f.severity, Severity::Critical, "CVSS 9.8");
        assert!(
            f.message.contains(&format!("fixed in {fix})")),
            "{v}: {}",
            f.message
        );
    }
}

#[test]
fn last_affected_is_inclusive() {
    let (_d, db) = imported();
    assert!(clean(&db, "gamma-tools", "0.9"));
    assert!(clean(&db, "gamma-tools", "1.0rc1"));
    let f = one(&db, "gamma.tools", "1.0");
    assert_eq!(f.severity, Severity::High, "CVSS 7.5");
    assert!(f.message.contains("; no fixed version)"), "{}", f.message);
    one(&db, "gamma-tools", "1.4");
    one(&db, "gamma-tools", "1.4.0");
    assert!(clean(&db, "gamma-tools", "1.4.post1"));
    assert!(clean(&db, "gamma-tools", "1.4.1"));
}

#[test]
fn introduced_zero_with_limit() {
    let (_d, db) = imported();
    one(&db, "delta-cache", "0.0.1");
    let f = one(&db, "delta-cache", "2.9");
    assert_eq!(f.severity, Severity::High, "database severity HIGH");
    assert!(f.evidence.unwrap().contains("<3.0"));
    assert!(clean(&db, "delta-cache", "3.0"));
    assert!(clean(&db, "delta-cache", "3.0.1"));
}

#[test]
fn explicit_versions_only_with_pre_and_post_releases() {
    let (_d, db) = imported();
    one(&db, "epsilon-cli", "0.9");
    one(&db, "epsilon-cli", "0.9.0");
    one(&db, "epsilon-cli", "1.0rc1");
    one(&db, "epsilon-cli", "1.0.0-rc.1");
    one(&db, "epsilon-cli", "1.0.post1");
    assert!(clean(&db, "epsilon-cli", "1.0"));
    assert!(clean(&db, "epsilon-cli", "1.0.post2"));
    assert!(clean(&db, "epsilon-cli", "1.0rc2"));
}

#[test]
fn pre_releases_at_range_edges() {
    let (_d, db) = imported();
    assert!(clean(&db, "zeta-web", "1.0rc1"), "before introduced 1.0");
    one(&db, "zeta-web", "1.0");
    let f = one(&db, "zeta-web", "1.1rc1");
    assert_eq!(f.severity, Severity::Critical, "CVSS v4 only: scored 9.3");
    assert!(
        f.message.contains("severity critical, CVSS 9.3"),
        "{}",
        f.message
    );
    assert!(clean(&db, "zeta-web", "1.1"));
    assert!(clean(&db, "zeta-web", "1.1.post1"));
}

#[test]
fn malicious_package_is_critical() {
    let (_d, db) = imported();
    let f = one(&db, "Evil_Pkg.Demo", "0.0.1");
    assert_eq!(f.rule, "known-malicious");
    assert_eq!(f.severity, Severity::Critical);
    assert_eq!(ids(&f), ["MAL-0000-0001"]);
    assert!(
        f.message
            .contains("evil-pkg-demo 0.0.1 is a known-malicious package"),
        "{}",
        f.message
    );
    one(&db, "evil-pkg-demo", "99.0");
}

#[test]
fn git_only_and_unknown_packages_are_clean() {
    let (_d, db) = imported();
    assert!(clean(&db, "eta-git", "1.0"));
    assert!(clean(&db, "beta-parser-extras", "1.0"));
    assert!(clean(&db, "unknown", "1.0"));
}

#[test]
fn non_pep440_pin_is_unchecked() {
    let (_d, db) = imported();
    let f = one(&db, "beta-parser", "not a version");
    assert_eq!(f.rule, "vuln-unchecked");
    assert!(f.message.contains("PYSEC-0000-0002"), "{}", f.message);
}

#[test]
fn staleness_counts_from_the_newest_record_and_the_last_update() {
    // The fixture's newest record is from 2025-10-01: imported on 2026-01-01 it is already
    // three months behind, whatever the import time says.
    let (_d, db) = imported();
    assert_eq!(db.imported_at(), now());
    assert_eq!(db.updated_at(), now());
    assert_eq!(db.data_age_days(now()), 92);
    assert!(db.is_stale(now()));
    let note = db.stale_note(now()).unwrap();
    assert!(
        note.contains("newest record was modified 92 days ago"),
        "{note}"
    );

    // Fresh data: stale only once the last update is more than 7 days old.
    let src = support::tempdir();
    std::fs::write(
        src.path().join("PYSEC-0000-0100.json"),
        r#"{"id":"PYSEC-0000-0100","modified":"2025-12-31T00:00:00Z","affected":[{"package":{"ecosystem":"PyPI","name":"fresh"},"versions":["1.0"]}]}"#,
    )
    .unwrap();
    let dir = support::tempdir();
    vulns::import_path(dir.path(), src.path(), now()).unwrap();
    let db = VulnDb::open(dir.path()).unwrap().unwrap();
    let day = jiff::SignedDuration::from_hours(24);
    assert!(db.stale_note(now()).is_none());
    assert!(!db.is_stale(now().checked_add(day * 6).unwrap()));
    let later = now().checked_add(day * 9).unwrap();
    assert!(db.is_stale(later));
    let note = db.stale_note(later).unwrap();
    assert!(note.contains("last updated 9 days ago"), "{note}");
}

/// The expectations in testdata/osv/README.md for requirements-old.txt.
#[test]
fn requirements_old_fixture_matches_its_readme() {
    let (_d, db) = imported();
    let text = std::fs::read_to_string(fixtures().join("requirements-old.txt")).unwrap();
    let mut got = Vec::new();
    for line in text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
    {
        let (name, version) = line.split_once("==").unwrap();
        for f in db.check(name, version) {
            got.push(format!(
                "{name} {} {} {}",
                f.rule,
                f.severity,
                ids(&f).join("+")
            ));
        }
    }
    assert_eq!(
        got,
        [
            "alpha-http known-vulnerability high PYSEC-0000-0001+GHSA-0000-aaaa-0001",
            "beta-parser known-vulnerability critical PYSEC-0000-0002",
            "gamma-tools known-vulnerability high PYSEC-0000-0003",
            "delta-cache known-vulnerability high GHSA-0000-bbbb-0002",
            "epsilon-cli known-vulnerability high PYSEC-0000-0004",
            "zeta-web known-vulnerability critical PYSEC-0000-0005",
            "evil-pkg-demo known-malicious critical MAL-0000-0001",
        ]
    );
}

#[test]
fn malformed_record_names_file_and_line_and_keeps_old_db() {
    let (dir, _db) = imported();
    let err = vulns::import_path(dir.path(), &fixtures().join("malformed"), now()).unwrap_err();
    let msg = err.to_string();
    assert!(msg.contains("PYSEC-0000-9999.json:5:"), "{msg}");
    // The earlier database is untouched.
    let db = VulnDb::open(dir.path()).unwrap().unwrap();
    assert_eq!(db.info().records, 8);
}

#[test]
fn empty_directory_is_an_error() {
    let dir = support::tempdir();
    let src = support::tempdir();
    let err = vulns::import_path(dir.path(), src.path(), now()).unwrap_err();
    assert!(err.to_string().contains("no OSV records"), "{err}");
    assert!(VulnDb::open(dir.path()).unwrap().is_none());
}

#[test]
fn corrupt_database_is_an_error_not_a_panic() {
    let (dir, _db) = imported();
    let path = vulns::db_path(dir.path());
    let bytes = std::fs::read(&path).unwrap();
    // Truncated header.
    std::fs::write(&path, &bytes[..bytes.len().min(40)]).unwrap();
    assert!(VulnDb::open(dir.path()).is_err());
    // Body damaged after the header: opening works, checking that package reports it.
    let header_end = bytes.iter().position(|&b| b == b'\n').unwrap() + 1;
    let mut damaged = bytes.clone();
    for b in &mut damaged[header_end..] {
        if *b == b'"' {
            *b = b'#';
        }
    }
    std::fs::write(&path, &damaged).unwrap();
    let db = VulnDb::open(dir.path()).unwrap().unwrap();
    assert!(db.try_check("beta-parser", "2.1.0").is_err());
    let f = db.check("beta-parser", "2.1.0");
    assert_eq!(f.len(), 1);
    assert_eq!(f[0].rule, "vuln-unchecked");
}

#[test]
fn locked_packages_pinned_and_unpinned() {
    use pyvet::package::{LockedPackage, Source};
    let (_d, db) = imported();
    let registry = || Source::Registry { url: None };
    let mut pinned = LockedPackage::new("Beta_Parser", Some("1.1".into()), registry());
    pinned.line = Some(7);
    let f = db.check_locked(&pinned);
    assert_eq!(f.len(), 1);
    assert_eq!(f[0].location.line, Some(7));
    assert_eq!(f[0].package.as_deref(), Some("beta-parser"));

    // Unpinned: only what affects every version can be said.
    let evil = LockedPackage::new("evil-pkg-demo", None, registry());
    let f = db.check_locked(&evil);
    assert_eq!(f.len(), 1);
    assert_eq!(f[0].rule, "known-malicious");
    assert_eq!(f[0].version, None);
    let alpha = LockedPackage::new("alpha-http", None, registry());
    assert!(db.check_locked(&alpha).is_empty());
}

/// Checking a package reads only that package's entry: damage to another entry does not
/// matter (and is reported only for the package it belongs to).
#[test]
fn entries_are_read_per_package() {
    let (dir, _db) = imported();
    let path = vulns::db_path(dir.path());
    let mut bytes = std::fs::read(&path).unwrap();
    let header_end = bytes.iter().position(|&b| b == b'\n').unwrap() + 1;
    let header: serde_json::Value = serde_json::from_slice(&bytes[..header_end]).unwrap();
    let span = &header["index"]["beta-parser"];
    let (offset, len) = (
        span[0].as_u64().unwrap() as usize,
        span[1].as_u64().unwrap() as usize,
    );
    for b in &mut bytes[header_end + offset..header_end + offset + len] {
        *b = b'!';
    }
    std::fs::write(&path, &bytes).unwrap();
    let db = VulnDb::open(dir.path()).unwrap().unwrap();
    assert_eq!(one(&db, "alpha-http", "2.31.0").rule, "known-vulnerability");
    assert_eq!(one(&db, "gamma-tools", "1.4").rule, "known-vulnerability");
    assert_eq!(one(&db, "beta-parser", "2.1.0").rule, "vuln-unchecked");
}

/// The full findings (message, evidence, severity) for the old-pins fixture, as the report
/// will show them.
#[test]
fn requirements_old_findings_snapshot() {
    let (_d, db) = imported();
    let text = std::fs::read_to_string(fixtures().join("requirements-old.txt")).unwrap();
    let mut all = Vec::new();
    for line in text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
    {
        let (name, version) = line.split_once("==").unwrap();
        all.extend(db.check(name, version));
    }
    insta::assert_json_snapshot!("requirements_old_findings", all);
}
