//! Lockfile diffs for pre-merge review: which packages a change adds, removes, upgrades,
//! downgrades or moves to another source, and — for one version whose files changed hashes —
//! a `hashes-changed` finding. Also compares the contents of two versions of an artifact
//! (files added, removed and modified, new install-time hooks, new dependencies) so a reviewer
//! sees what an upgrade brings.

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;

use crate::archive::ArchiveContents;
use crate::finding::{Finding, RuleInfo, Severity};
use crate::lockfile::Lockfile;
use crate::package::{LockedPackage, Source};

pub static SOURCE_CHANGED: RuleInfo = RuleInfo {
    id: "source-changed",
    severity: Severity::High,
    summary: "A package moved to another index, or from an index to a URL, VCS or path",
    help: "Between the base and the new lockfile this package's source changed: another \
           index, or a registry package now coming from a direct URL, a VCS checkout or a \
           local path. Moving a dependency to another index is how dependency-confusion and \
           index-substitution attacks land. Confirm the new source is intended and owned by \
           the same people.",
};

pub static HASHES_CHANGED: RuleInfo = RuleInfo {
    id: "hashes-changed",
    severity: Severity::Critical,
    summary: "The same version's file now has a different hash",
    help: "A file of the same name and version was pinned with a different hash in the base \
           lockfile. Published files never change on a well-behaved index, so a new hash for \
           the same file means the bytes were replaced: a compromised mirror, a re-upload on \
           an index that allows it, or a tampered lockfile. New files added for the same \
           version (for example wheels for a new platform) are not reported.",
};

pub static RULES: &[&RuleInfo] = &[&SOURCE_CHANGED, &HASHES_CHANGED];

/// How one package changed between base and head.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "change", rename_all = "kebab-case")]
pub enum Change {
    Added,
    Removed,
    Upgraded {
        from: String,
    },
    Downgraded {
        from: String,
    },
    SourceChanged {
        from: String,
    },
    /// Same version and source, but the set of hashes differs.
    HashesChanged,
    Unchanged,
}

impl Change {
    pub fn label(&self) -> String {
        match self {
            Change::Added => "added".into(),
            Change::Removed => "removed".into(),
            Change::Upgraded { from } => format!("upgraded from {from}"),
            Change::Downgraded { from } => format!("downgraded from {from}"),
            Change::SourceChanged { from } => format!("source changed from {from}"),
            Change::HashesChanged => "hashes changed".into(),
            Change::Unchanged => "unchanged".into(),
        }
    }

    /// Whether a pre-merge audit vets the package.
    pub fn needs_vetting(&self) -> bool {
        !matches!(self, Change::Unchanged | Change::Removed)
    }
}

/// One row of a lockfile diff.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PackageDiff {
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    #[serde(flatten)]
    pub change: Change,
    /// Index into the head lockfile's packages (None for removed packages).
    #[serde(skip)]
    pub head: Option<usize>,
    /// Index into the base lockfile's packages of the entry compared against.
    #[serde(skip)]
    pub base: Option<usize>,
    /// Findings the change itself warrants (source-changed, hashes-changed).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub findings: Vec<Finding>,
}

fn source_key(s: &Source) -> String {
    match s {
        Source::Registry { url } => format!(
            "registry {}",
            url.as_deref()
                .map(|u| u.trim_end_matches('/').to_ascii_lowercase())
                .unwrap_or_default()
        ),
        other => other.label(),
    }
}

/// A `source-changed` finding when `new` comes from another source than `old`.
fn source_changed(old: &LockedPackage, new: &LockedPackage, what: &str) -> Option<Finding> {
    (source_key(&old.source) != source_key(&new.source)).then(|| {
        SOURCE_CHANGED
            .finding(format!(
                "{} {} {what}",
                new.name,
                new.version.as_deref().unwrap_or("")
            ))
            .with_evidence(format!(
                "base: {}\nhead: {}",
                old.source.label(),
                new.source.label()
            ))
    })
}

