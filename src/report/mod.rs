//! The report: one serde struct that every renderer (table, JSON, SARIF, Markdown) reads.
//! The JSON renderer is this struct, so `schema_version` is bumped on any breaking change and
//! the schema is documented in docs/report-schema.md.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

pub use crate::finding::Runs;
use crate::finding::{Finding, Severity, Verdict};
use crate::hash::Hashes;
use crate::metadata::PackageMetadata;
use crate::package::{ArtifactKind, Source};

pub mod json;
pub mod markdown;
pub mod sarif;
pub mod table;

/// Version 2: findings explain themselves (`matched`, `decoded`, `runs`, `action`,
/// `ignore_entry`), packages name the file that declares them (`file`), and pre-merge upgrade
/// details moved out of `change` into `upgrade`.
pub const SCHEMA_VERSION: u32 = 2;

/// Output formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    Table,
    Json,
    Sarif,
    Markdown,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Report {
    pub schema_version: u32,
    pub tool: Tool,
    /// `audit` or `scan`.
    pub command: String,
    /// Lockfile path or scanned paths, as given.
    pub inputs: Vec<String>,
    pub generated_at: jiff::Timestamp,
    /// Findings at or above this severity block (exit 1).
    pub fail_on: Severity,
    pub summary: Summary,
    pub packages: Vec<PackageReport>,
    /// Packages the lockfile lists that the installer would not install on the target (their
    /// markers, extras or groups leave them out): not vetted, not blocking, each with why.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub not_installed: Vec<NotInstalled>,
    /// Things the user should know that are not findings about a package (a stale vulnerability
    /// database, skipped checks, artifacts not selected for this platform, ...).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Tool {
    pub name: String,
    pub version: String,
}

impl Default for Tool {
    fn default() -> Self {
        Self {
            name: "pyvet".into(),
            version: env!("CARGO_PKG_VERSION").into(),
        }
    }
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Summary {
    pub packages: usize,
    pub pass: usize,
    pub warn: usize,
    pub fail: usize,
    /// Unsuppressed findings per severity.
    pub findings: BTreeMap<Severity, usize>,
    pub suppressed: usize,
    pub artifacts_checked: usize,
    pub artifacts_skipped: usize,
    /// Packages present but not vetted because they did not change (pre-merge mode).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub unchanged: usize,
    /// Packages not installed on the target, listed in `not_installed`.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub not_installed: usize,
    /// Selected artifacts that could not be vetted (not on the index, not downloaded, not
    /// verified, not readable), each with a finding that says why.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub unvetted: usize,
    /// Whether anything is at or above `fail_on` (the exit code is 1 when true).
    pub blocked: bool,
}

fn is_zero(n: &usize) -> bool {
    *n == 0
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PackageReport {
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source: Option<Source>,
    /// The file that declares the package: the lockfile, or a requirements file it includes.
    /// `line` is a line of this file.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub file: Option<String>,
    /// Line of the package in the lockfile.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub line: Option<u32>,
    /// Pre-merge mode: `added`, `upgraded from X`, `downgraded from X`, `source changed from
    /// X`, `hashes changed`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub change: Option<String>,
    /// Pre-merge mode, upgrades and downgrades: what the new version's files bring compared
    /// with the previous version's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub upgrade: Option<UpgradeSummary>,
    pub artifacts: Vec<ArtifactReport>,
    pub verdict: Verdict,
    /// Worst first.
    pub findings: Vec<Finding>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub metadata: Option<PackageMetadata>,
}

/// A package the install leaves out on the target (see `crate::installset`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NotInstalled {
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub file: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub line: Option<u32>,
    /// Why the installer leaves it out, e.g. ``reached only through marker `sys_platform ==
    /// 'win32'` (from click)``.
    pub reason: String,
}

/// What an upgrade changes in the selected artifact: file counts, new install-time hooks and
/// new dependencies.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct UpgradeSummary {
    pub files_added: usize,
    pub files_removed: usize,
    pub files_modified: usize,
    /// Files that run at install time or interpreter start and are new in this version.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub new_install_hooks: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub new_dependencies: Vec<String>,
}

