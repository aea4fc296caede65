//! PEP 503 HTML simple pages, read as pip and uv read them, with a real HTML tokenizer
//! (`html5gum`, WHATWG tokenization: comments, `<script>`/`<style>` raw text, character
//! references and unquoted or unterminated attributes are handled as browsers do):
//!
//! - every `<a>` with an `href` is a file; the filename is the last path segment of the
//!   resolved URL, percent-decoded (pip's `Link.filename`, uv's `SimpleHtml` do the same). The
//!   anchor text is not used for anything but a check: when it names another file, the page
//!   contradicts itself and that is reported on the file (`index-ambiguous`);
//! - the first `<base href>` moves what relative links resolve against;
//! - `#sha256=...` (or another algorithm) in the URL fragment is the file's hash;
//! - `data-yanked` (with an optional reason), `data-requires-python`, `data-core-metadata`
//!   and its older spelling `data-dist-info-metadata` (`true` or `sha256=...`), and
//!   `data-provenance` are read;
//! - an attribute given twice with different values is reported: pip keeps the last value,
//!   uv and browsers the first, so they may download different files (the last `href` is
//!   used, as pip does).
//!
//! The tokenizer works in linear time and never fails: a truncated tag is dropped.

use html5gum::emitters::callback::{CallbackEmitter, CallbackEvent};
use html5gum::{Span, Tokenizer};

use super::{filename_from_url, resolve, version_from_filename};
use crate::hash::{Digest, Hashes};
use crate::project::{IndexFile, PageConflict, ProjectInfo};

/// What the parser needs from the token stream, owned.
enum Event {
    Open(Vec<u8>),
    Attribute(Vec<u8>),
    Value(Vec<u8>),
    Close,
    End(Vec<u8>),
    Text(Vec<u8>),
}

/// Attributes in document order, duplicates kept.
type Attributes = Vec<(String, String)>;

/// One `<a>` tag: its attributes in document order (duplicates kept) and its text.
#[derive(Default)]
struct Anchor {
    attrs: Attributes,
    text: String,
}

impl Anchor {
    /// pip's reading of an attribute: the last value given (`dict(attrs)`), and whether an
    /// earlier one differs from it (uv and browsers take the first).
    fn get(&self, name: &str) -> Option<(&str, Option<&str>)> {
        let mut values = self
            .attrs
            .iter()
            .filter(|(n, _)| n == name)
            .map(|(_, v)| v.as_str());
        let first = values.next()?;
        let last = values.next_back().unwrap_or(first);
        Some((last, (first != last).then_some(first)))
    }
}

fn lossy(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// Every `<a>` of the page and the first `<base href>`.
fn anchors(html: &str) -> (Vec<Anchor>, Option<String>) {
    let mut emitter = CallbackEmitter::new(|ev: CallbackEvent<'_>, _: Span<()>| {
        Some(match ev {
            CallbackEvent::OpenStartTag { name } => Event::Open(name.to_vec()),
            CallbackEvent::AttributeName { name } => Event::Attribute(name.to_vec()),
            CallbackEvent::AttributeValue { value } => Event::Value(value.to_vec()),
            CallbackEvent::CloseStartTag { .. } => Event::Close,
            CallbackEvent::EndTag { name } => Event::End(name.to_vec()),
            CallbackEvent::String { value } => Event::Text(value.to_vec()),
            _ => return None,
        })
    });
    // Raw text in <script>, <style>, <textarea>... is not markup, as in a browser.
    emitter.naively_switch_states(true);
    let mut out: Vec<Anchor> = Vec::new();
    let mut base: Option<String> = None;
    let mut tag: Option<(Vec<u8>, Attributes)> = None;
    let mut in_anchor = false;
    for ev in Tokenizer::new_with_emitter(html, emitter).flatten() {
        match ev {
            Event::Open(name) => tag = Some((name, Vec::new())),
            Event::Attribute(name) => {
                if let Some((_, attrs)) = tag.as_mut() {
                    attrs.push((lossy(&name), String::new()));
                }
            }
            Event::Value(v) => {
                if let Some((_, attrs)) = tag.as_mut() {
                    if let Some(last) = attrs.last_mut() {
                        last.1 = lossy(&v);
                    }
                }
            }
            Event::Close => match tag.take() {
                Some((name, attrs)) if name == b"a" => {
                    out.push(Anchor {
                        attrs,
                        text: String::new(),
                    });
                    in_anchor = true;
                }
                Some((name, attrs)) if name == b"base" && base.is_none() => {
                    base = attrs.into_iter().find(|(n, _)| n == "href").map(|(_, v)| v);
                }
                _ => {}
            },
            Event::End(name) => {
                if name == b"a" {
                    in_anchor = false;
                }
            }
            Event::Text(t) => {
                if in_anchor {
                    if let Some(a) = out.last_mut() {
                        if a.text.len() < 1024 {
                            a.text.push_str(&lossy(&t));
                        }
                    }
                }
            }
        }
    }
    (out, base)
}

