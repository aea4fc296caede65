//! What the commands that read a lockfile share: finding and parsing the lockfile, loading the
//! configuration, the [`Environment`] of one run (cache, network, index settings, vulnerability
//! database, target), the terminal progress display, and [`finish`]: policy, rendering and the
//! exit code. `audit`, `scan`, `cache fetch`, `lock show` and `demo` build on these, so none of
//! them borrows from another command.

use std::io::IsTerminal;
use std::path::Path;
use std::process::ExitCode;
use std::sync::Mutex;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::audit::{self, AuditOptions, Checks, Event, Services};
use crate::cache::Cache;
use crate::cli::{GlobalArgs, TargetArgs};
use crate::config::NetworkSettings;
use crate::config::{Check, Config};
use crate::error::Error;
use crate::fetch::FetchEvent;
use crate::index::{IndexClient, IndexSettings};
use crate::lockfile::{self, LockKind, Lockfile};
use crate::network::{Network, NetworkOptions};
use crate::pipconf::{self, ConfigEnv};
use crate::select::Target;
use crate::vulns::VulnDb;

/// Resolve the lockfile argument (or detect one in the current directory) and parse it. A
/// directory means the lockfile in it; several candidates there are a usage error that lists
/// them. A named file may be a pipe (process substitution).
pub fn load_lockfile(path: Option<&Path>, kind: Option<LockKind>) -> Result<Lockfile, Error> {
    let path = match path {
        Some(p) if !p.is_dir() => p.to_path_buf(),
        Some(dir) => lockfile::detect(dir).require(&format!("in {}", dir.display()))?,
        // The current directory, as the empty path: found lockfiles keep relative names, which
        // is what reports (and SARIF anchors) should show.
        None => lockfile::detect(Path::new("")).require("in the current directory")?,
    };
    lockfile::load_named(&path, kind)
}

/// The configuration: `--config`, else the first `pyvet.toml` or `[tool.pyvet]` found from
/// `start_dir` upwards (the empty path is the current directory). Commands that read a
/// lockfile start from [`Lockfile::project_dir`]; `scan` starts where the user stands.
pub fn load_config(g: &GlobalArgs, start_dir: &Path) -> Result<Config, Error> {
    Ok(Config::load(g.config.as_deref(), start_dir, &CatalogIds)?.0)
}

/// The rule catalogue as the configuration checks ids against it, with "did you mean".
pub struct CatalogIds;

impl crate::config::RuleIds for CatalogIds {
    fn is_known(&self, id: &str) -> bool {
        crate::catalog::is_known(id)
    }
    fn closest(&self, id: &str) -> Option<&str> {
        crate::suggest::closest(id, crate::catalog::all().into_iter().map(|r| r.id))
    }
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

/// The target `lock` is vetted for: `--python-version` (else the configuration, else a
/// `.python-version` next to the lockfile) and `--platform` (else the configuration, else this
/// machine).
pub fn target_of(lock: &Lockfile, args: &TargetArgs, config: &Config) -> Result<Target, Error> {
    let python = match args
        .python_version
        .clone()
        .or_else(|| config.python_version.clone())
    {
        Some(v) => Some(v),
        None => crate::select::python_version_file(lock.project_dir()),
    };
    let platform = args.platform.clone().or_else(|| config.platform.clone());
    Target::from_args(python.as_deref(), platform.as_deref()).map_err(Error::Usage)
}

/// Cache, network, index settings and vulnerability database for one run.
pub struct Environment {
    pub cache: Cache,
    pub net: Option<Network>,
    pub settings: IndexSettings,
    pub vulns: Option<VulnDb>,
    pub target: Target,
    pub thresholds: crate::metadata::Thresholds,
    /// Artifacts larger than this are neither downloaded nor read (`max-artifact-size`).
    pub max_artifact_size: u64,
    /// What the install flags ask for (extras, groups, `--all-packages`).
    pub request: crate::installset::Request,
}

impl Environment {
    pub fn open(
        g: &GlobalArgs,
        lock: &Lockfile,
        target_args: &TargetArgs,
        config: &Config,
    ) -> Result<Self, Error> {
        let target = target_args;
        let cache_dir = super::cache_dir(g)?;
        let cache = Cache::open(&cache_dir)?;
        let net_opts = network_options_with(g, &config.network)?;
        let max_artifact_size = net_opts.max_artifact_size;
        let net = Network::acquire(g.offline, &net_opts)?;
        let configured = pipconf::resolve(
            g.index_url.as_deref(),
            &g.extra_index_url,
            &ConfigEnv::from_process(),
        )?;
        let settings = IndexSettings::with_lockfile_urls(&lock.index_urls, &configured.settings());
        let vulns = VulnDb::open(&cache_dir)?;
        let target = target_of(lock, target, config)?;
        let thresholds = config.thresholds();
        Ok(Self {
            cache,
            net,
            settings,
            vulns,
            target,
            thresholds,
            max_artifact_size,
            request: target_args.install_request(),
        })
    }

