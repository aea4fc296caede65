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

#[test]
fn an_advisory_ignore_suppresses_that_advisory_only_whatever_the_package() {
    use pyvet::finding::{Confidence, Finding};
    let vuln = |id: &str, alias: &str| {
        let mut f = Finding::new(
            "known-vulnerability",
            Severity::High,
            Confidence::High,
            format!("{id}: a flaw (severity unknown; fixed in 2.0)"),
        )
        .for_package("oldlib", Some("0.9.0"));
        f.advisories = vec![id.to_string(), alias.to_string()];
        f
    };
    let build = |text: &str| {
        let mut r = raw_report();
        let p = r.packages.iter_mut().find(|p| p.name == "oldlib").unwrap();
        p.findings.push(vuln("PYSEC-0000-0001", "CVE-0000-0001"));
        p.findings.push(vuln("PYSEC-0000-0002", "CVE-0000-0002"));
        apply(&mut r, &config(text), now());
        r
    };
    // No ignore: both block.
    let r = build("");
    assert_eq!(pkg(&r, "oldlib").verdict, Verdict::Fail);
    // One advisory ignored by its alias (any case), with no package named.
    let r = build("[[ignore]]\nadvisory = \"cve-0000-0001\"\nreason = \"not reachable: we never parse untrusted input\"\n");
    let f = &pkg(&r, "oldlib").findings;
    let suppressed: Vec<&str> = f
        .iter()
        .filter(|f| f.suppressed.is_some())
        .map(|f| f.advisories[0].as_str())
        .collect();
    assert_eq!(suppressed, vec!["PYSEC-0000-0001"]);
    assert_eq!(
        pkg(&r, "oldlib").verdict,
        Verdict::Fail,
        "the other still blocks"
    );
    // Both ignored: passes.
    let r = build("[[ignore]]\nadvisory = \"PYSEC-0000-0001\"\nreason = \"r\"\n[[ignore]]\npackage = \"oldlib\"\nadvisory = \"PYSEC-0000-0002\"\nreason = \"r\"\n");
    assert_eq!(pkg(&r, "oldlib").verdict, Verdict::Pass);
    // An advisory ignore for another package does not apply.
    let r = build(
        "[[ignore]]\npackage = \"requests\"\nadvisory = \"PYSEC-0000-0001\"\nreason = \"r\"\n",
    );
    assert!(pkg(&r, "oldlib")
        .findings
        .iter()
        .all(|f| f.suppressed.is_none()));
    // Neither package nor advisory: an error naming the entry.
    let e = Config::from_toml(
        Path::new("pyvet.toml"),
        "[[ignore]]\nreason = \"r\"\n",
        &pyvet::catalog::is_known,
    )
    .unwrap_err();
    assert!(
        e.to_string().contains("no `package` (or `advisory`)"),
        "{e}"
    );
}

fn finding<'a>(r: &'a Report, package: &str, rule: &str) -> &'a pyvet::finding::Finding {
    pkg(r, package)
        .findings
        .iter()
        .find(|f| f.rule == rule)
        .unwrap_or_else(|| panic!("{package} has no {rule}"))
}

#[test]
fn blocking_findings_get_an_ignore_entry_that_works_once_a_reason_is_given() {
    let r = applied("");
    let f = finding(&r, "evil-pkg", "suspicious-destination");
    let entry = f.ignore_entry.as_deref().expect("ignore entry");
    assert_eq!(
        entry,
        "[[ignore]]\npackage = \"evil-pkg\"\nversion = \"1.0.0\"\nrule = \"suspicious-destination\"\nreason = \"TODO: say why this is acceptable\"\n"
    );
    let action = f.action.as_deref().unwrap();
    assert!(
        action.contains("`pyvet rules suspicious-destination`"),
        "{action}"
    );
    assert!(action.contains("pyvet.toml"), "{action}");

    // Pasted as is, the placeholder is refused: nobody said why.
    let e =
        Config::from_toml(Path::new("pyvet.toml"), entry, &pyvet::catalog::is_known).unwrap_err();
    assert!(e.to_string().contains("placeholder reason"), "{e}");
    // With a reason it suppresses exactly that finding.
    let reviewed = entry.replace(
        pyvet::config::REASON_PLACEHOLDER,
        "opens a socket to its own telemetry host; reviewed",
    );
    let r = applied(&reviewed);
    let f = finding(&r, "evil-pkg", "suspicious-destination");
    assert!(f.suppressed.is_some());
    assert!(
        f.ignore_entry.is_none(),
        "a suppressed finding needs no entry"
    );
    assert!(finding(&r, "evil-pkg", "exec-decoded").suppressed.is_none());
}

