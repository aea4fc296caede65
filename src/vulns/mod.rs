//! Known vulnerabilities and known-malicious packages from an OSV database kept in the cache
//! directory, matched offline with PEP 440 semantics.
//!
//! Why offline: an audit must give the same answer with `--offline` on a machine with no
//! network, so the database is imported ahead of time (`pyvet db import` / `pyvet db update`)
//! and stored compactly, indexed by normalised package name (see [`store`]). Matching follows
//! the OSV schema ([`range`]); records that describe one vulnerability under several ids (a
//! PYSEC and a GHSA record naming each other, or sharing a CVE alias) are folded into one
//! finding that lists every id.
//!
//! Verdict: a known vulnerability blocks whatever its grade (its finding is at least `high`,
//! the rule's severity), because most advisories carry no severity at all and a gate that
//! passes them is no gate; `fail-on`, `[rules]` and per-advisory `[[ignore]]` entries relax it
//! by name. The grade is still computed for display, from CVSS v3 and v4 vectors ([`cvss`]),
//! else the database's own severity word, else shown as "unknown".

pub mod cvss;
pub mod osv;
pub mod range;
pub mod store;
mod zip;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use pep440_rs::Version;

use crate::error::Error;
use crate::finding::{Confidence, Finding, RuleInfo, Severity};
use crate::package::normalize_name;

pub use osv::{Advisory, Grade};
pub use range::{Event, Range, RangeKind, RangeMatch};
pub use store::{db_path, import_path, import_zip_bytes, DbInfo, ImportSummary};

/// Where `pyvet db update` downloads from unless told otherwise: the OSV project's public
/// export of every PyPI advisory (PYSEC, GHSA, MAL records), one zip of JSON records.
pub const DEFAULT_OSV_URL: &str = "https://osv-vulnerabilities.storage.googleapis.com/PyPI/all.zip";

/// A database older than this is stale.
pub const STALE_AFTER_DAYS: i64 = 7;

pub static KNOWN_VULNERABILITY: RuleInfo = RuleInfo {
    id: "known-vulnerability",
    severity: Severity::High,
    summary: "The pinned version is affected by a published vulnerability",
    help: "The OSV database lists this package version as affected by a vulnerability. Any \
           known vulnerability blocks by default: the finding is high, or critical when the \
           advisory grades it so. The message shows the advisory's own grade: from its CVSS \
           v3 or v4 vector (9.0+ critical, 7.0+ high, 4.0+ medium, otherwise low), else the \
           database's severity (GitHub's), else \"unknown\" (most PyPA advisories give \
           none). Records that describe the same vulnerability under several ids (PYSEC, \
           GHSA, CVE aliases) are reported once, with every id. Upgrade to a fixed version \
           when the message names one; if the vulnerable code is not reachable in your use, \
           add an `[[ignore]]` entry with `advisory = \"ID\"` and a reason, or raise \
           `fail-on`.",
};

pub static KNOWN_MALICIOUS: RuleInfo = RuleInfo {
    id: "known-malicious",
    severity: Severity::Critical,
    summary: "The package is listed as malicious in the OSV database",
    help: "A malicious-packages report (an OSV record with a MAL- id, or marked with a \
           malicious-packages origin) names this package and version. Such packages are \
           typically typosquats or hijacked releases that steal credentials or run code at \
           install time. Do not install it; remove it from the lockfile, check whether it \
           was already installed anywhere, and rotate any credentials that machine held.",
};

pub static VULN_UNCHECKED: RuleInfo = RuleInfo {
    id: "vuln-unchecked",
    severity: Severity::High,
    summary: "Known vulnerabilities could not be checked for this version",
    help: "The vulnerability database has advisories for this package, but pyvet could not \
           decide whether this version is affected: the version (or a version in an \
           advisory's range) is not a valid PEP 440 version, or the database entry could \
           not be read. What could not be checked is not passed: check the listed \
           advisories by hand, or pin a standard version; relax it with `[rules]` \
           `vuln-unchecked = \"medium\"` or an `[[ignore]]` entry with a reason.",
};

