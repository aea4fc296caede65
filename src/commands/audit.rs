//! `pyvet audit`: the main job. Loads the lockfile and configuration, sets up the cache, the
//! network (unless offline) and the index, runs the pipeline in `crate::audit` with a progress
//! display on a terminal, applies policy, renders the report and returns the exit code.

use std::process::ExitCode;

use super::session::{checks_from, finish, load_config, load_lockfile, resolve_input, Environment};
use crate::audit::Checks;
use crate::cache::Cache;
use crate::cli::{AuditArgs, GlobalArgs};
use crate::error::Error;
use crate::lockfile::Lockfile;
use crate::package::{normalize_name, Source};
use crate::report::Report;

pub fn run(g: &GlobalArgs, args: &AuditArgs) -> Result<ExitCode, Error> {
    let lock = load_lockfile(args.lockfile.as_deref(), args.kind)?;
    let mut config = load_config(g, lock.project_dir())?;
    if let Some(sev) = args.fail_on {
        config.fail_on = sev;
    }
    let checks = if args.checks.is_empty() {
        checks_from(&config.checks)
    } else {
        checks_from(&args.checks)
    };
    let env = Environment::open(g, &lock, &args.target, &config)?;
    let (lock, resolution) = resolve_input(g, &env, lock, args.no_resolve)?;
    let mut report = match &args.base {
        None => {
            let opts = env.options(g, args.jobs, checks, &args.target, None);
            env.run(g, &lock, &opts)?
        }
        Some(spec) => premerge(g, args, &env, &lock, spec, checks)?,
    };
    add_resolution(&mut report, &lock, &resolution);
    finish(g, report, &config)
}

/// Add what resolution did to a report of the lockfile `resolve_input` returned, before policy
/// grades and counts it: its notes first, and an `unresolved` finding on the row of each
/// requirement that stays unvetted.
fn add_resolution(report: &mut Report, lock: &Lockfile, outcome: &crate::resolve::Outcome) {
    for (i, note) in outcome.notes.iter().enumerate() {
        report.notes.insert(i, note.clone());
    }
    for u in &outcome.unresolved {
        let row = report.packages.iter_mut().find(|p| {
            normalize_name(&p.name) == u.package
                && (p.version.is_none() || !matches!(p.source, Some(Source::Registry { .. })))
        });
        let Some(row) = row else { continue };
        let mut f = crate::resolve::UNRESOLVED
            .finding(&u.message)
            .for_package(&u.package, row.version.as_deref())
            .at(lock.path.display().to_string(), row.line);
        f.evidence = u.evidence.clone();
        row.findings.push(f);
        crate::finding::sort(&mut row.findings);
    }
}

/// Pre-merge mode: vet only what changed since `spec`, and for upgrades only what is new.
fn premerge(
    g: &GlobalArgs,
    args: &AuditArgs,
    env: &Environment,
    lock: &Lockfile,
    spec: &str,
    checks: Checks,
) -> Result<crate::report::Report, Error> {
    let base = super::diff::load_base(spec, &lock.path, None)?;
    // Compare like with like: a base that leaves versions open is resolved the same way.
    let (base, _) = resolve_input(g, env, base, args.no_resolve)?;
    let rows = crate::diff::diff(&base, lock);
    let only: Vec<usize> = rows
        .iter()
        .filter(|r| r.change.needs_vetting())
        .filter_map(|r| r.head)
        .collect();
    let opts = env.options(g, args.jobs, checks, &args.target, Some(only));
    let mut report = env.run(g, lock, &opts)?;

    // The previous versions of upgraded packages: inspect them too, to keep only new findings.
    let upgraded: Vec<&crate::diff::PackageDiff> = rows
        .iter()
        .filter(|r| {
            matches!(
                r.change,
                crate::diff::Change::Upgraded { .. } | crate::diff::Change::Downgraded { .. }
            )
        })
        .collect();
    let mut old_reports: std::collections::BTreeMap<String, crate::report::PackageReport> =
        Default::default();
    if checks.code && !upgraded.is_empty() {
        let old_only: Vec<usize> = upgraded.iter().filter_map(|r| r.base).collect();
        let old_checks = Checks {
            hashes: true,
            code: true,
            metadata: false,
            vulns: false,
        };
        let old_opts = env.options(g, args.jobs, old_checks, &args.target, Some(old_only));
        let old = env.run(g, &base, &old_opts)?;
        for p in old.packages {
            old_reports.insert(crate::package::normalize_name(&p.name), p);
        }
    }
    let by_head: std::collections::BTreeMap<usize, &crate::diff::PackageDiff> =
        rows.iter().filter_map(|r| r.head.map(|h| (h, r))).collect();
    // The report lists, in this order, the changed packages an install selects (the others
    // are in `not_installed`).
    let installed = env.install_set(lock)?;
    let vetted: Vec<usize> = rows
        .iter()
        .filter(|r| r.change.needs_vetting())
        .filter_map(|r| r.head)
        .filter(|&i| installed.is_installed(i))
        .collect();
    for (p, head_idx) in report.packages.iter_mut().zip(vetted) {
        let Some(row) = by_head.get(&head_idx) else {
            continue;
        };
        let label = row.change.label();
        p.findings.extend(row.findings.iter().cloned().map(|mut f| {
            f.package = Some(crate::package::normalize_name(&p.name));
            f.version = p.version.clone();
            f.location.path = Some(lock.path.display().to_string());
            f.location.line = p.line;
            f
        }));
        if let Some(old) = old_reports.get(&crate::package::normalize_name(&p.name)) {
            let (code, rest): (Vec<_>, Vec<_>) = std::mem::take(&mut p.findings)
                .into_iter()
                .partition(|f| f.artifact.is_some());
            let kept = crate::diff::new_findings(&old.findings, code);
            p.findings = rest.into_iter().chain(kept).collect();
            p.upgrade = upgrade_summary(&env.cache, old, p);
        }
        crate::finding::sort(&mut p.findings);
        p.verdict = crate::finding::Verdict::from_worst(crate::finding::worst(&p.findings));
        p.change = Some(label);
    }
    let removed = rows
        .iter()
        .filter(|r| r.change == crate::diff::Change::Removed)
        .count();
    if removed > 0 {
        report
            .notes
            .push(format!("{removed} package(s) removed since {spec}"));
    }
    report.notes.push(format!(
        "pre-merge mode: {} package(s) changed since {spec}, {} unchanged and not vetted",
        report.packages.len(),
        report.summary.unchanged
    ));
    Ok(report)
}

/// What an upgrade brings (files added, removed and modified, new install hooks, new
/// dependencies), from the two selected artifacts in the cache.
fn upgrade_summary(
    cache: &Cache,
    old: &crate::report::PackageReport,
    new: &crate::report::PackageReport,
) -> Option<crate::report::UpgradeSummary> {
    let read = |p: &crate::report::PackageReport| {
        let a = p.artifacts.iter().find(|a| a.sha256.is_some())?;
        let bytes = cache.artifact(a.sha256.as_deref()?).ok()??;
        crate::archive::read_artifact(&a.filename, &bytes, &Default::default()).ok()
    };
    let (o, n) = (read(old)?, read(new)?);
    let ch = crate::diff::file_changes(&o, &n);
    Some(crate::report::UpgradeSummary {
        files_added: ch.added.len(),
        files_removed: ch.removed.len(),
        files_modified: ch.modified.len(),
        new_install_hooks: ch.new_hooks,
        new_dependencies: ch.new_dependencies,
    })
}
