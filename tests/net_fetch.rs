//! Downloading artifacts into the cache against the loopback index: verification, faults,
//! offline behaviour and concurrent writers.

mod support;

use std::sync::atomic::{AtomicU64, Ordering};

use pyvet::cache::Cache;
use pyvet::fetch::{fetch_all, FetchEvent, FetchJob, FetchStatus};
use pyvet::hash::{Digest, HashAlgorithm};
use pyvet::network::{Network, NetworkOptions};
use support::{pseudo_random_bytes, sha256, Fault, TestServer};

fn net() -> Network {
    Network::acquire(false, &NetworkOptions::for_tests())
        .unwrap()
        .unwrap()
}

fn job(server: &TestServer, path: &str, data: Option<&[u8]>) -> FetchJob {
    FetchJob {
        size: None,
        filename: path.rsplit('/').next().unwrap().to_string(),
        url: server.url(path),
        expected: data
            .map(|d| vec![Digest::new(HashAlgorithm::Sha256, &sha256(d)).unwrap()])
            .unwrap_or_default(),
        any_of: vec![],
    }
}

fn no_progress(_: FetchEvent) {}

#[test]
fn downloads_verifies_and_caches() {
    let server = TestServer::start();
    let dir = support::tempdir();
    let cache = Cache::open(dir.path()).unwrap();
    let a = pseudo_random_bytes(1, 300_000);
    let b = pseudo_random_bytes(2, 1234);
    server.add(
        "/files/a-1.0-py3-none-any.whl",
        a.clone(),
        "application/octet-stream",
    );
    server.add("/files/b-1.0.tar.gz", b.clone(), "application/octet-stream");
    let jobs = vec![
        job(&server, "/files/a-1.0-py3-none-any.whl", Some(&a)),
        job(&server, "/files/b-1.0.tar.gz", Some(&b)),
    ];
    let bytes = AtomicU64::new(0);
    let progress = |e: FetchEvent| {
        if let FetchEvent::Bytes(n) = e {
            bytes.fetch_add(n, Ordering::SeqCst);
        }
    };
    let net = net();
    let out = fetch_all(&jobs, &cache, Some(&net), 4, &progress);
    assert_eq!(
        out,
        vec![
            FetchStatus::Verified {
                sha256: sha256(&a),
                size: a.len() as u64
            },
            FetchStatus::Verified {
                sha256: sha256(&b),
                size: b.len() as u64
            },
        ]
    );
    assert_eq!(bytes.load(Ordering::SeqCst), (a.len() + b.len()) as u64);
    assert_eq!(cache.artifact(&sha256(&a)).unwrap().unwrap(), a);
    assert_eq!(
        cache.lookup_name(&server.url("/files/b-1.0.tar.gz")),
        Some(sha256(&b))
    );
    // A second run is answered from the cache: no further request reaches the server.
    let before = server.requests().len();
    let again = fetch_all(&jobs, &cache, Some(&net), 4, &no_progress);
    assert_eq!(again, out);
    assert_eq!(server.requests().len(), before);
    // The user agent names pyvet.
    let ua = server.requests()[0]
        .header("user-agent")
        .unwrap()
        .to_string();
    assert!(ua.starts_with("pyvet/"), "{ua}");
    // Artifacts are fetched as stored, not transfer-encoded.
    assert_eq!(
        server.requests()[0].header("accept-encoding"),
        Some("identity")
    );
}

#[test]
fn wrong_hash_is_a_mismatch_and_nothing_is_cached() {
    let server = TestServer::start();
    let dir = support::tempdir();
    let cache = Cache::open(dir.path()).unwrap();
    let real = b"the real bytes".to_vec();
    server.add(
        "/f/x-1.0.tar.gz",
        b"tampered bytes".to_vec(),
        "application/octet-stream",
    );
    let j = job(&server, "/f/x-1.0.tar.gz", Some(&real));
    let out = fetch_all(
        std::slice::from_ref(&j),
        &cache,
        Some(&net()),
        2,
        &no_progress,
    );
    match &out[0] {
        FetchStatus::HashMismatch { expected, actual } => {
            assert_eq!(expected.hex, sha256(&real));
            assert_eq!(actual, &sha256(b"tampered bytes"));
        }
        other => panic!("expected a mismatch, got {other:?}"),
    }
    assert_eq!(cache.artifact(&sha256(b"tampered bytes")).unwrap(), None);
    assert_eq!(cache.info().unwrap().artifacts, 0);
    let tmp_left = std::fs::read_dir(dir.path().join("tmp")).unwrap().count();
    assert_eq!(tmp_left, 0, "temporary file left behind");
}

