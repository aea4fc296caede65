//! Download-and-verify throughput: generates ~50 pseudo-random files (~50 MB in total, scale with
//! PYVET_BENCH_MB), serves them from the loopback test index, and times a cold `fetch_all`
//! (download, hash, fsync, rename) and a warm one (re-hash from the cache, no network), next to
//! `sha256sum` over the same files when that command exists: the floor for the warm case.
//!
//! Then the same files as a 50-package uv.lock through the whole `pyvet audit` pipeline (lockfile,
//! selection, fetch and verify, report) with the hash check, cold (empty cache) and warm.
//!
//! Run with `cargo bench --bench fetch`.

#[path = "../tests/support/mod.rs"]
mod support;

/// The allocator the `pyvet` binary uses, so the numbers are the binary's.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

use std::time::Instant;

use pyvet::cache::Cache;
use pyvet::fetch::{fetch_all, FetchJob, FetchStatus};
use pyvet::hash::{Digest, HashAlgorithm};
use pyvet::network::{Network, NetworkOptions};
use support::{pseudo_random_bytes, sha256, TestServer};

fn mb_per_s(bytes: u64, secs: f64) -> f64 {
    bytes as f64 / 1_000_000.0 / secs.max(1e-9)
}

fn main() {
    let total_mb: u64 = std::env::var("PYVET_BENCH_MB")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(50);
    let files = 50u64;
    let avg = total_mb * 1_000_000 / files;
    let server = TestServer::start();
    let dir = support::tempdir();
    let raw = dir.path().join("raw");
    std::fs::create_dir_all(&raw).unwrap();
    let mut jobs = Vec::new();
    let mut total = 0u64;
    let mut paths = Vec::new();
    for i in 0..files {
        // Sizes from 0.25x to 1.75x the average, deterministic.
        let size = (avg / 4 + (avg * 3 / 2) * ((i * 37) % files) / files) as usize;
        let data = pseudo_random_bytes(i + 1, size);
        total += data.len() as u64;
        let name = format!("pkg{i}-1.0-py3-none-any.whl");
        let p = raw.join(&name);
        std::fs::write(&p, &data).unwrap();
        paths.push(p);
        jobs.push(FetchJob {
            size: None,
            filename: name.clone(),
            url: server.url(&format!("/files/{name}")),
            expected: vec![Digest::new(HashAlgorithm::Sha256, &sha256(&data)).unwrap()],
            any_of: vec![],
        });
        server.add(&format!("/files/{name}"), data, "application/octet-stream");
    }
    let cache = Cache::open(&dir.path().join("cache")).unwrap();
    let net = Network::acquire(false, &NetworkOptions::for_tests())
        .unwrap()
        .unwrap();
    let parallel = 8;
    println!(
        "{files} files, {:.1} MB in total, {parallel} parallel downloads",
        total as f64 / 1e6
    );

    let t = Instant::now();
    let cold = fetch_all(&jobs, &cache, Some(&net), parallel, &|_| {});
    let cold_s = t.elapsed().as_secs_f64();
    assert!(
        cold.iter()
            .all(|s| matches!(s, FetchStatus::Verified { .. })),
        "{cold:?}"
    );
    println!(
        "cold fetch_all (download + sha256 + fsync): {cold_s:>7.3} s  {:>8.1} MB/s",
        mb_per_s(total, cold_s)
    );

    let t = Instant::now();
    let warm = fetch_all(&jobs, &cache, Some(&net), parallel, &|_| {});
    let warm_s = t.elapsed().as_secs_f64();
    assert_eq!(warm, cold);
    println!(
        "warm fetch_all (verify from cache):         {warm_s:>7.3} s  {:>8.1} MB/s",
        mb_per_s(total, warm_s)
    );

    let t = Instant::now();
    let offline = fetch_all(&jobs, &cache, None, 1, &|_| {});
    let off_s = t.elapsed().as_secs_f64();
    assert_eq!(offline, cold);
    println!(
        "warm fetch_all, offline, 1 thread:          {off_s:>7.3} s  {:>8.1} MB/s",
        mb_per_s(total, off_s)
    );

    let t = Instant::now();
    match std::process::Command::new("sha256sum")
        .args(&paths)
        .stdout(std::process::Stdio::null())
        .status()
    {
        Ok(s) if s.success() => {
            let s = t.elapsed().as_secs_f64();
            println!(
                "sha256sum on the same files (1 thread):    {s:>7.3} s  {:>8.1} MB/s",
                mb_per_s(total, s)
            );
        }
        _ => println!("sha256sum: not available"),
    }

    audit_pipeline(&server, &jobs, total);
}

/// The files as a uv.lock, audited end to end by the library pipeline.
fn audit_pipeline(server: &TestServer, jobs: &[FetchJob], total: u64) {
    use pyvet::audit::{self, AuditOptions, Checks, Services};
    let dir = support::tempdir();
    let mut lock = String::from("version = 1\nrevision = 2\n");
    for (i, j) in jobs.iter().enumerate() {
        lock.push_str(&format!(
            "\n[[package]]\nname = \"pkg{i}\"\nversion = \"1.0\"\nsource = {{ registry = \"{}\" }}\nwheels = [\n    {{ url = \"{}\", hash = \"{}\" }},\n]\n",
            server.url("/simple"),
            j.url,
            j.expected[0]
        ));
    }
    let path = dir.path().join("uv.lock");
    std::fs::write(&path, lock).unwrap();
    let net = Network::acquire(false, &NetworkOptions::for_tests())
        .unwrap()
        .unwrap();
    let opts = AuditOptions {
        target: pyvet::select::Target::from_args(Some("3.12"), Some("linux-x86_64")).unwrap(),
        all_artifacts: false,
        jobs: 8,
        checks: Checks {
            hashes: true,
            code: false,
            metadata: false,
            vulns: false,
        },
        now: jiff::Timestamp::now(),
        thresholds: Default::default(),
        inspect: Default::default(),
        limits: Default::default(),
        max_artifact_size: pyvet::network::DEFAULT_MAX_ARTIFACT_SIZE,
        only: None,
    };
    let cache = Cache::open(&dir.path().join("cache")).unwrap();
    let services = Services {
        cache: &cache,
        net: Some(&net),
        index: None,
        vulns: None,
    };
    for run in ["cold", "warm"] {
        let t = Instant::now();
        let lockfile = pyvet::lockfile::load(&path, None).unwrap();
        let report = audit::run(&lockfile, &opts, &services, &|_| {}).unwrap();
        let s = t.elapsed().as_secs_f64();
        let verified = report
            .packages
            .iter()
            .flat_map(|p| &p.artifacts)
            .filter(|a| a.status == pyvet::report::ArtifactStatus::Verified)
            .count();
        assert_eq!(verified, jobs.len(), "every artifact verified");
        println!(
            "audit of a {}-package uv.lock, {run}:        {s:>7.3} s  {:>8.1} MB/s",
            jobs.len(),
            mb_per_s(total, s)
        );
    }
}
