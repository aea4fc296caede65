//! The JSON documents an index serves: PEP 691 simple pages ([`parse_simple_json`]) and the
//! optional project metadata JSON ([`merge_metadata`]: authors, project URLs, ownership,
//! release upload times). Tolerant: a malformed file entry is skipped, never a panic.

use std::collections::BTreeMap;

use serde_json::Value;

use super::filename::version_from_filename;
use super::{filename_from_url, resolve, shorten};
use crate::hash::{Digest, HashAlgorithm, Hashes};
use crate::package::normalize_name;
use crate::project::{IndexFile, Ownership, ProjectDetails, ProjectInfo, Role};

/// PEP 691 JSON.
pub fn parse_simple_json(body: &[u8], base_url: &str) -> Result<ProjectInfo, String> {
    let v: Value = serde_json::from_slice(body).map_err(|e| format!("invalid JSON: {e}"))?;
    let Value::Object(top) = v else {
        return Err("expected a JSON object".into());
    };
    let mut info = ProjectInfo {
        name: str_field(&top, "name")
            .map(|n| normalize_name(&n))
            .unwrap_or_default(),
        ..ProjectInfo::default()
    };
    if let Some(Value::Array(vs)) = top.get("versions") {
        info.versions = vs
            .iter()
            .filter_map(Value::as_str)
            .map(str::to_string)
            .collect();
    }
    let files = match top.get("files") {
        Some(Value::Array(f)) => f.as_slice(),
        None => &[],
        Some(_) => return Err("`files` is not an array".into()),
    };
    for f in files {
        let Value::Object(o) = f else { continue };
        let Some(listed) = str_field(o, "filename") else {
            continue;
        };
        let Some(url) = str_field(o, "url").and_then(|u| resolve(base_url, &u)) else {
            continue;
        };
        // pip names the file by its URL, uv by `filename`: pyvet takes pip's reading, and a
        // disagreement is reported (installers may select different files).
        let filename = filename_from_url(&url).unwrap_or_else(|| listed.clone());
        let page_conflict = (filename != listed).then(|| crate::project::PageConflict {
            message: format!(
                "its `filename` says `{}`, its URL is for `{filename}` (pip uses the URL, uv \
                 the `filename`)",
                shorten(&listed)
            ),
            installers_differ: true,
        });
        let core_metadata = match o
            .get("core-metadata")
            .or_else(|| o.get("dist-info-metadata"))
        {
            Some(Value::Bool(true)) => Some(Hashes::default()),
            Some(h @ Value::Object(_)) => Some(parse_hashes(Some(h))),
            _ => None,
        };

        let (yanked, yanked_reason) = match o.get("yanked") {
            Some(Value::Bool(b)) => (*b, None),
            Some(Value::String(s)) => (true, Some(s.trim().to_string()).filter(|s| !s.is_empty())),
            _ => (false, None),
        };
        let (provenance_url, has_provenance) = match o.get("provenance") {
            Some(Value::String(s)) => (resolve(base_url, s), Some(true)),
            Some(Value::Null) => (None, Some(false)),
            _ => (None, None),
        };
        let version = version_from_filename(&filename, &info.name);
        info.files.push(IndexFile {
            url,
            hashes: parse_hashes(o.get("hashes")),
            version,
            upload_time: o
                .get("upload-time")
                .and_then(Value::as_str)
                .and_then(parse_time),
            size: o.get("size").and_then(Value::as_u64),
            yanked,
            yanked_reason,
            requires_python: str_field(o, "requires-python"),
            provenance_url,
            has_provenance,
            core_metadata,
            page_conflict,
            filename,
        });
    }
    Ok(info)
}

