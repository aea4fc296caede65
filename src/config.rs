//! User configuration: `pyvet.toml` (top-level keys) or `[tool.pyvet]` in pyproject.toml, found
//! from a start directory upwards (the lockfile's, or for `scan` the current one), or named
//! with `--config FILE`.
//!
//! The file is parsed into wire types that reject unknown keys, then validated into [`Config`];
//! every error names the file and the line of the offending key, because a typo in a policy file
//! must never silently weaken the policy. Every default lives in [`Config::default`].
//!
//! ```toml
//! fail-on = "high"             # block (exit 1) at or above this severity
//! min-release-age = "7d"       # days as an integer, or "7d" / "48h"
//! new-project-age = 90
//! dormant-years = 2
//! checks = ["hashes", "code", "metadata", "vulns"]
//! python-version = "3.12"
//! platform = "linux-x86_64"
//!
//! unvetted = "medium"          # re-grade every `unvetted` rule (not set: they stay high)
//!
//! [rules]
//! some-rule = "off"            # disable
//! other-rule = "low"           # re-grade
//!
//! [network]                    # flags and PYVET_* variables take precedence
//! connect-timeout = "10s"      # seconds as a number, or "500ms" / "10s" / "2m"
//! read-timeout = "10s"         # a stall longer than this fails the request
//! download-deadline = "5m"     # all attempts at one download, backoff included
//! retries = 2                  # extra attempts for transient failures
//! max-artifact-size = "2GiB"   # bytes as a number, or "512MiB" / "2GiB" / "100MB"
//! max-index-size = "64MiB"     # one index response, after decompression
//!
//! [[ignore]]
//! package = "example"          # required unless `advisory` is given
//! version = "1.2.3"            # optional
//! rule = "some-rule"           # optional: every rule when absent
//! advisory = "GHSA-xxxx-..."   # optional: only the vulnerability finding for this advisory id
//! reason = "vetted by hand"    # required
//! expires = "2027-01-31"       # optional: stops applying after this date
//! ```

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use clap::ValueEnum;
use serde::Deserialize;
use toml::Spanned;

use crate::error::{Error, InputError};
use crate::finding::Severity;

/// File names looked for in each directory, in order.
pub const CONFIG_FILE: &str = "pyvet.toml";
pub const PYPROJECT_FILE: &str = "pyproject.toml";

/// The `reason` that reports write into the ignore entries they suggest. A configuration that
/// still carries it is refused: an entry pasted without saying why would silence a finding
/// nobody reviewed.
pub const REASON_PLACEHOLDER: &str = "TODO: say why this is acceptable";

/// Validated configuration.
#[derive(Debug, Clone, PartialEq)]
pub struct Config {
    /// Block (exit 1) when an unsuppressed finding is at or above this severity.
    pub fail_on: Severity,
    /// A release younger than this is flagged.
    pub min_release_age: jiff::SignedDuration,
    /// A project whose first release is younger than this is flagged.
    pub new_project_age: jiff::SignedDuration,
    /// A project with no release for this many years is flagged as dormant.
    pub dormant_years: u32,
    /// Checks to run; empty means all.
    pub checks: Vec<Check>,
    pub python_version: Option<String>,
    pub platform: Option<String>,
    /// Per-rule overrides: disable or re-grade.
    pub rules: BTreeMap<String, RuleSetting>,
    pub ignores: Vec<Ignore>,
    /// The file this came from (`None`: defaults, no file found).
    pub file: Option<PathBuf>,
    /// Severity for every rule of the `unvetted` family (`audit::UNVETTED_RULES`) that
    /// `[rules]` does not name; `None` keeps their own (high).
    pub unvetted: Option<Severity>,
    /// `[network]`: unset fields fall back to flags/environment, then the defaults.
    pub network: NetworkSettings,
}