#[test]
fn every_expected_algorithm_is_checked_and_any_of_needs_one_match() {
    use sha2::Digest as _;
    let server = TestServer::start();
    let dir = support::tempdir();
    let cache = Cache::open(dir.path()).unwrap();
    let data = b"multi-hash file".to_vec();
    server.add("/f/m-1.0.tar.gz", data.clone(), "application/octet-stream");
    let sha512 = hex::encode(sha2::Sha512::digest(&data));
    let good512 = Digest::new(HashAlgorithm::Sha512, &sha512).unwrap();
    let bad512 = Digest::new(HashAlgorithm::Sha512, &"0".repeat(128)).unwrap();
    let bad256 = Digest::new(HashAlgorithm::Sha256, &"1".repeat(64)).unwrap();
    let net = net();
    let mut j = job(&server, "/f/m-1.0.tar.gz", Some(&data));
    j.expected.push(bad512.clone());
    let out = fetch_all(
        std::slice::from_ref(&j),
        &cache,
        Some(&net),
        1,
        &no_progress,
    );
    assert!(
        matches!(&out[0], FetchStatus::HashMismatch { expected, .. } if *expected == bad512),
        "{out:?}"
    );
    assert_eq!(cache.info().unwrap().artifacts, 0);

    // any_of: one of the alternatives must match.
    let j = FetchJob {
        size: None,
        filename: "m-1.0.tar.gz".into(),
        url: server.url("/f/m-1.0.tar.gz"),
        expected: vec![],
        any_of: vec![bad256.clone(), good512.clone()],
    };
    let out = fetch_all(
        std::slice::from_ref(&j),
        &cache,
        Some(&net),
        1,
        &no_progress,
    );
    assert!(matches!(out[0], FetchStatus::Verified { .. }), "{out:?}");
    let j = FetchJob {
        any_of: vec![bad256, bad512],
        ..j
    };
    // Cached now (the URL maps to its sha256), but the alternatives still do not match.
    let out = fetch_all(
        std::slice::from_ref(&j),
        &cache,
        Some(&net),
        1,
        &no_progress,
    );
    assert!(
        matches!(out[0], FetchStatus::HashMismatch { .. }),
        "{out:?}"
    );
}

#[test]
fn server_errors_are_retried_then_succeed() {
    let server = TestServer::start();
    let dir = support::tempdir();
    let cache = Cache::open(dir.path()).unwrap();
    let data = pseudo_random_bytes(7, 5000);
    server.add_with_fault("/f/r-1.0.tar.gz", data.clone(), Fault::FailFirst(2));
    let out = fetch_all(
        &[job(&server, "/f/r-1.0.tar.gz", Some(&data))],
        &cache,
        Some(&net()),
        1,
        &no_progress,
    );
    assert!(matches!(out[0], FetchStatus::Verified { .. }), "{out:?}");
    assert_eq!(server.hits("/f/r-1.0.tar.gz"), 3);
}

#[test]
fn persistent_server_errors_fail_after_bounded_retries() {
    let server = TestServer::start();
    let dir = support::tempdir();
    let cache = Cache::open(dir.path()).unwrap();
    server.add_with_fault("/f/r-1.0.tar.gz", b"x".to_vec(), Fault::FailFirst(u32::MAX));
    let mut opts = NetworkOptions::for_tests();
    opts.retries = 2;
    let net = Network::acquire(false, &opts).unwrap().unwrap();
    let out = fetch_all(
        &[job(&server, "/f/r-1.0.tar.gz", Some(b"x"))],
        &cache,
        Some(&net),
        1,
        &no_progress,
    );
    assert!(
        matches!(&out[0], FetchStatus::Failed { message } if message.contains("500")),
        "{out:?}"
    );
    // Bounded: the first attempt and `retries` more, no retries on top at the fetch level.
    assert_eq!(server.hits("/f/r-1.0.tar.gz"), 3);
}

