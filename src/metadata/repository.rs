//! `no-source-repository`: the project metadata names no source code repository.
//!
//! A published package whose source cannot be found cannot be compared with what was uploaded,
//! and malicious packages rarely link a real repository. Repository hosts are recognised
//! generically (GitHub, GitLab, Bitbucket, Codeberg, SourceHut and hosts named `git.*`,
//! `gitlab.*`, `gitea.*`, `forgejo.*`), and any URL whose label says Source, Repository or Code
//! counts whatever its host.
//!
//! [`RepoPath::parse`] reads the owner of a repository URL on a code host whose first path
//! segment names a user or organisation (GitHub, GitLab, Bitbucket, Codeberg, SourceHut); the
//! typosquat check compares owners (see `related`).

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

/// A repository URL read as `host/owner/name` on a code host whose first path segment is a user
/// or organisation. Host and owner are lower-cased (these hosts compare them
/// case-insensitively), `www.` and a `.git` suffix are dropped.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct RepoPath {
    pub host: String,
    pub owner: String,
    /// The repository's name, when the URL has one.
    pub name: Option<String>,
}

/// Code hosts where `/<owner>/<repository>` is the URL layout (SourceHut writes `~owner`).
const OWNER_HOSTS: &[&str] = &[
    "github.com",
    "gitlab.com",
    "bitbucket.org",
    "codeberg.org",
    "git.sr.ht",
    "hg.sr.ht",
];

/// First path segments on those hosts that are not owners (`github.com/sponsors/x`).
const NOT_OWNERS: &[&str] = &[
    "sponsors",
    "orgs",
    "users",
    "features",
    "marketplace",
    "topics",
    "collections",
    "apps",
    "about",
    "explore",
    "settings",
    "site",
    "pages",
    "-",
];

impl RepoPath {
    /// The owner and repository of `url`, or `None` when it is not on a known code host or
    /// names no owner.
    pub fn parse(url: &str) -> Option<RepoPath> {
        let parsed = url::Url::parse(url.trim()).ok()?;
        if !matches!(parsed.scheme(), "http" | "https" | "git" | "ssh") {
            return None;
        }
        let host = parsed
            .host_str()?
            .trim_end_matches('.')
            .to_ascii_lowercase();
        let host = host.strip_prefix("www.").unwrap_or(&host).to_string();
        if !OWNER_HOSTS.contains(&host.as_str()) {
            return None;
        }
        let mut segments = parsed
            .path_segments()?
            .map(str::trim)
            .filter(|s| !s.is_empty());
        let owner = segments.next()?.to_lowercase();
        let owner = owner.strip_prefix('~').unwrap_or(&owner).to_string();
        if owner.is_empty() || NOT_OWNERS.contains(&owner.as_str()) {
            return None;
        }
        let name = segments
            .next()
            .map(|n| n.to_lowercase())
            .map(|n| n.strip_suffix(".git").map(str::to_string).unwrap_or(n))
            .filter(|n| !n.is_empty());
        Some(RepoPath { host, owner, name })
    }

    /// `github.com/owner`.
    pub fn owner_path(&self) -> String {
        format!("{}/{}", self.host, self.owner)
    }

    /// Same host and owner.
    pub fn same_owner(&self, other: &RepoPath) -> bool {
        self.host == other.host && self.owner == other.owner
    }
}

impl std::fmt::Display for RepoPath {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.name {
            Some(n) => write!(f, "{}/{}/{n}", self.host, self.owner),
            None => write!(f, "{}/{}", self.host, self.owner),
        }
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repository_owners_are_normalised() {
        let r = RepoPath::parse("https://www.GitHub.com/Pydantic/HTTPX2.git/").unwrap();
        assert_eq!(
            (r.host.as_str(), r.owner.as_str(), r.name.as_deref()),
            ("github.com", "pydantic", Some("httpx2"))
        );
        assert_eq!(r.to_string(), "github.com/pydantic/httpx2");
        let deep = RepoPath::parse("https://github.com/pydantic/httpx2/blob/main/src/x").unwrap();
        assert!(deep.same_owner(&r));
        assert_eq!(
            RepoPath::parse("https://git.sr.ht/~alice/tool").map(|r| r.owner),
            Some("alice".into())
        );
        assert_eq!(
            RepoPath::parse("https://gitlab.com/group").map(|r| r.name),
            Some(None)
        );
        for not in [
            "https://github.com/sponsors/someone",
            "https://github.com/",
            "https://example.invalid/pydantic/httpx2",
            "mailto:a@github.com",
            "not a url",
            "file:///github.com/a/b",
        ] {
            assert_eq!(RepoPath::parse(not), None, "{not}");
        }
        let other_host = RepoPath::parse("https://gitlab.com/pydantic/x").unwrap();
        assert!(!other_host.same_owner(&r), "owners are per host");
    }
}
