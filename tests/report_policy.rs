//! Policy: re-grading and disabling rules, ignore entries (with expiry), verdicts, summary
//! counts, blocking and exit codes.

mod support;

use std::path::Path;

use pyvet::config::Config;
use pyvet::finding::{Severity, Verdict};
use pyvet::policy::{apply, exit_code};
use pyvet::report::Report;
use support::report::{now, raw_report, ts};

fn config(text: &str) -> Config {
    Config::from_toml(Path::new("pyvet.toml"), text, &pyvet::catalog::is_known).unwrap()
}

fn applied(text: &str) -> Report {
    let mut r = raw_report();
    apply(&mut r, &config(text), now());
    r
}

fn pkg<'a>(r: &'a Report, name: &str) -> &'a pyvet::report::PackageReport {
    r.packages.iter().find(|p| p.name == name).unwrap()
}

#[test]
fn verdicts_and_summary_without_config() {
    let r = applied("");
    assert_eq!(pkg(&r, "evil-pkg").verdict, Verdict::Fail);
    assert_eq!(pkg(&r, "mirror-pkg").verdict, Verdict::Fail);
    assert_eq!(pkg(&r, "vetted-tool").verdict, Verdict::Fail);
    assert_eq!(pkg(&r, "tinyhelper").verdict, Verdict::Warn);
    assert_eq!(pkg(&r, "oldlib").verdict, Verdict::Pass);
    assert_eq!(pkg(&r, "requests").verdict, Verdict::Pass);
    let s = &r.summary;
    assert_eq!((s.packages, s.pass, s.warn, s.fail), (6, 2, 1, 3));
    assert_eq!(s.findings.get(&Severity::Critical), Some(&2));
    assert_eq!(s.findings.get(&Severity::High), Some(&2));
    assert_eq!(s.findings.get(&Severity::Medium), Some(&1));
    assert_eq!(s.findings.get(&Severity::Low), Some(&3));
    assert_eq!(s.findings.get(&Severity::Info), None);
    assert_eq!(s.suppressed, 0);
    assert_eq!((s.artifacts_checked, s.artifacts_skipped), (6, 1));
    assert!(s.blocked);
    assert_eq!(exit_code(&r), 1);
}

#[test]
fn findings_sorted_worst_first() {
    let r = applied("");
    let sev: Vec<Severity> = pkg(&r, "evil-pkg")
        .findings
        .iter()
        .map(|f| f.severity)
        .collect();
    assert_eq!(sev, vec![Severity::Critical, Severity::High, Severity::Low]);
}

#[test]
fn exit_code_follows_fail_on() {
    // Worst unsuppressed findings in the fixture: critical (2), high, medium, low.
    for (fail_on, expected) in [
        ("info", 1),
        ("low", 1),
        ("medium", 1),
        ("high", 1),
        ("critical", 1),
    ] {
        let r = applied(&format!("fail-on = \"{fail_on}\""));
        assert_eq!(exit_code(&r), expected, "fail-on {fail_on}");
        assert_eq!(r.fail_on.as_str(), fail_on);
    }
    // Without the critical findings, critical no longer blocks but high still does.
    let without_critical = |text: &str| {
        let mut r = raw_report();
        r.packages
            .retain(|p| p.name != "evil-pkg" && p.name != "mirror-pkg");
        apply(&mut r, &config(text), now());
        r
    };
    assert_eq!(exit_code(&without_critical("fail-on = \"critical\"")), 0);
    assert_eq!(exit_code(&without_critical("fail-on = \"high\"")), 1);
    // Only a medium and lows left: medium blocks at medium, not at high.
    let mut r = raw_report();
    r.packages
        .retain(|p| ["tinyhelper", "oldlib", "requests"].contains(&p.name.as_str()));
    apply(&mut r, &config("fail-on = \"medium\""), now());
    assert_eq!(exit_code(&r), 1);
    apply(&mut r, &config("fail-on = \"high\""), now());
    assert_eq!(exit_code(&r), 0);
    assert!(!r.summary.blocked);
    apply(&mut r, &config("fail-on = \"low\""), now());
    assert_eq!(exit_code(&r), 1);
}

#[test]
fn exit_code_judges_findings_even_if_summary_is_stale() {
    let mut r = raw_report();
    r.summary.blocked = false;
    assert_eq!(exit_code(&r), 1, "critical findings present");
}

#[test]
fn rules_off_drops_findings_and_regrade_changes_verdicts() {
    let r = applied(
        "[rules]\nexec-decoded = \"off\"\nsuspicious-destination = \"medium\"\nhash-mismatch = \"OFF\"\nno-source-repository = \"info\"\n",
    );
    let evil = pkg(&r, "evil-pkg");
    assert!(evil.findings.iter().all(|f| f.rule != "exec-decoded"));
    assert_eq!(evil.findings[0].rule, "suspicious-destination");
    assert_eq!(evil.findings[0].severity, Severity::Medium);
    assert_eq!(evil.verdict, Verdict::Warn);
    assert!(pkg(&r, "mirror-pkg").findings.is_empty());
    assert_eq!(pkg(&r, "mirror-pkg").verdict, Verdict::Pass);
    let tiny = pkg(&r, "tinyhelper");
    assert_eq!(tiny.findings[1].severity, Severity::Info);
    // vetted-tool's high finding still blocks.
    assert!(r.summary.blocked);
    // Re-grading up makes something block that did not.
    let mut r = raw_report();
    r.packages.retain(|p| p.name == "oldlib");
    apply(
        &mut r,
        &config("[rules]\ndormant-revived = \"critical\""),
        now(),
    );
    assert_eq!(r.packages[0].verdict, Verdict::Fail);
    assert_eq!(exit_code(&r), 1);
}