impl UpgradeSummary {
    /// `files: 3 added, 1 removed, 2 modified; new install hooks: x.pth; new dependencies: y`.
    pub fn describe(&self) -> String {
        let mut s = format!(
            "files: {} added, {} removed, {} modified",
            self.files_added, self.files_removed, self.files_modified
        );
        if !self.new_install_hooks.is_empty() {
            s.push_str(&format!(
                "; new install hooks: {}",
                self.new_install_hooks.join(", ")
            ));
        }
        if !self.new_dependencies.is_empty() {
            s.push_str(&format!(
                "; new dependencies: {}",
                self.new_dependencies.join(", ")
            ));
        }
        s
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ArtifactStatus {
    /// Fetched (or read from the cache) and every expected hash matched.
    Verified,
    /// Fetched, but neither the lockfile nor the index stated a hash to check.
    Unverified,
    HashMismatch,
    /// The index no longer serves it.
    NotFound,
    /// Offline and not cached.
    Missing,
    /// Not selected for the target environment (or not needed in this mode).
    Skipped,
    /// Download or read failed.
    Failed,
    /// A local file scanned as given.
    Local,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ArtifactReport {
    pub filename: String,
    /// Redacted URL.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    pub kind: ArtifactKind,
    /// Hashes the lockfile and index stated.
    pub expected_hashes: Hashes,
    /// sha256 of the bytes actually checked.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sha256: Option<String>,
    pub status: ArtifactStatus,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
}

/// Render `report` in `format`. `color` only affects the table; the table follows the terminal
/// width when standard output is a terminal and is laid out at a fixed width otherwise.
/// Credentials in URLs are removed first, whatever the caller did.
pub fn render(report: &Report, format: Format, color: bool) -> String {
    let report = &redacted(report);
    match format {
        Format::Table => table::render(report, color),
        Format::Json => json::render(report),
        Format::Sarif => sarif::render(report),
        Format::Markdown => markdown::render(report),
    }
}

/// A copy of `report` with the userinfo of every URL replaced (`https://***@host/...`): package
/// sources, artifact URLs, repositories, inputs and notes. Index URLs often carry tokens.
pub fn redacted(report: &Report) -> Report {
    use crate::redact::{redact_text, redact_url};
    let mut r = report.clone();
    r.inputs = r.inputs.iter().map(|i| redact_text(i)).collect();
    r.notes = r.notes.iter().map(|n| redact_text(n)).collect();
    for n in &mut r.not_installed {
        n.reason = redact_text(&n.reason);
    }
    for p in &mut r.packages {
        if let Some(source) = &mut p.source {
            match source {
                Source::Registry { url: Some(url) }
                | Source::Url { url }
                | Source::Vcs { url, .. } => {
                    *url = redact_url(url);
                }
                Source::Registry { url: None } | Source::Path { .. } | Source::Virtual { .. } => {}
            }
        }
        for a in &mut p.artifacts {
            if let Some(url) = &mut a.url {
                *url = redact_url(url);
            }
            if let Some(detail) = &mut a.detail {
                *detail = redact_text(detail);
            }
        }
        if let Some(m) = &mut p.metadata {
            if let Some(repo) = &mut m.repository {
                *repo = redact_url(repo);
            }
        }
        for f in &mut p.findings {
            f.message = redact_text(&f.message);
            if let Some(d) = &mut f.decoded {
                *d = redact_text(d);
            }
        }
    }
    r
}

/// One line that says how the audit went, shared by the table and Markdown renderers:
/// `52 packages: 50 pass, 1 warn, 1 fail — blocked (fail-on: high)` or `... — OK`.
pub fn summary_line(report: &Report) -> String {
    let s = &report.summary;
    let noun = if s.packages == 1 {
        "package"
    } else {
        "packages"
    };
    let mut line = format!(
        "{} {noun}: {} pass, {} warn, {} fail",
        s.packages, s.pass, s.warn, s.fail
    );
    if s.unchanged > 0 {
        line.push_str(&format!(" ({} unchanged, not vetted)", s.unchanged));
    }
    if s.not_installed > 0 {
        line.push_str(&format!(
            " ({} not installed on the target, not vetted)",
            s.not_installed
        ));
    }
    if s.unvetted > 0 {
        let noun = if s.unvetted == 1 {
            "artifact"
        } else {
            "artifacts"
        };
        line.push_str(&format!("; {} {noun} could not be vetted", s.unvetted));
    }
    if s.blocked {
        line.push_str(&format!(" — blocked (fail-on: {})", report.fail_on));
    } else {
        line.push_str(" — OK");
    }
    line
}

/// Packages in reading order for people: failing first, then warnings, then passes; by name
/// (then version) within each group.
pub fn packages_by_verdict(report: &Report) -> Vec<&PackageReport> {
    let mut pkgs: Vec<&PackageReport> = report.packages.iter().collect();
    pkgs.sort_by(|a, b| {
        b.verdict
            .cmp(&a.verdict)
            .then_with(|| a.name.cmp(&b.name))
            .then_with(|| a.version.cmp(&b.version))
    });
    pkgs
}

impl PackageReport {
    /// The worst finding that is not suppressed (findings are sorted worst first by policy, but
    /// this does not rely on it).
    pub fn worst_finding(&self) -> Option<&Finding> {
        let mut worst: Option<&Finding> = None;
        for f in self.findings.iter().filter(|f| f.suppressed.is_none()) {
            if worst.is_none_or(|w| f.severity > w.severity) {
                worst = Some(f);
            }
        }
        worst
    }

    /// Findings that are not suppressed.
    pub fn active_findings(&self) -> impl Iterator<Item = &Finding> {
        self.findings.iter().filter(|f| f.suppressed.is_none())
    }

    /// Findings that are not suppressed and count toward what a reader should look at: low and
    /// above (info findings are facts, such as who maintains the project).
    pub fn counted_findings(&self) -> impl Iterator<Item = &Finding> {
        self.active_findings()
            .filter(|f| f.severity >= crate::finding::Severity::Low)
    }

    /// The worst finding a reader should look at (low and above), for the Worst finding column.
    pub fn worst_counted(&self) -> Option<&Finding> {
        self.worst_finding()
            .filter(|f| f.severity >= crate::finding::Severity::Low)
    }

    /// The Findings column: findings at or above low, and how many an ignore entry suppressed
    /// (`2`, `0 (+1 suppressed)`).
    pub fn findings_cell(&self) -> String {
        let counted = self.counted_findings().count();
        match self.suppressed_findings().count() {
            0 => counted.to_string(),
            n => format!("{counted} (+{n} suppressed)"),
        }
    }

    /// Findings an ignore entry suppressed.
    pub fn suppressed_findings(&self) -> impl Iterator<Item = &Finding> {
        self.findings.iter().filter(|f| f.suppressed.is_some())
    }

    /// `name==version`, or the name alone when unpinned.
    pub fn id(&self) -> String {
        match &self.version {
            Some(v) => format!("{}=={v}", self.name),
            None => self.name.clone(),
        }
    }
}

/// Where a finding points, for people: `artifact:path:line` for code findings, `lockfile:line`
/// for findings about the package as a whole.
pub fn display_location(report: &Report, pkg: &PackageReport, f: &Finding) -> String {
    let loc = resolve_location(report, pkg, f);
    let mut out = loc.uri_parts.join(":");
    if let Some(line) = loc.line {
        out.push_str(&format!(":{line}"));
    }
    if out.is_empty() {
        out.push('-');
    }
    out
}

/// The file of the repository a finding belongs to, and the line in it: what a code-scanning
/// dashboard can show on a pull request. For an audit that is the file declaring the package
/// (the lockfile, or a requirements file it includes) at the package's line — also for code
/// findings, whose path inside the artifact is no file of the repository. For a scan it is the
/// scanned path that names the artifact.
pub(crate) fn repo_anchor(
    report: &Report,
    pkg: &PackageReport,
    f: &Finding,
) -> (Option<String>, Option<u32>) {
    if report.command == "scan" {
        let name = f
            .artifact
            .as_deref()
            .or(pkg.artifacts.first().map(|a| a.filename.as_str()));
        let path = report
            .inputs
            .iter()
            .find(|i| {
                let base = i.trim_end_matches(['/', '\\']);
                let base = base.rsplit(['/', '\\']).next().unwrap_or(base);
                Some(base) == name
            })
            .or(report.inputs.first())
            .cloned();
        return (path, None);
    }
    if f.artifact.is_none() {
        if let Some(path) = &f.location.path {
            return (Some(path.clone()), f.location.line.or(pkg.line));
        }
    }
    let file = pkg.file.clone().or_else(|| report.inputs.first().cloned());
    (file, pkg.line)
}

/// Info findings not listed by a renderer, summarised:
/// `152 info findings (maintainers 150, archive-unsupported-entry 2)`.
/// `None` when there are none.
pub(crate) fn info_summary(packages: &[&PackageReport]) -> Option<String> {
    let mut by_rule: BTreeMap<&str, usize> = BTreeMap::new();
    for f in packages
        .iter()
        .flat_map(|p| p.active_findings())
        .filter(|f| f.severity == Severity::Info)
    {
        *by_rule.entry(f.rule.as_str()).or_insert(0) += 1;
    }
    let total: usize = by_rule.values().sum();
    if total == 0 {
        return None;
    }
    let mut rules: Vec<(&str, usize)> = by_rule.into_iter().collect();
    rules.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
    let mut parts: Vec<String> = rules
        .iter()
        .take(4)
        .map(|(r, n)| format!("{} {n}", sanitize(r, false)))
        .collect();
    if rules.len() > 4 {
        parts.push("...".into());
    }
    let noun = if total == 1 { "finding" } else { "findings" };
    Some(format!("{total} info {noun} ({})", parts.join(", ")))
}

/// The distinct ignore entries offered for `findings`, in order, and the file they go in.
pub(crate) fn ignore_entries<'a>(findings: &[&'a Finding]) -> Option<(&'static str, Vec<&'a str>)> {
    let mut entries: Vec<&str> = Vec::new();
    for e in findings.iter().filter_map(|f| f.ignore_entry.as_deref()) {
        if !entries.contains(&e) {
            entries.push(e);
        }
    }
    let file = if entries.first()?.starts_with("[[ignore]]") {
        crate::config::CONFIG_FILE
    } else {
        crate::config::PYPROJECT_FILE
    };
    Some((file, entries))
}

/// Where `token` occurs in `line`, as (start, length) in characters: an exact match first,
/// then one ignoring ASCII case. `None` when it does not occur whole.
pub(crate) fn find_token(line: &str, token: &str) -> Option<(usize, usize)> {
    if token.is_empty() {
        return None;
    }
    let byte = line.find(token).or_else(|| {
        let lower = line.to_ascii_lowercase();
        lower
            .find(&token.to_ascii_lowercase())
            .filter(|&i| line.is_char_boundary(i))
    })?;
    Some((line[..byte].chars().count(), token.chars().count()))
}

/// `text` cut to `width` characters by replacing its middle with `…`, so both the start (an
/// artifact name) and the end (the path and line) stay readable.
pub fn fit_middle(text: &str, width: usize) -> String {
    let n = text.chars().count();
    if n <= width || width < 5 {
        return text.to_string();
    }
    let keep = width - 1;
    let head = keep / 2;
    let tail = keep - head;
    let chars: Vec<char> = text.chars().collect();
    let mut out: String = chars[..head].iter().collect();
    out.push('…');
    out.extend(&chars[n - tail..]);
    out
}

/// A finding's location resolved against its package and the report inputs.
pub(crate) struct ResolvedLocation {
    /// `[artifact, path]`, `[artifact]`, `[path]` or `[lockfile]`; empty when nothing is known.
    pub uri_parts: Vec<String>,
    pub line: Option<u32>,
    /// True when the finding is about a file inside an artifact.
    pub in_artifact: bool,
}

pub(crate) fn resolve_location(
    report: &Report,
    pkg: &PackageReport,
    f: &Finding,
) -> ResolvedLocation {
    match &f.artifact {
        Some(artifact) => {
            let mut parts = vec![artifact.clone()];
            if let Some(p) = &f.location.path {
                parts.push(p.clone());
            }
            ResolvedLocation {
                uri_parts: parts,
                line: f.location.path.as_ref().and(f.location.line),
                in_artifact: true,
            }
        }
        None => {
            // A package-level finding: it points into the lockfile (the finding may name it).
            let file = f
                .location
                .path
                .clone()
                .or_else(|| report.inputs.first().cloned());
            let line = if f.location.path.is_some() {
                f.location.line.or(pkg.line)
            } else {
                pkg.line
            };
            ResolvedLocation {
                uri_parts: file.into_iter().collect(),
                line,
                in_artifact: false,
            }
        }
    }
}

/// Make text from a package safe to print: control characters (terminal escape sequences) and
/// bidirectional overrides ("Trojan Source") are shown as `\u{..}` escapes instead of acting
/// on the reader's terminal or browser. Newlines and tabs are kept when `keep_newlines`.
pub fn sanitize(text: &str, keep_newlines: bool) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        let dangerous = (c.is_control() && !(keep_newlines && (c == '\n' || c == '\t')))
            || matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{200E}' | '\u{200F}' | '\u{061C}');
        if c == '\r' && keep_newlines {
            continue;
        }
        if dangerous {
            out.push_str(&format!("\\u{{{:x}}}", c as u32));
        } else {
            out.push(c);
        }
    }
    out
}

