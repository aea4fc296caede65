//! OSV records: wire types (JSON and YAML, as the OSV schema and the PyPA advisory database
//! write them) validated into [`Advisory`], pyvet's compact per-package form.
//!
//! Only what matching and reporting need survives validation: ids, aliases, a one-line summary,
//! the grade (computed here from CVSS v3/v4 once, not on every audit), whether the record marks a
//! malicious package, and the ranges and versions of `PyPI` packages, with names PEP 503
//! normalised. Other ecosystems, GIT ranges and withdrawn records are dropped. Unknown fields
//! are ignored: the schema grows, and a newer field must not break an import.

use std::path::Path;

use serde::{Deserialize, Serialize};

use super::range::{Event, Range, RangeKind};
use crate::error::InputError;
use crate::finding::Severity;
use crate::package::normalize_name;

/// Longest summary kept (characters); longer text is cut at a word boundary.
const MAX_SUMMARY: usize = 200;

#[derive(Debug, Deserialize)]
struct WireRecord {
    id: Option<String>,
    #[serde(default)]
    aliases: Option<Vec<String>>,
    #[serde(default)]
    withdrawn: Option<String>,
    #[serde(default)]
    summary: Option<String>,
    #[serde(default)]
    details: Option<String>,
    #[serde(default)]
    modified: Option<String>,
    #[serde(default)]
    published: Option<String>,
    #[serde(default)]
    severity: Option<Vec<WireSeverity>>,
    #[serde(default)]
    affected: Option<Vec<WireAffected>>,
    #[serde(default)]
    database_specific: Option<serde_json::Value>,
}

#[derive(Debug, Deserialize)]
struct WireSeverity {
    #[serde(rename = "type")]
    kind: String,
    score: serde_json::Value,
}

#[derive(Debug, Deserialize)]
struct WireAffected {
    #[serde(default)]
    package: Option<WirePackage>,
    #[serde(default)]
    ranges: Option<Vec<WireRange>>,
    #[serde(default)]
    versions: Option<Vec<String>>,
    /// Per-package severity (schema 1.5+); overrides the record's when present.
    #[serde(default)]
    severity: Option<Vec<WireSeverity>>,
    #[serde(default)]
    database_specific: Option<serde_json::Value>,
}

#[derive(Debug, Deserialize)]
struct WirePackage {
    #[serde(default)]
    ecosystem: Option<String>,
    #[serde(default)]
    name: Option<String>,
}

#[derive(Debug, Deserialize)]
struct WireRange {
    #[serde(rename = "type")]
    kind: String,
    #[serde(default)]
    events: Vec<WireEvent>,
}

#[derive(Debug, Deserialize)]
struct WireEvent {
    #[serde(default)]
    introduced: Option<String>,
    #[serde(default)]
    fixed: Option<String>,
    #[serde(default)]
    last_affected: Option<String>,
    #[serde(default)]
    limit: Option<String>,
}

/// One OSV record as it applies to one PyPI package.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Advisory {
    pub id: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub aliases: Vec<String>,
    /// Normalised package name.
    pub package: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub summary: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub published: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub modified: Option<String>,
    pub grade: Grade,
    /// A known-malicious package report (MAL- id or alias, or a malicious-packages origin).
    #[serde(default, skip_serializing_if = "is_false")]
    pub malicious: bool,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ranges: Vec<Range>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub versions: Vec<String>,
    /// The record names the package with no ranges and no versions: every version.
    #[serde(default, skip_serializing_if = "is_false")]
    pub all_versions: bool,
}

fn is_false(b: &bool) -> bool {
    !*b
}

/// How severe a record says it is, and on what basis.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Grade {
    /// `None`: the record gives no usable severity (shown as "unknown").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub severity: Option<Severity>,
    /// CVSS v3 or v4 base score, when computed from a vector.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub score: Option<f64>,
    /// What the grade came from: a CVSS vector, `database_specific.severity`, or why unknown.
    pub basis: String,
}

