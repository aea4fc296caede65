//! The audit pipeline, independent of the terminal: lockfile packages -> candidate artifacts
//! (from the lockfile, completed by the index) -> selection for the target -> fetch + verify ->
//! archive + inspection, metadata and vulnerability checks -> one `Report`.
//!
//! Progress is reported through a callback; drawing it is the CLI's job.
//!
//! Fail closed: every artifact that was selected but could not be vetted — not found on the
//! index, not downloaded, not verified, not readable, too large to read — ends in a blocking
//! finding that says what and why (the `unvetted` rules, [`UNVETTED_RULES`], high by default;
//! `unvetted = "<severity>"` in the policy lowers them together, never by default), and the
//! summary counts them ("N artifacts could not be vetted"). A pinned project or version that
//! the index does not list is `not-on-index`, critical: it cannot be installed from there, or
//! someone else can register it.

use std::collections::{BTreeMap, HashSet};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use rayon::prelude::*;

use crate::archive;
use crate::cache::Cache;
use crate::error::Error;
use crate::fetch::{self, FetchEvent, FetchJob, FetchStatus};
use crate::finding::{Finding, Severity, Verdict};
use crate::hash::{Digest, Hashes};
use crate::index::IndexClient;
use crate::inspect;
use crate::lockfile::Lockfile;
use crate::metadata;
use crate::network::Network;
use crate::package::{Artifact, LockedPackage, Source};
use crate::project::{IndexFile, ProjectInfo};
use crate::redact::redact_url;
use crate::report::{ArtifactReport, ArtifactStatus, PackageReport, Report, Summary, Tool};
use crate::select::{self, Choice, Target};
use crate::vulns::VulnDb;

/// The `unvetted` family: what could not be vetted (found, downloaded, read) blocks unless
/// the policy lowers the family (`unvetted = "medium"`) or one rule (`[rules]`) by name.
pub static UNVETTED_RULES: &[&str] = &[
    crate::resolve::UNRESOLVED.id,
    fetch::FETCH_FAILED.id,
    fetch::ARTIFACT_NOT_FOUND.id,
    fetch::ARTIFACT_TOO_LARGE.id,
    archive::ARCHIVE_UNREADABLE.id,
];

/// Rules whose finding means the artifact (or package) it names was not vetted: the family,
/// plus bytes that did not verify and pins the index does not list. The summary counts them.
pub fn means_unvetted(rule: &str) -> bool {
    UNVETTED_RULES.contains(&rule)
        || rule == fetch::NOT_ON_INDEX.id
        || rule == fetch::HASH_MISMATCH.id
}

/// Which checks run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Checks {
    pub hashes: bool,
    pub code: bool,
    pub metadata: bool,
    pub vulns: bool,
}

impl Checks {
    pub const ALL: Checks = Checks {
        hashes: true,
        code: true,
        metadata: true,
        vulns: true,
    };

    /// Whether artifacts must be downloaded.
    pub fn needs_artifacts(&self) -> bool {
        self.hashes || self.code
    }
}

/// Everything the pipeline needs besides the lockfile.
pub struct Services<'a> {
    pub cache: &'a Cache,
    pub net: Option<&'a Network>,
    /// `None` when no index is configured (only possible when nothing needs one).
    pub index: Option<&'a IndexClient<'a>>,
    pub vulns: Option<&'a VulnDb>,
}

#[derive(Clone)]
pub struct AuditOptions {
    pub target: Target,
    pub all_artifacts: bool,
    pub jobs: usize,
    pub checks: Checks,
    pub now: jiff::Timestamp,
    pub thresholds: metadata::Thresholds,
    pub inspect: inspect::InspectOptions,
    pub limits: archive::Limits,
    /// Cached artifacts larger than this are not read (an `artifact-too-large` finding).
    pub max_artifact_size: u64,
    /// Only these package indices (into `lock.packages`) are vetted; `None` means all.
    pub only: Option<Vec<usize>>,
}

/// Pipeline progress, for the caller's progress display.
#[derive(Debug, Clone)]
pub enum Event {
    /// Index lookups: `done` of `total`.
    Index {
        done: usize,
        total: usize,
    },
    Fetch(FetchEvent),
    FetchTotal {
        files: usize,
        bytes: Option<u64>,
    },
    Inspected {
        filename: String,
    },
}

/// One package being audited.
struct Work {
    pkg: usize,
    project: Option<ProjectInfo>,
    candidates: Vec<Artifact>,
    /// Per candidate: digests the index publishes that differ from the lockfile's own.
    index_conflicts: Vec<Vec<Digest>>,
    choices: Vec<Choice>,
    findings: Vec<Finding>,
}

