//! Cache robustness under process death and concurrency, end to end through the binary against
//! a loopback file server: a `pyvet audit` killed with SIGKILL in the middle of a download
//! leaves no corrupt entry (every cached artifact hashes to its name) and the next run
//! succeeds; two processes filling one cache with the same artifacts at once both succeed.

mod support;

use std::process::Stdio;
use std::time::Duration;

use support::{
    assert_cache_consistent, pseudo_random_bytes, run_bounded, sha256, wheel, Fault, Route,
    Sandbox, TestServer, HANG_GUARD,
};

const WHEEL_PATH: &str = "/files/bigpkg-1.0-py3-none-any.whl";

/// The loopback server with the wheel at [`WHEEL_PATH`], misbehaving as `fault` says.
fn serve(data: &[u8], fault: Fault) -> TestServer {
    let server = TestServer::start();
    server.add_route(
        WHEEL_PATH,
        Route {
            body: data.to_vec(),
            content_type: "application/octet-stream".into(),
            fault,
        },
    );
    server
}

/// A benign wheel carrying `size` incompressible bytes, so a download takes a while.
fn big_wheel(size: usize) -> Vec<u8> {
    let data = pseudo_random_bytes(7, size);
    wheel("bigpkg", "1.0", &[("bigpkg/blob.dat", &data)])
}

/// A uv.lock pinning the wheel at `url` with its hash and size.
fn uv_lock(url: &str, index: &str, data: &[u8]) -> String {
    format!(
        "version = 1\nrequires-python = \">=3.8\"\n\n[[package]]\nname = \"bigpkg\"\n\
         version = \"1.0\"\nsource = {{ registry = \"{index}\" }}\nwheels = [\n    \
         {{ url = \"{url}\", hash = \"sha256:{}\", size = {} }},\n]\n",
        sha256(data),
        data.len()
    )
}

/// `pyvet audit LOCK --checks hashes --format json` against the loopback index.
fn audit_cmd(sb: &Sandbox, lock: &std::path::Path, index: &str) -> std::process::Command {
    let mut cmd = sb.pyvet();
    cmd.arg("--index-url")
        .arg(index)
        .arg("audit")
        .arg(lock)
        .args([
            "--checks",
            "hashes",
            "--format",
            "json",
            "--python-version",
            "3.12",
        ]);
    cmd
}

/// The run succeeded, and the report says the artifact was fetched and verified.
fn assert_verified(run: &support::Run, what: &str) {
    assert_eq!(
        run.code(),
        Some(0),
        "{what}: {}\nstdout:\n{}\nstderr:\n{}",
        run.status,
        support::tail(&run.stdout, 2000),
        support::tail(&run.stderr, 2000)
    );
    let report: serde_json::Value = serde_json::from_str(&run.stdout).expect("JSON report");
    let status = report["packages"]
        .as_array()
        .and_then(|p| p.iter().find(|p| p["name"] == "bigpkg"))
        .map(|p| p["artifacts"][0]["status"].clone());
    assert_eq!(
        status,
        Some(serde_json::Value::from("verified")),
        "{what}: artifact not verified:\n{}",
        run.stdout
    );
}

#[test]
fn kill_during_audit_download_leaves_no_corrupt_entry() {
    kill_during_download(false);
}

#[test]
fn kill_during_cache_fetch_leaves_no_corrupt_entry() {
    kill_during_download(true);
}