/// Merge the project metadata JSON (`info`, `ownership`, `releases`) into `info`.
pub fn merge_metadata(info: &mut ProjectInfo, v: &Value, base_url: &str) {
    let Value::Object(top) = v else { return };
    if let Some(Value::Object(i)) = top.get("info") {
        let project_urls: BTreeMap<String, String> = match i.get("project_urls") {
            Some(Value::Object(m)) => m
                .iter()
                .filter_map(|(k, v)| v.as_str().map(|s| (k.clone(), s.to_string())))
                .collect(),
            _ => BTreeMap::new(),
        };
        info.info = Some(ProjectDetails {
            summary: str_field(i, "summary"),
            author: str_field(i, "author"),
            author_email: str_field(i, "author_email"),
            maintainer: str_field(i, "maintainer"),
            maintainer_email: str_field(i, "maintainer_email"),
            home_page: str_field(i, "home_page"),
            project_urls,
            license: str_field(i, "license"),
        });
    }
    if let Some(Value::Object(o)) = top.get("ownership") {
        let roles = match o.get("roles") {
            Some(Value::Array(rs)) => rs
                .iter()
                .filter_map(|r| {
                    let r = r.as_object()?;
                    Some(Role {
                        user: str_field(r, "user")?,
                        role: str_field(r, "role").unwrap_or_default(),
                    })
                })
                .collect(),
            _ => Vec::new(),
        };
        info.ownership = Some(Ownership {
            organization: str_field(o, "organization"),
            roles,
        });
    }
    let Some(Value::Object(releases)) = top.get("releases") else {
        return;
    };
    // Indexes over what the simple page gave, so merging thousands of releases (botocore) is
    // linear, not quadratic.
    let mut known_versions: std::collections::HashSet<String> =
        info.versions.iter().cloned().collect();
    let mut by_filename: std::collections::HashMap<String, usize> = info
        .files
        .iter()
        .enumerate()
        .map(|(i, f)| (f.filename.clone(), i))
        .collect();
    for (version, files) in releases {
        if known_versions.insert(version.clone()) {
            info.versions.push(version.clone());
        }
        let Value::Array(files) = files else { continue };
        for f in files {
            let Value::Object(o) = f else { continue };
            let Some(filename) = str_field(o, "filename") else {
                continue;
            };
            let upload_time = str_field(o, "upload_time_iso_8601")
                .or_else(|| str_field(o, "upload_time"))
                .and_then(|t| parse_time(&t));
            let hashes = parse_hashes(o.get("digests"));
            let yanked = o.get("yanked").and_then(Value::as_bool).unwrap_or(false);
            let yanked_reason = str_field(o, "yanked_reason");
            let size = o.get("size").and_then(Value::as_u64);
            match by_filename.get(&filename).map(|&i| &mut info.files[i]) {
                Some(x) => {
                    x.version = Some(version.clone());
                    x.upload_time = x.upload_time.or(upload_time);
                    x.size = x.size.or(size);
                    for d in hashes.digests() {
                        if x.hashes.get(d.algorithm).is_none() {
                            x.hashes.insert(d);
                        }
                    }
                    if yanked && !x.yanked {
                        x.yanked = true;
                    }
                    if x.yanked && x.yanked_reason.is_none() {
                        x.yanked_reason = yanked_reason;
                    }
                    if x.requires_python.is_none() {
                        x.requires_python = str_field(o, "requires_python");
                    }
                }
                None => {
                    let Some(url) = str_field(o, "url").and_then(|u| resolve(base_url, &u)) else {
                        continue;
                    };
                    by_filename.insert(filename.clone(), info.files.len());
                    info.files.push(IndexFile {
                        filename,
                        url,
                        hashes,
                        version: Some(version.clone()),
                        upload_time,
                        size,
                        yanked,
                        yanked_reason: if yanked { yanked_reason } else { None },
                        requires_python: str_field(o, "requires_python"),
                        provenance_url: None,
                        has_provenance: None,
                        core_metadata: None,
                        page_conflict: None,
                    });
                }
            }
        }
    }
}

fn parse_hashes(obj: Option<&Value>) -> Hashes {
    let mut h = Hashes::default();
    if let Some(Value::Object(map)) = obj {
        for (k, v) in map {
            if let (Ok(alg), Some(hex)) = (k.parse::<HashAlgorithm>(), v.as_str()) {
                if let Ok(d) = Digest::new(alg, hex) {
                    h.insert(d);
                }
            }
        }
    }
    h
}

