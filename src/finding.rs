//! Findings are data: what a check observed about a package, with enough context (rule id,
//! severity, confidence, where, evidence) for a person to judge it and for policy to gate on it.
//! Errors — the tool failing — live in `error.rs` and never become findings.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// Ordered from least to most severe, so `max()` gives the worst.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Info,
    Low,
    Medium,
    High,
    Critical,
}

impl Severity {
    pub const ALL: [Severity; 5] = [
        Severity::Info,
        Severity::Low,
        Severity::Medium,
        Severity::High,
        Severity::Critical,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Low => "low",
            Severity::Medium => "medium",
            Severity::High => "high",
            Severity::Critical => "critical",
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Severity {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.to_ascii_lowercase().as_str() {
            "info" => Ok(Severity::Info),
            "low" => Ok(Severity::Low),
            "medium" => Ok(Severity::Medium),
            "high" => Ok(Severity::High),
            "critical" => Ok(Severity::Critical),
            other => Err(format!(
                "unknown severity `{other}` (expected info, low, medium, high or critical)"
            )),
        }
    }
}

/// How sure the rule is that the observation means what its message says.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Confidence {
    Low,
    Medium,
    High,
}

/// A package's overall verdict: `fail` when any finding is high or critical, `warn` for medium,
/// otherwise `pass`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Verdict {
    Pass,
    Warn,
    Fail,
}

impl Verdict {
    pub fn from_worst(worst: Option<Severity>) -> Self {
        match worst {
            Some(Severity::High | Severity::Critical) => Verdict::Fail,
            Some(Severity::Medium) => Verdict::Warn,
            _ => Verdict::Pass,
        }
    }
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Pass => "pass",
            Verdict::Warn => "warn",
            Verdict::Fail => "fail",
        }
    }
}

impl fmt::Display for Verdict {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// When the code a finding points at runs, which is most of why it matters: the same call is
/// routine in a function nobody calls at install time and alarming at the top of a `setup.py`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Runs {
    /// Tests, examples, docs, data: installing or importing the package does not run it.
    Never,
    /// Only when something calls it (a function body).
    Call,
    /// When the package is imported (module top level).
    Import,
    /// While the package is built or installed, or at every interpreter start (`setup.py`, an
    /// in-tree build backend, a `.pth` file).
    Install,
}

impl Runs {
    pub fn as_str(self) -> &'static str {
        match self {
            Runs::Never => "never",
            Runs::Call => "call",
            Runs::Import => "import",
            Runs::Install => "install",
        }
    }

    /// For people: `runs at install time`, `runs when called`, ...
    pub fn describe(self) -> &'static str {
        match self {
            Runs::Never => "does not run on install or import (test, example or data)",
            Runs::Call => "runs only when called (a function body)",
            Runs::Import => "runs at import time",
            Runs::Install => "runs at install time (or at every interpreter start)",
        }
    }
}

impl fmt::Display for Runs {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Where a finding points.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Location {
    /// Path inside the artifact (code findings), or the lockfile path (package-level findings).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    /// 1-based line.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub line: Option<u32>,
    /// 1-based column.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub column: Option<u32>,
}

/// Static description of one rule. Every stage declares its rules as `static` items and builds
/// its findings from them ([`RuleInfo::finding`]), so a rule's id and default severity are
/// written once; `catalog` lists every stage's rules for `pyvet rules` and SARIF.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub struct RuleInfo {
    /// Stable kebab-case id.
    pub id: &'static str,
    /// Default severity (individual findings may be graded lower or higher with context).
    pub severity: Severity,
    /// One line for `pyvet rules`.
    pub summary: &'static str,
    /// One paragraph: what it detects, why it matters, how to tell a false alarm.
    pub help: &'static str,
}

impl RuleInfo {
    /// A finding of this rule at its default severity, with high confidence. Grade it with
    /// [`Finding::with_severity`] and [`Finding::with_confidence`] when context says more.
    pub fn finding(&self, message: impl Into<String>) -> Finding {
        Finding::new(self.id, self.severity, Confidence::High, message)
    }
}

/// One observation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Finding {
    /// Stable kebab-case rule id (see `pyvet rules`).
    pub rule: String,
    pub severity: Severity,
    pub confidence: Confidence,
    /// Normalised package name, when known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub package: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    /// Artifact filename the finding is about, when it is about a file.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub artifact: Option<String>,
    pub location: Location,
    /// One short sentence.
    pub message: String,
    /// The source line(s) and any decoded text that support the finding.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub evidence: Option<String>,
    /// Set by policy when an ignore entry matched: the reason given.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub suppressed: Option<String>,
    /// Advisory ids and aliases a vulnerability finding stands for (PYSEC-, GHSA-, CVE-...),
    /// so policy can ignore one advisory by id.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub advisories: Vec<String>,
    /// The exact text that made the rule fire (a word, a call, a URL), as it appears in
    /// `evidence` or `decoded`, so a reader sees which token did it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub matched: Option<String>,
    /// What pyvet decoded or evaluated (base64, hex, zlib, folded constants, decrypted text)
    /// when the finding is about a hidden value.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub decoded: Option<String>,
    /// When the code runs (code findings).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub runs: Option<Runs>,
    /// One line saying what to do next: the fixed version to upgrade to, what to check, or
    /// `pyvet rules ID`. Filled by policy when the check did not say.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub action: Option<String>,
    /// The exact configuration entry that accepts this finding (TOML, with a reason to fill in),
    /// for findings that block and may be accepted after review. Filled by policy.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ignore_entry: Option<String>,
}

