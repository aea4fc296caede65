//! Index pages for fixture projects: PEP 691 JSON, PEP 503 HTML and the project metadata JSON
//! (`/pypi/<name>/json` style), rendered from [`FixtureFile`]s for the loopback index.

use super::sha256;

/// A file of a fixture project, rendered into the index pages below.
#[derive(Debug, Clone, Default)]
pub struct FixtureFile {
    pub filename: String,
    /// As written into the page (relative or absolute).
    pub href: String,
    pub sha256: Option<String>,
    /// `None`: not yanked; `Some(None)`: yanked without reason; `Some(Some(r))`: with reason.
    pub yanked: Option<Option<String>>,
    pub requires_python: Option<String>,
    pub upload_time: Option<String>,
    pub size: Option<u64>,
    /// `None`: key absent; `Some(None)`: `null`; `Some(Some(url))`.
    pub provenance: Option<Option<String>>,
}

impl FixtureFile {
    pub fn new(filename: &str, href: &str, data: &[u8]) -> Self {
        Self {
            filename: filename.into(),
            href: href.into(),
            sha256: Some(sha256(data)),
            size: Some(data.len() as u64),
            ..Self::default()
        }
    }
}

/// PEP 691 JSON page.
pub fn simple_json(name: &str, versions: &[&str], files: &[FixtureFile]) -> String {
    let files: Vec<serde_json::Value> = files
        .iter()
        .map(|f| {
            let mut o = serde_json::Map::new();
            o.insert("filename".into(), f.filename.clone().into());
            o.insert("url".into(), f.href.clone().into());
            let mut hashes = serde_json::Map::new();
            if let Some(s) = &f.sha256 {
                hashes.insert("sha256".into(), s.clone().into());
            }
            o.insert("hashes".into(), hashes.into());
            if let Some(rp) = &f.requires_python {
                o.insert("requires-python".into(), rp.clone().into());
            }
            match &f.yanked {
                None => {
                    o.insert("yanked".into(), false.into());
                }
                Some(None) => {
                    o.insert("yanked".into(), true.into());
                }
                Some(Some(r)) => {
                    o.insert("yanked".into(), r.clone().into());
                }
            }
            if let Some(t) = &f.upload_time {
                o.insert("upload-time".into(), t.clone().into());
            }
            if let Some(s) = f.size {
                o.insert("size".into(), s.into());
            }
            match &f.provenance {
                None => {}
                Some(None) => {
                    o.insert("provenance".into(), serde_json::Value::Null);
                }
                Some(Some(u)) => {
                    o.insert("provenance".into(), u.clone().into());
                }
            }
            serde_json::Value::Object(o)
        })
        .collect();
    serde_json::json!({
        "meta": {"api-version": "1.1"},
        "name": name,
        "versions": versions,
        "files": files,
    })
    .to_string()
}

fn html_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// PEP 503 HTML page (sha256 as a URL fragment, PEP 592 / 503 data attributes).
pub fn simple_html(name: &str, files: &[FixtureFile]) -> String {
    let mut out = format!(
        "<!DOCTYPE html>\n<html>\n  <head>\n    <meta name=\"pypi:repository-version\" content=\"1.0\">\n    <title>Links for {name}</title>\n  </head>\n  <body>\n    <h1>Links for {name}</h1>\n"
    );
    for f in files {
        let mut href = f.href.clone();
        if let Some(s) = &f.sha256 {
            href.push_str(&format!("#sha256={s}"));
        }
        let mut attrs = format!("href=\"{}\"", html_escape(&href));
        if let Some(rp) = &f.requires_python {
            attrs.push_str(&format!(" data-requires-python=\"{}\"", html_escape(rp)));
        }
        match &f.yanked {
            None => {}
            Some(None) => attrs.push_str(" data-yanked"),
            Some(Some(r)) => attrs.push_str(&format!(" data-yanked=\"{}\"", html_escape(r))),
        }
        out.push_str(&format!(
            "    <a {attrs}>{}</a><br/>\n",
            html_escape(&f.filename)
        ));
    }
    out.push_str("  </body>\n</html>\n");
    out
}

/// Project metadata JSON (`/pypi/<name>/json` style): info, ownership and releases.
pub fn metadata_json(
    name: &str,
    author: &str,
    project_urls: &[(&str, &str)],
    ownership: Option<(&str, &[(&str, &str)])>,
    releases: &[(&str, &[FixtureFile])],
) -> String {
    let urls: serde_json::Map<String, serde_json::Value> = project_urls
        .iter()
        .map(|(k, v)| (k.to_string(), serde_json::Value::from(*v)))
        .collect();
    let rel: serde_json::Map<String, serde_json::Value> = releases
        .iter()
        .map(|(v, files)| {
            let files: Vec<serde_json::Value> = files
                .iter()
                .map(|f| {
                    serde_json::json!({
                        "filename": f.filename,
                        "url": f.href,
                        "digests": {"sha256": f.sha256},
                        "upload_time_iso_8601": f.upload_time,
                        "yanked": f.yanked.is_some(),
                        "yanked_reason": f.yanked.clone().flatten(),
                        "size": f.size,
                        "requires_python": f.requires_python,
                    })
                })
                .collect();
            (v.to_string(), serde_json::Value::from(files))
        })
        .collect();
    let mut doc = serde_json::json!({
        "info": {
            "name": name,
            "author": author,
            "author_email": format!("{author}@example.invalid"),
            "home_page": "https://example.invalid/home",
            "project_urls": urls,
            "summary": "a fixture project",
        },
        "releases": rel,
    });
    if let Some((org, roles)) = ownership {
        let roles: Vec<serde_json::Value> = roles
            .iter()
            .map(|(u, r)| serde_json::json!({"user": u, "role": r}))
            .collect();
        doc["ownership"] = serde_json::json!({"organization": org, "roles": roles});
    }
    doc.to_string()
}