/// filename -> sha256 for the files a package lists (plus requirement-level hashes).
fn file_hashes(p: &LockedPackage) -> (BTreeMap<String, String>, BTreeSet<String>) {
    let files = p
        .artifacts
        .iter()
        .filter_map(|a| {
            a.hashes
                .sha256()
                .map(|h| (a.filename.clone(), h.to_string()))
        })
        .collect();
    let req = p.requirement_hashes.iter().map(|d| d.to_string()).collect();
    (files, req)
}

fn compare_versions(a: &str, b: &str) -> std::cmp::Ordering {
    match (
        a.parse::<pep440_rs::Version>(),
        b.parse::<pep440_rs::Version>(),
    ) {
        (Ok(x), Ok(y)) => x.cmp(&y),
        _ => a.cmp(b),
    }
}

/// Compare two lockfiles (of any formats). Rows follow the head lockfile's order, then removed
/// packages.
pub fn diff(base: &Lockfile, head: &Lockfile) -> Vec<PackageDiff> {
    let mut by_name: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    for (i, p) in base.packages.iter().enumerate() {
        by_name
            .entry(p.name.normalized.as_str())
            .or_default()
            .push(i);
    }
    let mut seen_base: BTreeSet<usize> = BTreeSet::new();
    let mut out = Vec::new();
    for (hi, p) in head.packages.iter().enumerate() {
        let candidates = by_name
            .get(p.name.normalized.as_str())
            .cloned()
            .unwrap_or_default();
        let row = |change: Change, base_idx: Option<usize>, findings: Vec<Finding>| PackageDiff {
            name: p.name.display.clone(),
            version: p.version.clone(),
            change,
            head: Some(hi),
            base: base_idx,
            findings,
        };
        if candidates.is_empty() {
            out.push(row(Change::Added, None, Vec::new()));
            continue;
        }
        // Same version (and the same markers when a name is listed several times).
        let same_version = candidates
            .iter()
            .copied()
            .filter(|&bi| base.packages[bi].version == p.version)
            .min_by_key(|&bi| (base.packages[bi].markers != p.markers) as u8);
        if let Some(bi) = same_version {
            seen_base.insert(bi);
            let old = &base.packages[bi];
            let mut findings = Vec::new();
            if let Some(f) = source_changed(old, p, "now comes from another source") {
                findings.push(f);
                out.push(row(
                    Change::SourceChanged {
                        from: old.source.label(),
                    },
                    Some(bi),
                    findings,
                ));
                continue;
            }
            let (old_files, old_req) = file_hashes(old);
            let (new_files, new_req) = file_hashes(p);
            let replaced: Vec<String> = new_files
                .iter()
                .filter_map(|(f, h)| match old_files.get(f) {
                    Some(oh) if oh != h => Some(format!("{f}: sha256 {oh} -> {h}")),
                    _ => None,
                })
                .collect();
            // pip-style requirement hashes: a removed hash with a version unchanged means a file
            // was replaced (adding hashes for new files is normal).
            let removed_req: Vec<&String> = old_req.difference(&new_req).collect();
            if !replaced.is_empty() || (!removed_req.is_empty() && !new_req.is_empty()) {
                let mut evidence = replaced.join("\n");
                for r in removed_req {
                    if !evidence.is_empty() {
                        evidence.push('\n');
                    }
                    evidence.push_str(&format!("no longer allowed: {r}"));
                }
                findings.push(
                    HASHES_CHANGED
                        .finding(
                            "the same version is pinned with different file hashes than in the base",
                        )
                        .with_evidence(evidence),
                );
                out.push(row(Change::HashesChanged, Some(bi), findings));
            } else if old_files != new_files || old_req != new_req {
                // Only files added: vet again (new bytes), but nothing suspicious by itself.
                out.push(row(Change::HashesChanged, Some(bi), findings));
            } else {
                out.push(row(Change::Unchanged, Some(bi), findings));
            }
            continue;
        }
        // A different version: compare with the closest base entry (same markers first).
        let bi = candidates
            .iter()
            .copied()
            .filter(|bi| !seen_base.contains(bi))
            .min_by_key(|&bi| (base.packages[bi].markers != p.markers) as u8)
            .unwrap_or(candidates[0]);
        seen_base.insert(bi);
        let old = &base.packages[bi];
        let from = old.version.clone().unwrap_or_else(|| "unpinned".into());
        let mut findings = Vec::new();
        if let Some(f) = source_changed(old, p, "moved to another source while changing version") {
            findings.push(f);
        }
        let change = match (&old.version, &p.version) {
            (Some(o), Some(n)) if compare_versions(n, o).is_lt() => Change::Downgraded { from },
            _ => Change::Upgraded { from },
        };
        out.push(row(change, Some(bi), findings));
    }
    for (bi, p) in base.packages.iter().enumerate() {
        if seen_base.contains(&bi) {
            continue;
        }
        // A name still present in head with another entry is not removed.
        if head
            .packages
            .iter()
            .any(|h| h.name.normalized == p.name.normalized)
        {
            continue;
        }
        out.push(PackageDiff {
            name: p.name.display.clone(),
            version: p.version.clone(),
            change: Change::Removed,
            head: None,
            base: Some(bi),
            findings: Vec::new(),
        });
    }
    out
}

