//! `pyvet demo`: the quick start. Runs the real offline audit over a small demo project whose
//! lockfile, artifacts, index pages and advisory are compiled into the binary (from
//! testdata/demo/, built by scripts/make-demo-packages.py). A temporary cache is seeded with
//! that data, the audit runs with no network at all, and the cache is removed afterwards.
//!
//! The demo packages are inert samples of real techniques (every host is `example.invalid` or
//! a TEST-NET address): a benign HTTP helper, a typosquat whose setup.py sends the environment
//! to a webhook at install time, a library whose `.pth` file runs a hidden downloader at every
//! interpreter start, and an old library with a (fictional) known vulnerability.

use std::path::Path;
use std::process::ExitCode;

use crate::cache::{Cache, CachedResponse};
use crate::cli::{AuditArgs, GlobalArgs, TargetArgs};
use crate::error::Error;
use crate::lockfile::{self, LockKind};

const LOCKFILE: &str = include_str!("../../testdata/demo/uv.lock");
const LOCKFILE_PATH: &str = "testdata/demo/uv.lock";
const INDEX_ROOT: &str = "https://example.invalid/simple";

const PACKAGES: &[(&str, &[u8])] = &[
    (
        "tinyhttp-1.0.0-py3-none-any.whl",
        include_bytes!("../../testdata/demo/packages/tinyhttp-1.0.0-py3-none-any.whl"),
    ),
    (
        "colorsama-0.4.6.tar.gz",
        include_bytes!("../../testdata/demo/packages/colorsama-0.4.6.tar.gz"),
    ),
    (
        "helperkit-2.1.0-py3-none-any.whl",
        include_bytes!("../../testdata/demo/packages/helperkit-2.1.0-py3-none-any.whl"),
    ),
    (
        "oldparse-1.2.0-py3-none-any.whl",
        include_bytes!("../../testdata/demo/packages/oldparse-1.2.0-py3-none-any.whl"),
    ),
];

const INDEX_PAGES: &[(&str, &str)] = &[
    (
        "tinyhttp",
        include_str!("../../testdata/demo/index/tinyhttp.json"),
    ),
    (
        "colorsama",
        include_str!("../../testdata/demo/index/colorsama.json"),
    ),
    (
        "helperkit",
        include_str!("../../testdata/demo/index/helperkit.json"),
    ),
    (
        "oldparse",
        include_str!("../../testdata/demo/index/oldparse.json"),
    ),
];

const ADVISORY: (&str, &str) = (
    "PYVET-DEMO-2024-0001.json",
    include_str!("../../testdata/demo/osv/PYVET-DEMO-2024-0001.json"),
);

pub fn run(g: &GlobalArgs) -> Result<ExitCode, Error> {
    // A private (0700) temporary directory, removed on drop.
    let dir = tempfile::Builder::new()
        .prefix("pyvet-demo.")
        .tempdir()
        .map_err(|e| Error::io("creating the demo's temporary directory", e))?;
    let result = run_in(g, dir.path());
    drop(dir);
    result
}

fn run_in(g: &GlobalArgs, dir: &Path) -> Result<ExitCode, Error> {
    let cache_dir = dir.join("cache");
    seed(&cache_dir, dir, super::now(g))?;
    let mut g = g.clone();
    g.offline = true;
    g.cache_dir = Some(cache_dir);
    // The demo's index is the one its lockfile names; user configuration plays no part.
    g.index_url = None;
    g.extra_index_url.clear();
    let lock = lockfile::load_str(Path::new(LOCKFILE_PATH), LOCKFILE, Some(LockKind::UvLock))?;
    let config = crate::config::Config::default();
    let target = TargetArgs {
        python_version: Some("3.12".into()),
        platform: Some("linux-x86_64".into()),
        ..TargetArgs::default()
    };
    let args = AuditArgs {
        lockfile: None,
        kind: None,
        base: None,
        target: target.clone(),
        jobs: 4,
        fail_on: None,
        checks: Vec::new(),
        no_resolve: true,
    };
    let env = super::session::Environment::open(&g, &lock, &args.target, &config)?;
    let opts = env.options(&g, args.jobs, crate::audit::Checks::ALL, &target, None);
    let mut report = env.run(&g, &lock, &opts)?;
    report.command = "demo".into();
    report.notes.push(
        "demo: an offline audit of testdata/demo/uv.lock; its packages are inert samples, and \
         exit code 1 means pyvet blocked them as it should"
            .into(),
    );
    super::session::finish(&g, report, &config)
}

/// Put the demo's artifacts, index pages and advisory into a fresh cache.
fn seed(cache_dir: &Path, scratch: &Path, now: jiff::Timestamp) -> Result<(), Error> {
    let cache = Cache::open(cache_dir)?;
    for (_, bytes) in PACKAGES {
        cache.put_artifact(bytes)?;
    }
    for (name, body) in INDEX_PAGES {
        let url = crate::index::simple_url(INDEX_ROOT, name);
        cache.index_put(&CachedResponse {
            sha256: None,
            url: url.clone(),
            final_url: url,
            status: 200,
            content_type: Some("application/vnd.pypi.simple.v1+json".into()),
            fetched_at: now,
            body: body.as_bytes().to_vec(),
        })?;
    }
    let osv = scratch.join("osv");
    std::fs::create_dir_all(&osv)
        .map_err(|e| Error::io(format!("creating {}", osv.display()), e))?;
    let file = osv.join(ADVISORY.0);
    std::fs::write(&file, ADVISORY.1)
        .map_err(|e| Error::io(format!("writing {}", file.display()), e))?;
    crate::vulns::import_path(cache_dir, &osv, now)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embedded_lockfile_pins_every_embedded_package() {
        let lock =
            lockfile::load_str(Path::new(LOCKFILE_PATH), LOCKFILE, Some(LockKind::UvLock)).unwrap();
        for (filename, bytes) in PACKAGES {
            let art = lock
                .packages
                .iter()
                .flat_map(|p| &p.artifacts)
                .find(|a| a.filename == *filename)
                .unwrap_or_else(|| panic!("{filename} is not in the demo lockfile"));
            assert_eq!(
                art.hashes.sha256(),
                Some(crate::hash::sha256_hex(bytes).as_str())
            );
        }
    }
}