pub static RULES: &[&RuleInfo] = &[&KNOWN_VULNERABILITY, &KNOWN_MALICIOUS, &VULN_UNCHECKED];

/// An opened vulnerability database.
pub struct VulnDb {
    store: store::Store,
}

impl VulnDb {
    /// Open the database in `cache_dir`; `None` when none has been imported.
    pub fn open(cache_dir: &Path) -> Result<Option<VulnDb>, Error> {
        Ok(store::Store::open(cache_dir)?.map(|store| VulnDb { store }))
    }

    /// The database file.
    pub fn path(&self) -> &PathBuf {
        &self.store.path
    }

    pub fn info(&self) -> &DbInfo {
        &self.store.info
    }

    pub fn imported_at(&self) -> jiff::Timestamp {
        self.store.info.imported_at
    }

    /// When the data was last known to be current: the import, or a later `db update` that
    /// found the export unchanged.
    pub fn updated_at(&self) -> jiff::Timestamp {
        match &self.store.update {
            Some(u) if u.source == self.store.info.source => u.checked_at.max(self.imported_at()),
            _ => self.imported_at(),
        }
    }

    /// The newest `modified` time among the records (the data's own age), when known.
    pub fn newest_record(&self) -> Option<jiff::Timestamp> {
        self.store
            .info
            .newest_modified
            .as_deref()
            .and_then(|m| m.trim().parse().ok())
    }

    /// Whole days since the last update (0 when `now` is before it).
    pub fn age_days(&self, now: jiff::Timestamp) -> i64 {
        days_between(self.updated_at(), now)
    }

    /// Whole days since the newest record was modified (since the update when unknown).
    pub fn data_age_days(&self, now: jiff::Timestamp) -> i64 {
        days_between(self.newest_record().unwrap_or(self.updated_at()), now)
    }

    /// Stale: last updated, or newest record modified, more than [`STALE_AFTER_DAYS`] ago.
    pub fn is_stale(&self, now: jiff::Timestamp) -> bool {
        let old = |t: jiff::Timestamp| now.as_second() - t.as_second() > STALE_AFTER_DAYS * 86_400;
        old(self.updated_at()) || self.newest_record().is_some_and(old)
    }

    /// The report's note about a stale database (`None` while it is fresh): new advisories and
    /// malicious-package reports are unknown to this audit. Also what `db info` warns.
    pub fn stale_note(&self, now: jiff::Timestamp) -> Option<String> {
        self.is_stale(now).then(|| {
            let newest = match self.newest_record() {
                Some(t) => format!("its newest record was modified {} days ago ({t})", self.data_age_days(now)),
                None => "its records carry no modification times".to_string(),
            };
            format!(
                "the vulnerability database is stale: {newest}, and it was last updated {} days ago ({}); run `pyvet db update`",
                self.age_days(now),
                self.updated_at()
            )
        })
    }

    /// Findings for one package version: `known-vulnerability`, `known-malicious`, or
    /// `vuln-unchecked` (including when the database entry cannot be read).
    pub fn check(&self, name: &str, version: &str) -> Vec<Finding> {
        match self.try_check(name, version) {
            Ok(f) => f,
            Err(e) => vec![unreadable(&normalize_name(name), Some(version), &e)],
        }
    }

    /// Findings for a locked package. A pinned package is checked like [`check`](Self::check);
    /// an unpinned one (any version may be installed) only reports records that affect every
    /// version, such as a malicious-package report with `introduced: "0"` and no fix.
    pub fn check_locked(&self, pkg: &crate::package::LockedPackage) -> Vec<Finding> {
        let name = &pkg.name.normalized;
        let mut findings = match &pkg.version {
            Some(v) => self.check(name, v),
            None => match self.store.advisories(name) {
                Ok(advs) => check_unpinned(&advs, name),
                Err(e) => vec![unreadable(name, None, &e)],
            },
        };
        for f in &mut findings {
            f.location.line = pkg.line;
        }
        findings
    }