/// The `[network]` table.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NetworkSettings {
    pub connect_timeout: Option<std::time::Duration>,
    pub read_timeout: Option<std::time::Duration>,
    pub download_deadline: Option<std::time::Duration>,
    pub retries: Option<u32>,
    pub max_artifact_size: Option<u64>,
    pub max_index_size: Option<u64>,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            fail_on: Severity::High,
            min_release_age: jiff::SignedDuration::from_hours(7 * 24),
            new_project_age: jiff::SignedDuration::from_hours(90 * 24),
            dormant_years: 2,
            checks: Vec::new(),
            python_version: None,
            platform: None,
            rules: BTreeMap::new(),
            ignores: Vec::new(),
            unvetted: None,
            network: NetworkSettings::default(),
            file: None,
        }
    }
}

/// A duration: seconds as a number (`10`, `2.5`), or a number with `ms`, `s`, `m` or `h`.
pub fn parse_duration(text: &str) -> Result<std::time::Duration, String> {
    let t = text.trim().to_ascii_lowercase();
    let (num, scale) = if let Some(n) = t.strip_suffix("ms") {
        (n, 0.001)
    } else if let Some(n) = t.strip_suffix('s') {
        (n, 1.0)
    } else if let Some(n) = t.strip_suffix('m') {
        (n, 60.0)
    } else if let Some(n) = t.strip_suffix('h') {
        (n, 3600.0)
    } else {
        (t.as_str(), 1.0)
    };
    let n: f64 = num
        .trim()
        .parse()
        .map_err(|_| format!("`{text}` is not a duration (10, \"500ms\", \"10s\", \"2m\")"))?;
    let secs = n * scale;
    if !(secs.is_finite() && secs > 0.0 && secs <= 86_400.0) {
        return Err(format!(
            "`{text}`: a duration must be above 0 and at most a day"
        ));
    }
    Ok(std::time::Duration::from_secs_f64(secs))
}

/// A size in bytes: a number, or a number with `KB`/`MB`/`GB` (powers of 1000) or
/// `KiB`/`MiB`/`GiB` (powers of 1024).
pub fn parse_size(text: &str) -> Result<u64, String> {
    let t = text.trim();
    let lower = t.to_ascii_lowercase();
    let units: [(&str, u64); 7] = [
        ("kib", 1 << 10),
        ("mib", 1 << 20),
        ("gib", 1 << 30),
        ("kb", 1_000),
        ("mb", 1_000_000),
        ("gb", 1_000_000_000),
        ("b", 1),
    ];
    let (num, scale) = units
        .iter()
        .find_map(|(u, k)| lower.strip_suffix(u).map(|n| (n.trim().to_string(), *k)))
        .unwrap_or((lower.clone(), 1));
    let n: u64 = num
        .parse()
        .map_err(|_| format!("`{t}` is not a size (bytes, or \"512MiB\", \"2GiB\", \"100MB\")"))?;
    n.checked_mul(scale)
        .filter(|v| *v > 0)
        .ok_or_else(|| format!("`{t}`: a size must be above 0 and fit in 64 bits"))
}

/// A check that can be switched on or off: `checks = [...]` here, `--checks` on the command
/// line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, ValueEnum)]
pub enum Check {
    /// Download and verify artifact hashes.
    Hashes,
    /// Static inspection of artifact contents (implies downloading).
    Code,
    /// Index metadata: age, yanked, typosquats, maintainers, provenance.
    Metadata,
    /// Known vulnerabilities and known-malicious packages (OSV database).
    Vulns,
}

/// What `[rules]` says about one rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RuleSetting {
    /// Drop its findings.
    Off,
    /// Report its findings at this severity.
    Severity(Severity),
}

/// One `[[ignore]]` entry.
#[derive(Debug, Clone, PartialEq)]
pub struct Ignore {
    /// PEP 503-normalised package name; every package when `None` (only with `advisory`).
    pub package: Option<String>,
    /// Only findings for this advisory id or alias (PYSEC-, GHSA-, CVE-...), compared without
    /// regard to case.
    pub advisory: Option<String>,
    /// Only this version (compared after PEP 440 normalisation); every version when `None`.
    pub version: Option<String>,
    /// Only this rule; every rule when `None`.
    pub rule: Option<String>,
    pub reason: String,
    /// Last day (UTC) on which the entry applies.
    pub expires: Option<jiff::civil::Date>,
    /// `file:line` of the entry, for messages.
    pub origin: String,
}

