//! Policy: turns raw findings into a decision. Applies the `[rules]` overrides (disable or
//! re-grade), suppresses findings that an `[[ignore]]` entry covers (keeping them, with the
//! reason, so JSON and SARIF still show them), computes each package's verdict and the summary,
//! and decides whether the report blocks. Separate from the checks so that the same findings
//! can be judged under different policies, and from the renderers so they only display.

use crate::config::{Config, Ignore, RuleSetting};
use crate::finding::{self, Finding, Severity, Verdict};
use crate::report::{ArtifactStatus, PackageReport, Report, Summary};

/// Process exit code: nothing blocks.
pub const EXIT_OK: u8 = 0;
/// Process exit code: a finding at or above `fail-on` blocks (the policy's verdict).
pub const EXIT_BLOCKED: u8 = 1;
/// Process exit code: the tool failed (bad input, no network with a cold cache, ...).
pub const EXIT_ERROR: u8 = 2;

/// Apply `config` to `report` as of `now` (used to expire ignore entries). Safe to call twice.
pub fn apply(report: &mut Report, config: &Config, now: jiff::Timestamp) {
    let today = now.to_zoned(jiff::tz::TimeZone::UTC).date();
    report.fail_on = config.fail_on;

    for ignore in config.ignores.iter().filter(|i| i.expired(today)) {
        if let Some(d) = ignore.expires {
            let note = format!(
                "ignore for {} expired on {d}; it no longer applies ({})",
                ignore.describe(),
                ignore.origin
            );
            if !report.notes.contains(&note) {
                report.notes.push(note);
            }
        }
    }
    let live: Vec<&Ignore> = config
        .ignores
        .iter()
        .filter(|i| !i.expired(today))
        .collect();

    for pkg in &mut report.packages {
        let pkg_name = crate::package::normalize_name(&pkg.name);
        let pkg_version = pkg.version.clone();
        pkg.findings
            .retain_mut(|f| match config.rules.get(&f.rule) {
                Some(RuleSetting::Off) => false,
                Some(RuleSetting::Severity(s)) => {
                    f.severity = *s;
                    true
                }
                None => true,
            });
        for f in &mut pkg.findings {
            if f.suppressed.is_some() {
                continue;
            }
            if let Some(ignore) = live
                .iter()
                .find(|i| matches(i, &pkg_name, pkg_version.as_deref(), f))
            {
                f.suppressed = Some(ignore.reason.clone());
            }
        }
        finding::sort(&mut pkg.findings);
        pkg.verdict = Verdict::from_worst(finding::worst(&pkg.findings));
    }

    report.summary = summarize(report);
}

/// Whether an ignore entry covers a finding of package `name` (normalised) at `version`.
fn matches(ignore: &Ignore, name: &str, version: Option<&str>, f: &Finding) -> bool {
    let package = f
        .package
        .as_deref()
        .map(crate::package::normalize_name)
        .unwrap_or_else(|| name.to_string());
    if ignore.package != package && ignore.package != name {
        return false;
    }
    if let Some(want) = &ignore.version {
        let have = f.version.as_deref().or(version);
        match have {
            Some(v) if same_version(want, v) => {}
            _ => return false,
        }
    }
    ignore.rule.as_ref().is_none_or(|r| *r == f.rule)
}

/// PEP 440 equality (`1.0` == `1.0.0`, `1.0RC1` == `1.0rc1`), else the normalised text.
fn same_version(a: &str, b: &str) -> bool {
    match (
        a.trim().parse::<pep440_rs::Version>(),
        b.trim().parse::<pep440_rs::Version>(),
    ) {
        (Ok(x), Ok(y)) => x == y,
        _ => crate::project::normalize_version(a) == crate::project::normalize_version(b),
    }
}

/// Counts over the report as it stands (verdicts must already be set).
pub fn summarize(report: &Report) -> Summary {
    let mut s = Summary {
        packages: report.packages.len(),
        unchanged: report.summary.unchanged,
        ..Summary::default()
    };
    for p in &report.packages {
        match p.verdict {
            Verdict::Pass => s.pass += 1,
            Verdict::Warn => s.warn += 1,
            Verdict::Fail => s.fail += 1,
        }
        for f in &p.findings {
            if f.suppressed.is_some() {
                s.suppressed += 1;
            } else {
                *s.findings.entry(f.severity).or_insert(0) += 1;
            }
        }
        for a in &p.artifacts {
            match a.status {
                ArtifactStatus::Verified
                | ArtifactStatus::Unverified
                | ArtifactStatus::HashMismatch
                | ArtifactStatus::Local => s.artifacts_checked += 1,
                ArtifactStatus::NotFound
                | ArtifactStatus::Missing
                | ArtifactStatus::Skipped
                | ArtifactStatus::Failed => s.artifacts_skipped += 1,
            }
        }
    }
    s.blocked = blocks(&report.packages, report.fail_on);
    s
}

/// Whether any unsuppressed finding is at or above `fail_on`.
pub fn blocks(packages: &[PackageReport], fail_on: Severity) -> bool {
    packages
        .iter()
        .flat_map(|p| p.findings.iter())
        .any(|f| f.suppressed.is_none() && f.severity >= fail_on)
}

/// The process exit code for a report: 1 when blocked by policy, else 0. Judged from the
/// findings themselves, so a report whose summary was not recomputed still gates correctly.
pub fn exit_code(report: &Report) -> u8 {
    if report.summary.blocked || blocks(&report.packages, report.fail_on) {
        EXIT_BLOCKED
    } else {
        EXIT_OK
    }
}