    /// Like [`check`](Self::check), but a database read error is an error.
    pub fn try_check(&self, name: &str, version: &str) -> Result<Vec<Finding>, Error> {
        let norm = normalize_name(name);
        let advisories = self.store.advisories(&norm)?;
        Ok(check_advisories(&advisories, &norm, version))
    }
}

fn days_between(then: jiff::Timestamp, now: jiff::Timestamp) -> i64 {
    ((now.as_second() - then.as_second()) / 86_400).max(0)
}

/// The `vuln-unchecked` finding for a database entry that cannot be read.
fn unreadable(norm: &str, version: Option<&str>, e: &Error) -> Finding {
    VULN_UNCHECKED
        .finding(format!(
            "known vulnerabilities of {norm} could not be checked: the database entry is unreadable"
        ))
        .with_evidence(crate::redact::redact_text(&e.to_string()))
        .for_package(norm, version)
}

/// What one advisory says about one version.
enum Verdict {
    Affected {
        fixed: BTreeSet<String>,
        ranges: Vec<String>,
        all_versions: bool,
    },
    Unknown(String),
    Clear,
}

fn evaluate(a: &Advisory, raw: &str, parsed: Option<&Version>) -> Verdict {
    let mut fixed = BTreeSet::new();
    let mut ranges = Vec::new();
    let mut unknown = None;
    if a.all_versions {
        return Verdict::Affected {
            fixed,
            ranges: vec!["all versions".into()],
            all_versions: true,
        };
    }
    if range::in_versions(&a.versions, raw, parsed) {
        ranges.push(format!("listed version {}", raw.trim()));
    }
    for r in &a.ranges {
        let Some(v) = parsed else {
            // A range that never closes covers even versions that cannot be ordered.
            if covers_every_version(r) {
                ranges.push("all versions".into());
            } else {
                unknown = Some(format!("`{}` is not a PEP 440 version", raw.trim()));
            }
            continue;
        };
        match r.check(v) {
            RangeMatch::Affected {
                fixed: f,
                description,
            } => {
                fixed.extend(f);
                ranges.push(description);
            }
            RangeMatch::NotAffected => {}
            RangeMatch::Unevaluable { bad_version } => {
                unknown = Some(format!("advisory version `{bad_version}` is not PEP 440"));
            }
        }
    }
    if !ranges.is_empty() {
        Verdict::Affected {
            fixed,
            ranges,
            all_versions: false,
        }
    } else if let Some(why) = unknown {
        Verdict::Unknown(why)
    } else {
        Verdict::Clear
    }
}