impl Ignore {
    /// `package[==version][ (rule R)]`, as notes and messages name the entry.
    pub fn describe(&self) -> String {
        let mut s = self.package.clone().unwrap_or_else(|| "any package".into());
        if let Some(v) = &self.version {
            s.push_str(&format!("=={v}"));
        }
        if let Some(a) = &self.advisory {
            s.push_str(&format!(" (advisory {a})"));
        }
        if let Some(r) = &self.rule {
            s.push_str(&format!(" (rule {r})"));
        }
        s
    }

    /// Whether the entry has expired on `today`: it applies up to and including `expires`.
    pub fn expired(&self, today: jiff::civil::Date) -> bool {
        self.expires.is_some_and(|d| today > d)
    }
}

/// The rule ids a configuration may name in `[rules]` and `[[ignore]]`. The CLI passes the
/// rule catalogue (which also suggests the closest id for a typo); tests pass a predicate
/// (any `Fn(&str) -> bool`), which suggests nothing.
pub trait RuleIds {
    fn is_known(&self, id: &str) -> bool;
    /// The known id closest to a mistyped one.
    fn closest(&self, _id: &str) -> Option<&str> {
        None
    }
}

impl<F: Fn(&str) -> bool> RuleIds for F {
    fn is_known(&self, id: &str) -> bool {
        self(id)
    }
}

impl Config {
    /// Load `explicit` if given, else search from `start_dir` upwards. Returns the config and the
    /// file it came from (`None`: defaults, no file found). Rule ids in `[rules]` and
    /// `[[ignore]]` must be `known_rule`s (the CLI passes the rule catalogue).
    pub fn load(
        explicit: Option<&Path>,
        start_dir: &Path,
        known_rule: &dyn RuleIds,
    ) -> Result<(Config, Option<PathBuf>), Error> {
        if let Some(path) = explicit {
            let text = read(path)?;
            let config = if is_pyproject(path) {
                Self::from_pyproject(path, &text, known_rule)?.ok_or_else(|| {
                    InputError::new(path, None, "no [tool.pyvet] table in this file")
                })?
            } else {
                Self::from_toml(path, &text, known_rule)?
            };
            return Ok((config, Some(path.to_path_buf())));
        }
        // `Path::new("requirements.txt").parent()` is the empty path: the current directory.
        let start_dir = if start_dir.as_os_str().is_empty() {
            Path::new(".")
        } else {
            start_dir
        };
        let start = std::path::absolute(start_dir).unwrap_or_else(|_| start_dir.to_path_buf());
        for dir in start.ancestors() {
            let candidate = dir.join(CONFIG_FILE);
            if candidate.is_file() {
                let text = read(&candidate)?;
                return Ok((
                    Self::from_toml(&candidate, &text, known_rule)?,
                    Some(candidate),
                ));
            }
            let candidate = dir.join(PYPROJECT_FILE);
            if candidate.is_file() {
                let text = read(&candidate)?;
                if let Some(config) = Self::from_pyproject(&candidate, &text, known_rule)? {
                    return Ok((config, Some(candidate)));
                }
            }
        }
        Ok((Config::default(), None))
    }

    /// Parse a `pyvet.toml` (keys at the top level).
    pub fn from_toml(path: &Path, text: &str, known_rule: &dyn RuleIds) -> Result<Config, Error> {
        let wire: WireConfig = toml::from_str(text).map_err(|e| toml_error(path, text, &e))?;
        let mut config = wire.validate(path, text, known_rule)?;
        config.file = Some(path.to_path_buf());
        Ok(config)
    }