/// Run the audit. Errors are tool failures (offline with a cold cache, no index configured).
pub fn run(
    lock: &Lockfile,
    opts: &AuditOptions,
    services: &Services<'_>,
    on_event: &(dyn Fn(Event) + Sync),
) -> Result<Report, Error> {
    if opts.checks.vulns && services.vulns.is_none() {
        return Err(no_vuln_db_error());
    }
    let selected: Vec<usize> = match &opts.only {
        Some(v) => v.clone(),
        None => (0..lock.packages.len()).collect(),
    };
    let lock_path = lock.path.display().to_string();

    // 1. Index lookups, in parallel (I/O bound): needed for metadata, and to find the files of
    //    packages whose lockfile names none (requirements.txt).
    let needs_index = |p: &LockedPackage| {
        matches!(p.source, Source::Registry { .. })
            && (opts.checks.metadata
                || (opts.checks.needs_artifacts()
                    && (p.artifacts.is_empty() || p.artifacts.iter().any(|a| a.url.is_none()))))
    };
    let lookups: Vec<usize> = selected
        .iter()
        .copied()
        .filter(|&i| needs_index(&lock.packages[i]))
        .collect();
    let projects: Mutex<BTreeMap<usize, ProjectInfo>> = Mutex::new(BTreeMap::new());
    let missing: Mutex<Vec<String>> = Mutex::new(Vec::new());
    let lookup_errors: Mutex<Vec<(usize, String)>> = Mutex::new(Vec::new());
    let not_found: Mutex<Vec<usize>> = Mutex::new(Vec::new());
    let confusion: Mutex<BTreeMap<usize, Vec<String>>> = Mutex::new(BTreeMap::new());
    let several_indexes = services.index.is_some_and(|i| i.settings.all().len() > 1);
    if !lookups.is_empty() {
        let index = services.index.ok_or_else(crate::pipconf::no_index_error)?;
        let next = AtomicUsize::new(0);
        let done = AtomicUsize::new(0);
        let total = lookups.len();
        std::thread::scope(|s| {
            for _ in 0..opts.jobs.clamp(1, 32).min(total) {
                s.spawn(|| loop {
                    let k = next.fetch_add(1, Ordering::Relaxed);
                    let Some(&i) = lookups.get(k) else { break };
                    let pkg = &lock.packages[i];
                    if several_indexes && opts.checks.metadata {
                        if let Ok(knowing) = index.indexes_knowing(&pkg.name.normalized) {
                            confusion.lock().expect("poisoned").insert(i, knowing);
                        }
                    }
                    match index.project(&pkg.name.normalized) {
                        Ok(Some(info)) => {
                            projects.lock().expect("poisoned").insert(i, info);
                        }
                        Ok(None) if services.net.is_none() => missing
                            .lock()
                            .expect("poisoned")
                            .push(format!("index data for {}", pkg.name.normalized)),
                        Ok(None) => not_found.lock().expect("poisoned").push(i),
                        Err(e) => lookup_errors
                            .lock()
                            .expect("poisoned")
                            .push((i, e.to_string())),
                    }
                    let d = done.fetch_add(1, Ordering::Relaxed) + 1;
                    on_event(Event::Index { done: d, total });
                });
            }
        });
    }
    let mut projects = projects.into_inner().expect("poisoned");
    let lookup_errors = lookup_errors.into_inner().expect("poisoned");
    let not_found: HashSet<usize> = not_found
        .into_inner()
        .expect("poisoned")
        .into_iter()
        .collect();
    let index_names = || {
        services
            .index
            .map(|i| {
                i.settings
                    .all()
                    .iter()
                    .map(|u| redact_url(u))
                    .collect::<Vec<_>>()
                    .join(", ")
            })
            .unwrap_or_default()
    };
    let confusion = confusion.into_inner().expect("poisoned");

    // 2. Candidate artifacts and selection.
    let mut work: Vec<Work> = selected
        .iter()
        .map(|&i| {
            let pkg = &lock.packages[i];
            let project = projects.remove(&i);
            let (candidates, index_conflicts) = candidates(pkg, project.as_ref());
            let choices = select::select(pkg, &candidates, &opts.target, opts.all_artifacts);
            let mut findings: Vec<Finding> = pkg
                .problems
                .iter()
                .map(|p| crate::lockfile::problem_rule(p).finding(p.describe()))
                .collect();
            findings.extend(crate::index::page_findings(project.as_ref(), &candidates));
            let registry = matches!(pkg.source, Source::Registry { .. });
            if registry && not_found.contains(&i) {
                findings.push(
                    fetch::NOT_ON_INDEX
                        .finding(format!(
                            "{} is not on the index: no configured index knows the project",
                            pkg.name
                        ))
                        .with_evidence(format!("asked: {}", index_names())),
                );
            } else if let (true, Some(p), Some(v)) = (registry, &project, pkg.version.as_deref())
            {
                if !lists_version(p, v) {
                    findings.push(
                        fetch::NOT_ON_INDEX
                            .finding(format!(
                                "version {v} of {} is not on the index (it lists {} other release(s))",
                                pkg.name,
                                known_versions(p)
                            ))
                            .with_evidence(format!("index: {}", redact_url(&p.index_url))),
                    );
                } else if pkg.artifacts.is_empty()
                    && candidates.is_empty()
                    && opts.checks.needs_artifacts()
                {
                    findings.push(fetch::ARTIFACT_NOT_FOUND.finding(format!(
                        "the index lists no file for {} {v}{}",
                        pkg.name,
                        if pkg.requirement_hashes.is_empty() {
                            ""
                        } else {
                            " matching the pinned hashes"
                        }
                    )));
                }
            }
            Work {
                pkg: i,
                project,
                candidates,
                index_conflicts,
                choices,
                findings,
            }
        })
        .collect();
    for (i, msg) in lookup_errors {
        if let Some(w) = work.iter_mut().find(|w| w.pkg == i) {
            w.findings.push(fetch::FETCH_FAILED.finding(format!(
                "index lookup failed, so nothing about this package was vetted: {}",
                crate::redact::redact_text(&msg)
            )));
        }
    }

    // 3. Fetch and verify.
    let mut jobs: Vec<FetchJob> = Vec::new();
    let mut job_of: Vec<(usize, usize)> = Vec::new(); // (work index, candidate index)
    let mut no_url: Vec<(usize, usize)> = Vec::new();
    if opts.checks.needs_artifacts() {
        for (wi, w) in work.iter().enumerate() {
            let pkg = &lock.packages[w.pkg];
            for (ci, (a, c)) in w.candidates.iter().zip(&w.choices).enumerate() {
                if *c != Choice::Selected {
                    continue;
                }
                let Some(url) = a.url.clone() else {
                    no_url.push((wi, ci));
                    continue;
                };
                let any_of: Vec<Digest> = if a.hashes.is_empty() {
                    pkg.requirement_hashes.clone()
                } else {
                    Vec::new()
                };
                let mut expected: Vec<Digest> = a.hashes.digests().collect();
                expected.extend(w.index_conflicts[ci].iter().cloned());
                jobs.push(FetchJob {
                    filename: a.filename.clone(),
                    url,
                    size: a.size,
                    expected,
                    any_of,
                });
                job_of.push((wi, ci));
            }
        }
    }
    on_event(Event::FetchTotal {
        files: jobs.len(),
        bytes: work
            .iter()
            .flat_map(|w| w.candidates.iter().zip(&w.choices))
            .filter(|(_, c)| **c == Choice::Selected)
            .map(|(a, _)| a.size)
            .sum(),
    });
    let statuses = fetch::fetch_all(
        &jobs,
        services.cache,
        services.net,
        opts.jobs.max(1),
        &|e| on_event(Event::Fetch(e)),
    );

    let mut artifact_reports: Vec<Vec<ArtifactReport>> = work
        .iter()
        .map(|w| {
            w.candidates
                .iter()
                .zip(&w.choices)
                .map(|(a, c)| ArtifactReport {
                    filename: a.filename.clone(),
                    url: a.url.as_deref().map(redact_url),
                    kind: a.kind,
                    expected_hashes: a.hashes.clone(),
                    sha256: None,
                    status: ArtifactStatus::Skipped,
                    detail: match c {
                        Choice::Selected if !opts.checks.needs_artifacts() => {
                            Some("not downloaded: hash and code checks are off".into())
                        }
                        Choice::Selected => None,
                        Choice::Skipped(why) => Some(why.clone()),
                    },
                })
                .collect()
        })
        .collect();
    for &(wi, ci) in &no_url {
        let r = &mut artifact_reports[wi][ci];
        r.status = ArtifactStatus::Failed;
        r.detail = Some("no URL known for this file (neither the lockfile nor the index)".into());
        let filename = work[wi].candidates[ci].filename.clone();
        work[wi].findings.push(
            fetch::ARTIFACT_NOT_FOUND
                .finding(format!(
                    "no download URL for {filename}: not downloaded, not vetted"
                ))
                .in_artifact(&filename),
        );
    }

    let mut to_inspect: Vec<(usize, String, String)> = Vec::new(); // (work, filename, sha256)
    let mut missing = missing.into_inner().expect("poisoned");
    for ((wi, ci), status) in job_of.iter().copied().zip(statuses) {
        let filename = work[wi].candidates[ci].filename.clone();
        let expected_any =
            !jobs_expected_empty(&work[wi].candidates[ci], &lock.packages[work[wi].pkg]);
        let r = &mut artifact_reports[wi][ci];
        match status {
            FetchStatus::Verified { sha256, .. } => {
                r.sha256 = Some(sha256.clone());
                if expected_any {
                    r.status = ArtifactStatus::Verified;
                } else {
                    r.status = ArtifactStatus::Unverified;
                    work[wi].findings.push(
                        fetch::ARTIFACT_UNVERIFIED
                            .finding(
                                "neither the lockfile nor the index states a hash for this file",
                            )
                            .in_artifact(&filename)
                            .with_evidence(format!("sha256:{sha256}")),
                    );
                }
                if opts.checks.code {
                    to_inspect.push((wi, filename, sha256));
                }
            }
            FetchStatus::HashMismatch { expected, actual } => {
                r.status = ArtifactStatus::HashMismatch;
                r.detail = Some(format!(
                    "expected {expected}, got {}:{actual}",
                    expected.algorithm
                ));
                work[wi].findings.push(
                    fetch::HASH_MISMATCH
                        .finding("downloaded bytes do not match the pinned hash")
                        .in_artifact(&filename)
                        .with_evidence(format!(
                            "expected {expected}\nactual   {}:{actual}",
                            expected.algorithm
                        )),
                );
            }
            FetchStatus::SizeMismatch { .. } => {
                let why = status.describe();
                r.status = ArtifactStatus::HashMismatch;
                r.detail = Some(why.clone());
                work[wi]
                    .findings
                    .push(fetch::HASH_MISMATCH.finding(why).in_artifact(&filename));
            }
            FetchStatus::TooLarge { .. } => {
                let why = status.describe();
                r.status = ArtifactStatus::Failed;
                r.detail = Some(why.clone());
                work[wi].findings.push(
                    fetch::ARTIFACT_TOO_LARGE
                        .finding(why)
                        .in_artifact(&filename),
                );
            }
            FetchStatus::NotFound { url } => {
                r.status = ArtifactStatus::NotFound;
                r.detail = Some(format!("{} answered not found", redact_url(&url)));
                work[wi].findings.push(
                    fetch::ARTIFACT_NOT_FOUND
                        .finding("the index no longer serves this file: not downloaded, not vetted")
                        .in_artifact(&filename)
                        .with_evidence(redact_url(&url)),
                );
            }
            FetchStatus::MissingOffline => {
                r.status = ArtifactStatus::Missing;
                missing.push(format!(
                    "{} ({})",
                    filename,
                    lock.packages[work[wi].pkg].id()
                ));
            }
            FetchStatus::Failed { message } => {
                r.status = ArtifactStatus::Failed;
                let message = crate::redact::redact_text(&message);
                r.detail = Some(message.clone());
                work[wi].findings.push(
                    fetch::FETCH_FAILED
                        .finding(format!(
                            "download failed, so the file was not vetted: {message}"
                        ))
                        .in_artifact(&filename),
                );
            }
        }
    }
    if !missing.is_empty() {
        missing.sort();
        missing.dedup();
        return Err(Error::Offline { missing });
    }

    // 4. Inspect (CPU bound; the engine is parallel over files). A few artifacts at a time keep
    //    both cores busy on small ones while memory stays bounded by the largest artifacts.
    if !to_inspect.is_empty() {
        let results: Vec<(usize, Vec<Finding>)> = to_inspect
            .chunks(inspect::ARTIFACTS_IN_FLIGHT)
            .flat_map(|chunk| {
                chunk
                    .par_iter()
                    .map(|(wi, filename, sha256)| {
                        let out = inspect_cached(services.cache, filename, sha256, opts);
                        on_event(Event::Inspected {
                            filename: filename.clone(),
                        });
                        (*wi, out)
                    })
                    .collect::<Vec<_>>()
            })
            .collect();
        for (wi, f) in results {
            work[wi].findings.extend(f);
        }
    }

    // 5. Metadata and vulnerabilities.
    let owners_path = services.cache.root().join("metadata").join("owners.json");
    let previous_owners: metadata::OwnersCache = std::fs::read(&owners_path)
        .ok()
        .and_then(|b| serde_json::from_slice(&b).ok())
        .unwrap_or_default();
    let mut mctx = metadata::Context::new(opts.now);
    mctx.thresholds = opts.thresholds.clone();
    mctx.previous_owners = previous_owners.clone();
    mctx.popular = load_popular(services.cache);
    if opts.checks.metadata {
        mctx.publishers = Arc::new(known_publishers(&work, &mctx, services));
    }
    let mut new_owners = previous_owners;
    let mut packages = Vec::with_capacity(work.len());
    let mut artifacts_checked = 0;
    let mut artifacts_skipped = 0;
    for (w, arts) in work.into_iter().zip(artifact_reports) {
        let pkg = &lock.packages[w.pkg];
        let mut findings = w.findings;
        let mut meta = None;
        if opts.checks.metadata && matches!(pkg.source, Source::Registry { .. }) {
            let mut with_selected = pkg.clone();
            with_selected.artifacts = w
                .candidates
                .iter()
                .zip(&w.choices)
                .filter(|(_, c)| **c == Choice::Selected)
                .map(|(a, _)| a.clone())
                .collect();
            let (f, m) = metadata::check(&with_selected, w.project.as_ref(), &mctx);
            findings.extend(f);
            meta = Some(m);
            if let Some(p) = &w.project {
                metadata::update_owners_cache(&mut new_owners, p, opts.now);
            }
            if let Some(knowing) = confusion.get(&w.pkg) {
                findings.extend(metadata::index_confusion(&pkg.name.normalized, knowing));
            }
        }
        if opts.checks.vulns {
            if let Some(db) = services.vulns {
                findings.extend(db.check_locked(pkg));
            }
        }
        for f in &mut findings {
            if f.package.is_none() {
                f.package = Some(pkg.name.normalized.clone());
                f.version = pkg.version.clone();
            }
            if f.artifact.is_none() && f.location.path.is_none() {
                f.location.path = Some(lock.file_of(w.pkg).display().to_string());
                f.location.line = pkg.line;
            }
        }
        crate::finding::sort(&mut findings);
        artifacts_checked += arts
            .iter()
            .filter(|a| !matches!(a.status, ArtifactStatus::Skipped))
            .count();
        artifacts_skipped += arts
            .iter()
            .filter(|a| matches!(a.status, ArtifactStatus::Skipped))
            .count();
        packages.push(PackageReport {
            name: pkg.name.display.clone(),
            version: pkg.version.clone(),
            source: Some(pkg.source.clone()),
            file: Some(lock.file_of(w.pkg).display().to_string()),
            line: pkg.line,
            change: None,
            upgrade: None,
            artifacts: arts,
            verdict: Verdict::from_worst(crate::finding::worst(&findings)),
            findings,
            metadata: meta,
        });
    }

    if opts.checks.metadata && new_owners != mctx.previous_owners {
        if let Ok(bytes) = serde_json::to_vec_pretty(&new_owners) {
            // Best effort: a read-only cache must not fail the audit.
            let _ = crate::fsutil::write_atomic(&owners_path, &bytes);
        }
    }

    let mut notes = Vec::new();
    if opts.checks.vulns {
        // No database is an error before anything runs (see `no_vuln_db_error`).
        if let Some(db) = services.vulns {
            notes.extend(db.stale_note(opts.now));
        }
    }
    if artifacts_skipped > 0 && !opts.all_artifacts {
        notes.push(format!(
            "{artifacts_skipped} artifact(s) not selected for {} were not vetted (use --all-artifacts to vet every file)",
            opts.target
        ));
    }

    Ok(Report {
        schema_version: crate::report::SCHEMA_VERSION,
        tool: Tool::default(),
        command: "audit".into(),
        inputs: vec![lock_path],
        generated_at: opts.now,
        fail_on: Severity::High,
        summary: Summary {
            packages: packages.len(),
            artifacts_checked,
            artifacts_skipped,
            unchanged: lock.packages.len() - selected.len(),
            ..Summary::default()
        },
        packages,
        not_installed: Vec::new(),
        notes,
    })
}