#[test]
fn not_found_and_gone() {
    let server = TestServer::start();
    let dir = support::tempdir();
    let cache = Cache::open(dir.path()).unwrap();
    server.add_with_fault("/f/gone-1.0.tar.gz", b"".to_vec(), Fault::Status(410));
    let jobs = [
        job(&server, "/f/missing-1.0.tar.gz", Some(b"x")),
        job(&server, "/f/gone-1.0.tar.gz", None),
    ];
    let out = fetch_all(&jobs, &cache, Some(&net()), 2, &no_progress);
    assert_eq!(
        out[0],
        FetchStatus::NotFound {
            url: server.url("/f/missing-1.0.tar.gz")
        }
    );
    assert!(matches!(out[1], FetchStatus::NotFound { .. }));
    // A 404 is an answer: not retried.
    assert_eq!(server.hits("/f/missing-1.0.tar.gz"), 1);
}

#[test]
fn truncated_body_is_retried_then_succeeds() {
    let server = TestServer::start();
    let dir = support::tempdir();
    let cache = Cache::open(dir.path()).unwrap();
    let data = pseudo_random_bytes(3, 100_000);
    server.add_with_fault(
        "/f/t-1.0.tar.gz",
        data.clone(),
        Fault::Truncate {
            send: 40_000,
            times: 1,
        },
    );
    let out = fetch_all(
        &[job(&server, "/f/t-1.0.tar.gz", None)],
        &cache,
        Some(&net()),
        1,
        &no_progress,
    );
    assert_eq!(
        out[0],
        FetchStatus::Verified {
            sha256: sha256(&data),
            size: data.len() as u64
        }
    );
    assert_eq!(server.hits("/f/t-1.0.tar.gz"), 2);
}

#[test]
fn always_truncated_body_fails_and_caches_nothing() {
    let server = TestServer::start();
    let dir = support::tempdir();
    let cache = Cache::open(dir.path()).unwrap();
    let data = pseudo_random_bytes(4, 50_000);
    server.add_with_fault(
        "/f/t-1.0.tar.gz",
        data,
        Fault::Truncate {
            send: 10,
            times: u32::MAX,
        },
    );
    // Unverified job (no expected hash): truncation must still be caught.
    let out = fetch_all(
        &[job(&server, "/f/t-1.0.tar.gz", None)],
        &cache,
        Some(&net()),
        1,
        &no_progress,
    );
    assert!(matches!(&out[0], FetchStatus::Failed { .. }), "{out:?}");
    assert_eq!(cache.info().unwrap().artifacts, 0);
}

#[test]
fn offline_uses_a_warm_cache_and_reports_a_cold_one() {
    let server = TestServer::start();
    let dir = support::tempdir();
    let cache = Cache::open(dir.path()).unwrap();
    let data = pseudo_random_bytes(5, 2048);
    server.add("/f/o-1.0.tar.gz", data.clone(), "application/octet-stream");
    let with_hash = job(&server, "/f/o-1.0.tar.gz", Some(&data));
    let without_hash = job(&server, "/f/o-1.0.tar.gz", None);
    let cold = job(&server, "/f/cold-1.0.tar.gz", Some(b"cold"));
    assert_eq!(
        fetch_all(std::slice::from_ref(&cold), &cache, None, 1, &no_progress),
        vec![FetchStatus::MissingOffline]
    );
    fetch_all(
        std::slice::from_ref(&with_hash),
        &cache,
        Some(&net()),
        1,
        &no_progress,
    );
    drop(server); // Nothing is listening any more.
    let out = fetch_all(
        &[with_hash, without_hash, cold],
        &cache,
        None,
        2,
        &no_progress,
    );
    let verified = FetchStatus::Verified {
        sha256: sha256(&data),
        size: data.len() as u64,
    };
    assert_eq!(
        out,
        vec![verified.clone(), verified, FetchStatus::MissingOffline]
    );
}

