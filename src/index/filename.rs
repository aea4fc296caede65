//! Versions from distribution filenames, for index files whose page states none.

use crate::package::normalize_name;

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
