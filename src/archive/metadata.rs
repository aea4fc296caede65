//! Core metadata (`METADATA` in a wheel, `PKG-INFO` in an sdist): RFC 822-style headers with
//! continuation lines, up to the first blank line (the body is the long description). The first
//! occurrence of a field wins, except `Project-URL` and `Requires-Dist`, which accumulate.
//! Lossy UTF-8: a bad byte must not hide the name and version.

use super::DistMetadata;

/// Parse core metadata. Never fails: unknown or malformed lines are ignored.
pub fn parse_metadata(bytes: &[u8]) -> DistMetadata {
    let text = String::from_utf8_lossy(bytes);
    let mut fields: Vec<(String, String)> = Vec::new();
    for line in text.split('\n') {
        let line = line.strip_suffix('\r').unwrap_or(line);
        if line.trim().is_empty() {
            break;
        }
        if line.starts_with([' ', '\t']) {
            if let Some((_, value)) = fields.last_mut() {
                let cont = line.trim();
                if !cont.is_empty() {
                    if !value.is_empty() {
                        value.push(' ');
                    }
                    value.push_str(cont);
                }
            }
            continue;
        }
        if let Some((name, value)) = line.split_once(':') {
            fields.push((name.trim().to_ascii_lowercase(), value.trim().to_string()));
        }
    }
    let mut md = DistMetadata::default();
    for (name, value) in fields {
        let slot = match name.as_str() {
            "name" => &mut md.name,
            "version" => &mut md.version,
            "author" => &mut md.author,
            "author-email" => &mut md.author_email,
            "maintainer-email" => &mut md.maintainer_email,
            "home-page" => &mut md.home_page,
            "project-url" => {
                let (label, url) = match value.split_once(',') {
                    Some((l, u)) => (l.trim().to_string(), u.trim().to_string()),
                    None => (String::new(), value.clone()),
                };
                md.project_urls.push((label, url));
                continue;
            }
            "requires-dist" => {
                md.requires_dist.push(value);
                continue;
            }
            _ => continue,
        };
        if slot.is_none() {
            *slot = Some(value);
        }
    }
    md
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_headers_continuations_and_accumulating_fields() {
        let md = parse_metadata(
            b"Metadata-Version: 2.1\r\nName: Demo\r\nVersion: 1.0\r\nName: Other\r\n\
Author-email: A <a@example.invalid>,\r\n  B <b@example.invalid>\r\n\
Project-URL: Source, https://example.invalid/src\r\nProject-URL: Docs, https://example.invalid/d\r\n\
Requires-Dist: requests>=2\r\nRequires-Dist: idna; extra == 'x'\r\nHome-page: https://example.invalid\r\n\
\r\nName: body-is-ignored\n",
        );
        assert_eq!(md.name.as_deref(), Some("Demo"));
        assert_eq!(md.version.as_deref(), Some("1.0"));
        assert_eq!(
            md.author_email.as_deref(),
            Some("A <a@example.invalid>, B <b@example.invalid>")
        );
        assert_eq!(md.project_urls.len(), 2);
        assert_eq!(md.project_urls[0].0, "Source");
        assert_eq!(md.requires_dist, vec!["requests>=2", "idna; extra == 'x'"]);
        assert_eq!(md.home_page.as_deref(), Some("https://example.invalid"));
    }

    #[test]
    fn garbage_does_not_panic() {
        let md = parse_metadata(b"\xff\xfe: \n  \nName");
        assert_eq!(md.name, None);
        assert_eq!(parse_metadata(b""), DistMetadata::default());
    }
}