/// What changed inside an artifact between two versions.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct FileChanges {
    pub added: Vec<String>,
    pub removed: Vec<String>,
    pub modified: Vec<String>,
    /// Install- or startup-time hooks that the new version has and the old did not
    /// (setup.py, .pth files, in-tree build backends, cmdclass).
    pub new_hooks: Vec<String>,
    /// Requires-Dist entries that are new.
    pub new_dependencies: Vec<String>,
}

/// Strip the `name-version` prefix of top-level directories (sdists) and of `.dist-info` /
/// `.data` directories (wheels) so the same file in two versions has the same key.
fn comparable_path(p: &str) -> String {
    let mut parts = p.splitn(2, '/');
    let first = parts.next().unwrap_or("");
    let rest = parts.next();
    let strip_version = |s: &str| -> String {
        for suffix in [".dist-info", ".data", ".egg-info"] {
            if let Some(base) = s.strip_suffix(suffix) {
                let name = base.rsplit_once('-').map(|(n, _)| n).unwrap_or(base);
                return format!("{name}{suffix}");
            }
        }
        s.to_string()
    };
    match rest {
        Some(r)
            if first
                .rsplit_once('-')
                .is_some_and(|(_, v)| v.starts_with(|c: char| c.is_ascii_digit())) =>
        {
            // sdist top-level directory `name-1.2.3/`
            if first.ends_with(".dist-info")
                || first.ends_with(".data")
                || first.ends_with(".egg-info")
            {
                format!("{}/{}", strip_version(first), r)
            } else {
                format!("<root>/{r}")
            }
        }
        Some(r) => format!("{}/{}", strip_version(first), r),
        None => first.to_string(),
    }
}

fn is_hook(path: &str) -> bool {
    let lower = path.to_ascii_lowercase();
    let name = lower.rsplit('/').next().unwrap_or(&lower);
    name == "setup.py" || name.ends_with(".pth") || name == "pyproject.toml" || name == "setup.cfg"
}

/// Compare the files of two versions of a package's artifact.
pub fn file_changes(old: &ArchiveContents, new: &ArchiveContents) -> FileChanges {
    let index = |c: &ArchiveContents| -> BTreeMap<String, String> {
        c.entries
            .iter()
            .map(|e| (comparable_path(&e.path), crate::hash::sha256_hex(&e.data)))
            .collect()
    };
    let (o, n) = (index(old), index(new));
    let mut ch = FileChanges::default();
    for (p, h) in &n {
        match o.get(p) {
            None => {
                if is_hook(p) {
                    ch.new_hooks.push(p.clone());
                }
                ch.added.push(p.clone());
            }
            Some(oh) if oh != h => ch.modified.push(p.clone()),
            _ => {}
        }
    }
    ch.removed = o.keys().filter(|p| !n.contains_key(*p)).cloned().collect();
    let deps = |c: &ArchiveContents| -> BTreeSet<String> {
        c.metadata
            .as_ref()
            .map(|m| {
                m.requires_dist
                    .iter()
                    .map(|d| d.trim().to_string())
                    .collect()
            })
            .unwrap_or_default()
    };
    let (od, nd) = (deps(old), deps(new));
    let old_names: BTreeSet<String> = od.iter().map(|d| dep_name(d)).collect();
    ch.new_dependencies = nd
        .iter()
        .filter(|d| !old_names.contains(&dep_name(d)))
        .cloned()
        .collect();
    ch
}