/// The tool error for a vulnerability check with no database: what could not be checked is
/// never reported as clean.
pub fn no_vuln_db_error() -> Error {
    Error::Usage(
        "no vulnerability database, so known vulnerabilities cannot be checked: run \
         `pyvet db update` (downloads the OSV export for PyPI) or `pyvet db import PATH`, or \
         leave the check out explicitly with `--checks hashes,code,metadata`"
            .into(),
    )
}

/// Who publishes the audit's projects, plus the few popular projects that could show a
/// look-alike name to share its publisher (`metadata::typosquat_lookups`), looked up through the
/// index client: online and cached, or from the cache offline. A lookup that fails or finds
/// nothing only means no evidence, so the name-only grade stands.
fn known_publishers(
    work: &[Work],
    mctx: &metadata::Context,
    services: &Services<'_>,
) -> metadata::Publishers {
    let mut known: metadata::Publishers = work
        .iter()
        .filter_map(|w| w.project.as_ref())
        .map(|p| (p.name.clone(), metadata::Publisher::of(p)))
        .collect();
    let wanted: std::collections::BTreeSet<String> = work
        .iter()
        .filter_map(|w| w.project.as_ref())
        .flat_map(|p| metadata::typosquat_lookups(p, mctx))
        .filter(|name| !known.contains_key(name))
        .collect();
    if let Some(index) = services.index {
        for name in wanted {
            if let Ok(Some(info)) = index.project(&name) {
                known.insert(name, metadata::Publisher::of(&info));
            }
        }
    }
    known
}