/// `true`, `sha256=<hex>` (PEP 658/714); `false` or absent: not served.
fn core_metadata(value: &str) -> Option<Hashes> {
    let v = value.trim();
    if v.eq_ignore_ascii_case("false") {
        return None;
    }
    let mut h = Hashes::default();
    if let Ok(d) = Digest::parse(v) {
        h.insert(d);
    }
    Some(h)
}

/// PEP 503 HTML.
pub fn parse_simple_html(html: &str, base_url: &str) -> ProjectInfo {
    let mut info = ProjectInfo::default();
    let (anchors, base) = anchors(html);
    let base = base
        .and_then(|b| resolve(base_url, &b))
        .unwrap_or_else(|| base_url.to_string());
    for a in anchors {
        let Some((href, other_href)) = a.get("href") else {
            continue;
        };
        let (link, fragment) = match href.split_once('#') {
            Some((l, f)) => (l, Some(f)),
            None => (href, None),
        };
        let Some(url) = resolve(&base, link) else {
            continue;
        };
        let Some(filename) = filename_from_url(&url) else {
            continue;
        };
        let mut conflicts: Vec<String> = Vec::new();
        let mut installers_differ = false;
        if let Some(first) = other_href {
            installers_differ = true;
            conflicts.push(format!(
                "the anchor has two href values: pip downloads `{}`, uv and browsers `{}`",
                crate::redact::redact_url(&url),
                crate::redact::redact_url(&resolve(&base, first).unwrap_or_default())
            ));
        }
        for attr in ["data-requires-python", "data-yanked"] {
            if let Some((last, Some(first))) = a.get(attr) {
                conflicts.push(format!(
                    "`{attr}` is given twice (`{first}`, then `{last}`): pip takes the last, uv \
                     the first"
                ));
            }
        }
        let text = a.text.trim();
        if !text.is_empty() && text != filename {
            conflicts.push(format!(
                "the link text says `{}`, the URL is for `{filename}`",
                super::shorten(text)
            ));
        }
        let mut hashes = Hashes::default();
        if let Some(f) = fragment {
            if let Ok(d) = Digest::parse(f) {
                hashes.insert(d);
            }
        }
        let (yanked, yanked_reason) = match a.get("data-yanked") {
            None => (false, None),
            Some((r, _)) => (true, Some(r.trim().to_string()).filter(|s| !s.is_empty())),
        };
        let (provenance_url, has_provenance) = match a.get("data-provenance") {
            Some((p, _)) if !p.trim().is_empty() => (resolve(&base, p), Some(true)),
            _ => (None, None),
        };
        let core = a
            .get("data-core-metadata")
            .or_else(|| a.get("data-dist-info-metadata"))
            .and_then(|(v, _)| core_metadata(v));
        info.files.push(IndexFile {
            version: version_from_filename(&filename, ""),
            filename,
            url,
            hashes,
            yanked,
            yanked_reason,
            requires_python: a
                .get("data-requires-python")
                .map(|(v, _)| v.trim().to_string())
                .filter(|s| !s.is_empty()),
            provenance_url,
            has_provenance,
            core_metadata: core,
            page_conflict: (!conflicts.is_empty()).then(|| PageConflict {
                message: conflicts.join("; "),
                installers_differ,
            }),
            ..IndexFile::default()
        });
    }
    info
}

#[cfg(test)]
mod tests {
    use super::*;

    const SHA: &str = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
    const BASE: &str = "https://example.invalid/simple/demo/";

    fn names(info: &ProjectInfo) -> Vec<&str> {
        info.files.iter().map(|f| f.filename.as_str()).collect()
    }