fn dep_name(req: &str) -> String {
    let end = req
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '-' || c == '_' || c == '.'))
        .unwrap_or(req.len());
    crate::package::normalize_name(&req[..end])
}

/// Normalised evidence for matching findings across versions: digits, whitespace and quotes
/// folded, so the same code on another line or with another version number matches.
pub fn normalize_evidence(e: &str) -> String {
    let mut out = String::with_capacity(e.len());
    let mut last_space = false;
    for c in e.chars() {
        if c.is_ascii_digit() {
            if !out.ends_with('#') {
                out.push('#');
            }
            last_space = false;
        } else if c.is_whitespace() {
            if !last_space {
                out.push(' ');
            }
            last_space = true;
        } else if c == '\'' {
            out.push('"');
            last_space = false;
        } else {
            out.push(c);
            last_space = false;
        }
    }
    out.trim().to_string()
}

/// The key under which a finding in one version matches the same finding in another: rule,
/// path inside the artifact (version prefix stripped) and normalised evidence, never the line.
pub fn finding_key(f: &Finding) -> (String, String, String) {
    (
        f.rule.clone(),
        f.location
            .path
            .as_deref()
            .map(comparable_path)
            .unwrap_or_default(),
        normalize_evidence(f.evidence.as_deref().unwrap_or(&f.message)),
    )
}

