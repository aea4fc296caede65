//! `no-source-repository`: the project metadata names no source code repository.
//!
//! A published package whose source cannot be found cannot be compared with what was uploaded,
//! and malicious packages rarely link a real repository. Repository hosts are recognised
//! generically (GitHub, GitLab, Bitbucket, Codeberg, SourceHut and hosts named `git.*`,
//! `gitlab.*`, `gitea.*`, `forgejo.*`), and any URL whose label says Source, Repository or Code
//! counts whatever its host.

use crate::finding::{Confidence, Finding, RuleInfo, Severity};
use crate::package::LockedPackage;
use crate::project::ProjectDetails;

pub static NO_SOURCE_REPOSITORY: RuleInfo = RuleInfo {
    id: "no-source-repository",
    severity: Severity::Low,
    summary: "The project metadata links no source repository",
    help: "Neither the project URLs nor the home page point at a source repository (a known \
           code host, or a URL labelled Source, Repository or Code). Without one you cannot \
           compare the published files with their source, and throwaway malicious packages \
           rarely link one. Reported only when the index serves the project metadata. A false \
           alarm is a project hosted somewhere pyvet does not recognise: check its home page.",
};

const REPO_HOSTS: &[&str] = &[
    "github.com",
    "gitlab.com",
    "bitbucket.org",
    "codeberg.org",
    "sr.ht",
    "launchpad.net",
    "sourceforge.net",
    "heptapod.net",
];
const REPO_HOST_PREFIXES: &[&str] = &["git.", "gitlab.", "gitea.", "forgejo.", "hg.", "svn."];
const REPO_LABELS: &[&str] = &[
    "source",
    "sourcecode",
    "repository",
    "repo",
    "code",
    "github",
    "gitlab",
    "git",
    "sources",
    "sourcerepository",
    "coderepository",
];

/// The source repository URL the metadata gives (redacted), if any: a URL labelled as source
/// first, then any project URL or home page on a repository host.
pub fn repository_url(info: &ProjectDetails) -> Option<String> {
    let labelled = info.project_urls.iter().find(|(label, url)| {
        let label: String = label
            .chars()
            .filter(|c| c.is_alphanumeric())
            .collect::<String>()
            .to_lowercase();
        REPO_LABELS.contains(&label.as_str()) && is_web_url(url)
    });
    if let Some((_, url)) = labelled {
        return Some(crate::redact::redact_url(url.trim()));
    }
    info.project_urls
        .values()
        .chain(info.home_page.iter())
        .find(|u| on_repository_host(u))
        .map(|u| crate::redact::redact_url(u.trim()))
}

fn is_web_url(url: &str) -> bool {
    url::Url::parse(url.trim())
        .is_ok_and(|u| matches!(u.scheme(), "http" | "https" | "git" | "ssh"))
}

fn on_repository_host(url: &str) -> bool {
    let Ok(parsed) = url::Url::parse(url.trim()) else {
        return false;
    };
    let Some(host) = parsed.host_str() else {
        return false;
    };
    let host = host.trim_end_matches('.').to_ascii_lowercase();
    let host = host.strip_prefix("www.").unwrap_or(&host);
    REPO_HOSTS
        .iter()
        .any(|h| host == *h || host.ends_with(&format!(".{h}")))
        || REPO_HOST_PREFIXES
            .iter()
            .any(|p| host.starts_with(p) && host.len() > p.len())
}

pub(super) fn no_source_repository(pkg: &LockedPackage, info: &ProjectDetails) -> Option<Finding> {
    if repository_url(info).is_some() {
        return None;
    }
    let mut seen: Vec<String> = info
        .project_urls
        .iter()
        .map(|(label, url)| format!("{label}: {}", crate::redact::redact_url(url)))
        .collect();
    if let Some(home) = &info.home_page {
        seen.push(format!("home page: {}", crate::redact::redact_url(home)));
    }
    Some(
        NO_SOURCE_REPOSITORY
            .finding(format!(
                "`{}` links no source repository",
                pkg.name.normalized
            ))
            .with_confidence(Confidence::Medium)
            .for_package(&pkg.name.normalized, pkg.version.as_deref())
            .with_evidence(if seen.is_empty() {
                "the project metadata lists no URLs".to_string()
            } else {
                format!("URLs listed: {}", seen.join("; "))
            }),
    )
}