    /// Parse the `[tool.pyvet]` table of a pyproject.toml; `Ok(None)` when there is none.
    pub fn from_pyproject(
        path: &Path,
        text: &str,
        known_rule: &dyn RuleIds,
    ) -> Result<Option<Config>, Error> {
        if !text.contains("pyvet") {
            // Cheap: most pyproject.toml files never mention us, and we should not fail on a
            // file we have no business reading.
            return Ok(None);
        }
        let wire: WirePyproject = toml::from_str(text).map_err(|e| toml_error(path, text, &e))?;
        match wire.tool.and_then(|t| t.pyvet) {
            Some(w) => {
                let mut config = w.validate(path, text, known_rule)?;
                config.file = Some(path.to_path_buf());
                Ok(Some(config))
            }
            None => Ok(None),
        }
    }

    /// The metadata thresholds, in the whole days the metadata checks count in (rounded up).
    pub fn thresholds(&self) -> crate::metadata::Thresholds {
        let days = |d: jiff::SignedDuration| (d.as_secs() + 86_399).div_euclid(86_400);
        crate::metadata::Thresholds {
            min_release_age_days: days(self.min_release_age),
            new_project_days: days(self.new_project_age),
            dormant_years: i64::from(self.dormant_years),
            ..Default::default()
        }
    }
}

fn is_pyproject(path: &Path) -> bool {
    path.file_name().is_some_and(|n| n == PYPROJECT_FILE)
}

fn read(path: &Path) -> Result<String, Error> {
    let bytes =
        std::fs::read(path).map_err(|e| Error::io(format!("reading {}", path.display()), e))?;
    String::from_utf8(bytes).map_err(|e| {
        Error::Input(InputError::new(
            path,
            None,
            format!(
                "not UTF-8 text (invalid byte at offset {})",
                e.utf8_error().valid_up_to()
            ),
        ))
    })
}

/// 1-based line of a byte offset.
pub fn line_of(text: &str, offset: usize) -> usize {
    let end = offset.min(text.len());
    text.as_bytes()[..end]
        .iter()
        .filter(|&&b| b == b'\n')
        .count()
        + 1
}

fn toml_error(path: &Path, text: &str, e: &toml::de::Error) -> Error {
    let line = e.span().map(|s| line_of(text, s.start));
    let message = e.message().trim().replace('\n', " ");
    Error::Input(InputError::new(path, line, message))
}

// ---- wire types ----------------------------------------------------------------------------

#[derive(Deserialize)]
struct WirePyproject {
    tool: Option<WireTool>,
}

