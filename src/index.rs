//! Package index client: the simple repository API (PEP 691 JSON, falling back to PEP 503 HTML)
//! and the optional project metadata JSON, over `Network` when online and from the cache when
//! offline. Which indexes to ask comes from the caller: the lockfile's own URLs first, then what
//! `pipconf` finds (`--index-url`, pip and uv configuration). No index is built in.
//!
//! Every response (including a 404, which says "this index does not know the project") is stored
//! in the cache with its final URL and fetch time, so an offline run answers exactly what the
//! last online run saw. Parsers are tolerant: a malformed file entry is skipped, never a panic,
//! and optional data (upload times, provenance, ownership) stays `None` when absent.

use std::collections::BTreeMap;

use serde_json::Value;

use crate::cache::{Cache, CachedResponse};
use crate::error::Error;
use crate::hash::{Digest, HashAlgorithm, Hashes};
use crate::network::{clean_url, Network};
use crate::package::normalize_name;
use crate::project::{IndexFile, Ownership, ProjectDetails, ProjectInfo, Role};
use crate::redact::redact_url;

/// `Accept` for simple pages: PEP 691 JSON preferred, PEP 503 HTML accepted.
pub const SIMPLE_ACCEPT: &str = "application/vnd.pypi.simple.v1+json, text/html;q=0.1";

/// Where the index URLs come from, highest priority first.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct IndexSettings {
    /// Primary index roots (simple API base URLs), in priority order.
    pub index_urls: Vec<String>,
    pub extra_index_urls: Vec<String>,
}

impl IndexSettings {
    /// Every index root in the order they are asked, duplicates (ignoring a trailing `/` and
    /// credentials) removed.
    pub fn all(&self) -> Vec<String> {
        let mut seen = std::collections::HashSet::new();
        self.index_urls
            .iter()
            .chain(&self.extra_index_urls)
            .filter(|u| !u.trim().is_empty())
            .filter(|u| seen.insert(clean_url(u.trim()).trim_end_matches('/').to_string()))
            .map(|u| u.trim().to_string())
            .collect()
    }

    /// The lockfile's own index URLs first, then the configured ones.
    pub fn with_lockfile_urls(lockfile_urls: &[String], configured: &IndexSettings) -> Self {
        let mut index_urls: Vec<String> = lockfile_urls.to_vec();
        index_urls.extend(configured.index_urls.iter().cloned());
        IndexSettings {
            index_urls,
            extra_index_urls: configured.extra_index_urls.clone(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.all().is_empty()
    }
}

pub struct IndexClient<'a> {
    pub net: Option<&'a Network>,
    pub cache: &'a Cache,
    pub settings: IndexSettings,
}

/// The simple page URL for a project under an index root.
pub fn simple_url(root: &str, name: &str) -> String {
    format!("{}/{}/", root.trim_end_matches('/'), normalize_name(name))
}

/// `<host root>/pypi/<name>/json` when the index root's last path segment is `simple`.
pub fn metadata_url(root: &str, name: &str) -> Option<String> {
    let trimmed = root.trim_end_matches('/');
    let base = trimmed.strip_suffix("/simple")?;
    if base.ends_with(':') || base.ends_with('/') || !base.contains("://") {
        return None;
    }
    Some(format!("{base}/pypi/{}/json", normalize_name(name)))
}

impl<'a> IndexClient<'a> {
    pub fn new(net: Option<&'a Network>, cache: &'a Cache, settings: IndexSettings) -> Self {
        if let Some(n) = net {
            for u in settings.all() {
                n.add_credentials_from_url(&u);
            }
        }
        IndexClient {
            net,
            cache,
            settings,
        }
    }

    /// Everything the index knows about `name`. Online: fetch (and cache); offline: cache only,
    /// `Ok(None)` when not cached. `Ok(None)` also when no configured index knows the project.
    pub fn project(&self, name: &str) -> Result<Option<ProjectInfo>, Error> {
        for root in self.settings.all() {
            if let Some(info) = self.project_from(&root, name)? {
                return Ok(Some(info));
            }
        }
        Ok(None)
    }

    /// Which configured indexes list `name` (for index-confusion checks), in order. Offline,
    /// only what the cache knows.
    pub fn indexes_knowing(&self, name: &str) -> Result<Vec<String>, Error> {
        let mut out = Vec::new();
        for root in self.settings.all() {
            if let Some(r) = self.get(&simple_url(&root, name), SIMPLE_ACCEPT, true)? {
                if (200..300).contains(&r.status) {
                    out.push(root);
                }
            }
        }
        Ok(out)
    }