/// At most `max_lines` lines of `text`, each cut to `max_width` characters; returns the lines
/// and whether anything was left out.
pub(crate) fn clip_lines(text: &str, max_lines: usize, max_width: usize) -> (Vec<String>, bool) {
    let mut truncated = false;
    let mut out = Vec::new();
    let lines: Vec<&str> = text.trim_end().lines().collect();
    for (i, line) in lines.iter().enumerate() {
        if i == max_lines {
            truncated = true;
            break;
        }
        let count = line.chars().count();
        if count > max_width {
            truncated = true;
            out.push(
                line.chars()
                    .take(max_width.saturating_sub(1))
                    .collect::<String>()
                    + "…",
            );
        } else {
            out.push((*line).to_string());
        }
    }
    (out, truncated)
}

/// Word-wrap one paragraph to `width` characters, at most `max_lines` lines (the last one ends
/// with `…` when text was left out). Words longer than a line are split.
pub(crate) fn wrap(text: &str, width: usize, max_lines: usize) -> Vec<String> {
    let width = width.max(10);
    let mut lines: Vec<String> = Vec::new();
    let mut cur = String::new();
    let mut cur_len = 0;
    for word in text.split_whitespace() {
        let mut chars: Vec<char> = word.chars().collect();
        loop {
            let sep = usize::from(cur_len > 0);
            if cur_len + sep + chars.len() <= width {
                if sep == 1 {
                    cur.push(' ');
                }
                cur.extend(chars.iter());
                cur_len += sep + chars.len();
                break;
            }
            if cur_len > 0 {
                lines.push(std::mem::take(&mut cur));
                cur_len = 0;
                continue;
            }
            // A word longer than the line: split it.
            let rest = chars.split_off(width);
            lines.push(chars.into_iter().collect());
            chars = rest;
        }
    }
    if cur_len > 0 {
        lines.push(cur);
    }
    if lines.len() > max_lines {
        lines.truncate(max_lines);
        if let Some(last) = lines.last_mut() {
            while last.chars().count() + 1 > width {
                last.pop();
            }
            last.push('…');
        }
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wrap_breaks_words_and_caps_lines() {
        assert_eq!(wrap("aaa bbb ccc", 10, 5), vec!["aaa bbb", "ccc"]);
        assert_eq!(
            wrap(&"x".repeat(25), 10, 5),
            vec!["x".repeat(10), "x".repeat(10), "x".repeat(5)]
        );
        let w = wrap("one two three four five six", 10, 2);
        assert_eq!(w.len(), 2);
        assert!(w[1].ends_with('…') && w[1].chars().count() <= 10, "{w:?}");
        assert!(wrap("", 10, 2).is_empty());
    }

    #[test]
    fn sanitize_neutralises_escapes_and_bidi() {
        let s = sanitize("a\u{1b}[31mred\u{202E}x\nb", true);
        assert_eq!(s, "a\\u{1b}[31mred\\u{202e}x\nb");
        assert_eq!(sanitize("a\nb", false), "a\\u{a}b");
    }

    #[test]
    fn fit_middle_keeps_both_ends() {
        assert_eq!(fit_middle("abcdef", 10), "abcdef");
        let cut = fit_middle("abcdefghijklmnopqrstuvwxyz:1", 11);
        assert_eq!(cut.chars().count(), 11);
        assert_eq!(cut, "abcde…xyz:1");
    }

    #[test]
    fn find_token_exact_then_ascii_case() {
        assert_eq!(find_token("é exec(x)", "exec"), Some((2, 4)));
        assert_eq!(find_token("PASSWORD = 1", "password"), Some((0, 8)));
        assert_eq!(find_token("abc", "zz"), None);
        assert_eq!(find_token("abc", ""), None);
    }

    #[test]
    fn clip_lines_cuts_long_and_many_lines() {
        let (lines, cut) = clip_lines("abcdef\nx\ny", 2, 4);
        assert_eq!(lines, vec!["abc…".to_string(), "x".to_string()]);
        assert!(cut);
        let (lines, cut) = clip_lines("ab", 2, 4);
        assert_eq!(lines, vec!["ab".to_string()]);
        assert!(!cut);
    }
}
