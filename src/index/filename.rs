//! Names and versions of distribution files: the name pip and uv give a file from its URL,
//! and the version in a filename, for index files whose page states none.

use crate::package::normalize_name;

/// A file's name as pip and uv take it from its URL: the last segment of the path (a trailing
/// `/` ignored), percent-decoded. `None` when there is none.
pub fn filename_from_url(url: &str) -> Option<String> {
    let path = match url::Url::parse(url) {
        Ok(u) => u.path().to_string(),
        Err(_) => url.split(['?', '#']).next().unwrap_or("").to_string(),
    };
    let last = path.trim_end_matches('/').rsplit('/').next().unwrap_or("");
    let raw = last.as_bytes();
    let mut out = Vec::with_capacity(raw.len());
    let mut i = 0;
    while i < raw.len() {
        let hex = |b: u8| (b as char).to_digit(16);
        match (
            raw[i],
            raw.get(i + 1).copied().and_then(hex),
            raw.get(i + 2).copied().and_then(hex),
        ) {
            (b'%', Some(h), Some(l)) => {
                out.push((h * 16 + l) as u8);
                i += 3;
            }
            (b, _, _) => {
                out.push(b);
                i += 1;
            }
        }
    }
    let name = String::from_utf8_lossy(&out).into_owned();
    (!name.is_empty()).then_some(name)
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filenames_from_urls() {
        assert_eq!(
            filename_from_url("https://x.invalid/a/b/c%20d-1.0.tar.gz?q=1#sha256=00").as_deref(),
            Some("c d-1.0.tar.gz")
        );
        assert_eq!(
            filename_from_url("https://x.invalid/a/b-1.whl/").as_deref(),
            Some("b-1.whl")
        );
        assert_eq!(
            filename_from_url("https://x.invalid/%zz%4").as_deref(),
            Some("%zz%4")
        );
        assert_eq!(filename_from_url("https://x.invalid/"), None);
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
}