    /// What one index root says about `name`.
    pub fn project_from(&self, root: &str, name: &str) -> Result<Option<ProjectInfo>, Error> {
        if let Some(n) = self.net {
            // File URLs on the index's host need the index's credentials.
            n.add_credentials_from_url(root);
        }
        let url = simple_url(root, name);
        let Some(page) = self.get(&url, SIMPLE_ACCEPT, true)? else {
            return Ok(None);
        };
        if page.status == 404 || page.status == 410 {
            return Ok(None);
        }
        if !(200..300).contains(&page.status) {
            return Err(Error::Network {
                url: redact_url(&url),
                message: format!("the index answered HTTP {}", page.status),
            });
        }
        let mut info = parse_simple(&page.body, page.content_type.as_deref(), &page.final_url)
            .map_err(|m| Error::Network {
                url: redact_url(&page.final_url),
                message: format!("malformed simple page: {m}"),
            })?;
        info.name = normalize_name(name);
        info.index_url = clean_url(root);
        info.fetched_at = Some(page.fetched_at);
        // Now that the project name is known, sdist versions are read after it.
        for f in &mut info.files {
            if let Some(v) = version_from_filename(&f.filename, &info.name) {
                f.version = Some(v);
            }
        }
        // The metadata JSON is optional: any failure leaves the fields empty.
        if let Some(murl) = metadata_url(root, name) {
            if let Ok(Some(meta)) = self.get(&murl, "application/json", false) {
                if (200..300).contains(&meta.status) {
                    if let Ok(v) = serde_json::from_slice::<Value>(&meta.body) {
                        merge_metadata(&mut info, &v, &meta.final_url);
                    }
                }
            }
        }
        fill_versions(&mut info);
        Ok(Some(info))
    }

    /// A response from the network (stored in the cache) or, offline, from the cache.
    /// `required`: network errors are errors; otherwise they mean `Ok(None)`.
    fn get(
        &self,
        url: &str,
        accept: &str,
        required: bool,
    ) -> Result<Option<CachedResponse>, Error> {
        let Some(net) = self.net else {
            return self.cache.index_get(url);
        };
        let res = match net.get(url, Some(accept)) {
            Ok(r) => r,
            Err(e) if required => return Err(e),
            Err(_) => return Ok(None),
        };
        let status = res.status;
        let final_url = res.final_url.clone();
        let content_type = res.content_type.clone();
        let body = match res.read_body(net.options().max_index_size) {
            Ok(b) => b,
            Err(e) if required => return Err(e),
            Err(_) => return Ok(None),
        };
        let entry = CachedResponse {
            sha256: None,
            url: clean_url(url),
            final_url,
            status,
            content_type,
            fetched_at: jiff::Timestamp::now(),
            body,
        };
        // Only answers are cached (a 5xx is not an answer).
        if (200..300).contains(&status) || status == 404 || status == 410 {
            self.cache.index_put(&entry)?;
        }
        Ok(Some(entry))
    }
}

/// Parse a simple page, JSON or HTML by content type (or by sniffing when the type is missing).
pub fn parse_simple(
    body: &[u8],
    content_type: Option<&str>,
    base_url: &str,
) -> Result<ProjectInfo, String> {
    let ct = content_type.unwrap_or("").to_ascii_lowercase();
    let looks_json = ct.contains("json")
        || (!ct.contains("html")
            && body
                .iter()
                .find(|b| !b.is_ascii_whitespace())
                .is_some_and(|b| *b == b'{'));
    if looks_json {
        parse_simple_json(body, base_url)
    } else {
        Ok(parse_simple_html(&String::from_utf8_lossy(body), base_url))
    }
}

fn resolve(base: &str, href: &str) -> Option<String> {
    let href = href.trim();
    if href.is_empty() {
        return None;
    }
    match url::Url::parse(base) {
        Ok(b) => b.join(href).ok().map(|u| u.to_string()),
        Err(_) => url::Url::parse(href).ok().map(|u| u.to_string()),
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
        let Some(filename) = str_field(o, "filename") else {
            continue;
        };
        let Some(url) = str_field(o, "url").and_then(|u| resolve(base_url, &u)) else {
            continue;
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
            filename,
        });
    }
    Ok(info)
}

