//! PEP 503 HTML simple pages, parsed by hand and tolerantly: every `<a href>` is a file, a
//! `<base href>` moves what relative links resolve against, character references are decoded,
//! and a hostile page cannot make the scan quadratic.

use super::filename::version_from_filename;
use super::resolve;
use crate::hash::{Digest, Hashes};
use crate::project::{IndexFile, ProjectInfo};

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

/// Decode the HTML character references that appear in simple pages.
pub(super) fn decode_entities(s: &str) -> String {
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::index::parse_simple;

    const SHA: &str = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

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
    fn entities() {
        assert_eq!(
            decode_entities("a&amp;b&lt;&#62;&#x41;&bogus;&"),
            "a&b<>A&bogus;&"
        );
    }
}