#[test]
fn corrupted_cache_entry_is_evicted_and_refetched() {
    let server = TestServer::start();
    let dir = support::tempdir();
    let cache = Cache::open(dir.path()).unwrap();
    let data = pseudo_random_bytes(6, 4096);
    server.add("/f/c-1.0.tar.gz", data.clone(), "application/octet-stream");
    let j = job(&server, "/f/c-1.0.tar.gz", Some(&data));
    let net = net();
    fetch_all(
        std::slice::from_ref(&j),
        &cache,
        Some(&net),
        1,
        &no_progress,
    );
    let path = cache.artifact_path(&sha256(&data)).unwrap();
    let mut bad = std::fs::read(&path).unwrap();
    bad[100] ^= 0xff;
    std::fs::write(&path, &bad).unwrap();
    // Offline: the corrupt file is evicted, not used.
    assert_eq!(
        fetch_all(std::slice::from_ref(&j), &cache, None, 1, &no_progress),
        vec![FetchStatus::MissingOffline]
    );
    assert!(!path.exists());
    // Online: fetched again.
    let out = fetch_all(
        std::slice::from_ref(&j),
        &cache,
        Some(&net),
        1,
        &no_progress,
    );
    assert!(matches!(out[0], FetchStatus::Verified { .. }));
    assert_eq!(std::fs::read(&path).unwrap(), data);
    assert_eq!(server.hits("/f/c-1.0.tar.gz"), 2);
}