    #[test]
    fn filename_comes_from_the_url_path_percent_decoded() {
        let info = parse_simple_html(
            "<a href=\"/files/demo-1.0%2Blocal-py3-none-any.whl#sha256=00\">demo-1.0+local-py3-none-any.whl</a>\n\
             <a href=\"/files/demo-2.0.tar.gz\">demo-2.0-py3-none-any.whl</a>",
            BASE,
        );
        assert_eq!(
            names(&info),
            ["demo-1.0+local-py3-none-any.whl", "demo-2.0.tar.gz"]
        );
        assert!(info.files[0].page_conflict.is_none());
        // The hostile anchor text does not make pyvet treat the sdist as a wheel; it is
        // reported instead.
        let c = info.files[1].page_conflict.as_ref().unwrap();
        assert!(c.message.contains("demo-2.0-py3-none-any.whl"), "{c:?}");
        assert!(!c.installers_differ);
        assert_eq!(info.files[1].version.as_deref(), Some("2.0"));
    }

    #[test]
    fn commented_out_and_script_links_are_not_files() {
        let info = parse_simple_html(
            "<!-- <a href=\"/files/evil-1.0.tar.gz\">evil-1.0.tar.gz</a> -->\n\
             <script>document.write('<a href=\"/files/js-1.0.tar.gz\">x</a>')</script>\n\
             <a href=\"/files/demo-1.0.tar.gz\">demo-1.0.tar.gz</a>",
            BASE,
        );
        assert_eq!(names(&info), ["demo-1.0.tar.gz"]);
    }

    #[test]
    fn duplicate_attributes_are_read_as_pip_does_and_reported() {
        let info = parse_simple_html(
            "<a href=\"/files/good-1.0.tar.gz\" href=\"/files/demo-1.0.tar.gz\" \
             data-requires-python=\"&gt;=3.8\" data-requires-python=\"&gt;=2.7\">demo-1.0.tar.gz</a>",
            BASE,
        );
        let f = &info.files[0];
        assert_eq!(f.url, "https://example.invalid/files/demo-1.0.tar.gz");
        assert_eq!(f.requires_python.as_deref(), Some(">=2.7"));
        let c = f.page_conflict.as_ref().unwrap();
        assert!(c.installers_differ);
        assert!(c.message.contains("good-1.0.tar.gz") && c.message.contains("requires-python"));
    }

    #[test]
    fn yanked_requires_python_core_metadata_and_base() {
        let info = parse_simple_html(
            &format!(
                "<html><head><base href=\"https://mirror.example.invalid/pkgs/\"><base href=\"/ignored/\"></head>\n\
                 <a href=\"a-1.0.tar.gz\" data-yanked=\"\" data-core-metadata=\"sha256={SHA}\">a-1.0.tar.gz</a>\n\
                 <a href=\"b-1.0.tar.gz\" data-yanked=\"bad &amp; broken\" data-dist-info-metadata=\"true\" \
                 data-requires-python=\" &lt;4,&gt;=3.9 \">b-1.0.tar.gz</a>\n\
                 <a href=\"c-1.0.tar.gz\" data-core-metadata=\"false\">c-1.0.tar.gz</a>"
            ),
            BASE,
        );
        let [a, b, c] = &info.files[..] else {
            panic!("{:#?}", info.files)
        };
        assert_eq!(a.url, "https://mirror.example.invalid/pkgs/a-1.0.tar.gz");
        assert!(a.yanked && a.yanked_reason.is_none());
        assert_eq!(a.core_metadata.as_ref().unwrap().sha256(), Some(SHA));
        assert_eq!(b.yanked_reason.as_deref(), Some("bad & broken"));
        assert!(b.core_metadata.as_ref().unwrap().is_empty());
        assert_eq!(b.requires_python.as_deref(), Some("<4,>=3.9"));
        assert!(!c.yanked && c.core_metadata.is_none());
    }

    #[test]
    fn hostile_markup_never_panics_and_stays_linear() {
        for junk in [
            "<a",
            "<a >",
            "<a href=>",
            "<a href='#'>",
            "<a href=\"unterminated",
            "&#xFFFFFFFF; <a href=\"&#0;\">",
            "<a href=/x/><a href=/y/>",
            "<!-- never closed <a href=\"/files/x-1.tar.gz\">",
            "<![CDATA[<a href=x-1.tar.gz>]]>",
        ] {
            let _ = parse_simple_html(junk, BASE);
            let _ = parse_simple_html(junk, "not a url");
        }
        let many = "<a href=\"x-1.0.tar.gz\">".repeat(50_000);
        assert_eq!(parse_simple_html(&many, BASE).files.len(), 50_000);
    }
}
