//! Wheel `RECORD` checking. `<name>.dist-info/RECORD` is a CSV of `path,hash,size` where hash is
//! `sha256=<urlsafe base64, no padding>`. Installers do not verify it, so a file changed after the
//! build installs silently: we compare every file actually read (hashed in full while streaming,
//! even when only a prefix is kept) against it and report differences as `record-mismatch`.

use std::collections::{HashMap, HashSet};

use base64::Engine as _;
use sha2::Digest as _;

use super::{
    is_python_like, is_top_dist_info, Collector, FileFact, RECORD_MISMATCH, RECORD_MISSING,
};
use crate::finding::Severity;

/// One RECORD row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordRow {
    pub path: String,
    /// `(algorithm, digest as written)`, `None` when the field is empty.
    pub hash: Option<(String, String)>,
    pub size: Option<u64>,
    /// 1-based line in RECORD.
    pub line: u32,
}

/// Split one CSV line as Python's `csv` module writes it (quotes around fields holding commas
/// or quotes, `""` for a quote inside).
fn split_csv(line: &str) -> Vec<String> {
    let mut fields = Vec::new();
    let mut cur = String::new();
    let mut quoted = false;
    let mut chars = line.chars().peekable();
    while let Some(ch) = chars.next() {
        match ch {
            '"' if quoted => {
                if chars.peek() == Some(&'"') {
                    chars.next();
                    cur.push('"');
                } else {
                    quoted = false;
                }
            }
            '"' if cur.is_empty() => quoted = true,
            ',' if !quoted => fields.push(std::mem::take(&mut cur)),
            c => cur.push(c),
        }
    }
    fields.push(cur);
    fields
}

/// Parse RECORD. Blank lines are skipped; a row without a path is ignored.
pub fn parse_record(bytes: &[u8]) -> Vec<RecordRow> {
    let text = String::from_utf8_lossy(bytes);
    let mut rows = Vec::new();
    for (i, line) in text.split('\n').enumerate() {
        let line = line.strip_suffix('\r').unwrap_or(line);
        if line.trim().is_empty() {
            continue;
        }
        let f = split_csv(line);
        let path = normalize_record_path(&f[0]);
        if path.is_empty() {
            continue;
        }
        let hash = f
            .get(1)
            .map(|h| h.trim())
            .filter(|h| !h.is_empty())
            .map(|h| match h.split_once('=') {
                Some((a, d)) => (a.to_ascii_lowercase(), d.to_string()),
                None => (String::new(), h.to_string()),
            });
        let size = f.get(2).and_then(|s| s.trim().parse().ok());
        rows.push(RecordRow {
            path,
            hash,
            size,
            line: u32::try_from(i + 1).unwrap_or(u32::MAX),
        });
    }
    rows
}

fn normalize_record_path(p: &str) -> String {
    let p = p.replace('\\', "/");
    let mut s = p.as_str();
    while let Some(rest) = s.strip_prefix("./") {
        s = rest;
    }
    s.to_string()
}

fn decode_digest(d: &str) -> Option<Vec<u8>> {
    let d = d.trim().trim_end_matches('=');
    base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(d)
        .ok()
        .or_else(|| {
            base64::engine::general_purpose::STANDARD_NO_PAD
                .decode(d)
                .ok()
        })
}

fn b64(d: &[u8]) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(d)
}

/// Pick the wheel's RECORD: the one whose dist-info name matches the wheel filename, else the
/// first. Returns its path.
fn pick_record(c: &Collector<'_>) -> Option<String> {
    let candidates: Vec<&str> = c
        .entries
        .iter()
        .map(|e| e.path.as_str())
        .filter(|p| is_top_dist_info(p, "RECORD"))
        .collect();
    let project = c.filename.split('-').next().unwrap_or("");
    let norm = |s: &str| crate::package::normalize_name(s);
    candidates
        .iter()
        .find(|p| {
            let dir = p.split('/').next().unwrap_or("");
            let dist = dir.trim_end_matches(".dist-info");
            norm(dist.split('-').next().unwrap_or("")) == norm(project)
        })
        .or_else(|| candidates.first())
        .map(|p| p.to_string())
}