/// A refreshed popular-names list in the cache (`pyvet db import names.tsv`), else the embedded one.
pub fn load_popular(cache: &Cache) -> Option<std::sync::Arc<metadata::typosquat::Popular>> {
    let path = cache.root().join("metadata").join("popular.tsv");
    if !path.is_file() {
        return None;
    }
    metadata::load_popular_override(&path)
        .ok()
        .map(std::sync::Arc::new)
}

fn jobs_expected_empty(a: &Artifact, pkg: &LockedPackage) -> bool {
    a.hashes.is_empty() && pkg.requirement_hashes.is_empty()
}

/// Read an artifact from the cache and inspect it: archive findings plus code findings.
fn inspect_cached(
    cache: &Cache,
    filename: &str,
    sha256: &str,
    opts: &AuditOptions,
) -> Vec<Finding> {
    // Never hold a file larger than the bound in memory (a cache imported from elsewhere, or a
    // bound lowered since the download).
    if let Some(size) = cache
        .artifact_path(sha256)
        .and_then(|p| std::fs::metadata(p).ok())
        .map(|m| m.len())
    {
        if size > opts.max_artifact_size {
            return vec![fetch::ARTIFACT_TOO_LARGE
                .finding(format!(
                    "the file is {size} bytes, larger than max-artifact-size ({} bytes): not read, not vetted",
                    opts.max_artifact_size
                ))
                .in_artifact(filename)];
        }
    }
    let bytes = match cache.artifact(sha256) {
        Ok(Some(b)) => b,
        Ok(None) => {
            return vec![fetch::FETCH_FAILED
                .finding("the cached file vanished or was corrupt before inspection: not vetted")
                .in_artifact(filename)]
        }
        Err(e) => {
            return vec![fetch::FETCH_FAILED
                .finding(format!(
                    "the cached file could not be read, so it was not vetted: {e}"
                ))
                .in_artifact(filename)]
        }
    };
    inspect_bytes(filename, &bytes, &opts.limits, &opts.inspect).findings
}