/// Match `version` of package `name` against advisories (all for that package), fold aliases,
/// and build findings. Pure: usable without a database on disk.
pub fn check_advisories(advisories: &[Advisory], name: &str, version: &str) -> Vec<Finding> {
    let norm = normalize_name(name);
    let parsed = version.trim().parse::<Version>().ok();
    let mut hits: Vec<(&Advisory, BTreeSet<String>, Vec<String>, bool)> = Vec::new();
    let mut unknown: Vec<(&str, String)> = Vec::new();
    for a in advisories.iter().filter(|a| a.package == norm) {
        match evaluate(a, version, parsed.as_ref()) {
            Verdict::Affected {
                fixed,
                ranges,
                all_versions,
            } => hits.push((a, fixed, ranges, all_versions)),
            Verdict::Unknown(why) => unknown.push((&a.id, why)),
            Verdict::Clear => {}
        }
    }

    // Union-find over ids and aliases: records sharing any identifier are one vulnerability.
    let mut parent: Vec<usize> = (0..hits.len()).collect();
    fn root(p: &mut [usize], mut i: usize) -> usize {
        while p[i] != i {
            p[i] = p[p[i]];
            i = p[i];
        }
        i
    }
    let mut owner: BTreeMap<&str, usize> = BTreeMap::new();
    for (i, (a, ..)) in hits.iter().enumerate() {
        for key in std::iter::once(a.id.as_str()).chain(a.aliases.iter().map(String::as_str)) {
            match owner.get(key) {
                Some(&j) => {
                    let (ri, rj) = (root(&mut parent, i), root(&mut parent, j));
                    parent[ri] = rj;
                }
                None => {
                    owner.insert(key, i);
                }
            }
        }
    }
    let mut groups: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
    for i in 0..hits.len() {
        let r = root(&mut parent, i);
        groups.entry(r).or_default().push(i);
    }

    let mut findings: Vec<Finding> = groups
        .into_values()
        .map(|members| {
            let group: Vec<_> = members.iter().map(|&i| &hits[i]).collect();
            group_finding(&group, &norm, version)
        })
        .collect();

    // Ids already reported need no "could not check" note.
    if !unknown.is_empty() {
        let reported: BTreeSet<&str> = hits
            .iter()
            .flat_map(|(a, ..)| {
                std::iter::once(a.id.as_str()).chain(a.aliases.iter().map(String::as_str))
            })
            .collect();
        unknown.retain(|(id, _)| !reported.contains(id));
    }
    if !unknown.is_empty() {
        let ids: Vec<&str> = unknown.iter().map(|(id, _)| *id).collect();
        let evidence: Vec<String> = unknown
            .iter()
            .map(|(id, why)| format!("{id}: {why}"))
            .collect();
        findings.push(
            VULN_UNCHECKED
                .finding(format!(
                    "could not decide whether {norm} {} is affected by {}",
                    version.trim(),
                    ids.join(", ")
                ))
                .with_confidence(Confidence::Medium)
                .with_evidence(evidence.join("\n"))
                .for_package(&norm, Some(version.trim())),
        );
    }
    crate::finding::sort(&mut findings);
    findings
}

/// Records that affect every version of `name`, reported for an unpinned requirement.
pub fn check_unpinned(advisories: &[Advisory], name: &str) -> Vec<Finding> {
    let norm = normalize_name(name);
    let every: Vec<Advisory> = advisories
        .iter()
        .filter(|a| a.package == norm && affects_every_version(a))
        .cloned()
        .collect();
    if every.is_empty() {
        return Vec::new();
    }
    // Any version will do: every one of them is affected.
    let mut findings = check_advisories(&every, &norm, "0");
    for f in &mut findings {
        f.version = None;
        f.message = f
            .message
            .replace(&format!("{norm} 0 "), &format!("{norm} (any version) "));
    }
    findings
}

/// `all_versions`, or a range that opens at `0` and never closes.
fn affects_every_version(a: &Advisory) -> bool {
    a.all_versions || a.ranges.iter().any(covers_every_version)
}

/// A range that opens at `0` and has no closing event and no finite limit.
fn covers_every_version(r: &Range) -> bool {
    r.events
        .iter()
        .any(|e| matches!(e, Event::Introduced(v) if v.trim() == "0"))
        && r.events.iter().all(|e| match e {
            Event::Introduced(_) => true,
            Event::Limit(v) => v.contains('*'),
            _ => false,
        })
}

/// Sort ids for display: PYSEC, then GHSA, then MAL, then anything else; CVE-style aliases go
/// to the alias list.
fn id_rank(id: &str) -> (u8, &str) {
    let rank = if id.starts_with("PYSEC-") {
        0
    } else if id.starts_with("GHSA-") {
        1
    } else if id.starts_with("MAL-") {
        2
    } else {
        3
    };
    (rank, id)
}

type Hit<'a> = (&'a Advisory, BTreeSet<String>, Vec<String>, bool);

