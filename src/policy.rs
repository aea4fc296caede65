//! Policy: turns raw findings into a decision. Applies the `[rules]` overrides (disable or
//! re-grade), suppresses findings that an `[[ignore]]` entry covers (keeping them, with the
//! reason, so JSON and SARIF still show them), computes each package's verdict and the summary,
//! decides whether the report blocks, and says for each finding what to do next (the `action`
//! line, and the ignore entry to paste for a blocking finding). Separate from the checks so that the same findings
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
                // `unvetted = "<severity>"` re-grades the family; never applied by default.
                None => {
                    if let Some(s) = config.unvetted {
                        if crate::audit::UNVETTED_RULES.contains(&f.rule.as_str()) {
                            f.severity = s;
                        }
                    }
                    true
                }
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
        for f in &mut pkg.findings {
            advise(f, &pkg_name, pkg_version.as_deref(), config);
        }
        finding::sort(&mut pkg.findings);
        pkg.verdict = Verdict::from_worst(finding::worst(&pkg.findings));
    }

    report.summary = summarize(report);
}

/// Rules whose findings the reports never offer to accept with an ignore entry: the bytes are
/// not the pinned ones, or the package is known to be malicious. Policy can still ignore them;
/// the report only refuses to make it a paste.
const NEVER_OFFER_TO_IGNORE: &[&str] = &["hash-mismatch", "hashes-changed", "known-malicious"];

/// Fill `action` (when the check left it empty, or it is advice from an earlier call) and
/// `ignore_entry` (findings that block and may be accepted). Info findings get neither, and a
/// suppressed finding no ignore entry: it already has one.
fn advise(f: &mut Finding, pkg_name: &str, pkg_version: Option<&str>, config: &Config) {
    let explain = format!("`pyvet rules {}`", f.rule);
    if f.action.as_deref().is_some_and(|a| a.contains(&explain)) {
        // Generic advice written by an earlier call, possibly under another policy.
        f.action = None;
    }
    if let Some(a) = &mut f.action {
        if let Some(i) = a.find(OR_ACCEPT) {
            a.truncate(i);
        }
    }
    f.ignore_entry = None;
    if f.severity == Severity::Info || f.suppressed.is_some() {
        return;
    }
    let blocks = f.severity >= config.fail_on;
    let offer = blocks && !NEVER_OFFER_TO_IGNORE.contains(&f.rule.as_str());
    let (file, header) = ignore_target(config);
    if offer {
        let package = f
            .package
            .as_deref()
            .map(crate::package::normalize_name)
            .unwrap_or_else(|| pkg_name.to_string());
        let version = f.version.as_deref().or(pkg_version);
        f.ignore_entry = Some(ignore_entry(header, &package, version, &f.rule));
    }
    if f.action.is_none() {
        f.action = Some(if offer {
            format!("check it ({explain}); if it is expected, accept it with the ignore entry for {file}")
        } else if blocks {
            format!("do not install it until this is explained ({explain} says what to check)")
        } else {
            format!(
                "{explain} explains it (below fail-on {}: does not block)",
                config.fail_on
            )
        });
    } else if offer {
        let action = f.action.take().unwrap_or_default();
        f.action = Some(format!("{action}{OR_ACCEPT}{file}"));
    }
}

/// Appended to a check's own advice when the finding may also be accepted.
const OR_ACCEPT: &str = "; if it does not apply, accept it with the ignore entry for ";

/// Where a suggested ignore entry goes: the configuration file in use, else pyproject.toml.
fn ignore_target(config: &Config) -> (&'static str, &'static str) {
    let pyvet_toml = config
        .file
        .as_deref()
        .and_then(|p| p.file_name())
        .is_some_and(|n| n == crate::config::CONFIG_FILE);
    if pyvet_toml {
        (crate::config::CONFIG_FILE, "[[ignore]]")
    } else {
        (crate::config::PYPROJECT_FILE, "[[tool.pyvet.ignore]]")
    }
}

/// The TOML of an ignore entry for one finding, pinned to the version so that an upgrade is
/// reviewed again, with the placeholder reason the configuration refuses until it is replaced.
pub fn ignore_entry(header: &str, package: &str, version: Option<&str>, rule: &str) -> String {
    let quote = |s: &str| toml::Value::String(s.to_string()).to_string();
    let mut s = format!("{header}\npackage = {}\n", quote(package));
    if let Some(v) = version {
        s.push_str(&format!("version = {}\n", quote(v)));
    }
    s.push_str(&format!(
        "rule = {}\nreason = {}\n",
        quote(rule),
        quote(crate::config::REASON_PLACEHOLDER)
    ));
    s
}

/// Whether an ignore entry covers a finding of package `name` (normalised) at `version`.
fn matches(ignore: &Ignore, name: &str, version: Option<&str>, f: &Finding) -> bool {
    let package = f
        .package
        .as_deref()
        .map(crate::package::normalize_name)
        .unwrap_or_else(|| name.to_string());
    if let Some(want) = &ignore.package {
        if *want != package && want != name {
            return false;
        }
    }
    if let Some(id) = &ignore.advisory {
        if !f.advisories.iter().any(|a| a.eq_ignore_ascii_case(id)) {
            return false;
        }
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
        // Artifacts (or, for a pin with no file at all, the package) that could not be vetted,
        // counted whatever the policy made of their findings.
        let mut unvetted: Vec<Option<&str>> = p
            .findings
            .iter()
            .filter(|f| crate::audit::means_unvetted(&f.rule))
            .map(|f| f.artifact.as_deref())
            .collect();
        unvetted.sort();
        unvetted.dedup();
        s.unvetted += unvetted.len();
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