#[test]
fn two_writers_fill_one_cache_at_once() {
    let server = TestServer::start();
    let dir = support::tempdir();
    let files: Vec<(String, Vec<u8>)> = (0..12)
        .map(|i| {
            (
                format!("/f/p{i}-1.0.tar.gz"),
                pseudo_random_bytes(100 + i, 20_000 + i as usize * 997),
            )
        })
        .collect();
    for (p, d) in &files {
        server.add(p, d.clone(), "application/octet-stream");
    }
    let jobs: Vec<FetchJob> = files
        .iter()
        .map(|(p, d)| job(&server, p, Some(d)))
        .collect();
    let results: Vec<Vec<FetchStatus>> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..2)
            .map(|_| {
                let jobs = &jobs;
                let root = dir.path();
                s.spawn(move || {
                    let cache = Cache::open(root).unwrap();
                    let net = net();
                    fetch_all(jobs, &cache, Some(&net), 3, &no_progress)
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let cache = Cache::open(dir.path()).unwrap();
    for r in &results {
        assert!(
            r.iter().all(|s| matches!(s, FetchStatus::Verified { .. })),
            "{r:?}"
        );
    }
    for (_, d) in &files {
        assert_eq!(
            cache.artifact(&sha256(d)).unwrap().as_deref(),
            Some(d.as_slice())
        );
    }
    assert_eq!(cache.info().unwrap().artifacts, files.len() as u64);
    assert_eq!(
        std::fs::read_dir(dir.path().join("tmp")).unwrap().count(),
        0
    );
}

#[test]
fn parallelism_is_bounded() {
    use std::sync::atomic::AtomicUsize;
    let server = TestServer::start();
    let dir = support::tempdir();
    let cache = Cache::open(dir.path()).unwrap();
    let mut jobs = Vec::new();
    for i in 0..8 {
        let p = format!("/f/s{i}-1.0.tar.gz");
        let d = pseudo_random_bytes(200 + i, 1000);
        server.add_with_fault(
            &p,
            d.clone(),
            Fault::Slow(std::time::Duration::from_millis(60)),
        );
        jobs.push(job(&server, &p, Some(&d)));
    }
    let active = AtomicUsize::new(0);
    let peak = AtomicUsize::new(0);
    let progress = |e: FetchEvent| match e {
        FetchEvent::Started { .. } => {
            let now = active.fetch_add(1, Ordering::SeqCst) + 1;
            peak.fetch_max(now, Ordering::SeqCst);
        }
        FetchEvent::Finished { .. } => {
            active.fetch_sub(1, Ordering::SeqCst);
        }
        FetchEvent::Bytes(_) => {}
    };
    let out = fetch_all(&jobs, &cache, Some(&net()), 3, &progress);
    assert!(out
        .iter()
        .all(|s| matches!(s, FetchStatus::Verified { .. })));
    let peak = peak.load(Ordering::SeqCst);
    assert!((1..=3).contains(&peak), "peak concurrency {peak}");
}

#[test]
fn rules_are_in_the_catalogue() {
    for id in [
        "hash-mismatch",
        "artifact-not-found",
        "artifact-unverified",
        "fetch-failed",
    ] {
        assert!(pyvet::catalog::find(id).is_some(), "{id}");
    }
    assert_eq!(
        pyvet::catalog::find("hash-mismatch").unwrap().severity,
        pyvet::finding::Severity::Critical
    );
}

/// Run by `two_processes_fill_one_cache` in child processes: fetch the jobs named in the
/// environment into the cache named there.
#[test]
#[ignore = "helper: run in a child process by two_processes_fill_one_cache"]
fn child_process_fill() {
    let Ok(root) = std::env::var("PYVET_TEST_CHILD_CACHE") else {
        return;
    };
    let spec = std::env::var("PYVET_TEST_CHILD_JOBS").unwrap();
    let jobs: Vec<FetchJob> = spec
        .lines()
        .map(|l| {
            let (url, sha) = l.split_once(' ').unwrap();
            FetchJob {
                size: None,
                filename: url.rsplit('/').next().unwrap().to_string(),
                url: url.to_string(),
                expected: vec![Digest::new(HashAlgorithm::Sha256, sha).unwrap()],
                any_of: vec![],
            }
        })
        .collect();
    let cache = Cache::open(std::path::Path::new(&root)).unwrap();
    let out = fetch_all(&jobs, &cache, Some(&net()), 4, &no_progress);
    for s in &out {
        assert!(matches!(s, FetchStatus::Verified { .. }), "{s:?}");
    }
}

#[test]
fn two_processes_fill_one_cache() {
    let server = TestServer::start();
    let dir = support::tempdir();
    let mut spec = String::new();
    let mut blobs = Vec::new();
    for i in 0..10u64 {
        let p = format!("/f/q{i}-1.0.tar.gz");
        let d = pseudo_random_bytes(500 + i, 50_000 + i as usize * 1013);
        server.add_with_fault(
            &p,
            d.clone(),
            Fault::Slow(std::time::Duration::from_millis(5)),
        );
        spec.push_str(&format!("{} {}\n", server.url(&p), sha256(&d)));
        blobs.push(d);
    }
    let exe = std::env::current_exe().unwrap();
    // Spawn both before waiting on either, so they really overlap.
    let spawned: Vec<_> = (0..2)
        .map(|_| {
            std::process::Command::new(&exe)
                .args([
                    "--exact",
                    "child_process_fill",
                    "--ignored",
                    "--test-threads=1",
                ])
                .env("PYVET_TEST_CHILD_CACHE", dir.path())
                .env("PYVET_TEST_CHILD_JOBS", &spec)
                .stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    for c in spawned {
        let out = c.wait_with_output().unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(
            out.status.success(),
            "{stdout}{}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(
            stdout.contains("1 passed"),
            "the helper did not run: {stdout}"
        );
    }
    assert!(server.requests().len() >= blobs.len());
    let cache = Cache::open(dir.path()).unwrap();
    for b in &blobs {
        assert_eq!(
            cache.artifact(&sha256(b)).unwrap().as_deref(),
            Some(b.as_slice())
        );
    }
    assert_eq!(
        std::fs::read_dir(dir.path().join("tmp")).unwrap().count(),
        0
    );
}

#[test]
fn garbage_and_refusals_are_failures_with_redacted_messages() {
    let server = TestServer::start();
    let dir = support::tempdir();
    let cache = Cache::open(dir.path()).unwrap();
    server.add_with_fault(
        "/f/g-1.0.tar.gz",
        b"".to_vec(),
        Fault::Raw(b"garbage\r\n\r\n".to_vec()),
    );
    server.add_with_fault(
        "/f/a-1.0.tar.gz",
        b"x".to_vec(),
        Fault::RequireAuth("Basic nope".into()),
    );
    let mut opts = NetworkOptions::for_tests();
    opts.retries = 1;
    let net = Network::acquire(false, &opts).unwrap().unwrap();
    let jobs: Vec<FetchJob> = ["/f/g-1.0.tar.gz", "/f/a-1.0.tar.gz"]
        .iter()
        .map(|p| FetchJob {
            size: None,
            filename: p.rsplit('/').next().unwrap().into(),
            url: server.url_with_userinfo("who:hunter2", p),
            expected: vec![],
            any_of: vec![],
        })
        .collect();
    let out = fetch_all(&jobs, &cache, Some(&net), 2, &no_progress);
    for s in &out {
        match s {
            FetchStatus::Failed { message } => assert!(!message.contains("hunter2"), "{message}"),
            other => panic!("expected a failure, got {other:?}"),
        }
    }
    assert!(matches!(&out[1], FetchStatus::Failed { message } if message.contains("401")));
    assert_eq!(cache.info().unwrap().artifacts, 0);
}
