//! Package index client: the simple repository API (PEP 691 JSON, falling back to PEP 503 HTML)
//! and the optional project metadata JSON, over `Network` when online and from the cache when
//! offline. Which indexes to ask comes from the caller: the lockfile's own URLs first, then what
//! `pipconf` finds (`--index-url`, pip and uv configuration). No index is built in.
//!
//! Every response (including a 404, which says "this index does not know the project") is stored
//! in the cache with its final URL and fetch time, so an offline run answers exactly what the
//! last online run saw. Parsers are tolerant: a malformed file entry is skipped, never a panic,
//! and optional data (upload times, provenance, ownership) stays `None` when absent.
//!
//! This module is the client; the parsers live beside it: `json.rs` (PEP 691 pages and the
//! project metadata JSON), `html.rs` (PEP 503 pages) and `filename.rs` (versions from
//! distribution filenames).

mod filename;
mod html;
mod json;

use serde_json::Value;

pub use filename::{filename_from_url, version_from_filename};
pub use html::parse_simple_html;
pub use json::{merge_metadata, parse_simple_json, parse_time};

use crate::cache::{Cache, CachedResponse};
use crate::error::Error;
use crate::finding::RuleInfo;
use crate::network::{clean_url, Network};
use crate::package::normalize_name;
use crate::project::ProjectInfo;
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

/// `href` resolved against `base` (or taken as is when `base` is not a URL).
/// At most 120 characters of text from a page, for messages.
fn shorten(s: &str) -> String {
    match s.char_indices().nth(120) {
        Some((i, _)) => format!("{}…", &s[..i]),
        None => s.to_string(),
    }
}

/// The index page contradicts itself about a file.
pub static INDEX_AMBIGUOUS: RuleInfo = RuleInfo {
    id: "index-ambiguous",
    severity: crate::finding::Severity::Medium,
    summary:
        "The index names a file inconsistently (link text, JSON filename, duplicate attributes)",
    help: "pip and uv take a file's name from its URL path on a PEP 503 page, and pip does on a \
           PEP 691 JSON page too, while uv uses the JSON `filename` field; pip keeps the last \
           of two identical attributes, uv and browsers the first. A page whose link text or \
           `filename` names another file than the URL, or whose anchor has two `href`s, shows \
           reviewers one file and may have installers select or download another. pyvet reads \
           the URL's name as pip does and reports the contradiction: high when installers \
           would pick or fetch different files, medium otherwise. Real indexes never do this; \
           a proxy that rewrites links badly is the usual benign cause.",
};

/// Rules the index client reports.
pub static RULES: &[&RuleInfo] = &[&INDEX_AMBIGUOUS];

/// `index-ambiguous` findings for the candidate files of a package that the index page
/// described inconsistently (matched by URL, else by filename).
pub fn page_findings(
    project: Option<&ProjectInfo>,
    candidates: &[crate::package::Artifact],
) -> Vec<crate::finding::Finding> {
    use crate::finding::{Finding, Severity};
    let Some(project) = project else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for a in candidates {
        let file = project.files.iter().find(|f| {
            a.url.as_deref().map(clean_url).as_deref() == Some(clean_url(&f.url).as_str())
                || f.filename == a.filename
        });
        let Some((f, c)) = file.and_then(|f| f.page_conflict.as_ref().map(|c| (f, c))) else {
            continue;
        };
        let severity = if c.installers_differ {
            Severity::High
        } else {
            Severity::Medium
        };
        let f: Finding = INDEX_AMBIGUOUS
            .finding(format!(
                "the index page contradicts itself about {}: {}",
                f.filename, c.message
            ))
            .with_severity(severity)
            .in_artifact(&a.filename);
        out.push(f);
    }
    out
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
            let _ = version_from_filename(&s, "é");
        }
    }
}