#[derive(Deserialize)]
struct WireTool {
    pyvet: Option<WireConfig>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct WireConfig {
    fail_on: Option<Spanned<String>>,
    min_release_age: Option<Spanned<toml::Value>>,
    new_project_age: Option<Spanned<toml::Value>>,
    dormant_years: Option<Spanned<toml::Value>>,
    checks: Option<Spanned<Vec<Spanned<String>>>>,
    python_version: Option<Spanned<String>>,
    platform: Option<Spanned<String>>,
    rules: Option<BTreeMap<Spanned<String>, Spanned<String>>>,
    ignore: Option<Vec<Spanned<WireIgnore>>>,
    unvetted: Option<Spanned<String>>,
    network: Option<WireNetwork>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct WireNetwork {
    connect_timeout: Option<Spanned<toml::Value>>,
    read_timeout: Option<Spanned<toml::Value>>,
    download_deadline: Option<Spanned<toml::Value>>,
    retries: Option<Spanned<toml::Value>>,
    max_artifact_size: Option<Spanned<toml::Value>>,
    max_index_size: Option<Spanned<toml::Value>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct WireIgnore {
    package: Option<Spanned<String>>,
    version: Option<Spanned<String>>,
    rule: Option<Spanned<String>>,
    advisory: Option<Spanned<String>>,
    reason: Option<Spanned<String>>,
    expires: Option<Spanned<toml::Value>>,
}

struct Ctx<'a> {
    path: &'a Path,
    text: &'a str,
}

impl Ctx<'_> {
    fn err<T>(
        &self,
        span: std::ops::Range<usize>,
        message: impl Into<String>,
    ) -> Result<T, InputError> {
        Err(InputError::new(
            self.path,
            Some(line_of(self.text, span.start)),
            message,
        ))
    }
}

impl WireConfig {
    fn validate(
        self,
        path: &Path,
        text: &str,
        known_rule: &dyn RuleIds,
    ) -> Result<Config, InputError> {
        let cx = Ctx { path, text };
        let mut c = Config::default();

        if let Some(s) = self.fail_on {
            c.fail_on = parse_severity(&cx, &s, "fail-on")?;
        }
        if let Some(v) = self.min_release_age {
            c.min_release_age = parse_age(&cx, &v, "min-release-age")?;
        }
        if let Some(v) = self.new_project_age {
            c.new_project_age = parse_age(&cx, &v, "new-project-age")?;
        }
        if let Some(v) = self.dormant_years {
            c.dormant_years = match v.get_ref() {
                toml::Value::Integer(n) if (1..=100).contains(n) => *n as u32,
                _ => {
                    return cx.err(
                        v.span(),
                        "`dormant-years` must be a whole number of years from 1 to 100",
                    )
                }
            };
        }
        if let Some(checks) = self.checks {
            if checks.get_ref().is_empty() {
                return cx.err(
                    checks.span(),
                    "`checks` is empty: list at least one of hashes, code, metadata, vulns (or remove the key to run all)",
                );
            }
            for s in checks.into_inner() {
                let check = Check::from_str(s.get_ref().trim(), true).or_else(|_| {
                    let names: Vec<String> = Check::value_variants()
                        .iter()
                        .filter_map(|c| c.to_possible_value())
                        .map(|v| v.get_name().to_string())
                        .collect();
                    cx.err(
                        s.span(),
                        format!(
                            "unknown check `{}` in `checks`{} (expected hashes, code, metadata or vulns)",
                            s.get_ref(),
                            crate::suggest::did_you_mean(
                                s.get_ref(),
                                names.iter().map(String::as_str)
                            )
                        ),
                    )
                })?;
                if !c.checks.contains(&check) {
                    c.checks.push(check);
                }
            }
        }
        if let Some(s) = self.python_version {
            let v = s.get_ref().trim();
            if let Err(e) = crate::select::validate_python_version(v) {
                let e = e.replacen("--python-version", "`python-version`", 1);
                return cx.err(s.span(), e);
            }
            c.python_version = Some(v.to_string());
        }
        if let Some(s) = self.platform {
            let v = s.get_ref().trim().to_ascii_lowercase();
            if let Err(e) = crate::select::validate_platform(&v) {
                let e = e.replacen("--platform", "`platform`", 1);
                return cx.err(s.span(), e);
            }
            c.platform = Some(v);
        }
        if let Some(rules) = self.rules {
            for (id, setting) in rules {
                let rule = id.get_ref().trim();
                if !known_rule.is_known(rule) {
                    return cx.err(
                        id.span(),
                        format!(
                            "unknown rule `{rule}` in [rules]{} (see `pyvet rules`)",
                            rule_suggestion(known_rule, rule)
                        ),
                    );
                }
                let value = setting.get_ref().trim();
                let parsed = if value.eq_ignore_ascii_case("off") {
                    RuleSetting::Off
                } else {
                    RuleSetting::Severity(value.parse().or_else(|_| {
                        cx.err(
                            setting.span(),
                            format!("[rules] {rule} = `{value}`: expected \"off\" or a severity (info, low, medium, high, critical)"),
                        )
                    })?)
                };
                c.rules.insert(rule.to_string(), parsed);
            }
        }
        if let Some(u) = self.unvetted {
            c.unvetted = Some(parse_severity(&cx, &u, "unvetted")?);
        }
        if let Some(n) = self.network {
            let text = |v: &Spanned<toml::Value>| match v.get_ref() {
                toml::Value::String(s) => s.clone(),
                toml::Value::Integer(i) => i.to_string(),
                toml::Value::Float(f) => f.to_string(),
                other => other.to_string(),
            };
            let dur = |v: Option<Spanned<toml::Value>>, key: &str| match v {
                Some(v) => parse_duration(&text(&v))
                    .map(Some)
                    .or_else(|e| cx.err(v.span(), format!("[network] {key}: {e}"))),
                None => Ok(None),
            };
            let size = |v: Option<Spanned<toml::Value>>, key: &str| match v {
                Some(v) => parse_size(&text(&v))
                    .map(Some)
                    .or_else(|e| cx.err(v.span(), format!("[network] {key}: {e}"))),
                None => Ok(None),
            };
            c.network.connect_timeout = dur(n.connect_timeout, "connect-timeout")?;
            c.network.read_timeout = dur(n.read_timeout, "read-timeout")?;
            c.network.download_deadline = dur(n.download_deadline, "download-deadline")?;
            c.network.max_artifact_size = size(n.max_artifact_size, "max-artifact-size")?;
            c.network.max_index_size = size(n.max_index_size, "max-index-size")?;
            if let Some(r) = n.retries {
                c.network.retries = match r.get_ref() {
                    toml::Value::Integer(i) if (0..=20).contains(i) => Some(*i as u32),
                    _ => {
                        return cx.err(
                            r.span(),
                            "[network] retries must be a whole number from 0 to 20",
                        )
                    }
                };
            }
        }
        for (i, entry) in self.ignore.into_iter().flatten().enumerate() {
            let n = i + 1;
            let entry_span = entry.span();
            let w = entry.into_inner();
            let advisory = match w.advisory {
                Some(a) => {
                    let id = a.get_ref().trim().to_string();
                    let ok = !id.is_empty()
                        && id.len() <= 100
                        && id.bytes().all(|b| {
                            b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b':')
                        });
                    if !ok {
                        return cx.err(
                            a.span(),
                            format!("[[ignore]] entry #{n}: `advisory` must be an advisory id such as PYSEC-2021-1 or GHSA-xxxx-xxxx-xxxx"),
                        );
                    }
                    Some(id)
                }
                None => None,
            };
            let package = w.package.filter(|p| !p.get_ref().trim().is_empty());
            if package.is_none() && advisory.is_none() {
                return cx.err(
                    entry_span,
                    format!("[[ignore]] entry #{n} has no `package` (or `advisory`)"),
                );
            }
            let package = package.map(|p| crate::package::normalize_name(p.get_ref()));
            let pkg = package
                .clone()
                .or_else(|| advisory.clone())
                .unwrap_or_default();
            let reason = match w.reason {
                Some(r) if r.get_ref().trim() == REASON_PLACEHOLDER => {
                    return cx.err(r.span(), format!("[[ignore]] entry #{n} (package `{pkg}`) still has the placeholder reason: replace it with why the finding is acceptable"));
                }
                Some(r) if !r.get_ref().trim().is_empty() => r.into_inner().trim().to_string(),
                Some(r) => {
                    return cx.err(r.span(), format!("[[ignore]] entry #{n} (package `{pkg}`) has an empty `reason`: say why the finding is acceptable"));
                }
                None => {
                    return cx.err(entry_span, format!("[[ignore]] entry #{n} (package `{pkg}`) has no `reason`: say why the finding is acceptable"));
                }
            };
            let rule = match w.rule {
                Some(r) => {
                    let id = r.get_ref().trim().to_string();
                    if !known_rule.is_known(&id) {
                        return cx.err(
                            r.span(),
                            format!(
                                "unknown rule `{id}` in [[ignore]] entry #{n}{} (see `pyvet rules`)",
                                rule_suggestion(known_rule, &id)
                            ),
                        );
                    }
                    Some(id)
                }
                None => None,
            };
            let version = w
                .version
                .map(|v| v.into_inner().trim().to_string())
                .filter(|v| !v.is_empty());
            let expires = match w.expires {
                Some(v) => Some(parse_date(&cx, &v, n)?),
                None => None,
            };
            c.ignores.push(Ignore {
                package,
                advisory,
                version,
                rule,
                reason,
                expires,
                origin: format!("{}:{}", path.display(), line_of(text, entry_span.start)),
            });
        }
        Ok(c)
    }
}

