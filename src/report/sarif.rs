//! The SARIF 2.1.0 renderer, for code-scanning dashboards (GitHub code scanning and others).
//!
//! One run; `tool.driver.rules` lists every rule used by a result (described from the rule
//! catalogue); every result has a location in a file of the repository, because dashboards
//! drop results they cannot anchor: the file that declares the package (the lockfile, or a
//! requirements file it includes) at the package's line, or for `pyvet scan` the scanned path.
//! A code finding's path inside the artifact is no file of the repository, so it is given as a
//! logical location (`<artifact>/<path>`) and as a related location with the line and the
//! evidence. Suppressed findings stay in the output with an external suppression carrying the
//! ignore reason, so the dashboard shows them as dismissed rather than losing them.
//! `partialFingerprints` lets a dashboard follow one finding across runs even when line numbers
//! or versions change.

use std::collections::BTreeMap;

use serde_json::{json, Value};

use super::{repo_anchor, resolve_location, PackageReport, Report};
use crate::finding::{Finding, RuleInfo, Severity};

pub const SARIF_SCHEMA: &str = "https://json.schemastore.org/sarif-2.1.0.json";
pub const SARIF_VERSION: &str = "2.1.0";
/// Key of our entry in `partialFingerprints`; bump the suffix if the recipe changes.
pub const FINGERPRINT_KEY: &str = "pyvet/v1";

/// Render with rule descriptions from the rule catalogue.
pub fn render(report: &Report) -> String {
    let value = to_value(report);
    serde_json::to_string_pretty(&value).unwrap_or_else(|_| "{}".into()) + "\n"
}

/// SARIF level for a severity.
pub fn level(severity: Severity) -> &'static str {
    match severity {
        Severity::Critical | Severity::High => "error",
        Severity::Medium => "warning",
        Severity::Low | Severity::Info => "note",
    }
}

/// The SARIF log as a JSON value.
pub fn to_value(report: &Report) -> Value {
    // Rules used by any result, sorted by id; the index in this list is each result's ruleIndex.
    let mut used: BTreeMap<&str, Severity> = BTreeMap::new();
    for p in &report.packages {
        for f in &p.findings {
            let e = used.entry(f.rule.as_str()).or_insert(f.severity);
            *e = (*e).max(f.severity);
        }
    }
    let rule_ids: Vec<&str> = used.keys().copied().collect();
    let rules: Vec<Value> = rule_ids
        .iter()
        .map(|id| rule_descriptor(id, used[id], crate::catalog::find(id)))
        .collect();

    let mut results = Vec::new();
    for p in &report.packages {
        for f in &p.findings {
            let index = rule_ids.iter().position(|r| *r == f.rule).unwrap_or(0);
            results.push(result(report, p, f, index));
        }
    }

    let notifications: Vec<Value> = report
        .notes
        .iter()
        .map(|n| json!({ "level": "note", "message": { "text": n } }))
        .collect();
    let mut invocation = json!({ "executionSuccessful": true });
    if !notifications.is_empty() {
        invocation["toolExecutionNotifications"] = Value::Array(notifications);
    }

    let mut properties = json!({
        "command": report.command,
        "inputs": report.inputs,
        "failOn": report.fail_on,
        "blocked": report.summary.blocked,
    });
    if !report.not_installed.is_empty() {
        // Not vetted because the target does not install them: no result, but on the record.
        properties["notInstalled"] = report
            .not_installed
            .iter()
            .map(|n| json!({ "name": n.name, "version": n.version, "reason": n.reason }))
            .collect();
    }

    json!({
        "$schema": SARIF_SCHEMA,
        "version": SARIF_VERSION,
        "runs": [{
            "tool": {
                "driver": {
                    "name": report.tool.name,
                    "version": report.tool.version,
                    "rules": rules,
                }
            },
            "invocations": [invocation],
            "results": results,
            "properties": properties,
        }]
    })
}

fn rule_descriptor(id: &str, seen: Severity, info: Option<&RuleInfo>) -> Value {
    match info {
        Some(info) => json!({
            "id": id,
            "name": id,
            "shortDescription": { "text": info.summary },
            "fullDescription": { "text": info.help },
            "help": { "text": info.help },
            "defaultConfiguration": { "level": level(info.severity) },
            "properties": { "severity": info.severity },
        }),
        // A rule missing from the catalogue (should not happen) is still described, so the
        // result's ruleIndex stays valid.
        None => json!({
            "id": id,
            "name": id,
            "shortDescription": { "text": id },
            "defaultConfiguration": { "level": level(seen) },
        }),
    }
}