/// SIGKILL `pyvet audit` (or `pyvet cache fetch`) mid-download, then check the cache and
/// that later runs succeed.
fn kill_during_download(cache_fetch: bool) {
    let data = big_wheel(4 << 20);
    // The server sends 512 KiB of the body and then holds the connection: the kill lands
    // exactly part-way through the download.
    let server = serve(&data, Fault::PauseAfter(512 << 10));
    let index = server.url("/simple/");
    let sb = Sandbox::new();
    let lock = sb.write(
        "uv.lock",
        uv_lock(&server.url(WHEEL_PATH), &index, &data).as_bytes(),
    );

    // Start a run and SIGKILL it once part of the body has gone out.
    let mut cmd = if cache_fetch {
        let mut cmd = sb.pyvet();
        cmd.arg("--index-url")
            .arg(&index)
            .args(["cache", "fetch"])
            .arg(&lock)
            .args(["--python-version", "3.12"]);
        cmd
    } else {
        audit_cmd(&sb, &lock, &index)
    };
    cmd.stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    let mut child = cmd.spawn().expect("spawn pyvet");
    // Poll until the server holds the paused download (a hang guard, not a speed check).
    let polls = HANG_GUARD.as_millis() / 10;
    for poll in 0.. {
        if server.paused() > 0 {
            break;
        }
        assert!(poll < polls, "the download never reached the pause");
        if let Some(status) = child.try_wait().expect("try_wait") {
            panic!("pyvet ended before the download was under way: {status}");
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    child.kill().expect("SIGKILL pyvet");
    child.wait().expect("reap pyvet");
    assert_eq!(
        server.bytes_sent(WHEEL_PATH),
        512 << 10,
        "only the first part went out"
    );
    // Later runs get the whole body.
    server.resume();

    // Nothing half-written is taken for an entry...
    let before = assert_cache_consistent(&sb.cache());
    assert_eq!(
        before, 0,
        "an entry was committed from an interrupted download"
    );

    // ...and the next run downloads again and succeeds.
    let run = run_bounded(audit_cmd(&sb, &lock, &index));
    assert_verified(&run, "run after the kill");
    assert_eq!(assert_cache_consistent(&sb.cache()), 1);
    // The killed run's temporary file may remain (under tmp/, never taken for an entry).
    let leftovers: Vec<_> = support::list_files(&sb.cache())
        .into_iter()
        .filter(|p| support::is_temporary(p))
        .collect();
    eprintln!("temporary files left by the killed run: {leftovers:?}");

    // A third run is served from the cache (nothing more is downloaded) and still succeeds.
    let sent = server.bytes_sent(WHEEL_PATH);
    let run = run_bounded(audit_cmd(&sb, &lock, &index));
    assert_verified(&run, "cached run");
    assert_eq!(
        server.bytes_sent(WHEEL_PATH),
        sent,
        "the cached artifact was downloaded again"
    );
    assert_cache_consistent(&sb.cache());

    // `cache prune` clears what the killed run left behind.
    let mut cmd = sb.pyvet();
    cmd.args(["cache", "prune"]);
    let run = run_bounded(cmd);
    assert_eq!(run.code(), Some(0), "{}", run.stderr);
    sb.assert_clean();
}

#[test]
fn corrupt_cache_entry_is_evicted_and_refetched() {
    let data = big_wheel(64 << 10);
    let server = serve(&data, Fault::None);
    let index = server.url("/simple/");
    let sb = Sandbox::new();
    let lock = sb.write(
        "uv.lock",
        uv_lock(&server.url(WHEEL_PATH), &index, &data).as_bytes(),
    );
    let run = run_bounded(audit_cmd(&sb, &lock, &index));
    assert_verified(&run, "first run");
    assert_eq!(assert_cache_consistent(&sb.cache()), 1);

    // Flip a byte in the cached file, as a disk error or a tamperer would.
    let entry = support::list_files(&sb.cache().join("artifacts"))
        .into_iter()
        .next()
        .expect("cached artifact");
    let mut bytes = std::fs::read(&entry).expect("read entry");
    bytes[100] ^= 0xff;
    std::fs::write(&entry, &bytes).expect("corrupt entry");

    let sent = server.bytes_sent(WHEEL_PATH);
    let run = run_bounded(audit_cmd(&sb, &lock, &index));
    assert_verified(&run, "run over a corrupt entry");
    assert!(
        server.bytes_sent(WHEEL_PATH) > sent,
        "the corrupt entry was used instead of refetched"
    );
    assert_eq!(assert_cache_consistent(&sb.cache()), 1);
}

#[test]
fn two_processes_share_one_cache() {
    let data = big_wheel(2 << 20);
    // Slow enough that both downloads overlap.
    let server = serve(
        &data,
        Fault::Throttle {
            chunk: 64 << 10,
            delay: Duration::from_millis(20),
        },
    );
    let index = server.url("/simple/");
    let sb = Sandbox::new();
    let lock = sb.write(
        "uv.lock",
        uv_lock(&server.url(WHEEL_PATH), &index, &data).as_bytes(),
    );
    let runs: Vec<support::Run> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..2)
            .map(|_| s.spawn(|| run_bounded(audit_cmd(&sb, &lock, &index))))
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().expect("runner thread"))
            .collect()
    });
    for (i, run) in runs.iter().enumerate() {
        assert_verified(run, &format!("concurrent run {i}"));
    }
    assert_eq!(assert_cache_consistent(&sb.cache()), 1);
    sb.assert_clean();
}
