//! `pyvet cache`: show, prune, export and import the artifact and index cache, so a machine
//! with no network can audit from a cache filled elsewhere. (`pyvet cache fetch` needs artifact
//! selection and is wired by the audit pipeline.)

use std::process::ExitCode;
use std::time::Duration;

use crate::cache::Cache;
use crate::cli::{CacheCommand, GlobalArgs};
use crate::error::Error;
use crate::report::Format;

/// The cache `--cache-dir` / PYVET_CACHE_DIR names, else the platform default.
pub fn open_cache(g: &GlobalArgs) -> Result<Cache, Error> {
    Cache::open(&super::cache_dir(g)?)
}

pub fn run(g: &GlobalArgs, cmd: CacheCommand) -> Result<ExitCode, Error> {
    match cmd {
        CacheCommand::Fetch(args) => fetch(g, &args),
        CacheCommand::Info => {
            let cache = open_cache(g)?;
            let info = cache.info()?;
            let out = if g.format == Format::Json {
                serde_json::to_string_pretty(&info).map_err(|e| Error::Other(e.to_string()))? + "\n"
            } else {
                let mut t = comfy_table::Table::new();
                t.load_preset(comfy_table::presets::NOTHING);
                t.set_header(vec!["", "entries", "size"]);
                t.add_row(vec![
                    "artifacts".to_string(),
                    info.artifacts.to_string(),
                    human_bytes(info.artifact_bytes),
                ]);
                t.add_row(vec![
                    "index responses".to_string(),
                    info.index_entries.to_string(),
                    human_bytes(info.index_bytes),
                ]);
                t.add_row(vec![
                    "URL records".to_string(),
                    info.name_entries.to_string(),
                    String::new(),
                ]);
                t.add_row(vec![
                    "total".to_string(),
                    String::new(),
                    human_bytes(info.total_bytes),
                ]);
                format!("Cache: {}\n{t}\n", info.location.display())
            };
            super::emit(g, &out)?;
            Ok(ExitCode::from(crate::policy::EXIT_OK))
        }
        CacheCommand::Prune(args) => {
            let cache = open_cache(g)?;
            let age = args
                .older_than
                .map(|d| Duration::from_secs(d.saturating_mul(86_400)));
            let stats = cache.prune(age)?;
            let out = if g.format == Format::Json {
                serde_json::to_string_pretty(&stats).map_err(|e| Error::Other(e.to_string()))?
                    + "\n"
            } else {
                format!(
                    "Removed {} files ({}) from {}\n",
                    stats.removed_files,
                    human_bytes(stats.removed_bytes),
                    cache.root().display()
                )
            };
            super::emit(g, &out)?;
            Ok(ExitCode::from(crate::policy::EXIT_OK))
        }
        CacheCommand::Export(args) => {
            let cache = open_cache(g)?;
            let stats = cache.export(&args.file)?;
            eprintln!(
                "Exported {} artifacts, {} index responses and {} URL records ({}) to {}",
                stats.artifacts,
                stats.index_entries,
                stats.name_entries,
                human_bytes(stats.bytes),
                args.file.display()
            );
            Ok(ExitCode::from(crate::policy::EXIT_OK))
        }
        CacheCommand::Import(args) => {
            let cache = open_cache(g)?;
            let stats = cache.import(&args.file)?;
            eprintln!(
                "Imported {} artifacts (hashes verified), {} index responses and {} URL records ({}) into {}",
                stats.artifacts,
                stats.index_entries,
                stats.name_entries,
                human_bytes(stats.bytes),
                cache.root().display()
            );
            Ok(ExitCode::from(crate::policy::EXIT_OK))
        }
    }
}

/// `1.5 MiB` style sizes.
pub fn human_bytes(n: u64) -> String {
    const UNITS: [&str; 5] = ["B", "KiB", "MiB", "GiB", "TiB"];
    let mut v = n as f64;
    let mut u = 0;
    while v >= 1024.0 && u < UNITS.len() - 1 {
        v /= 1024.0;
        u += 1;
    }
    if u == 0 {
        format!("{n} B")
    } else {
        format!("{v:.1} {}", UNITS[u])
    }
}

/// `pyvet cache fetch`: download and verify what an audit would need (the selected artifacts
/// and the index data), so a later `--offline` audit finds everything in the cache.
fn fetch(g: &GlobalArgs, args: &crate::cli::CacheFetchArgs) -> Result<ExitCode, Error> {
    use super::session::{load_config, load_lockfile, Environment};
    let lock = load_lockfile(args.lockfile.as_deref(), args.kind)?;
    let config = load_config(g, lock.project_dir())?;
    let env = Environment::open(g, &lock, &args.target, &config)?;
    // What an audit would vet: unpinned input resolved first.
    let (lock, _) = super::session::resolve_input(g, &env, lock, false)?;
    let checks = crate::audit::Checks {
        hashes: true,
        code: false,
        metadata: true,
        vulns: false,
    };
    let opts = env.options(g, args.jobs, checks, &args.target, None);
    let report = env.run(g, &lock, &opts)?;
    let statuses = report.packages.iter().flat_map(|p| &p.artifacts);
    let (mut ok, mut bad) = (0usize, Vec::new());
    for a in statuses {
        match a.status {
            crate::report::ArtifactStatus::Verified | crate::report::ArtifactStatus::Unverified => {
                ok += 1
            }
            crate::report::ArtifactStatus::Skipped => {}
            _ => bad.push(format!(
                "{}: {:?}{}",
                a.filename,
                a.status,
                a.detail
                    .as_deref()
                    .map(|d| format!(" ({d})"))
                    .unwrap_or_default()
            )),
        }
    }
    let mut out = format!(
        "cached {ok} artifact(s) and index data for {} package(s) in {}\n",
        report.packages.len(),
        env.cache.root().display()
    );
    for b in &bad {
        out.push_str(&format!("  failed: {b}\n"));
    }
    if !g.quiet || !bad.is_empty() {
        eprint!("{out}");
    }
    Ok(ExitCode::from(if bad.is_empty() {
        crate::policy::EXIT_OK
    } else {
        crate::policy::EXIT_BLOCKED
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes() {
        assert_eq!(human_bytes(0), "0 B");
        assert_eq!(human_bytes(1023), "1023 B");
        assert_eq!(human_bytes(1536), "1.5 KiB");
        assert_eq!(human_bytes(5 * 1024 * 1024), "5.0 MiB");
    }
}