#[test]
fn ignore_suppresses_by_package_version_and_rule() {
    let r = applied(
        r#"
[[ignore]]
package = "EVIL_pkg"
version = "1.0.0"
rule = "exec-decoded"
reason = "sandboxed"

[[ignore]]
package = "mirror-pkg"
version = "9.9"
reason = "other version: must not apply"

[[ignore]]
package = "tinyhelper"
reason = "whole package reviewed"
"#,
    );
    let evil = pkg(&r, "evil-pkg");
    let exec = evil
        .findings
        .iter()
        .find(|f| f.rule == "exec-decoded")
        .unwrap();
    assert_eq!(exec.suppressed.as_deref(), Some("sandboxed"));
    assert!(evil
        .findings
        .iter()
        .filter(|f| f.rule != "exec-decoded")
        .all(|f| f.suppressed.is_none()));
    assert_eq!(
        evil.verdict,
        Verdict::Fail,
        "suspicious-destination still high"
    );
    assert!(pkg(&r, "mirror-pkg").findings[0].suppressed.is_none());
    let tiny = pkg(&r, "tinyhelper");
    assert!(tiny
        .findings
        .iter()
        .all(|f| f.suppressed.as_deref() == Some("whole package reviewed")));
    assert_eq!(tiny.verdict, Verdict::Pass);
    assert_eq!(r.summary.suppressed, 3);
    assert_eq!(r.summary.findings.get(&Severity::Critical), Some(&1));
    // Suppressed findings stay in the report (JSON and SARIF show them).
    assert_eq!(tiny.findings.len(), 2);
}

#[test]
fn ignore_version_compares_normalised() {
    let r = applied(
        "[[ignore]]\npackage = \"oldlib\"\nversion = \"1.0.0\"\nreason = \"same as 1.0\"\n",
    );
    assert_eq!(
        pkg(&r, "oldlib").findings[0].suppressed.as_deref(),
        Some("same as 1.0")
    );
}

#[test]
fn suppression_lifts_a_block() {
    let mut r = raw_report();
    r.packages
        .retain(|p| p.name == "vetted-tool" || p.name == "requests");
    apply(&mut r, &Config::default(), now());
    assert_eq!(exit_code(&r), 1);
    apply(&mut r, &support::report::fixture_config(), now());
    assert_eq!(exit_code(&r), 0);
    assert_eq!(
        r.packages
            .iter()
            .find(|p| p.name == "vetted-tool")
            .unwrap()
            .verdict,
        Verdict::Pass
    );
}

#[test]
fn expired_ignore_stops_applying_and_leaves_a_note() {
    let text = "[[ignore]]\npackage = \"vetted-tool\"\nrule = \"install-hook-network\"\nreason = \"until upstream fixes it\"\nexpires = \"2026-11-19\"\n";
    let r = applied(text);
    assert!(pkg(&r, "vetted-tool").findings[0].suppressed.is_none());
    assert_eq!(pkg(&r, "vetted-tool").verdict, Verdict::Fail);
    let note = r
        .notes
        .iter()
        .find(|n| n.contains("expired"))
        .expect("a note");
    assert!(
        note.starts_with(
            "ignore for vetted-tool (rule install-hook-network) expired on 2026-11-19"
        ),
        "{note}"
    );
    assert!(note.contains("pyvet.toml:1"), "{note}");
    // On the expiry day itself it still applies.
    let mut r = raw_report();
    apply(&mut r, &config(text), ts("2026-11-19T23:59:59Z"));
    assert!(pkg(&r, "vetted-tool").findings[0].suppressed.is_some());
    assert!(r.notes.iter().all(|n| !n.contains("expired")));
}

#[test]
fn apply_is_idempotent() {
    let mut once = raw_report();
    let cfg = config("[rules]\nsuspicious-destination = \"low\"\n[[ignore]]\npackage = \"x\"\nreason = \"r\"\nexpires = 2020-01-01\n");
    apply(&mut once, &cfg, now());
    let mut twice = once.clone();
    apply(&mut twice, &cfg, now());
    assert!(once == twice, "second apply changed the report");
    assert_eq!(
        twice.notes.iter().filter(|n| n.contains("expired")).count(),
        1
    );
}

#[test]
fn unchanged_count_is_kept() {
    let mut r = raw_report();
    r.summary.unchanged = 40;
    apply(&mut r, &Config::default(), now());
    assert_eq!(r.summary.unchanged, 40);
    assert!(pyvet::report::summary_line(&r).contains("(40 unchanged, not vetted)"));
}
