//! The SARIF 2.1.0 renderer, for code-scanning dashboards (GitHub code scanning and others).
//!
//! One run; `tool.driver.rules` lists every rule used by a result (described from the rule
//! catalogue); every result has a location, because dashboards drop results without one:
//! code findings point at `<artifact filename>/<path inside the artifact>`, findings about a
//! package as a whole point at its line in the lockfile. Suppressed findings stay in the output
//! with an external suppression carrying the ignore reason, so the dashboard shows them as
//! dismissed rather than losing them. `partialFingerprints` lets a dashboard follow one finding
//! across runs even when line numbers or versions change.

use std::collections::BTreeMap;

use serde_json::{json, Value};

use super::{resolve_location, PackageReport, Report};
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
            "properties": {
                "command": report.command,
                "inputs": report.inputs,
                "failOn": report.fail_on,
                "blocked": report.summary.blocked,
            }
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
    let loc = resolve_location(report, p, f);
    let uri = if loc.uri_parts.is_empty() {
        // Nothing known at all: point at the package name so the result keeps a location.
        encode_uri(&p.name)
    } else {
        encode_uri(&loc.uri_parts.join("/"))
    };
    let start_line = loc.line.unwrap_or(1).max(1);

    let mut text = format!("{}: {}", p.id(), f.message);
    if let Some(ev) = &f.evidence {
        let first = ev
            .lines()
            .find(|l| !l.trim().is_empty())
            .unwrap_or("")
            .trim();
        if !first.is_empty() {
            let cut: String = first.chars().take(200).collect();
            text.push_str(&format!(" (evidence: {cut})"));
        }
    }

    let mut region = json!({ "startLine": start_line });
    if let (true, Some(col)) = (loc.line.is_some(), f.location.column) {
        region["startColumn"] = json!(col.max(1));
    }
    let mut physical = json!({
        "artifactLocation": { "uri": uri },
        "region": region,
    });
    if let Some(ev) = &f.evidence {
        physical["region"]["snippet"] = json!({ "text": ev });
    }

    let mut out = json!({
        "ruleId": f.rule,
        "ruleIndex": rule_index,
        "level": level(f.severity),
        "message": { "text": text },
        "locations": [{ "physicalLocation": physical }],
        "partialFingerprints": { FINGERPRINT_KEY: fingerprint(p, f) },
        "properties": {
            "severity": f.severity,
            "confidence": f.confidence,
            "package": p.name,
            "version": p.version,
            "locationKind": if loc.in_artifact { "artifact" } else { "lockfile" },
        }
    });
    if let Some(reason) = &f.suppressed {
        out["suppressions"] =
            json!([{ "kind": "external", "status": "accepted", "justification": reason }]);
    }
    out
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