impl Finding {
    pub fn new(
        rule: impl Into<String>,
        severity: Severity,
        confidence: Confidence,
        message: impl Into<String>,
    ) -> Self {
        Self {
            rule: rule.into(),
            severity,
            confidence,
            package: None,
            version: None,
            artifact: None,
            location: Location::default(),
            message: message.into(),
            evidence: None,
            suppressed: None,
            advisories: Vec::new(),
            matched: None,
            decoded: None,
            runs: None,
            action: None,
            ignore_entry: None,
        }
    }

    /// Grade the finding: a severity other than its rule's default.
    pub fn with_severity(mut self, severity: Severity) -> Self {
        self.severity = severity;
        self
    }

    /// How sure the rule is (findings start at high confidence).
    pub fn with_confidence(mut self, confidence: Confidence) -> Self {
        self.confidence = confidence;
        self
    }

    pub fn at(mut self, path: impl Into<String>, line: Option<u32>) -> Self {
        self.location.path = Some(path.into());
        self.location.line = line;
        self
    }

    pub fn with_evidence(mut self, evidence: impl Into<String>) -> Self {
        self.evidence = Some(evidence.into());
        self
    }

    /// The text that made the rule fire; renderers highlight it in the evidence.
    pub fn with_match(mut self, token: impl Into<String>) -> Self {
        let token = token.into();
        self.matched = (!token.is_empty()).then_some(token);
        self
    }

    /// The decoded or evaluated value the finding is about.
    pub fn with_decoded(mut self, value: impl Into<String>) -> Self {
        self.decoded = Some(value.into());
        self
    }

    /// When the code runs.
    pub fn runs(mut self, when: Runs) -> Self {
        self.runs = Some(when);
        self
    }

    /// What to do next, when the check knows better than the generic advice policy gives.
    pub fn with_action(mut self, action: impl Into<String>) -> Self {
        self.action = Some(action.into());
        self
    }

    /// The decoded value when the evidence does not already show it (older rules write it into
    /// the evidence as a `decoded:` line), so renderers print it once.
    pub fn decoded_not_in_evidence(&self) -> Option<&str> {
        let d = self.decoded.as_deref()?;
        let first = d.lines().next().unwrap_or(d).trim();
        let shown = self
            .evidence
            .as_deref()
            .is_some_and(|ev| ev.contains(first));
        (!shown).then_some(d)
    }

    pub fn for_package(mut self, name: &str, version: Option<&str>) -> Self {
        self.package = Some(name.to_string());
        self.version = version.map(str::to_string);
        self
    }

    pub fn in_artifact(mut self, filename: &str) -> Self {
        self.artifact = Some(filename.to_string());
        self
    }
}

/// The worst severity among findings that are not suppressed.
pub fn worst(findings: &[Finding]) -> Option<Severity> {
    findings
        .iter()
        .filter(|f| f.suppressed.is_none())
        .map(|f| f.severity)
        .max()
}

/// Report order: worst first, then by rule, artifact, path, line and message.
pub fn report_order(a: &Finding, b: &Finding) -> std::cmp::Ordering {
    b.severity
        .cmp(&a.severity)
        .then_with(|| a.rule.cmp(&b.rule))
        .then_with(|| a.artifact.cmp(&b.artifact))
        .then_with(|| a.location.path.cmp(&b.location.path))
        .then_with(|| a.location.line.cmp(&b.location.line))
        .then_with(|| a.message.cmp(&b.message))
}

/// Sort in report order: stable output for reports and snapshots.
pub fn sort(findings: &mut [Finding]) {
    findings.sort_by(report_order);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn verdict_follows_worst_unsuppressed() {
        let mut f = vec![
            Finding::new("a", Severity::High, Confidence::High, "x"),
            Finding::new("b", Severity::Medium, Confidence::High, "y"),
        ];
        assert_eq!(Verdict::from_worst(worst(&f)), Verdict::Fail);
        f[0].suppressed = Some("vetted".into());
        assert_eq!(Verdict::from_worst(worst(&f)), Verdict::Warn);
        assert_eq!(Verdict::from_worst(None), Verdict::Pass);
    }
}