/// Decode the HTML character references that appear in simple pages.
fn decode_entities(s: &str) -> String {
    if !s.contains('&') {
        return s.to_string();
    }
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(i) = rest.find('&') {
        out.push_str(&rest[..i]);
        rest = &rest[i..];
        // `;` is ASCII, so a byte position is a char boundary.
        let end = rest.as_bytes()[..rest.len().min(12)]
            .iter()
            .position(|b| *b == b';');
        let decoded = end.and_then(|e| {
            let name = &rest[1..e];
            let c = match name {
                "amp" => Some('&'),
                "lt" => Some('<'),
                "gt" => Some('>'),
                "quot" => Some('"'),
                "apos" => Some('\''),
                _ => {
                    let num = name.strip_prefix('#')?;
                    let n = match num.strip_prefix(['x', 'X']) {
                        Some(h) => u32::from_str_radix(h, 16).ok()?,
                        None => num.parse::<u32>().ok()?,
                    };
                    char::from_u32(n)
                }
            }?;
            Some((c, e + 1))
        });
        match decoded {
            Some((c, len)) => {
                out.push(c);
                rest = &rest[len..];
            }
            None => {
                out.push('&');
                rest = &rest[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

/// Attributes of one tag body (`a href="x" data-yanked ...`), names lowercased.
fn parse_attributes(tag: &str) -> Vec<(String, Option<String>)> {
    let b = tag.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        while i < b.len() && (b[i].is_ascii_whitespace() || b[i] == b'/') {
            i += 1;
        }
        let start = i;
        while i < b.len() && !b[i].is_ascii_whitespace() && b[i] != b'=' && b[i] != b'/' {
            i += 1;
        }
        if start == i {
            i += 1;
            continue;
        }
        let name = tag[start..i].to_ascii_lowercase();
        while i < b.len() && b[i].is_ascii_whitespace() {
            i += 1;
        }
        if i < b.len() && b[i] == b'=' {
            i += 1;
            while i < b.len() && b[i].is_ascii_whitespace() {
                i += 1;
            }
            let value = if i < b.len() && (b[i] == b'"' || b[i] == b'\'') {
                let q = b[i];
                let vs = i + 1;
                let ve = b[vs..]
                    .iter()
                    .position(|c| *c == q)
                    .map_or(b.len(), |p| vs + p);
                i = (ve + 1).min(b.len());
                &tag[vs..ve]
            } else {
                let vs = i;
                while i < b.len() && !b[i].is_ascii_whitespace() {
                    i += 1;
                }
                &tag[vs..i]
            };
            out.push((name, Some(decode_entities(value))));
        } else {
            out.push((name, None));
        }
    }
    out
}

/// PEP 503 HTML, parsed by hand and tolerantly: every `<a href>` is a file.
pub fn parse_simple_html(html: &str, base_url: &str) -> ProjectInfo {
    let mut info = ProjectInfo::default();
    let lower = html.to_ascii_lowercase();
    let mut pos = 0;
    let mut base = base_url.to_string();
    // A <base href> changes what relative links resolve against.
    if let Some(i) = lower.find("<base") {
        if let Some(end) = lower[i..].find('>') {
            let attrs = parse_attributes(&html[i + 5..i + end]);
            if let Some((_, Some(h))) = attrs.iter().find(|(k, _)| k == "href") {
                if let Some(b) = resolve(base_url, h) {
                    base = b;
                }
            }
        }
    }
    while let Some(off) = lower[pos..].find("<a") {
        let start = pos + off;
        let after = start + 2;
        let next = lower.as_bytes().get(after).copied();
        if !matches!(next, Some(c) if c.is_ascii_whitespace()) {
            pos = after;
            continue;
        }
        let Some(gt) = lower[after..].find('>') else {
            break;
        };
        let tag_end = after + gt;
        let attrs = parse_attributes(&html[after..tag_end]);
        // The link text ends at `</a` or, on a page that never closes its anchors, at the
        // next `<a` (so hostile pages cannot make this quadratic).
        let text_end = {
            let rest = &lower[tag_end + 1..];
            let close = rest.find("</a");
            let next = rest.find("<a");
            match (close, next) {
                (Some(c), Some(n)) => tag_end + 1 + c.min(n),
                (Some(p), None) | (None, Some(p)) => tag_end + 1 + p,
                (None, None) => lower.len(),
            }
        };
        let text = decode_entities(strip_tags(&html[tag_end + 1..text_end]).trim());
        pos = text_end.max(tag_end + 1);
        let get = |k: &str| attrs.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone());
        let Some(Some(href)) = get("href") else {
            continue;
        };
        let (link, fragment) = match href.split_once('#') {
            Some((l, f)) => (l.to_string(), Some(f.to_string())),
            None => (href.clone(), None),
        };
        let Some(url) = resolve(&base, &link) else {
            continue;
        };
        let filename = if text.is_empty() || text.contains('/') {
            url.rsplit('/')
                .next()
                .unwrap_or_default()
                .split(['?', '#'])
                .next()
                .unwrap_or_default()
                .to_string()
        } else {
            text
        };
        if filename.is_empty() {
            continue;
        }
        let mut hashes = Hashes::default();
        if let Some(f) = fragment {
            if let Ok(d) = Digest::parse(&f) {
                hashes.insert(d);
            }
        }
        let (yanked, yanked_reason) = match get("data-yanked") {
            None => (false, None),
            Some(r) => (
                true,
                r.map(|s| s.trim().to_string()).filter(|s| !s.is_empty()),
            ),
        };
        let (provenance_url, has_provenance) = match get("data-provenance") {
            Some(Some(p)) => (resolve(&base, &p), Some(true)),
            _ => (None, None),
        };
        info.files.push(IndexFile {
            version: version_from_filename(&filename, ""),
            filename,
            url,
            hashes,
            upload_time: None,
            size: None,
            yanked,
            yanked_reason,
            requires_python: get("data-requires-python")
                .flatten()
                .map(|s| s.trim().to_string())
                .filter(|s| !s.is_empty()),
            provenance_url,
            has_provenance,
        });
    }
    info
}

fn strip_tags(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut in_tag = false;
    for c in s.chars() {
        match c {
            '<' => in_tag = true,
            '>' => in_tag = false,
            c if !in_tag => out.push(c),
            _ => {}
        }
    }
    out
}

/// The version in a distribution filename: wheels and eggs by position, sdists after the
/// project name (`project` normalised; when unknown, after the last `-`).
pub fn version_from_filename(filename: &str, project: &str) -> Option<String> {
    let lower = filename.to_ascii_lowercase();
    if lower.ends_with(".whl") || lower.ends_with(".egg") {
        return filename
            .split('-')
            .nth(1)
            .map(|v| v.trim_end_matches(".egg").to_string())
            .filter(|v| !v.is_empty());
    }
    let stem_len = [".tar.gz", ".tar.bz2", ".tar.xz", ".tgz", ".zip", ".tar"]
        .iter()
        .find(|ext| lower.ends_with(*ext))
        .map(|ext| filename.len() - ext.len())?;
    let stem = &filename[..stem_len];
    let project = normalize_name(project);
    if !project.is_empty() {
        for (i, c) in stem.char_indices() {
            if c == '-' && normalize_name(&stem[..i]) == project {
                let v = &stem[i + 1..];
                return (!v.is_empty()).then(|| v.to_string());
            }
        }
    }
    stem.rsplit_once('-')
        .map(|(_, v)| v.to_string())
        .filter(|v| !v.is_empty())
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
                    });
                }
            }
        }
    }
}