/// Check a wheel's files against its RECORD, adding findings to the collector.
pub(crate) fn check_wheel(c: &mut Collector<'_>) {
    let Some(record_path) = pick_record(c) else {
        if c.unread.iter().any(|p| is_top_dist_info(p, "RECORD")) || c.stopped {
            return; // present but unreadable, or we stopped early: other findings say why
        }
        c.finding(
            &RECORD_MISSING,
            Severity::Medium,
            None,
            "wheel has no .dist-info/RECORD",
            None,
        );
        return;
    };
    let dist_info = record_path.trim_end_matches("RECORD").to_string();
    let rows = {
        let data = &c
            .entries
            .iter()
            .rev()
            .find(|e| e.path == record_path)
            .expect("picked from entries")
            .data;
        parse_record(data)
    };
    let listed: HashMap<&str, &RecordRow> = rows.iter().map(|r| (r.path.as_str(), r)).collect();
    // The last copy of a duplicated path is what gets installed.
    let mut actual: HashMap<String, FileFact> = HashMap::new();
    let mut order: Vec<String> = Vec::new();
    for f in &c.facts {
        if actual.insert(f.path.clone(), f.clone()).is_none() {
            order.push(f.path.clone());
        }
    }
    let exempt: HashSet<String> = ["RECORD", "RECORD.jws", "RECORD.p7s"]
        .iter()
        .map(|n| format!("{dist_info}{n}"))
        .collect();
    let unread: HashSet<String> = c.unread.iter().cloned().collect();
    // Index of the last kept copy of each path (for algorithms other than the streamed sha256).
    let last_entry: HashMap<&str, usize> = c
        .entries
        .iter()
        .enumerate()
        .map(|(i, e)| (e.path.as_str(), i))
        .collect();
    let mut out: Vec<(Severity, String, String, String)> = Vec::new();

    for path in &order {
        if exempt.contains(path) {
            continue;
        }
        let fact = &actual[path];
        let sev_code = if is_python_like(path) {
            Severity::High
        } else {
            Severity::Medium
        };
        let actual_b64 = b64(&fact.sha256);
        let Some(row) = listed.get(path.as_str()) else {
            out.push((
                sev_code,
                path.clone(),
                "file is not listed in RECORD".into(),
                format!("sha256={actual_b64} size={}", fact.size),
            ));
            continue;
        };
        let mut problems = Vec::new();
        match &row.hash {
            None => problems.push("listed without a hash".to_string()),
            Some((alg, digest)) => {
                let actual_digest: Option<Vec<u8>> = match alg.as_str() {
                    "sha256" => Some(fact.sha256.to_vec()),
                    "sha384" | "sha512" if !c.partial.contains_key(path) => {
                        last_entry.get(path.as_str()).map(|&i| {
                            let e = &c.entries[i];
                            if alg == "sha384" {
                                sha2::Sha384::digest(e.data.as_slice()).to_vec()
                            } else {
                                sha2::Sha512::digest(e.data.as_slice()).to_vec()
                            }
                        })
                    }
                    _ => None,
                };
                match (decode_digest(digest), actual_digest) {
                    (Some(want), Some(got)) if want != got => {
                        problems.push(format!(
                            "hash differs: RECORD {alg}={digest}, actual {alg}={}",
                            b64(&got)
                        ));
                    }
                    (None, _) => problems.push(format!("unreadable hash `{alg}={digest}`")),
                    _ => {}
                }
            }
        }
        if let Some(size) = row.size {
            if size != fact.size {
                problems.push(format!("size differs: RECORD {size}, actual {}", fact.size));
            }
        }
        if !problems.is_empty() {
            let hash_differs = problems
                .iter()
                .any(|p| p.starts_with("hash") || p.starts_with("size"));
            let severity = if hash_differs {
                sev_code
            } else {
                Severity::Medium
            };
            out.push((
                severity,
                path.clone(),
                "file does not match its RECORD entry".into(),
                problems.join("; "),
            ));
        }
    }
    for row in &rows {
        if exempt.contains(&row.path)
            || row.path.ends_with('/')
            || actual.contains_key(&row.path)
            || unread.contains(&row.path)
            || c.stopped
        {
            continue;
        }
        out.push((
            Severity::Medium,
            row.path.clone(),
            "RECORD lists a file that is not in the wheel".into(),
            format!("{record_path} line {}", row.line),
        ));
    }
    for (severity, path, message, evidence) in out {
        c.finding(
            &RECORD_MISMATCH,
            severity,
            Some(&path),
            message,
            Some(evidence),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_rows_with_quotes_and_empty_hashes() {
        let rows = parse_record(
            b"pkg/__init__.py,sha256=47DEQpj8HBSa-_TImW-5JCeuQeRkm5NMpJWZG3hSuFU,0\r\n\
\"pkg/a,b.py\",sha256=abc,12\n\npkg-1.0.dist-info/RECORD,,\n",
        );
        assert_eq!(rows.len(), 3);
        assert_eq!(rows[0].size, Some(0));
        assert_eq!(rows[1].path, "pkg/a,b.py");
        assert_eq!(rows[1].line, 2);
        assert_eq!(rows[2].hash, None);
        assert_eq!(
            decode_digest("47DEQpj8HBSa-_TImW-5JCeuQeRkm5NMpJWZG3hSuFU").unwrap(),
            sha2::Sha256::digest(b"").to_vec()
        );
    }
}
