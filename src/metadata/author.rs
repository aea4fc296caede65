//! `deceptive-author`: author or maintainer email on a disposable or placeholder domain, or with
//! no usable domain at all.
//!
//! Throwaway malicious packages are published from throwaway identities; legitimate maintainers
//! want to be reachable. The domain list is `data/disposable-domains.txt` (small, hand-written,
//! embedded); reserved names (`.invalid`, `.test`, `.example`, `.localhost`, RFC 2606/6761) count
//! as placeholders too.

use std::sync::OnceLock;

use crate::finding::{Confidence, Finding, RuleInfo, Severity};

pub static DECEPTIVE_AUTHOR: RuleInfo = RuleInfo {
    id: "deceptive-author",
    severity: Severity::Medium,
    summary: "Author or maintainer email is disposable, a placeholder, or has no domain",
    help: "The author or maintainer email in the package metadata uses a disposable inbox \
           (mailinator, guerrillamail, yopmail, ...), a placeholder domain (example.com, \
           test.com, anything under .invalid or .test), or has no domain at all. Throwaway \
           identities are typical of malicious one-off packages; real maintainers want to be \
           reachable. A false alarm is a maintainer who hides their address on purpose: check \
           the project's repository and history.",
};

const DISPOSABLE: &str = include_str!("../../data/disposable-domains.txt");

/// Parsed domain list: exact domains (subdomains match too) and `name.*` wildcard labels.
struct DomainList {
    exact: Vec<String>,
    any_tld: Vec<String>,
}

fn domains() -> &'static DomainList {
    static LIST: OnceLock<DomainList> = OnceLock::new();
    LIST.get_or_init(|| {
        let mut list = DomainList {
            exact: Vec::new(),
            any_tld: Vec::new(),
        };
        for line in DISPOSABLE.lines() {
            let line = line
                .split('#')
                .next()
                .unwrap_or("")
                .trim()
                .to_ascii_lowercase();
            if line.is_empty() {
                continue;
            }
            match line.strip_suffix(".*") {
                Some(label) => list.any_tld.push(label.to_string()),
                None => list.exact.push(line),
            }
        }
        list
    })
}

const RESERVED_TLDS: &[&str] = &["invalid", "test", "example", "localhost", "local"];

/// Whether a domain is on the disposable/placeholder list or under a reserved TLD.
pub fn is_disposable_domain(domain: &str) -> bool {
    let d = domain.trim().trim_end_matches('.').to_ascii_lowercase();
    if d.is_empty() {
        return false;
    }
    let labels: Vec<&str> = d.split('.').collect();
    let tld = labels.last().copied().unwrap_or("");
    if RESERVED_TLDS.contains(&tld) {
        return true;
    }
    let list = domains();
    list.exact
        .iter()
        .any(|e| d == *e || d.ends_with(&format!(".{e}")))
        || list
            .any_tld
            .iter()
            .any(|w| labels.len() >= 2 && labels[..labels.len() - 1].contains(&w.as_str()))
}

/// Why an email address looks deceptive, if it does. `text` may be `Name <addr>`.
pub fn deceptive_email(text: &str) -> Option<String> {
    let text = text.trim();
    let addr = match (text.rfind('<'), text.rfind('>')) {
        (Some(open), Some(close)) if open < close => &text[open + 1..close],
        _ => text,
    }
    .trim();
    if addr.is_empty() {
        return None;
    }
    let Some(at) = addr.rfind('@') else {
        // A bare word is an address with no domain; text with spaces is a name in the wrong
        // field, and `UNKNOWN` & co. are what build tools write when the field is empty: sloppy,
        // not deceptive.
        let tool_placeholder = ["unknown", "none", "null", "nil", "n/a", "na", "-", "?"]
            .iter()
            .any(|p| addr.eq_ignore_ascii_case(p));
        return (!tool_placeholder && !addr.contains(char::is_whitespace) && !addr.contains('.'))
            .then(|| format!("`{addr}` has no domain"));
    };
    let domain = addr[at + 1..].trim().trim_end_matches('.');
    if domain.is_empty() {
        return Some(format!("`{addr}` has no domain"));
    }
    if !domain.contains('.') {
        return Some(format!("`{addr}` has no real domain (`{domain}`)"));
    }
    if is_disposable_domain(domain) {
        return Some(format!(
            "`{addr}` uses the disposable or placeholder domain `{}`",
            domain.to_ascii_lowercase()
        ));
    }
    None
}

/// Check every address in the given email fields (each may list several, comma-separated).
pub(super) fn deceptive_author<'a>(
    name: &str,
    version: Option<&str>,
    fields: impl IntoIterator<Item = Option<&'a str>>,
) -> Option<Finding> {
    let mut reasons: Vec<String> = Vec::new();
    for field in fields.into_iter().flatten() {
        for part in field.split([',', ';']) {
            if let Some(r) = deceptive_email(part) {
                if !reasons.contains(&r) {
                    reasons.push(r);
                }
            }
        }
    }
    if reasons.is_empty() {
        return None;
    }
    let who = if name.is_empty() {
        "the package".to_string()
    } else {
        format!("`{name}`")
    };
    let mut f = DECEPTIVE_AUTHOR
        .finding(format!(
            "{who} has a deceptive author email: {}",
            reasons[0]
        ))
        .with_confidence(Confidence::Medium)
        .with_evidence(reasons.join("; "));
    if !name.is_empty() {
        f = f.for_package(name, version);
    }
    Some(f)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn disposable_domains() {
        assert!(is_disposable_domain("mailinator.com"));
        assert!(is_disposable_domain("Mailinator.COM."));
        assert!(is_disposable_domain("guerrillamail.net"));
        assert!(is_disposable_domain("guerrillamail.de"));
        assert!(is_disposable_domain("sub.yopmail.fr"));
        assert!(is_disposable_domain("example.org"));
        assert!(is_disposable_domain("dev.example.invalid"));
        assert!(!is_disposable_domain("acme-corp.dev"));
        assert!(!is_disposable_domain("notmailinator.com"));
        assert!(!is_disposable_domain("guerrillamail"));
        assert!(!is_disposable_domain(""));
    }

    #[test]
    fn email_shapes() {
        assert!(deceptive_email("Bob <bob@mailinator.com>").is_some());
        assert!(deceptive_email("bob@").is_some());
        assert!(deceptive_email("bob").is_some());
        assert!(deceptive_email("bob@localhost").is_some());
        assert!(deceptive_email("Bob Smith").is_none());
        assert!(
            deceptive_email("UNKNOWN").is_none(),
            "setuptools' empty-field value"
        );
        assert!(deceptive_email("None").is_none());
        assert!(deceptive_email("bob@acme-corp.dev").is_none());
        assert!(deceptive_email("  ").is_none());
        assert!(deceptive_email("<>").is_none());
        assert!(
            deceptive_email("a>b<").is_some(),
            "malformed brackets: bare word, no domain"
        );
    }
}