/// Every file's version into `versions` (when the page did not list it).
fn fill_versions(info: &mut ProjectInfo) {
    let mut known: std::collections::HashSet<String> = info.versions.iter().cloned().collect();
    for f in &info.files {
        if let Some(v) = &f.version {
            if known.insert(v.clone()) {
                info.versions.push(v.clone());
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SHA: &str = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

    #[test]
    fn derives_urls() {
        assert_eq!(
            simple_url("https://example.invalid/simple/", "Foo_Bar"),
            "https://example.invalid/simple/foo-bar/"
        );
        assert_eq!(
            metadata_url("https://example.invalid/simple/", "Foo_Bar").as_deref(),
            Some("https://example.invalid/pypi/foo-bar/json")
        );
        assert_eq!(
            metadata_url("https://example.invalid/mirror/simple", "x").as_deref(),
            Some("https://example.invalid/mirror/pypi/x/json")
        );
        assert_eq!(metadata_url("https://example.invalid/repo/", "x"), None);
        assert_eq!(metadata_url("https://example.invalid/notsimple", "x"), None);
    }

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
    fn parses_pep503_html_tolerantly() {
        let html = format!(
            "<!DOCTYPE html><html><body>\n\
             <a href=\"../../files/demo-1.0.tar.gz#sha256={SHA}\" data-requires-python=\"&gt;=3.8\">demo-1.0.tar.gz</a><br/>\n\
             <A HREF='/files/demo-2.0-py3-none-any.whl' data-yanked=\"bad &amp; broken\" data-dist-info-metadata=\"sha256={SHA}\">demo-2.0-py3-none-any.whl</A>\n\
             <a href=https://other.invalid/demo-3.0.zip data-yanked>demo-3.0.zip</a>\n\
             <a name=\"anchor-without-href\">x</a><abbr>not a link</abbr>\n\
             <a href=\"demo-4.0.tar.gz?x=1#md5=abc\"><b>demo-4.0.tar.gz</b></a>\n\
             <a href=\"unterminated"
        );
        let info = parse_simple(
            html.as_bytes(),
            Some("text/html"),
            "https://example.invalid/simple/demo/",
        )
        .unwrap();
        assert_eq!(info.files.len(), 4, "{:#?}", info.files);
        let a = &info.files[0];
        assert_eq!(a.url, "https://example.invalid/files/demo-1.0.tar.gz");
        assert_eq!(a.hashes.sha256(), Some(SHA));
        assert_eq!(a.requires_python.as_deref(), Some(">=3.8"));
        assert!(!a.yanked);
        let b = &info.files[1];
        assert_eq!(
            b.url,
            "https://example.invalid/files/demo-2.0-py3-none-any.whl"
        );
        assert!(b.yanked);
        assert_eq!(b.yanked_reason.as_deref(), Some("bad & broken"));
        let c = &info.files[2];
        assert_eq!(c.url, "https://other.invalid/demo-3.0.zip");
        assert!(c.yanked && c.yanked_reason.is_none());
        let d = &info.files[3];
        assert_eq!(d.filename, "demo-4.0.tar.gz");
        assert_eq!(
            d.url,
            "https://example.invalid/simple/demo/demo-4.0.tar.gz?x=1"
        );
        assert!(d.hashes.is_empty());
        // Garbage never panics.
        for junk in [
            "<a",
            "<a >",
            "<a href=>",
            "<a href='#'>",
            "&#xFFFFFFFF; <a href=\"&#0;\">",
        ] {
            let _ = parse_simple(junk.as_bytes(), Some("text/html"), "not a url");
        }
    }

    #[test]
    fn versions_from_filenames() {
        assert_eq!(
            version_from_filename("foo_bar-1.2.3-py3-none-any.whl", "").as_deref(),
            Some("1.2.3")
        );
        assert_eq!(
            version_from_filename("foo-bar-1.2.3.tar.gz", "foo-bar").as_deref(),
            Some("1.2.3")
        );
        assert_eq!(
            version_from_filename("foo-bar-1.2.3.tar.gz", "").as_deref(),
            Some("1.2.3")
        );
        assert_eq!(
            version_from_filename("Foo.Bar-2.0.zip", "foo-bar").as_deref(),
            Some("2.0")
        );
        assert_eq!(
            version_from_filename("foo-1.0-py3.8.egg", "").as_deref(),
            Some("1.0")
        );
        assert_eq!(version_from_filename("README", "x"), None);
        assert_eq!(version_from_filename("-.tar.gz", "x"), None);
    }

    #[test]
    fn garbage_never_panics() {
        let mut x: u64 = 0x2545_f491_4f6c_dd1d;
        let pieces = [
            "<a ",
            "href=",
            "\"",
            "'",
            "#sha256=",
            "&",
            "&#",
            "x41;",
            ";",
            "é",
            "日本",
            ">",
            "</a>",
            "data-yanked",
            "=",
            " ",
            "{",
            "}",
            "[",
            "]",
            "\"files\":",
            "\"url\":",
            "null",
            ":",
            ",",
            "../",
            "?",
            "%",
            "\u{0}",
            "\\",
        ];
        for _ in 0..3000 {
            let mut s = String::new();
            for _ in 0..(x % 40) {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                s.push_str(pieces[(x % pieces.len() as u64) as usize]);
            }
            let _ = parse_simple(
                s.as_bytes(),
                Some("text/html"),
                "https://example.invalid/s/",
            );
            let _ = parse_simple(s.as_bytes(), None, "not a url");
            let _ = parse_simple(
                s.as_bytes(),
                Some("application/json"),
                "https://example.invalid/",
            );
            if let Ok(v) = serde_json::from_str::<Value>(&s) {
                merge_metadata(&mut ProjectInfo::default(), &v, "x");
            }
            let _ = decode_entities(&s);
            let _ = version_from_filename(&s, "é");
        }
        assert_eq!(decode_entities("&日本語のテキスト;"), "&日本語のテキスト;");
    }

    #[test]
    fn entities() {
        assert_eq!(
            decode_entities("a&amp;b&lt;&#62;&#x41;&bogus;&"),
            "a&b<>A&bogus;&"
        );
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