/// `" (did you mean `x`?)"` for a mistyped rule id, when the ids know a close one.
fn rule_suggestion(ids: &dyn RuleIds, id: &str) -> String {
    ids.closest(id)
        .map(|c| format!(" (did you mean `{c}`?)"))
        .unwrap_or_default()
}

fn parse_severity(cx: &Ctx<'_>, s: &Spanned<String>, key: &str) -> Result<Severity, InputError> {
    s.get_ref()
        .trim()
        .parse()
        .or_else(|e: String| cx.err(s.span(), format!("`{key}`: {e}")))
}

/// Days as an integer, or a string with a `d` (days) or `h` (hours) suffix.
fn parse_age(
    cx: &Ctx<'_>,
    v: &Spanned<toml::Value>,
    key: &str,
) -> Result<jiff::SignedDuration, InputError> {
    let bad = || {
        cx.err(
            v.span(),
            format!("`{key}` must be a number of days (7) or a string like \"7d\" or \"48h\""),
        )
    };
    let hours = match v.get_ref() {
        toml::Value::Integer(n) if (0..=36_500).contains(n) => n * 24,
        toml::Value::String(s) => {
            let s = s.trim().to_ascii_lowercase();
            let (num, unit) = s.split_at(s.len().saturating_sub(1));
            let Ok(n) = num.trim().parse::<i64>() else {
                return bad();
            };
            match unit {
                "d" if (0..=36_500).contains(&n) => n * 24,
                "h" if (0..=876_000).contains(&n) => n,
                _ => return bad(),
            }
        }
        _ => return bad(),
    };
    Ok(jiff::SignedDuration::from_hours(hours))
}