/// Result of validating one record.
#[derive(Debug, Default)]
pub struct Parsed {
    pub id: String,
    /// The record's `modified` time as written (to pick the newer of two copies).
    pub modified: Option<String>,
    pub withdrawn: bool,
    /// One advisory per PyPI package the record affects (empty when it affects none).
    pub advisories: Vec<Advisory>,
    /// The record names only packages of other ecosystems.
    pub other_ecosystem: bool,
    /// Version strings that are not PEP 440 (kept; matching reports them as unevaluable).
    pub warnings: Vec<String>,
}

/// Format of a record file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Json,
    Yaml,
}

impl Format {
    /// From the file extension: `.json`, `.yaml`, `.yml`.
    pub fn from_path(path: &str) -> Option<Format> {
        let lower = path.to_ascii_lowercase();
        if lower.ends_with(".json") {
            Some(Format::Json)
        } else if lower.ends_with(".yaml") || lower.ends_with(".yml") {
            Some(Format::Yaml)
        } else {
            None
        }
    }
}

/// Parse and validate the records in one file (`path` is only used in errors). A JSON file may
/// hold one record or an array of records; a YAML file holds one record.
pub fn parse_file(path: &Path, text: &str, format: Format) -> Result<Vec<Parsed>, InputError> {
    let wires: Vec<WireRecord> = match format {
        Format::Json => {
            if text.trim_start().starts_with('[') {
                serde_json::from_str::<Vec<WireRecord>>(text).map_err(|e| json_error(path, &e))?
            } else {
                vec![serde_json::from_str::<WireRecord>(text).map_err(|e| json_error(path, &e))?]
            }
        }
        Format::Yaml => vec![serde_yaml_ng::from_str::<WireRecord>(text).map_err(|e| {
            InputError::new(
                path,
                e.location().map(|l| l.line()),
                format!("not a valid OSV record: {e}"),
            )
        })?],
    };
    wires.into_iter().map(|w| validate(path, w)).collect()
}

fn json_error(path: &Path, e: &serde_json::Error) -> InputError {
    let line = (e.line() > 0).then_some(e.line());
    InputError::new(path, line, format!("not a valid OSV record: {e}"))
}