    /// The packages an install of `lock` on the target selects (see `crate::installset`).
    pub fn install_set(&self, lock: &Lockfile) -> Result<crate::installset::InstallSet, Error> {
        crate::installset::compute(lock, &self.target, &self.request)
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
            max_artifact_size: self.max_artifact_size,
            only,
        }
    }

    /// Run the pipeline with a progress display when stderr is a terminal, on the packages of
    /// `opts.only` (all when `None`) that an install on the target selects; the others are
    /// listed in the report as not installed.
    pub fn run(
        &self,
        g: &GlobalArgs,
        lock: &Lockfile,
        opts: &AuditOptions,
    ) -> Result<crate::report::Report, Error> {
        let set = self.install_set(lock)?;
        let narrowed = set.narrow(opts.only.as_deref());
        let mut report = if narrowed == opts.only {
            self.run_pipeline(g, lock, opts)?
        } else {
            let opts = AuditOptions {
                only: narrowed,
                ..opts.clone()
            };
            self.run_pipeline(g, lock, &opts)?
        };
        set.annotate(&mut report, lock, opts.only.as_deref());
        Ok(report)
    }

    fn run_pipeline(
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

/// Unpinned input (ranges, bare names, pyproject.toml, `-e .[extra]`) resolved with uv into the
/// pinned set to vet, or left unvetted (and blocking) when it cannot be; see `crate::resolve`.
/// `Outcome::apply` puts what happened into the report.
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

/// Network options: the global flags (and their `PYVET_*` environment variables), else the
/// configuration's `[network]` table, else the defaults.
pub fn network_options(g: &GlobalArgs) -> Result<NetworkOptions, Error> {
    network_options_with(g, &NetworkSettings::default())
}

/// [`network_options`] with a configuration's `[network]` table under the flags.
pub fn network_options_with(
    g: &GlobalArgs,
    cfg: &NetworkSettings,
) -> Result<NetworkOptions, Error> {
    let mut o = NetworkOptions::default();
    if let Some(v) = g.connect_timeout.or(cfg.connect_timeout) {
        o.connect_timeout = v;
    }
    if let Some(v) = g.read_timeout.or(cfg.read_timeout) {
        o.read_timeout = v;
    }
    if let Some(v) = g.download_deadline.or(cfg.download_deadline) {
        o.deadline = v;
    }
    if let Some(v) = g.retries.or(cfg.retries) {
        if v > 20 {
            return Err(Error::Usage(format!("--retries {v}: at most 20")));
        }
        o.retries = v;
    }
    if let Some(v) = g.max_artifact_size.or(cfg.max_artifact_size) {
        o.max_artifact_size = v;
    }
    if let Some(v) = g.max_index_size.or(cfg.max_index_size) {
        o.max_index_size = v;
    }
    o.netrc_default = g.netrc_default;
    Ok(o)
}