/// `YYYY-MM-DD`, as a string or a TOML date.
fn parse_date(
    cx: &Ctx<'_>,
    v: &Spanned<toml::Value>,
    n: usize,
) -> Result<jiff::civil::Date, InputError> {
    let text = match v.get_ref() {
        toml::Value::String(s) => s.trim().to_string(),
        toml::Value::Datetime(d) if d.date.is_some() && d.time.is_none() => d.to_string(),
        _ => String::new(),
    };
    let ok = text.len() == 10 && text.as_bytes()[4] == b'-' && text.as_bytes()[7] == b'-';
    match text.parse::<jiff::civil::Date>() {
        Ok(d) if ok => Ok(d),
        _ => cx.err(
            v.span(),
            format!("[[ignore]] entry #{n}: `expires` must be a date YYYY-MM-DD"),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn any_rule(id: &str) -> bool {
        id.starts_with("test-")
    }

    #[test]
    fn line_of_counts_newlines() {
        assert_eq!(line_of("a\nb\nc", 0), 1);
        assert_eq!(line_of("a\nb\nc", 2), 2);
        assert_eq!(line_of("a\nb\nc", 999), 3);
    }

    #[test]
    fn ages_accept_days_and_hours() {
        let c = Config::from_toml(
            Path::new("p.toml"),
            "min-release-age = \"48h\"\nnew-project-age = 30\n",
            &any_rule,
        )
        .unwrap();
        assert_eq!(c.min_release_age, jiff::SignedDuration::from_hours(48));
        assert_eq!(c.new_project_age, jiff::SignedDuration::from_hours(30 * 24));
        assert_eq!(c.thresholds().min_release_age_days, 2);
        let c =
            Config::from_toml(Path::new("p.toml"), "min-release-age = \"7d\"", &any_rule).unwrap();
        assert_eq!(c.thresholds().min_release_age_days, 7);
        let c =
            Config::from_toml(Path::new("p.toml"), "min-release-age = \"25h\"", &any_rule).unwrap();
        assert_eq!(c.thresholds().min_release_age_days, 2, "rounded up");
        for bad in ["\"7w\"", "\"d\"", "-1", "\"-3d\"", "1.5", "true"] {
            let e = Config::from_toml(
                Path::new("p.toml"),
                &format!("\nmin-release-age = {bad}"),
                &any_rule,
            )
            .unwrap_err();
            assert!(e.to_string().starts_with("p.toml:2: "), "{bad}: {e}");
        }
    }

    #[test]
    fn durations_sizes_network_table_and_unvetted() {
        use std::time::Duration;
        assert_eq!(parse_duration("10").unwrap(), Duration::from_secs(10));
        assert_eq!(parse_duration("500ms").unwrap(), Duration::from_millis(500));
        assert_eq!(parse_duration("2m").unwrap(), Duration::from_secs(120));
        assert_eq!(parse_duration("1.5s").unwrap(), Duration::from_millis(1500));
        for bad in ["", "0", "-1", "soon", "2d", "1e9"] {
            assert!(parse_duration(bad).is_err(), "{bad}");
        }
        assert_eq!(parse_size("2GiB").unwrap(), 2 << 30);
        assert_eq!(parse_size("100MB").unwrap(), 100_000_000);
        assert_eq!(parse_size("4096").unwrap(), 4096);
        for bad in ["", "0", "-5", "2TB", "lots", "99999999999GiB"] {
            assert!(parse_size(bad).is_err(), "{bad}");
        }
        let c = Config::from_toml(
            Path::new("p.toml"),
            "unvetted = \"medium\"\n[network]\nconnect-timeout = 3\nread-timeout = \"250ms\"\nretries = 0\nmax-artifact-size = \"1MiB\"\n",
            &any_rule,
        )
        .unwrap();
        assert_eq!(c.unvetted, Some(Severity::Medium));
        assert_eq!(c.network.connect_timeout, Some(Duration::from_secs(3)));
        assert_eq!(c.network.read_timeout, Some(Duration::from_millis(250)));
        assert_eq!(c.network.retries, Some(0));
        assert_eq!(c.network.max_artifact_size, Some(1 << 20));
        assert_eq!(c.network.download_deadline, None);
        assert_eq!(Config::default().unvetted, None, "never lowered by default");
        for (bad, line) in [
            ("[network]\nretries = 99\n", 2),
            ("\n[network]\nread-timeout = \"forever\"\n", 3),
            ("[network]\ntimeout = 5\n", 2),
            ("unvetted = \"ignore\"\n", 1),
        ] {
            let e = Config::from_toml(Path::new("p.toml"), bad, &any_rule).unwrap_err();
            assert!(
                e.to_string().starts_with(&format!("p.toml:{line}:")),
                "{bad}: {e}"
            );
        }
    }

    #[test]
    fn expires_accepts_string_and_toml_date() {
        for v in ["\"2027-01-31\"", "2027-01-31"] {
            let t = format!("[[ignore]]\npackage = \"a\"\nreason = \"r\"\nexpires = {v}\n");
            let c = Config::from_toml(Path::new("p.toml"), &t, &any_rule).unwrap();
            assert_eq!(c.ignores[0].expires, Some(jiff::civil::date(2027, 1, 31)));
        }
        for v in [
            "\"2027-13-01\"",
            "\"soon\"",
            "2027-01-31T00:00:00Z",
            "\"2027-1-3\"",
        ] {
            let t = format!("[[ignore]]\npackage = \"a\"\nreason = \"r\"\nexpires = {v}\n");
            let e = Config::from_toml(Path::new("p.toml"), &t, &any_rule).unwrap_err();
            assert!(e.to_string().contains("p.toml:4:"), "{v}: {e}");
        }
    }
}