fn validate(path: &Path, w: WireRecord) -> Result<Parsed, InputError> {
    let err = |msg: String| InputError::new(path, None, msg);
    let id =
        w.id.as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .ok_or_else(|| err("OSV record has no `id`".into()))?
            .to_string();
    if id.len() > 200 || id.chars().any(char::is_control) {
        return Err(err(format!(
            "OSV record id `{}` is not a valid id",
            id.escape_debug()
        )));
    }
    let mut parsed = Parsed {
        id: id.clone(),
        modified: w.modified.clone(),
        withdrawn: w.withdrawn.as_deref().is_some_and(|s| !s.trim().is_empty()),
        ..Parsed::default()
    };
    if parsed.withdrawn {
        return Ok(parsed);
    }
    let mut aliases: Vec<String> = w
        .aliases
        .unwrap_or_default()
        .into_iter()
        .map(|a| a.trim().to_string())
        .filter(|a| !a.is_empty() && *a != id)
        .collect();
    aliases.sort();
    aliases.dedup();

    let malicious = is_malicious_id(&id)
        || aliases.iter().any(|a| is_malicious_id(a))
        || has_malicious_origin(w.database_specific.as_ref());
    let grade = grade(
        w.severity.as_deref().unwrap_or(&[]),
        w.database_specific.as_ref(),
        malicious,
    );
    let summary = summarise(w.summary.as_deref(), w.details.as_deref());

    let affected = w.affected.unwrap_or_default();
    let mut saw_other = false;
    for (n, a) in affected.into_iter().enumerate() {
        let Some(pkg) = a.package else {
            return Err(err(format!("{id}: affected[{n}] has no `package`")));
        };
        let eco = pkg.ecosystem.as_deref().unwrap_or("").trim();
        if !eco.eq_ignore_ascii_case("pypi") {
            saw_other = true;
            continue;
        }
        let name = pkg
            .name
            .as_deref()
            .map(normalize_name)
            .filter(|n| !n.is_empty())
            .ok_or_else(|| err(format!("{id}: affected[{n}] names no PyPI package")))?;

        let mut ranges = Vec::new();
        let wire_ranges = a.ranges.unwrap_or_default();
        let had_ranges = !wire_ranges.is_empty();
        for (rn, r) in wire_ranges.into_iter().enumerate() {
            let kind = match r.kind.trim().to_ascii_uppercase().as_str() {
                "ECOSYSTEM" => RangeKind::Ecosystem,
                "SEMVER" => RangeKind::Semver,
                // GIT ranges name commits; unknown future types cannot be evaluated either.
                _ => continue,
            };
            let mut events = Vec::with_capacity(r.events.len());
            for (en, e) in r.events.into_iter().enumerate() {
                let fields = [
                    e.introduced.map(Event::Introduced),
                    e.fixed.map(Event::Fixed),
                    e.last_affected.map(Event::LastAffected),
                    e.limit.map(Event::Limit),
                ];
                let mut set = fields.into_iter().flatten();
                let (Some(event), None) = (set.next(), set.next()) else {
                    return Err(err(format!(
                        "{id}: affected[{n}].ranges[{rn}].events[{en}] must have exactly one of \
                         introduced, fixed, last_affected or limit"
                    )));
                };
                check_version_text(&id, &event, &mut parsed.warnings);
                events.push(event);
            }
            if !events.is_empty() {
                ranges.push(Range { kind, events });
            }
        }
        let versions: Vec<String> = a
            .versions
            .unwrap_or_default()
            .into_iter()
            .map(|v| v.trim().to_string())
            .filter(|v| !v.is_empty())
            .collect();
        // No ranges and no versions at all: the record means every version. Only GIT ranges:
        // nothing we can match by version, so the entry is dropped.
        let all_versions = !had_ranges && versions.is_empty();
        if ranges.is_empty() && versions.is_empty() && !all_versions {
            continue;
        }
        let entry_malicious = malicious || has_malicious_origin(a.database_specific.as_ref());
        match parsed.advisories.iter_mut().find(|x| x.package == name) {
            // Several `affected` entries for one package: their ranges and lists are unioned.
            Some(existing) => {
                existing.ranges.extend(ranges);
                existing.versions.extend(versions);
                existing.all_versions |= all_versions;
                existing.malicious |= entry_malicious;
            }
            None => parsed.advisories.push(Advisory {
                id: id.clone(),
                aliases: aliases.clone(),
                package: name,
                summary: summary.clone(),
                published: w.published.clone(),
                modified: w.modified.clone(),
                grade: match a.severity.as_deref() {
                    _ if entry_malicious => Grade {
                        severity: Some(Severity::Critical),
                        score: grade.score,
                        basis: "known-malicious package".into(),
                    },
                    Some(own) if !own.is_empty() => {
                        self::grade(own, w.database_specific.as_ref(), false)
                    }
                    _ => grade.clone(),
                },
                malicious: entry_malicious,
                ranges,
                versions,
                all_versions,
            }),
        }
    }
    parsed.other_ecosystem = saw_other && parsed.advisories.is_empty();
    Ok(parsed)
}

fn check_version_text(id: &str, event: &Event, warnings: &mut Vec<String>) {
    let (text, special) = match event {
        Event::Introduced(v) => (v, "0"),
        Event::Limit(v) if v.contains('*') => return,
        Event::Limit(v) => (v, ""),
        Event::Fixed(v) | Event::LastAffected(v) => (v, ""),
    };
    let t = text.trim();
    if t != special && t.parse::<pep440_rs::Version>().is_err() {
        warnings.push(format!("{id}: `{t}` is not a PEP 440 version"));
    }
}

/// `MAL-` is the id prefix of the OpenSSF malicious-packages database.
fn is_malicious_id(id: &str) -> bool {
    id.len() > 4 && id.get(..4).is_some_and(|p| p.eq_ignore_ascii_case("MAL-"))
}