fn result(report: &Report, p: &PackageReport, f: &Finding, rule_index: usize) -> Value {
    let inner = resolve_location(report, p, f);
    let (file, line) = repo_anchor(report, p, f);
    // Nothing known at all: point at the package name so the result keeps a location.
    let uri = encode_uri(file.as_deref().unwrap_or(&p.name));
    let mut artifact_location = json!({ "uri": uri });
    if file.as_deref().is_some_and(is_relative) {
        artifact_location["uriBaseId"] = json!("%SRCROOT%");
    }
    let mut physical = json!({
        "artifactLocation": artifact_location,
        "region": { "startLine": line.unwrap_or(1).max(1) },
    });
    if !inner.in_artifact {
        if let (Some(col), Some(_)) = (f.location.column, line) {
            physical["region"]["startColumn"] = json!(col.max(1));
        }
        if let Some(ev) = &f.evidence {
            physical["region"]["snippet"] = json!({ "text": ev });
        }
    }
    let mut location = json!({ "physicalLocation": physical });

    let mut text = format!("{}: {}", p.id(), f.message);
    let mut related = Vec::new();
    if inner.in_artifact {
        let inside = inner.uri_parts.join("/");
        let mut where_ = inside.clone();
        if let Some(l) = inner.line {
            where_.push_str(&format!(":{l}"));
        }
        text.push_str(&format!(" (in {where_})"));
        let mut logical = json!({
            "name": inner.uri_parts.last().cloned().unwrap_or_default(),
            "fullyQualifiedName": inside,
        });
        if inner.uri_parts.len() > 1 {
            logical["kind"] = json!("module");
        }
        location["logicalLocations"] = json!([logical]);
        let mut region = json!({ "startLine": inner.line.unwrap_or(1).max(1) });
        if let (Some(col), Some(_)) = (f.location.column, inner.line) {
            region["startColumn"] = json!(col.max(1));
        }
        if let Some(ev) = &f.evidence {
            region["snippet"] = json!({ "text": ev });
        }
        related.push(json!({
            "id": 1,
            "physicalLocation": {
                "artifactLocation": { "uri": encode_uri(&inside) },
                "region": region,
            },
            "message": { "text": format!("inside the artifact: {where_}") },
        }));
    }
    if let Some(ev) = &f.evidence {
        let first = ev
            .lines()
            .find(|l| !l.trim().is_empty())
            .unwrap_or("")
            .trim();
        if !first.is_empty() {
            let cut: String = first.chars().take(200).collect();
            text.push_str(&format!(" Evidence: {cut}"));
        }
    }
    if let Some(m) = &f.matched {
        let cut: String = m.chars().take(200).collect();
        text.push_str(&format!(" Matched: {cut}."));
    }
    if let Some(d) = &f.decoded {
        let first: String = d.lines().next().unwrap_or("").chars().take(200).collect();
        text.push_str(&format!(" Decoded: {first}"));
    }
    if let Some(runs) = f.runs {
        text.push_str(&format!(" The code {}.", runs.describe()));
    }
    if let Some(a) = &f.action {
        text.push_str(&format!(" To act: {a}"));
        if f.ignore_entry.is_some() {
            text.push_str(" (the ignore entry is in this result's properties)");
        }
    }

    let mut properties = json!({
        "severity": f.severity,
        "confidence": f.confidence,
        "package": p.name,
        "version": p.version,
        "locationKind": if inner.in_artifact { "artifact" } else { "lockfile" },
    });
    for (key, value) in [
        ("matched", f.matched.as_deref()),
        ("decoded", f.decoded.as_deref()),
        ("runs", f.runs.map(|r| r.as_str())),
        ("action", f.action.as_deref()),
        ("ignoreEntry", f.ignore_entry.as_deref()),
    ] {
        if let Some(v) = value {
            properties[key] = json!(v);
        }
    }

    let mut out = json!({
        "ruleId": f.rule,
        "ruleIndex": rule_index,
        "level": level(f.severity),
        "message": { "text": text },
        "locations": [location],
        "partialFingerprints": { FINGERPRINT_KEY: fingerprint(p, f) },
        "properties": properties,
    });
    if !related.is_empty() {
        out["relatedLocations"] = Value::Array(related);
    }
    if let Some(reason) = &f.suppressed {
        out["suppressions"] =
            json!([{ "kind": "external", "status": "accepted", "justification": reason }]);
    }
    out
}

/// A path relative to the directory pyvet ran in (the repository, in CI), as opposed to an
/// absolute one (`/...`, `C:\...`, `\\server\...`).
fn is_relative(path: &str) -> bool {
    let b = path.as_bytes();
    !(path.starts_with(['/', '\\']) || (b.len() >= 2 && b[0].is_ascii_alphabetic() && b[1] == b':'))
}

/// A stable hash of rule, package, path inside the artifact and whitespace-normalised evidence:
/// no version, artifact filename or line number, so an upgrade that keeps the same code keeps
/// the same fingerprint.
pub fn fingerprint(p: &PackageReport, f: &Finding) -> String {
    let package = f
        .package
        .clone()
        .unwrap_or_else(|| crate::package::normalize_name(&p.name));
    let path = if f.artifact.is_some() {
        f.location.path.as_deref().unwrap_or("")
    } else {
        ""
    };
    let evidence = f
        .evidence
        .as_deref()
        .map(|e| e.split_whitespace().collect::<Vec<_>>().join(" "))
        .unwrap_or_default();
    let material = format!("{}\0{}\0{}\0{}", f.rule, package, path, evidence);
    crate::hash::sha256_hex(material.as_bytes())[..32].to_string()
}

/// Percent-encode what may not appear in a URI reference path; backslashes become slashes.
pub fn encode_uri(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for b in path.replace('\\', "/").bytes() {
        let keep = b.is_ascii_alphanumeric()
            || matches!(
                b,
                b'-' | b'.'
                    | b'_'
                    | b'~'
                    | b'/'
                    | b'!'
                    | b'$'
                    | b'&'
                    | b'\''
                    | b'('
                    | b')'
                    | b'*'
                    | b'+'
                    | b','
                    | b';'
                    | b'='
                    | b'@'
            );
        if keep {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn levels_follow_severity() {
        assert_eq!(level(Severity::Critical), "error");
        assert_eq!(level(Severity::High), "error");
        assert_eq!(level(Severity::Medium), "warning");
        assert_eq!(level(Severity::Low), "note");
        assert_eq!(level(Severity::Info), "note");
    }

    #[test]
    fn uri_encoding() {
        assert_eq!(encode_uri("a b/c#d?.py"), "a%20b/c%23d%3F.py");
        assert_eq!(encode_uri("dir\\x:y"), "dir/x%3Ay");
        assert_eq!(encode_uri("é"), "%C3%A9");
    }
}
