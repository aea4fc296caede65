//! Credential redaction. Index URLs may carry `user:password@`; they must never reach output,
//! logs or error messages. Everything that prints a URL goes through [`redact_url`].

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

/// Redact every URL-looking substring in free text (error messages from libraries).
pub fn redact_text(text: &str) -> String {
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
    fn redacts_inside_text() {
        let t = redact_text("failed to GET https://u:p@example.invalid/x: 404");
        assert!(!t.contains("u:p"), "{t}");
        assert!(t.contains("https://***@example.invalid/x:"), "{t}");
    }
}