/// The malicious-packages database marks its records with `malicious-packages-origins`.
fn has_malicious_origin(db: Option<&serde_json::Value>) -> bool {
    db.and_then(|v| v.as_object())
        .is_some_and(|o| o.contains_key("malicious-packages-origins"))
}

/// Grade a record: the highest CVSS base score among its v3 and v4 vectors; else the database's
/// own severity word (GitHub's `database_specific.severity`); else unknown. The grade is for
/// display: a known vulnerability blocks whatever its grade (see `vulns::group_finding`).
fn grade(severity: &[WireSeverity], db: Option<&serde_json::Value>, malicious: bool) -> Grade {
    if malicious {
        return Grade {
            severity: Some(Severity::Critical),
            score: None,
            basis: "known-malicious package".into(),
        };
    }
    let mut unscored: Option<String> = None;
    let best = severity
        .iter()
        .filter_map(|s| {
            let vector = s.score.as_str()?.trim();
            let score = match s.kind.trim().to_ascii_uppercase().as_str() {
                "CVSS_V3" => super::cvss::base_score_v3(vector),
                "CVSS_V4" => super::cvss::score_v4(vector),
                _ => None,
            };
            if score.is_none() && unscored.is_none() {
                unscored = Some(format!("{} `{}`", s.kind.trim(), clip_text(vector, 120)));
            }
            Some((score?, vector.to_string()))
        })
        .max_by(|a, b| a.0.total_cmp(&b.0));
    if let Some((score, vector)) = best {
        return Grade {
            severity: Some(severity_from_score(score)),
            score: Some(score),
            basis: format!("{vector} (base score {score:.1})"),
        };
    }
    let word = db
        .and_then(|v| v.get("severity"))
        .and_then(|v| v.as_str())
        .map(|s| s.trim().to_ascii_uppercase());
    let from_word = match word.as_deref() {
        Some("CRITICAL") => Some(Severity::Critical),
        Some("HIGH") => Some(Severity::High),
        Some("MODERATE" | "MEDIUM") => Some(Severity::Medium),
        Some("LOW") => Some(Severity::Low),
        _ => None,
    };
    if let (Some(sev), Some(w)) = (from_word, word) {
        return Grade {
            severity: Some(sev),
            score: None,
            basis: format!("database severity {w}"),
        };
    }
    Grade {
        severity: None,
        score: None,
        basis: match unscored {
            Some(v) => format!("severity unknown: {v} could not be scored"),
            None => "severity unknown: the record gives none".into(),
        },
    }
}

/// At most `max` characters of untrusted text, on a char boundary.
fn clip_text(s: &str, max: usize) -> String {
    match s.char_indices().nth(max) {
        Some((i, _)) => format!("{}…", &s[..i]),
        None => s.to_string(),
    }
}

impl Grade {
    /// `critical (CVSS 9.8)`, `high (database severity HIGH)`, `unknown`.
    pub fn label(&self) -> String {
        match (self.severity, self.score) {
            (None, _) => "unknown".into(),
            (Some(s), Some(score)) => format!("{s}, CVSS {score:.1}"),
            (Some(s), None) if self.basis.starts_with("database severity") => {
                format!("{s}, from the database")
            }
            (Some(s), None) => s.to_string(),
        }
    }
}

/// CVSS v3 qualitative rating: 9.0+ critical, 7.0+ high, 4.0+ medium, >0 low, 0 none (info).
pub fn severity_from_score(score: f64) -> Severity {
    if score >= 9.0 {
        Severity::Critical
    } else if score >= 7.0 {
        Severity::High
    } else if score >= 4.0 {
        Severity::Medium
    } else if score > 0.0 {
        Severity::Low
    } else {
        Severity::Info
    }
}