fn group_finding(group: &[&Hit<'_>], norm: &str, version: &str) -> Finding {
    let mut ids: Vec<&str> = group.iter().map(|(a, ..)| a.id.as_str()).collect();
    ids.sort_by_key(|id| id_rank(id));
    ids.dedup();
    let aliases: BTreeSet<&str> = group
        .iter()
        .flat_map(|(a, ..)| a.aliases.iter().map(String::as_str))
        .filter(|al| !ids.contains(al))
        .collect();
    let malicious = group.iter().any(|(a, ..)| a.malicious);
    // The worst grade in the group (unknown ranks lowest); its basis is shown.
    let grade = group
        .iter()
        .map(|(a, ..)| &a.grade)
        .max_by(|x, y| {
            x.severity
                .cmp(&y.severity)
                .then(x.score.unwrap_or(-1.0).total_cmp(&y.score.unwrap_or(-1.0)))
        })
        .expect("groups are non-empty");
    let mut advisories: Vec<String> = ids.iter().map(|s| s.to_string()).collect();
    let summary = ids
        .iter()
        .find_map(|id| {
            group
                .iter()
                .find(|(a, ..)| a.id == *id && !a.summary.is_empty())
                .map(|(a, ..)| a.summary.as_str())
        })
        .unwrap_or("");
    // Lowest fixed version above the pin, across the group (records may disagree).
    let mut fixed: Vec<String> = group
        .iter()
        .flat_map(|(_, f, ..)| f.iter().cloned())
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    fixed.sort_by(|a, b| match (a.parse::<Version>(), b.parse::<Version>()) {
        (Ok(x), Ok(y)) => x.cmp(&y),
        _ => a.cmp(b),
    });
    let all_versions_only = group.iter().all(|(.., all)| *all);

    // Any known vulnerability blocks: at least the rule's severity, higher when graded higher.
    let (rule, severity) = if malicious {
        (&KNOWN_MALICIOUS, KNOWN_MALICIOUS.severity)
    } else {
        (
            &KNOWN_VULNERABILITY,
            grade
                .severity
                .unwrap_or(KNOWN_VULNERABILITY.severity)
                .max(KNOWN_VULNERABILITY.severity),
        )
    };
    let mut message = ids.join(" / ");
    if malicious {
        message.push_str(&format!(
            ": {norm} {} is a known-malicious package",
            version.trim()
        ));
        if !summary.is_empty() {
            message.push_str(&format!(": {summary}"));
        }
    } else {
        if !summary.is_empty() {
            message.push_str(&format!(": {summary}"));
        }
        match fixed.first() {
            Some(f) => message.push_str(&format!(" (severity {}; fixed in {f})", grade.label())),
            None => message.push_str(&format!(" (severity {}; no fixed version)", grade.label())),
        }
    }

    let mut evidence = vec![format!("ids: {}", ids.join(", "))];
    if !aliases.is_empty() {
        advisories.extend(aliases.iter().map(|s| s.to_string()));
        evidence.push(format!(
            "aliases: {}",
            aliases.into_iter().collect::<Vec<_>>().join(", ")
        ));
    }
    let mut by_rank: Vec<&&Hit<'_>> = group.iter().collect();
    by_rank.sort_by_key(|h| id_rank(&h.0.id));
    for (a, _, ranges, _) in by_rank {
        evidence.push(format!("affected ({}): {}", a.id, ranges.join("; ")));
    }
    if fixed.len() > 1 {
        evidence.push(format!("fixed in: {}", fixed.join(", ")));
    }
    evidence.push(format!("severity: {}", grade.basis));
    let mut finding = rule
        .finding(message)
        .with_severity(severity)
        .with_confidence(if all_versions_only {
            Confidence::Medium
        } else {
            Confidence::High
        })
        .with_evidence(evidence.join("\n"))
        .for_package(norm, Some(version.trim()));
    finding.advisories = advisories;
    match (malicious, fixed.first()) {
        (true, _) => finding.with_action(format!("remove {norm} and do not install it")),
        (false, Some(f)) => finding.with_action(format!("upgrade {norm} to {f} or later")),
        (false, None) => finding,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn adv(id: &str, aliases: &[&str], events: &[(&str, &str)], score: Option<f64>) -> Advisory {
        Advisory {
            id: id.into(),
            aliases: aliases.iter().map(|s| s.to_string()).collect(),
            package: "demo".into(),
            summary: format!("summary of {id}"),
            published: None,
            modified: None,
            grade: Grade {
                severity: score.map(osv::severity_from_score),
                score,
                basis: "test".into(),
            },
            malicious: id.starts_with("MAL-"),
            ranges: vec![Range {
                kind: RangeKind::Ecosystem,
                events: events
                    .iter()
                    .map(|(k, v)| match *k {
                        "introduced" => Event::Introduced(v.to_string()),
                        "fixed" => Event::Fixed(v.to_string()),
                        "last_affected" => Event::LastAffected(v.to_string()),
                        _ => Event::Limit(v.to_string()),
                    })
                    .collect(),
            }],
            versions: vec![],
            all_versions: false,
        }
    }

    #[test]
    fn aliases_fold_into_one_finding() {
        let advs = vec![
            adv(
                "PYSEC-0000-0001",
                &["GHSA-aaaa-bbbb-cccc", "CVE-0000-1111"],
                &[("introduced", "0"), ("fixed", "2.0")],
                Some(7.5),
            ),
            adv(
                "GHSA-aaaa-bbbb-cccc",
                &["CVE-0000-1111"],
                &[("introduced", "1.0"), ("fixed", "2.0.1")],
                Some(9.8),
            ),
            // Shares only the CVE alias with the others.
            adv(
                "GHSA-dddd-eeee-ffff",
                &["CVE-0000-1111"],
                &[("introduced", "0"), ("fixed", "2.0")],
                None,
            ),
            adv(
                "PYSEC-0000-0002",
                &[],
                &[("introduced", "0"), ("fixed", "3.0")],
                Some(5.0),
            ),
        ];
        let f = check_advisories(&advs, "Demo", "1.5");
        assert_eq!(f.len(), 2, "{f:#?}");
        let folded = &f[0];
        assert_eq!(folded.rule, KNOWN_VULNERABILITY.id);
        assert_eq!(
            folded.severity,
            Severity::Critical,
            "worst grade in the group"
        );
        assert!(
            folded
                .message
                .starts_with("PYSEC-0000-0001 / GHSA-aaaa-bbbb-cccc / GHSA-dddd-eeee-ffff:"),
            "{}",
            folded.message
        );
        assert!(
            folded.message.contains("fixed in 2.0)"),
            "{}",
            folded.message
        );
        let ev = folded.evidence.as_deref().unwrap();
        assert!(ev.contains("aliases: CVE-0000-1111"), "{ev}");
        assert!(ev.contains("fixed in: 2.0, 2.0.1"), "{ev}");
        assert_eq!(folded.package.as_deref(), Some("demo"));
        assert_eq!(folded.version.as_deref(), Some("1.5"));
        // Graded medium, but a known vulnerability blocks: the finding is high.
        assert_eq!(f[1].severity, Severity::High);
        assert!(f[1].message.starts_with("PYSEC-0000-0002"));
        assert!(
            f[1].message.contains("severity medium, CVSS 5.0"),
            "{}",
            f[1].message
        );
        assert_eq!(
            folded.advisories,
            vec![
                "PYSEC-0000-0001",
                "GHSA-aaaa-bbbb-cccc",
                "GHSA-dddd-eeee-ffff",
                "CVE-0000-1111"
            ]
        );
    }

    #[test]
    fn regression_ungraded_advisories_block_and_say_unknown() {
        // ~92% of PyPA advisories carry no severity; they used to be graded medium and pass.
        let advs = vec![
            adv(
                "PYSEC-0000-0009",
                &[],
                &[("introduced", "0"), ("fixed", "3.2.19")],
                None,
            ),
            adv(
                "PYSEC-0000-0010",
                &[],
                &[("introduced", "0"), ("fixed", "4.0")],
                Some(2.0),
            ),
        ];
        let f = check_advisories(&advs, "demo", "3.2.0");
        assert_eq!(f.len(), 2);
        for x in &f {
            assert_eq!(x.rule, KNOWN_VULNERABILITY.id);
            assert_eq!(x.severity, Severity::High, "{}", x.message);
        }
        let unknown = f
            .iter()
            .find(|x| x.message.starts_with("PYSEC-0000-0009"))
            .unwrap();
        assert!(
            unknown.message.contains("severity unknown"),
            "{}",
            unknown.message
        );
        let low = f
            .iter()
            .find(|x| x.message.starts_with("PYSEC-0000-0010"))
            .unwrap();
        assert!(
            low.message.contains("severity low, CVSS 2.0"),
            "{}",
            low.message
        );
    }

    #[test]
    fn unaffected_version_gives_nothing() {
        let advs = vec![adv(
            "PYSEC-0000-0001",
            &[],
            &[("introduced", "0"), ("fixed", "2.0")],
            None,
        )];
        assert!(check_advisories(&advs, "demo", "2.0").is_empty());
        assert!(check_advisories(&advs, "other", "1.0").is_empty());
    }

    #[test]
    fn unparseable_versions_are_unchecked_not_clean() {
        let advs = vec![adv(
            "PYSEC-0000-0001",
            &[],
            &[("introduced", "0"), ("fixed", "2.0")],
            None,
        )];
        let f = check_advisories(&advs, "demo", "not/a/version");
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].rule, VULN_UNCHECKED.id);
        let advs = vec![adv(
            "PYSEC-0000-0003",
            &[],
            &[("introduced", "0"), ("fixed", "bogus!")],
            None,
        )];
        let f = check_advisories(&advs, "demo", "1.0");
        assert_eq!(f[0].rule, VULN_UNCHECKED.id);
        assert!(f[0].evidence.as_deref().unwrap().contains("bogus!"));
    }

    #[test]
    fn malicious_is_critical() {
        let advs = vec![adv("MAL-0000-0001", &[], &[("introduced", "0")], None)];
        let f = check_advisories(&advs, "demo", "0.0.1");
        assert_eq!(f[0].rule, KNOWN_MALICIOUS.id);
        assert_eq!(f[0].severity, Severity::Critical);
        // Every version is malicious, even one PEP 440 cannot order.
        let f = check_advisories(&advs, "demo", "not-pep-440!");
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].rule, KNOWN_MALICIOUS.id);
    }

    #[test]
    fn unpinned_reports_only_records_covering_every_version() {
        let advs = vec![
            adv("MAL-0000-0001", &[], &[("introduced", "0")], None),
            adv(
                "PYSEC-0000-0001",
                &[],
                &[("introduced", "0"), ("fixed", "2.0")],
                None,
            ),
            adv(
                "PYSEC-0000-0002",
                &[],
                &[("introduced", "0"), ("limit", "*")],
                None,
            ),
        ];
        let f = check_unpinned(&advs, "Demo");
        assert_eq!(f.len(), 2, "{f:#?}");
        assert_eq!(f[0].rule, KNOWN_MALICIOUS.id);
        assert!(
            f[0].message.contains("demo (any version)"),
            "{}",
            f[0].message
        );
        assert_eq!(f[0].version, None);
        assert!(f[1].message.starts_with("PYSEC-0000-0002"));
        assert!(check_unpinned(&advs[1..2], "demo").is_empty());
    }

    #[test]
    fn database_is_shareable_across_threads() {
        fn assert_send_sync<T: Send + Sync>() {}
        assert_send_sync::<VulnDb>();
    }
}