/// Keep only the findings of `new` that the old version did not have.
pub fn new_findings(old: &[Finding], new: Vec<Finding>) -> Vec<Finding> {
    let old_keys: BTreeSet<_> = old.iter().map(finding_key).collect();
    new.into_iter()
        .filter(|f| !old_keys.contains(&finding_key(f)))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::archive::ArchiveEntry;
    use crate::finding::Confidence;
    use crate::hash::{Digest, Hashes};
    use crate::lockfile::LockKind;
    use crate::package::{Artifact, ArtifactKind};

    fn lock(pkgs: Vec<LockedPackage>) -> Lockfile {
        Lockfile {
            path: "uv.lock".into(),
            kind: LockKind::UvLock,
            packages: pkgs,
            index_urls: vec![],
            find_links: vec![],
            no_index: false,
            files: vec!["uv.lock".into()],
            declared_in: vec![],
            streamed: false,
        }
    }

    fn reg(name: &str, v: &str, file_hash: Option<(&str, char)>) -> LockedPackage {
        let mut p = LockedPackage::new(name, Some(v.into()), Source::Registry { url: None });
        if let Some((f, c)) = file_hash {
            let mut a = Artifact::new(f);
            a.hashes = Hashes::from_digest(
                Digest::parse(&format!("sha256:{}", c.to_string().repeat(64))).unwrap(),
            );
            p.artifacts.push(a);
        }
        p
    }

    #[test]
    fn classifies_package_changes() {
        let base = lock(vec![
            reg("requests", "2.31.0", None),
            reg("idna", "3.7", None),
            reg("six", "1.16.0", None),
            reg("attrs", "24.1.0", None),
        ]);
        let mut moved = reg("attrs", "24.1.0", None);
        moved.source = Source::Url {
            url: "https://example.invalid/attrs-24.1.0.tar.gz".into(),
        };
        let head = lock(vec![
            reg("requests", "2.32.3", None),
            reg("idna", "3.6", None),
            reg("certifi", "2024.8.30", None),
            moved,
        ]);
        let d = diff(&base, &head);
        let labels: Vec<(String, String)> = d
            .iter()
            .map(|r| (r.name.clone(), r.change.label()))
            .collect();
        assert_eq!(
            labels,
            vec![
                ("requests".into(), "upgraded from 2.31.0".into()),
                ("idna".into(), "downgraded from 3.7".into()),
                ("certifi".into(), "added".into()),
                ("attrs".into(), "source changed from registry".into()),
                ("six".into(), "removed".into()),
            ]
        );
        assert_eq!(d[3].findings[0].rule, "source-changed");
        assert!(d.iter().all(|r| r.name == "attrs" || r.findings.is_empty()));
    }

    #[test]
    fn replaced_file_hash_is_critical_but_added_files_are_not() {
        let base = lock(vec![reg(
            "six",
            "1.16.0",
            Some(("six-1.16.0-py2.py3-none-any.whl", 'a')),
        )]);
        let head = lock(vec![reg(
            "six",
            "1.16.0",
            Some(("six-1.16.0-py2.py3-none-any.whl", 'b')),
        )]);
        let d = diff(&base, &head);
        assert_eq!(d[0].change, Change::HashesChanged);
        assert_eq!(d[0].findings[0].rule, "hashes-changed");
        assert_eq!(d[0].findings[0].severity, Severity::Critical);

        let mut more = reg(
            "six",
            "1.16.0",
            Some(("six-1.16.0-py2.py3-none-any.whl", 'a')),
        );
        more.artifacts
            .extend(reg("six", "1.16.0", Some(("six-1.16.0.tar.gz", 'c'))).artifacts);
        let d = diff(&base, &lock(vec![more]));
        assert_eq!(d[0].change, Change::HashesChanged);
        assert!(d[0].findings.is_empty());
        assert!(d[0].change.needs_vetting());

        let d = diff(&base, &base);
        assert_eq!(d[0].change, Change::Unchanged);
        assert!(!d[0].change.needs_vetting());
    }

    fn contents(files: &[(&str, &str)], deps: &[&str]) -> ArchiveContents {
        ArchiveContents {
            filename: "x".into(),
            kind: ArtifactKind::Sdist,
            entries: files
                .iter()
                .map(|(p, d)| ArchiveEntry {
                    path: p.to_string(),
                    data: d.as_bytes().to_vec().into(),
                })
                .collect(),
            findings: vec![],
            metadata: Some(crate::archive::DistMetadata {
                requires_dist: deps.iter().map(|d| d.to_string()).collect(),
                ..Default::default()
            }),
        }
    }

    #[test]
    fn file_changes_strip_versions_and_spot_new_hooks() {
        let old = contents(
            &[
                ("pkg-1.0/pkg/__init__.py", "a"),
                ("pkg-1.0/pkg/old.py", "x"),
                ("pkg-1.0/PKG-INFO", "1"),
            ],
            &["idna>=2"],
        );
        let new = contents(
            &[
                ("pkg-1.1/pkg/__init__.py", "b"),
                ("pkg-1.1/setup.py", "s"),
                ("pkg-1.1/PKG-INFO", "1"),
            ],
            &["idna>=3", "evil-helper"],
        );
        let ch = file_changes(&old, &new);
        assert_eq!(ch.added, vec!["<root>/setup.py"]);
        assert_eq!(ch.removed, vec!["<root>/pkg/old.py"]);
        assert_eq!(ch.modified, vec!["<root>/pkg/__init__.py"]);
        assert_eq!(ch.new_hooks, vec!["<root>/setup.py"]);
        assert_eq!(ch.new_dependencies, vec!["evil-helper"]);
    }

    #[test]
    fn findings_match_across_versions_by_rule_path_and_evidence() {
        let mk = |path: &str, line: u32, ev: &str| {
            Finding::new("exec-decoded", Severity::High, Confidence::High, "m")
                .at(path, Some(line))
                .with_evidence(ev)
        };
        let old = vec![mk(
            "pkg-1.0/setup.py",
            10,
            "exec(b64decode('aGk='))  # v1.0",
        )];
        let new = vec![
            mk("pkg-1.1/setup.py", 42, "exec(b64decode(\"aGk=\"))  # v1.1"),
            mk("pkg-1.1/setup.py", 50, "exec(b64decode('ZXZpbA=='))"),
        ];
        let kept = new_findings(&old, new);
        assert_eq!(kept.len(), 1);
        assert_eq!(kept[0].location.line, Some(50));
    }
}