/// The summary, or else the first line of the details, on one line and at most
/// [`MAX_SUMMARY`] characters.
fn summarise(summary: Option<&str>, details: Option<&str>) -> String {
    let source = summary
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .or_else(|| details.and_then(|d| d.lines().map(str::trim).find(|l| !l.is_empty())))
        .unwrap_or("");
    let one_line: String = source
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .chars()
        .filter(|c| !c.is_control())
        .collect();
    if one_line.chars().count() <= MAX_SUMMARY {
        return one_line;
    }
    let cut: String = one_line.chars().take(MAX_SUMMARY).collect();
    let cut = match cut.rfind(' ') {
        Some(i) if i > MAX_SUMMARY / 2 => cut[..i].to_string(),
        _ => cut,
    };
    format!("{cut}…")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_json(text: &str) -> Result<Vec<Parsed>, InputError> {
        parse_file(Path::new("rec.json"), text, Format::Json)
    }

    #[test]
    fn json_record_validates() {
        let p = parse_json(
            r#"{"id":"PYSEC-0000-0001","aliases":["CVE-0000-0001","PYSEC-0000-0001"],
               "summary":"  Bad\n thing ","modified":"2025-01-01T00:00:00Z",
               "severity":[{"type":"CVSS_V3","score":"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"}],
               "affected":[
                 {"package":{"ecosystem":"PyPI","name":"Foo_Bar"},
                  "ranges":[{"type":"ECOSYSTEM","events":[{"introduced":"0"},{"fixed":"1.0"}]},
                            {"type":"GIT","repo":"https://example.invalid/r","events":[{"introduced":"abc"}]}],
                  "versions":["0.9"]},
                 {"package":{"ecosystem":"npm","name":"foo"},"versions":["1.0.0"]}
               ]}"#,
        )
        .unwrap();
        assert_eq!(p.len(), 1);
        let a = &p[0].advisories;
        assert_eq!(a.len(), 1);
        assert_eq!(a[0].package, "foo-bar");
        assert_eq!(a[0].aliases, vec!["CVE-0000-0001"]);
        assert_eq!(a[0].summary, "Bad thing");
        assert_eq!(a[0].ranges.len(), 1, "GIT range dropped");
        assert_eq!(a[0].grade.severity, Some(Severity::Critical));
        assert_eq!(a[0].grade.score, Some(9.8));
        assert!(!a[0].malicious);
    }

    #[test]
    fn yaml_keeps_unquoted_versions_as_written() {
        let text = "id: PYSEC-0000-0002\naffected:\n- package:\n    name: foo\n    ecosystem: PyPI\n  ranges:\n  - type: ECOSYSTEM\n    events:\n    - introduced: \"0\"\n    - fixed: 1.10\n  versions:\n  - 1.0\n  - 1.9.0\nmodified: 2021-01-01T00:00:00Z\n";
        let p = parse_file(Path::new("r.yaml"), text, Format::Yaml).unwrap();
        let a = &p[0].advisories[0];
        assert_eq!(a.versions, vec!["1.0", "1.9.0"]);
        assert_eq!(a.ranges[0].events[1], Event::Fixed("1.10".into()));
        assert_eq!(a.modified.as_deref(), Some("2021-01-01T00:00:00Z"));
    }

    #[test]
    fn withdrawn_and_other_ecosystems() {
        let p = parse_json(r#"{"id":"X-1","withdrawn":"2024-01-01T00:00:00Z","affected":[{"package":{"ecosystem":"PyPI","name":"a"}}]}"#).unwrap();
        assert!(p[0].withdrawn && p[0].advisories.is_empty());
        let p =
            parse_json(r#"{"id":"X-2","affected":[{"package":{"ecosystem":"Go","name":"a"}}]}"#)
                .unwrap();
        assert!(p[0].other_ecosystem);
    }

    #[test]
    fn malicious_by_id_alias_or_origin() {
        let p = parse_json(
            r#"{"id":"MAL-0000-0001","affected":[{"package":{"ecosystem":"PyPI","name":"evil"}}]}"#,
        )
        .unwrap();
        let a = &p[0].advisories[0];
        assert!(a.malicious && a.all_versions);
        assert_eq!(a.grade.severity, Some(Severity::Critical));
        let p = parse_json(r#"{"id":"GHSA-aaaa-bbbb-cccc","database_specific":{"malicious-packages-origins":[{"source":"x"}]},"affected":[{"package":{"ecosystem":"PyPI","name":"evil"},"versions":["1.0"]}]}"#).unwrap();
        assert!(p[0].advisories[0].malicious);
    }

    #[test]
    fn severity_fallbacks() {
        let p = parse_json(r#"{"id":"GHSA-1","database_specific":{"severity":"MODERATE"},"affected":[{"package":{"ecosystem":"PyPI","name":"a"},"versions":["1"]}]}"#).unwrap();
        assert_eq!(p[0].advisories[0].grade.severity, Some(Severity::Medium));
        let p = parse_json(r#"{"id":"GHSA-2","database_specific":{"severity":"HIGH"},"affected":[{"package":{"ecosystem":"PyPI","name":"a"},"versions":["1"]}]}"#).unwrap();
        assert_eq!(p[0].advisories[0].grade.severity, Some(Severity::High));
        assert_eq!(p[0].advisories[0].grade.label(), "high, from the database");
        // Only a CVSS v4 vector: scored, not defaulted.
        let p = parse_json(r#"{"id":"GHSA-3","severity":[{"type":"CVSS_V4","score":"CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N"}],"affected":[{"package":{"ecosystem":"PyPI","name":"a"},"versions":["1"]}]}"#).unwrap();
        assert_eq!(p[0].advisories[0].grade.severity, Some(Severity::Critical));
        assert_eq!(p[0].advisories[0].grade.score, Some(9.3));
        let p = parse_json(r#"{"id":"GHSA-4","severity":[{"type":"CVSS_V3","score":"CVSS:3.1/AV:N/AC:L/PR:L/UI:N/S:U/C:L/I:N/A:N"}],"affected":[{"package":{"ecosystem":"PyPI","name":"a"},"versions":["1"]}]}"#).unwrap();
        assert_eq!(p[0].advisories[0].grade.severity, Some(Severity::Medium));
        assert_eq!(p[0].advisories[0].grade.score, Some(4.3));
        assert_eq!(p[0].advisories[0].grade.label(), "medium, CVSS 4.3");
        // Both versions: the higher score wins.
        let p = parse_json(r#"{"id":"GHSA-6","severity":[{"type":"CVSS_V3","score":"CVSS:3.1/AV:N/AC:L/PR:L/UI:N/S:U/C:L/I:N/A:N"},{"type":"CVSS_V4","score":"CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N"}],"affected":[{"package":{"ecosystem":"PyPI","name":"a"},"versions":["1"]}]}"#).unwrap();
        assert_eq!(p[0].advisories[0].grade.score, Some(9.3));
        // Nothing usable: unknown, never a guessed "medium".
        let p = parse_json(r#"{"id":"PYSEC-5","affected":[{"package":{"ecosystem":"PyPI","name":"a"},"versions":["1"]}]}"#).unwrap();
        assert_eq!(p[0].advisories[0].grade.severity, None);
        assert_eq!(p[0].advisories[0].grade.label(), "unknown");
        let p = parse_json(r#"{"id":"PYSEC-7","severity":[{"type":"CVSS_V3","score":"CVSS:3.1/garbage"}],"affected":[{"package":{"ecosystem":"PyPI","name":"a"},"versions":["1"]}]}"#).unwrap();
        assert_eq!(p[0].advisories[0].grade.severity, None);
        assert!(p[0].advisories[0]
            .grade
            .basis
            .contains("could not be scored"));
    }

    #[test]
    fn per_package_severity_overrides_the_record() {
        let p = parse_json(
            r#"{"id":"GHSA-5",
               "severity":[{"type":"CVSS_V3","score":"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"}],
               "affected":[
                 {"package":{"ecosystem":"PyPI","name":"a"},"versions":["1"],
                  "severity":[{"type":"CVSS_V3","score":"CVSS:3.1/AV:N/AC:L/PR:L/UI:N/S:U/C:L/I:N/A:N"}]},
                 {"package":{"ecosystem":"PyPI","name":"b"},"versions":["1"]}
               ]}"#,
        )
        .unwrap();
        let a = &p[0].advisories;
        assert_eq!(a[0].grade.score, Some(4.3));
        assert_eq!(a[1].grade.score, Some(9.8));
    }

    #[test]
    fn malformed_records_name_file_and_line() {
        let e = parse_json("{\n  \"id\": \"X\",\n  \"affected\": 5\n}").unwrap_err();
        assert_eq!(e.path, Path::new("rec.json"));
        assert_eq!(e.line, Some(3));
        let e = parse_json(r#"{"summary":"no id"}"#).unwrap_err();
        assert!(e.message.contains("no `id`"), "{e}");
        let e = parse_json(r#"{"id":"X","affected":[{"package":{"ecosystem":"PyPI","name":"a"},"ranges":[{"type":"ECOSYSTEM","events":[{"introduced":"0","fixed":"1"}]}]}]}"#).unwrap_err();
        assert!(e.message.contains("exactly one"), "{e}");
        let e = parse_file(
            Path::new("r.yaml"),
            "id: X\naffected:\n  - [unclosed\n",
            Format::Yaml,
        )
        .unwrap_err();
        assert!(e.line.is_some(), "{e}");
    }

    #[test]
    fn summary_falls_back_to_details_and_is_bounded() {
        assert_eq!(
            summarise(None, Some("\n\nFirst line.\nSecond")),
            "First line."
        );
        let long = "word ".repeat(100);
        let s = summarise(Some(&long), None);
        assert!(
            s.chars().count() <= MAX_SUMMARY + 1 && s.ends_with('…'),
            "{s}"
        );
    }

    #[test]
    fn score_bands() {
        assert_eq!(severity_from_score(9.0), Severity::Critical);
        assert_eq!(severity_from_score(8.9), Severity::High);
        assert_eq!(severity_from_score(7.0), Severity::High);
        assert_eq!(severity_from_score(6.9), Severity::Medium);
        assert_eq!(severity_from_score(4.0), Severity::Medium);
        assert_eq!(severity_from_score(0.1), Severity::Low);
        assert_eq!(severity_from_score(0.0), Severity::Info);
    }
}

#[cfg(test)]
mod hostile {
    use super::*;

    /// Regression guard: YAML alias expansion ("billion laughs") must fail fast, not exhaust
    /// memory.
    #[test]
    fn yaml_alias_bomb_is_rejected() {
        let mut text = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
        for i in 1..12 {
            let prev = i - 1;
            text.push_str(&format!(
                "a{i}: &a{i} [*a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}]\n"
            ));
        }
        text.push_str("id: X\ndatabase_specific: *a11\n");
        let start = std::time::Instant::now();
        let r = parse_file(Path::new("bomb.yaml"), &text, Format::Yaml);
        assert!(r.is_err(), "alias bomb accepted");
        assert!(start.elapsed().as_secs() < 5);
    }

    #[test]
    fn arbitrary_bytes_never_panic() {
        let seeds = [
            "{\"id\":\"A\",\"affected\":[{\"package\":{\"ecosystem\":\"PyPI\",\"name\":\"é\"},\"ranges\":[{\"type\":\"ECOSYSTEM\",\"events\":[{\"introduced\":\"0\"}]}]}]}",
            "id: A\naffected:\n- package: {ecosystem: PyPI, name: x}\n  versions: [1, 2.0, ~, true]\n",
        ];
        for seed in seeds {
            for cut in 0..seed.len() {
                if !seed.is_char_boundary(cut) {
                    continue;
                }
                for format in [Format::Json, Format::Yaml] {
                    let _ = parse_file(Path::new("f"), &seed[..cut], format);
                }
            }
        }
    }
}
