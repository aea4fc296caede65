//! Credential redaction. Index URLs may carry `user:password@`; they must never reach output,
//! logs or error messages. Everything that prints a URL goes through [`redact_url`].
//!
//! Values expanded from the environment (`${TOKEN}` in a requirements file) are secrets too:
//! the lockfile reader registers them with [`register_secret`], and [`scrub`] puts the
//! `${NAME}` reference back wherever a value would appear. [`redact_text`] scrubs, and so do
//! the two places where pyvet writes (`commands::emit` and the binary's error line), so no
//! renderer or message can leak one. Values shorter than [`MIN_SECRET_LEN`] are not tracked:
//! replacing every `1` in a report would garble it for no benefit.

use std::sync::RwLock;

/// Shortest expanded value treated as a secret.
pub const MIN_SECRET_LEN: usize = 4;

/// (value, `${NAME}`), longest value first so a value containing another is replaced whole.
static SECRETS: RwLock<Vec<(String, String)>> = RwLock::new(Vec::new());

/// Remember that `value` came from the environment variable `name`.
pub fn register_secret(name: &str, value: &str) {
    if value.len() < MIN_SECRET_LEN {
        return;
    }
    let mut list = SECRETS.write().unwrap_or_else(|p| p.into_inner());
    // The value as it appears inside a JSON string too (quotes and backslashes escaped).
    let json = serde_json::to_string(value).unwrap_or_default();
    let json = json
        .strip_prefix('"')
        .and_then(|j| j.strip_suffix('"'))
        .unwrap_or(value);
    for form in [value, json] {
        if !list.iter().any(|(v, _)| v == form) {
            list.push((form.to_string(), format!("${{{name}}}")));
        }
    }
    list.sort_by_key(|(v, _)| std::cmp::Reverse(v.len()));
}

/// `text` with every registered secret value replaced by its `${NAME}` reference.
pub fn scrub(text: &str) -> std::borrow::Cow<'_, str> {
    let list = SECRETS.read().unwrap_or_else(|p| p.into_inner());
    if list.is_empty() || !list.iter().any(|(v, _)| text.contains(v.as_str())) {
        return std::borrow::Cow::Borrowed(text);
    }
    let mut out = text.to_string();
    for (value, name) in list.iter() {
        if out.contains(value.as_str()) {
            out = out.replace(value.as_str(), name);
        }
    }
    std::borrow::Cow::Owned(out)
}

/// Replace the userinfo of a URL with `***`. Works on strings that are not valid URLs too.
pub fn redact_url(url: &str) -> String {
    let Some(scheme_end) = url.find("://") else {
        return url.to_string();
    };
    let rest = &url[scheme_end + 3..];
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let authority = &rest[..authority_end];
    match authority.rfind('@') {
        Some(at) => format!(
            "{}://***@{}{}",
            &url[..scheme_end],
            &authority[at + 1..],
            &rest[authority_end..]
        ),
        None => url.to_string(),
    }
}

/// Redact every URL-looking substring in free text (error messages from libraries), and every
/// registered secret.
pub fn redact_text(text: &str) -> String {
    let scrubbed = scrub(text);
    let text = scrubbed.as_ref();
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(pos) = rest.find("://") {
        // find start of scheme
        let start = rest[..pos]
            .rfind(|c: char| !(c.is_ascii_alphanumeric() || c == '+' || c == '-' || c == '.'))
            .map(|i| i + rest[i..].chars().next().map_or(1, char::len_utf8))
            .unwrap_or(0);
        let end = rest[pos..]
            .find(|c: char| c.is_whitespace() || c == '"' || c == '\'' || c == '>' || c == ')')
            .map(|i| pos + i)
            .unwrap_or(rest.len());
        out.push_str(&rest[..start]);
        out.push_str(&redact_url(&rest[start..end]));
        rest = &rest[end..];
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn non_ascii_before_scheme_does_not_panic() {
        assert_eq!(
            redact_text("x\u{fffd}ps://u:p@example.invalid/a and é://b"),
            "x\u{fffd}ps://***@example.invalid/a and é://b"
        );
    }

    #[test]
    fn removes_userinfo() {
        assert_eq!(
            redact_url("https://user:secret@example.invalid/simple/"),
            "https://***@example.invalid/simple/"
        );
        assert_eq!(
            redact_url("https://example.invalid/a@b"),
            "https://example.invalid/a@b"
        );
        assert_eq!(redact_url("not a url"), "not a url");
    }

    #[test]
    fn registered_secrets_are_scrubbed() {
        register_secret("PYVET_UNIT_SECRET", "hunter2-unit-value");
        register_secret("PYVET_SHORT", "ab");
        let t = redact_text("GET https://example.invalid/hunter2-unit-value/simple failed ab");
        assert_eq!(
            t,
            "GET https://example.invalid/${PYVET_UNIT_SECRET}/simple failed ab"
        );
        assert!(matches!(
            scrub("nothing here"),
            std::borrow::Cow::Borrowed(_)
        ));
    }

    #[test]
    fn redacts_inside_text() {
        let t = redact_text("failed to GET https://u:p@example.invalid/x: 404");
        assert!(!t.contains("u:p"), "{t}");
        assert!(t.contains("https://***@example.invalid/x:"), "{t}");
    }
}