/// What reading and inspecting one artifact found.
#[derive(Debug, Clone, Default)]
pub struct Inspected {
    /// Archive findings, then code findings, each naming the artifact.
    pub findings: Vec<Finding>,
    /// Core metadata from the archive (`METADATA` / `PKG-INFO`), when readable.
    pub metadata: Option<archive::DistMetadata>,
    /// Whether the archive could be read (when not, `findings` is one `archive-unreadable`).
    pub read: bool,
}

impl Inspected {
    /// The outcome of reading `filename` (its contents and code findings): a failed read is one
    /// `archive-unreadable` finding, since nothing inside could be vetted.
    pub fn from_read(
        filename: &str,
        read: Result<(archive::ArchiveContents, Vec<Finding>), archive::ArchiveError>,
    ) -> Self {
        let (mut findings, metadata, read) = match read {
            Ok((contents, code)) => {
                let mut findings = contents.findings;
                findings.extend(code);
                (findings, contents.metadata, true)
            }
            Err(e) => (vec![archive::unreadable(&e)], None, false),
        };
        for f in &mut findings {
            f.artifact.get_or_insert_with(|| filename.to_string());
        }
        Inspected {
            findings,
            metadata,
            read,
        }
    }
}

/// Read an artifact held in memory and inspect it, within `limits` (the one read path of
/// `pyvet audit` and `pyvet scan`).
pub fn inspect_bytes(
    filename: &str,
    bytes: &[u8],
    limits: &archive::Limits,
    opts: &inspect::InspectOptions,
) -> Inspected {
    let read_opts = archive::ReadOptions::with_limits(limits.clone());
    let read = inspect::read_and_inspect(filename, bytes, &read_opts, opts)
        .map(|(outcome, code)| (outcome.contents, code));
    Inspected::from_read(filename, read)
}

