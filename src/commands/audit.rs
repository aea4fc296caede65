//! `pyvet audit`: the main job. Loads the lockfile and configuration, sets up the cache, the
//! network (unless offline) and the index, runs the pipeline in `crate::audit` with a progress
//! display on a terminal, applies policy, renders the report and returns the exit code.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Mutex;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::audit::{self, AuditOptions, Checks, Event, Services};
use crate::cache::Cache;
use crate::cli::{AuditArgs, Check, GlobalArgs, TargetArgs};
use crate::config::Config;
use crate::error::Error;
use crate::fetch::FetchEvent;
use crate::index::{IndexClient, IndexSettings};
use crate::lockfile::{self, LockKind, Lockfile};
use crate::network::{Network, NetworkOptions};
use crate::select::Target;
use crate::vulns::VulnDb;

pub fn run(g: &GlobalArgs, args: &AuditArgs) -> Result<ExitCode, Error> {
    let lock = load_lockfile(args.lockfile.as_deref(), args.kind)?;
    let mut config = load_config(g, &lock.path)?;
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
    resolution.apply(&mut report, &lock);
    finish(g, report, &config)
}

/// Unpinned input (ranges, bare names, pyproject.toml, `-e .[extra]`) resolved with uv into the
/// pinned set to audit, or left unvetted (and blocking) when it cannot be; see `crate::resolve`.
pub fn resolve_input(
    g: &GlobalArgs,
    env: &Environment,
    lock: Lockfile,
    no_resolve: bool,
) -> Result<(Lockfile, crate::resolve::Outcome), Error> {
    let ctx = crate::resolve::Context {
        settings: &env.settings,
        target: &env.target,
        offline: g.offline,
        enabled: !no_resolve,
        cache_root: env.cache.root(),
    };
    crate::resolve::prepare(lock, crate::resolve::Uv::find, &ctx)
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
    let vetted: Vec<usize> = rows
        .iter()
        .filter(|r| r.change.needs_vetting())
        .filter_map(|r| r.head)
        .collect();
    for (p, head_idx) in report.packages.iter_mut().zip(vetted) {
        let Some(row) = by_head.get(&head_idx) else {
            continue;
        };
        let mut label = row.change.label();
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
            if let Some(summary) = upgrade_summary(&env.cache, old, p) {
                label = format!("{label} ({summary})");
            }
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

/// "files: 3 added, 1 removed, 2 modified; new install hooks: setup.py; new dependencies: x" for an
/// upgrade, from the two selected artifacts in the cache.
fn upgrade_summary(
    cache: &Cache,
    old: &crate::report::PackageReport,
    new: &crate::report::PackageReport,
) -> Option<String> {
    let read = |p: &crate::report::PackageReport| {
        let a = p.artifacts.iter().find(|a| a.sha256.is_some())?;
        let bytes = cache.artifact(a.sha256.as_deref()?).ok()??;
        crate::archive::read_artifact(&a.filename, &bytes, &Default::default()).ok()
    };
    let (o, n) = (read(old)?, read(new)?);
    let ch = crate::diff::file_changes(&o, &n);
    let mut s = format!(
        "files: {} added, {} removed, {} modified",
        ch.added.len(),
        ch.removed.len(),
        ch.modified.len()
    );
    if !ch.new_hooks.is_empty() {
        s.push_str(&format!("; new install hooks: {}", ch.new_hooks.join(", ")));
    }
    if !ch.new_dependencies.is_empty() {
        s.push_str(&format!(
            "; new dependencies: {}",
            ch.new_dependencies.join(", ")
        ));
    }
    Some(s)
}

/// Resolve the lockfile argument (or detect one in the current directory) and parse it.
pub fn load_lockfile(path: Option<&Path>, kind: Option<LockKind>) -> Result<Lockfile, Error> {
    // No argument: the current directory. A directory: the lockfile in it.
    let path = match path {
        Some(p) if !p.is_dir() => p.to_path_buf(),
        given => {
            let dir = match given {
                Some(d) => d.to_path_buf(),
                None => std::env::current_dir()
                    .map_err(|e| Error::io("reading the current directory", e))?,
            };
            lockfile::detect(&dir).ok_or_else(|| {
                let where_ = match given {
                    Some(_) => format!("no lockfile found in {}", dir.display()),
                    None => "no lockfile given and none found in the current directory".into(),
                };
                Error::Usage(format!(
                    "{where_} (looked for uv.lock, pylock.toml, poetry.lock, requirements.txt, \
                     pyproject.toml); \
                     name one as an argument"
                ))
            })?
        }
    };
    lockfile::load(&path, kind)
}

/// The configuration for a lockfile: `--config`, else found from its directory upwards.
pub fn load_config(g: &GlobalArgs, lock_path: &Path) -> Result<Config, Error> {
    let start = match lock_path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let start = if lock_path.is_dir() {
        lock_path.to_path_buf()
    } else {
        start
    };
    Ok(Config::load(g.config.as_deref(), &start)?.0)
}

/// `--checks` values; none given means all.
pub fn checks_from(list: &[Check]) -> Checks {
    if list.is_empty() {
        return Checks::ALL;
    }
    Checks {
        hashes: list.contains(&Check::Hashes),
        code: list.contains(&Check::Code),
        metadata: list.contains(&Check::Metadata),
        vulns: list.contains(&Check::Vulns),
    }
}

/// Cache, network, index settings and vulnerability database for one run.
pub struct Environment {
    pub cache: Cache,
    pub net: Option<Network>,
    pub settings: IndexSettings,
    pub vulns: Option<VulnDb>,
    pub target: Target,
    pub thresholds: crate::metadata::Thresholds,
}

impl Environment {
    pub fn open(
        g: &GlobalArgs,
        lock: &Lockfile,
        target: &TargetArgs,
        config: &Config,
    ) -> Result<Self, Error> {
        let cache_dir = super::cache_dir(g)?;
        let cache = Cache::open(&cache_dir)?;
        let net = Network::acquire(g.offline, &NetworkOptions::default())?;
        let configured = crate::pipconf::from_global(g)?;
        let settings = IndexSettings::with_lockfile_urls(&lock.index_urls, &configured.settings());
        let vulns = VulnDb::open(&cache_dir)?;
        let lock_dir = lock.path.parent().unwrap_or(Path::new("."));
        let python = match target
            .python_version
            .clone()
            .or_else(|| config.python_version.clone())
        {
            Some(v) => Some(v),
            None => crate::select::python_version_file(lock_dir).map(|(a, b)| format!("{a}.{b}")),
        };
        let platform = target.platform.clone().or_else(|| config.platform.clone());
        let target =
            Target::from_args(python.as_deref(), platform.as_deref()).map_err(Error::Usage)?;
        let thresholds = config.thresholds();
        Ok(Self {
            cache,
            net,
            settings,
            vulns,
            target,
            thresholds,
        })
    }

    pub fn options(
        &self,
        g: &GlobalArgs,
        jobs: usize,
        checks: Checks,
        target: &TargetArgs,
        only: Option<Vec<usize>>,
    ) -> AuditOptions {
        AuditOptions {
            target: self.target.clone(),
            all_artifacts: target.all_artifacts,
            jobs: jobs.max(1),
            checks,
            now: super::now(g),
            thresholds: self.thresholds.clone(),
            inspect: Default::default(),
            limits: Default::default(),
            only,
        }
    }

    /// Run the pipeline with a progress display when stderr is a terminal.
    pub fn run(
        &self,
        g: &GlobalArgs,
        lock: &Lockfile,
        opts: &AuditOptions,
    ) -> Result<crate::report::Report, Error> {
        let index = IndexClient {
            net: self.net.as_ref(),
            cache: &self.cache,
            settings: self.settings.clone(),
        };
        let have_index =
            !self.settings.index_urls.is_empty() || !self.settings.extra_index_urls.is_empty();
        let services = Services {
            cache: &self.cache,
            net: self.net.as_ref(),
            index: have_index.then_some(&index),
            vulns: self.vulns.as_ref(),
        };
        let progress = Progress::new(g);
        let result = audit::run(lock, opts, &services, &|e| progress.event(e));
        progress.finish();
        result
    }
}

/// Apply policy, render, write, and turn the verdict into an exit code.
pub fn finish(
    g: &GlobalArgs,
    mut report: crate::report::Report,
    config: &Config,
) -> Result<ExitCode, Error> {
    crate::policy::apply(&mut report, config, super::now(g));
    let text = crate::report::render(&report, g.format, super::use_color(g));
    super::emit(g, &text)?;
    Ok(ExitCode::from(crate::policy::exit_code(&report)))
}

/// The terminal progress display: a spinner for index lookups, a byte bar for downloads.
struct Progress {
    bar: Option<ProgressBar>,
    files: Mutex<(usize, usize)>,
}

impl Progress {
    fn new(g: &GlobalArgs) -> Self {
        let show = !g.quiet && std::io::stderr().is_terminal();
        let bar = show.then(|| {
            let b = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr());
            b.set_style(
                ProgressStyle::with_template("{spinner} {msg} {wide_bar} {bytes}/{total_bytes}")
                    .unwrap_or_else(|_| ProgressStyle::default_bar()),
            );
            b
        });
        Self {
            bar,
            files: Mutex::new((0, 0)),
        }
    }

    fn event(&self, e: Event) {
        let Some(bar) = &self.bar else { return };
        match e {
            Event::Index { done, total } => bar.set_message(format!("index {done}/{total}")),
            Event::FetchTotal { files, bytes } => {
                *self.files.lock().expect("poisoned") = (0, files);
                if let Some(b) = bytes {
                    bar.set_length(b);
                }
                bar.set_message(format!("downloading 0/{files}"));
            }
            Event::Fetch(FetchEvent::Bytes(n)) => bar.inc(n),
            Event::Fetch(FetchEvent::Finished { .. }) => {
                let mut f = self.files.lock().expect("poisoned");
                f.0 += 1;
                bar.set_message(format!("downloading {}/{}", f.0, f.1));
            }
            Event::Fetch(FetchEvent::Started { .. }) => {}
            Event::Inspected { filename } => bar.set_message(format!("inspected {filename}")),
        }
    }

    fn finish(&self) {
        if let Some(b) = &self.bar {
            b.finish_and_clear();
        }
    }
}