/// RFC 3339 timestamps; a missing zone (as some metadata JSON writes) is read as UTC.
pub fn parse_time(s: &str) -> Option<jiff::Timestamp> {
    let s = s.trim();
    s.parse::<jiff::Timestamp>()
        .ok()
        .or_else(|| format!("{s}Z").parse::<jiff::Timestamp>().ok())
}

fn str_field(o: &serde_json::Map<String, Value>, k: &str) -> Option<String> {
    o.get(k)
        .and_then(Value::as_str)
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::index::parse_simple;

    const SHA: &str = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

    #[test]
    fn parses_pep691_json() {
        let body = format!(
            r#"{{"meta":{{"api-version":"1.1"}},"name":"Demo","versions":["1.0","2.0"],
            "files":[
              {{"filename":"demo-1.0.tar.gz","url":"../../files/demo-1.0.tar.gz","hashes":{{"sha256":"{SHA}","md5":"x"}},
                "requires-python":">=3.8","yanked":"broken","upload-time":"2024-01-02T03:04:05.123456Z","size":12,"provenance":null}},
              {{"filename":"demo-2.0-py3-none-any.whl","url":"https://files.example.invalid/demo-2.0-py3-none-any.whl","hashes":{{}},
                "yanked":false,"provenance":"https://example.invalid/prov/demo"}},
              {{"filename":"no-url.tar.gz"}},
              42,
              {{"filename":"demo-3.0.zip","url":"x","yanked":true,"hashes":{{"sha256":"nothex"}}}}
            ]}}"#
        );
        let info = parse_simple(
            body.as_bytes(),
            Some("application/vnd.pypi.simple.v1+json"),
            "https://example.invalid/simple/demo/",
        )
        .unwrap();
        assert_eq!(info.versions, vec!["1.0", "2.0"]);
        assert_eq!(info.files.len(), 3);
        let a = &info.files[0];
        assert_eq!(a.url, "https://example.invalid/files/demo-1.0.tar.gz");
        assert_eq!(a.hashes.sha256(), Some(SHA));
        assert!(a.yanked);
        assert_eq!(a.yanked_reason.as_deref(), Some("broken"));
        assert_eq!(a.requires_python.as_deref(), Some(">=3.8"));
        assert_eq!(a.size, Some(12));
        assert_eq!(a.version.as_deref(), Some("1.0"));
        assert_eq!(
            a.upload_time.unwrap().to_string(),
            "2024-01-02T03:04:05.123456Z"
        );
        assert_eq!(
            (a.has_provenance, a.provenance_url.as_deref()),
            (Some(false), None)
        );
        let b = &info.files[1];
        assert!(!b.yanked);
        assert_eq!(b.has_provenance, Some(true));
        assert_eq!(b.version.as_deref(), Some("2.0"));
        let c = &info.files[2];
        assert!(c.yanked && c.yanked_reason.is_none() && c.hashes.is_empty());
        assert_eq!(c.has_provenance, None);
        assert!(parse_simple(b"[1,2]", Some("application/json"), "https://x.invalid/").is_err());
        assert!(parse_simple(b"{", Some("application/json"), "https://x.invalid/").is_err());
    }

    #[test]
    fn json_filename_is_the_urls_and_a_different_one_is_reported() {
        let body = format!(
            r#"{{"name":"demo","files":[
              {{"filename":"demo-1.0-py3-none-any.whl","url":"/f/demo-1.0.tar.gz","hashes":{{}}}},
              {{"filename":"demo-2.0+x.tar.gz","url":"/f/demo-2.0%2Bx.tar.gz","hashes":{{}},
                "core-metadata":{{"sha256":"{SHA}"}}}},
              {{"filename":"demo-3.0.tar.gz","url":"/f/demo-3.0.tar.gz","dist-info-metadata":true}}
            ]}}"#
        );
        let info =
            parse_simple_json(body.as_bytes(), "https://example.invalid/simple/demo/").unwrap();
        let [a, b, c] = &info.files[..] else {
            panic!("{:#?}", info.files)
        };
        assert_eq!(a.filename, "demo-1.0.tar.gz");
        assert!(a.page_conflict.as_ref().unwrap().installers_differ);
        assert_eq!(b.filename, "demo-2.0+x.tar.gz");
        assert!(b.page_conflict.is_none());
        assert_eq!(b.core_metadata.as_ref().unwrap().sha256(), Some(SHA));
        assert!(c.core_metadata.as_ref().unwrap().is_empty());
        assert!(a.core_metadata.is_none());
        // The audit reports it on the artifact, graded by what installers would do.
        let arts: Vec<_> = info
            .files
            .iter()
            .map(|f| {
                let mut a = crate::package::Artifact::new(f.filename.clone());
                a.url = Some(f.url.clone());
                a
            })
            .collect();
        let found = super::super::page_findings(Some(&info), &arts);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].rule, "index-ambiguous");
        assert_eq!(found[0].severity, crate::finding::Severity::High);
        assert_eq!(found[0].artifact.as_deref(), Some("demo-1.0.tar.gz"));
        let html = super::super::parse_simple_html(
            "<a href=\"/f/demo-1.0.tar.gz\">demo-1.0-py3-none-any.whl</a>",
            "https://example.invalid/simple/demo/",
        );
        let found = super::super::page_findings(Some(&html), &arts[..1]);
        assert_eq!(found[0].severity, crate::finding::Severity::Medium);
    }

    #[test]
    fn merges_metadata_json() {
        let mut info = parse_simple_json(
            br#"{"name":"demo","files":[{"filename":"demo-1.0.tar.gz","url":"/f/demo-1.0.tar.gz","hashes":{}}]}"#,
            "https://example.invalid/simple/demo/",
        )
        .unwrap();
        let meta: Value = serde_json::from_str(&format!(
            r#"{{"info":{{"author":"Ann","author_email":"ann@example.invalid","home_page":"","project_urls":{{"Source":"https://example.invalid/src","Bad":null}}}},
               "ownership":{{"organization":"acme","roles":[{{"user":"ann","role":"Owner"}},{{"role":"Maintainer"}}]}},
               "releases":{{"1.0":[{{"filename":"demo-1.0.tar.gz","url":"/f/demo-1.0.tar.gz","digests":{{"sha256":"{SHA}"}},"upload_time_iso_8601":"2020-05-06T07:08:09.000000Z","yanked":true,"yanked_reason":"oops","size":7}}],
                            "0.9":[{{"filename":"demo-0.9.tar.gz","url":"/f/demo-0.9.tar.gz","digests":{{}},"upload_time":"2019-01-01T00:00:00"}}],
                            "bad": 5}}}}"#
        ))
        .unwrap();
        merge_metadata(&mut info, &meta, "https://example.invalid/pypi/demo/json");
        let d = info.info.as_ref().unwrap();
        assert_eq!(d.author.as_deref(), Some("Ann"));
        assert_eq!(d.home_page, None);
        assert_eq!(d.project_urls.len(), 1);
        let o = info.ownership.as_ref().unwrap();
        assert_eq!(o.organization.as_deref(), Some("acme"));
        assert_eq!(
            o.roles,
            vec![Role {
                user: "ann".into(),
                role: "Owner".into()
            }]
        );
        assert_eq!(info.files.len(), 2);
        let f = &info.files[0];
        assert_eq!(f.hashes.sha256(), Some(SHA));
        assert!(f.yanked);
        assert_eq!(f.yanked_reason.as_deref(), Some("oops"));
        assert_eq!(f.size, Some(7));
        assert!(f.upload_time.is_some());
        let g = &info.files[1];
        assert_eq!(g.url, "https://example.invalid/f/demo-0.9.tar.gz");
        assert_eq!(g.upload_time.unwrap().to_string(), "2019-01-01T00:00:00Z");
        assert!(info.versions.contains(&"0.9".to_string()));
        merge_metadata(&mut info, &Value::Null, "x");
    }
}