/// Whether the index lists `version` (PEP 440 equality) among the project's files or versions.
/// When a file's version could not be read from its name, the answer is yes: a listing pyvet
/// cannot fully read never makes a pin "absent".
fn lists_version(p: &ProjectInfo, version: &str) -> bool {
    let wanted = crate::project::normalize_version(version);
    p.files_for_version(version).next().is_some()
        || p.versions
            .iter()
            .any(|v| crate::project::normalize_version(v) == wanted)
        || p.files.iter().any(|f| f.version.is_none())
}

/// How many distinct versions the index lists.
fn known_versions(p: &ProjectInfo) -> usize {
    let mut all: Vec<String> = p
        .versions
        .iter()
        .map(|v| crate::project::normalize_version(v))
        .chain(
            p.files
                .iter()
                .filter_map(|f| f.version.as_deref().map(crate::project::normalize_version)),
        )
        .collect();
    all.sort();
    all.dedup();
    all.len()
}

/// The files an installer may pick for `pkg`: the lockfile's own list, completed with URLs and
/// hashes from the index, or (requirements.txt) the index's files of the pinned version that
/// match the requirement's hashes.
fn candidates(
    pkg: &LockedPackage,
    project: Option<&ProjectInfo>,
) -> (Vec<Artifact>, Vec<Vec<Digest>>) {
    let index_files: Vec<&IndexFile> = match (project, pkg.version.as_deref()) {
        (Some(p), Some(v)) => p.files_for_version(v).collect(),
        _ => Vec::new(),
    };
    if !pkg.artifacts.is_empty() {
        return pkg
            .artifacts
            .iter()
            .map(|a| {
                let mut a = a.clone();
                let mut conflicts = Vec::new();
                if let Some(f) = index_files.iter().find(|f| f.filename == a.filename) {
                    if a.url.is_none() {
                        a.url = Some(f.url.clone());
                    }
                    conflicts = merge_hashes(&mut a.hashes, &f.hashes);
                    a.upload_time = a.upload_time.or(f.upload_time);
                    a.size = a.size.or(f.size);
                }
                (a, conflicts)
            })
            .unzip();
    }
    if !matches!(pkg.source, Source::Registry { .. }) {
        return (Vec::new(), Vec::new());
    }
    let arts: Vec<Artifact> = index_files
        .into_iter()
        .filter(|f| {
            pkg.requirement_hashes.is_empty()
                || pkg
                    .requirement_hashes
                    .iter()
                    .any(|d| f.hashes.get(d.algorithm) == Some(d.hex.as_str()))
                // The index may not publish the algorithm the requirement uses: keep the file
                // and let the download prove it.
                || pkg
                    .requirement_hashes
                    .iter()
                    .all(|d| f.hashes.get(d.algorithm).is_none())
        })
        .map(|f| {
            let mut a = Artifact::new(f.filename.clone());
            a.url = Some(f.url.clone());
            a.hashes = f.hashes.clone();
            a.size = f.size;
            a.upload_time = f.upload_time;
            a
        })
        .collect();
    let none = vec![Vec::new(); arts.len()];
    (arts, none)
}