#[test]
fn advice_follows_severity_and_rule() {
    let r = applied("");
    // Below fail-on: explained, not offered for ignoring.
    let low = finding(&r, "evil-pkg", "packer");
    assert!(low.ignore_entry.is_none());
    assert!(
        low.action
            .as_deref()
            .is_some_and(|a| a.contains("`pyvet rules packer`") && a.contains("does not block")),
        "{:?}",
        low.action
    );
    // Bytes that are not the pinned ones are never offered for ignoring.
    let hash = finding(&r, "mirror-pkg", "hash-mismatch");
    assert!(hash.ignore_entry.is_none());
    assert!(hash
        .action
        .as_deref()
        .unwrap()
        .starts_with("do not install it"));

    // A check's own advice is kept, and the entry offered after it.
    let mut raw = raw_report();
    raw.packages[0].findings.push(
        pyvet::finding::Finding::new(
            "suspicious-destination",
            Severity::High,
            pyvet::finding::Confidence::High,
            "x",
        )
        .with_action("upgrade requests to 9.9 or later"),
    );
    apply(&mut raw, &config(""), now());
    let f = finding(&raw, "requests", "suspicious-destination");
    let action = f.action.as_deref().unwrap();
    assert!(
        action.starts_with("upgrade requests to 9.9 or later; if it does not apply"),
        "{action}"
    );
    // Applying again (under another policy) does not stack advice.
    apply(&mut raw, &config("fail-on = \"critical\""), now());
    let f = finding(&raw, "requests", "suspicious-destination");
    assert_eq!(
        f.action.as_deref(),
        Some("upgrade requests to 9.9 or later")
    );
    assert!(f.ignore_entry.is_none(), "no longer blocks");
    let low = finding(&raw, "evil-pkg", "suspicious-destination");
    assert!(low.action.as_deref().unwrap().contains("fail-on critical"));
}

#[test]
fn info_findings_get_no_advice_and_entries_name_the_file_in_use() {
    let mut r = raw_report();
    r.packages[0].findings.push(
        pyvet::finding::Finding::new(
            "maintainers",
            Severity::Info,
            pyvet::finding::Confidence::High,
            "owners: alice",
        )
        .for_package("requests", Some("2.32.3")),
    );
    // No configuration file: the entry is for pyproject.toml.
    apply(&mut r, &Config::default(), now());
    let info = finding(&r, "requests", "maintainers");
    assert!(info.action.is_none() && info.ignore_entry.is_none());
    let f = finding(&r, "evil-pkg", "exec-decoded");
    assert!(f
        .ignore_entry
        .as_deref()
        .unwrap()
        .starts_with("[[tool.pyvet.ignore]]\npackage = \"evil-pkg\"\n"));
    assert!(f.action.as_deref().unwrap().ends_with("pyproject.toml"));
}

#[test]
fn ignore_entries_quote_hostile_names() {
    let mut r = raw_report();
    for f in &mut support::report::package_mut(&mut r, "evil-pkg").findings {
        f.package = Some("x\"\n[evil]".into());
    }
    apply(&mut r, &config(""), now());
    let entry = r
        .packages
        .iter()
        .flat_map(|p| &p.findings)
        .find_map(|f| f.ignore_entry.as_deref().filter(|e| e.contains("evil]")))
        .expect("entry");
    // Still one table with four keys: the name cannot open another table.
    let parsed: toml::Table = toml::from_str(entry).unwrap();
    let entries = parsed["ignore"].as_array().unwrap();
    assert_eq!(entries.len(), 1);
    assert_eq!(entries[0].as_table().unwrap().len(), 4);
}