/// Add the index's digests to the lockfile's. When both state the same algorithm with different
/// values, the index's value is returned as a conflict: the download is checked against both,
/// so it cannot pass, and the report shows which one the bytes matched.
fn merge_hashes(into: &mut Hashes, from: &Hashes) -> Vec<Digest> {
    let mut conflicts = Vec::new();
    for d in from.digests() {
        match into.get(d.algorithm) {
            None => into.insert(d),
            Some(h) if h != d.hex => conflicts.push(d),
            Some(_) => {}
        }
    }
    conflicts
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;
    use crate::hash::HashAlgorithm;

    fn digest(c: char) -> Digest {
        Digest::new(HashAlgorithm::Sha256, &c.to_string().repeat(64)).unwrap()
    }

    fn options(checks: Checks) -> AuditOptions {
        AuditOptions {
            target: Target::from_args(Some("3.12"), Some("linux-x86_64")).unwrap(),
            all_artifacts: false,
            jobs: 2,
            checks,
            now: "2026-03-01T00:00:00Z".parse().unwrap(),
            thresholds: Default::default(),
            inspect: Default::default(),
            limits: Default::default(),
            max_artifact_size: u64::MAX,
            only: None,
        }
    }

    const NONE: Checks = Checks {
        hashes: false,
        code: false,
        metadata: false,
        vulns: false,
    };

    fn index_file(filename: &str, version: &str, sha: char) -> IndexFile {
        let mut hashes = Hashes::default();
        hashes.insert(digest(sha));
        IndexFile {
            filename: filename.into(),
            url: format!("https://example.invalid/files/{filename}"),
            hashes,
            version: Some(version.into()),
            upload_time: None,
            size: Some(10),
            ..IndexFile::default()
        }
    }

    #[test]
    fn index_digests_complete_the_lockfile_and_disagreements_are_conflicts() {
        let mut mine = Hashes::default();
        mine.insert(digest('a'));
        let mut theirs = Hashes::default();
        theirs.insert(digest('b'));
        theirs.insert(Digest::new(HashAlgorithm::Sha512, &"c".repeat(128)).unwrap());
        let conflicts = merge_hashes(&mut mine, &theirs);
        assert_eq!(conflicts, vec![digest('b')]);
        assert_eq!(
            mine.get(HashAlgorithm::Sha256),
            Some("a".repeat(64).as_str())
        );
        assert!(
            mine.get(HashAlgorithm::Sha512).is_some(),
            "missing algorithm added"
        );
        assert!(merge_hashes(&mut mine.clone(), &mine).is_empty());
    }

    #[test]
    fn requirements_take_the_index_files_that_match_their_hashes() {
        let lock = crate::lockfile::load_str(
            Path::new("requirements.txt"),
            &format!("demo==1.0 --hash=sha256:{}\n", "a".repeat(64)),
            None,
        )
        .unwrap();
        let pkg = &lock.packages[0];
        let project = ProjectInfo {
            name: "demo".into(),
            files: vec![
                index_file("demo-1.0.tar.gz", "1.0", 'a'),
                index_file("demo-1.0-py3-none-any.whl", "1.0", 'b'),
                index_file("demo-2.0.tar.gz", "2.0", 'a'),
            ],
            ..ProjectInfo::default()
        };
        let (files, conflicts) = candidates(pkg, Some(&project));
        let names: Vec<&str> = files.iter().map(|a| a.filename.as_str()).collect();
        assert_eq!(names, vec!["demo-1.0.tar.gz"]);
        assert_eq!(
            files[0].url.as_deref(),
            Some("https://example.invalid/files/demo-1.0.tar.gz")
        );
        assert_eq!(conflicts, vec![Vec::<Digest>::new()]);
        // No project data: nothing to fetch for a requirement without files.
        assert!(candidates(pkg, None).0.is_empty());
    }

    #[test]
    fn lockfile_artifacts_are_completed_from_the_index() {
        let text = format!(
            "version = 1\nrequires-python = \">=3.8\"\n\n[[package]]\nname = \"demo\"\n\
             version = \"1.0\"\nsource = {{ registry = \"https://example.invalid/simple\" }}\n\
             sdist = {{ url = \"https://example.invalid/files/demo-1.0.tar.gz\", hash = \"sha256:{}\" }}\n",
            "a".repeat(64)
        );
        let lock = crate::lockfile::load_str(Path::new("uv.lock"), &text, None).unwrap();
        let project = ProjectInfo {
            files: vec![index_file("demo-1.0.tar.gz", "1.0", 'b')],
            ..ProjectInfo::default()
        };
        let (files, conflicts) = candidates(&lock.packages[0], Some(&project));
        assert_eq!(files.len(), 1);
        assert_eq!(files[0].size, Some(10), "size taken from the index");
        assert_eq!(conflicts, vec![vec![digest('b')]], "the index disagrees");
    }

    #[test]
    fn an_unreadable_artifact_is_one_archive_unreadable_finding() {
        let out = inspect_bytes(
            "demo-1.0-py3-none-any.whl",
            b"not a zip at all",
            &Default::default(),
            &Default::default(),
        );
        assert!(!out.read);
        assert_eq!(out.findings.len(), 1);
        let f = &out.findings[0];
        assert_eq!(f.rule, archive::ARCHIVE_UNREADABLE.id);
        assert_eq!(f.severity, Severity::High);
        assert_eq!(f.artifact.as_deref(), Some("demo-1.0-py3-none-any.whl"));
        assert!(out.metadata.is_none());
    }

    #[test]
    fn lockfile_problems_become_findings_located_in_the_lockfile() {
        let dir = tempfile::tempdir().unwrap();
        let cache = Cache::open(dir.path()).unwrap();
        let lock =
            crate::lockfile::load_str(Path::new("requirements.txt"), "# pins\nsix>=1\n", None)
                .unwrap();
        let services = Services {
            cache: &cache,
            net: None,
            index: None,
            vulns: None,
        };
        let report = run(&lock, &options(NONE), &services, &|_| {}).unwrap();
        assert_eq!(report.command, "audit");
        assert_eq!(report.packages.len(), 1);
        let p = &report.packages[0];
        assert_eq!(p.verdict, Verdict::Warn);
        let f = &p.findings[0];
        assert_eq!(
            (f.rule.as_str(), f.severity),
            ("unpinned", crate::lockfile::UNPINNED.severity)
        );
        assert_eq!(f.package.as_deref(), Some("six"));
        assert_eq!(f.location.path.as_deref(), Some("requirements.txt"));
        assert_eq!(f.location.line, Some(2));
        assert!(report.notes.is_empty(), "{:?}", report.notes);
    }

    #[test]
    fn a_check_that_cannot_run_is_a_tool_error_not_a_pass() {
        let dir = tempfile::tempdir().unwrap();
        let cache = Cache::open(dir.path()).unwrap();
        let services = Services {
            cache: &cache,
            net: None,
            index: None,
            vulns: None,
        };
        let lock = crate::lockfile::load_str(Path::new("requirements.txt"), "six==1.16.0\n", None)
            .unwrap();
        // Vulnerabilities with no database.
        let vulns_only = Checks {
            vulns: true,
            ..NONE
        };
        match run(&lock, &options(vulns_only), &services, &|_| {}) {
            Err(Error::Usage(m)) => assert!(m.starts_with("no vulnerability database"), "{m}"),
            other => panic!("{other:?}"),
        }
        // Metadata needs the index, and none is configured.
        let metadata = Checks {
            metadata: true,
            ..NONE
        };
        assert!(matches!(
            run(&lock, &options(metadata), &services, &|_| {}),
            Err(Error::Usage(_))
        ));
    }
}
