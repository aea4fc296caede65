//! Fail closed, end to end on the loopback index: every fault that used to end in "OK" (exit 0)
//! now ends in a blocking finding naming what could not be vetted and why, the summary says
//! how many artifacts could not be vetted, and the exit code is 1. Faults are bounded by short
//! timeouts and small caps set on the command line, never by wall-clock assertions.

mod support;

use std::io::Write;
use std::path::Path;
use std::process::Output;

use support::{simple_json, Fault, FixtureFile, Route, TestServer};

const TINY: &[u8] = include_bytes!("../testdata/demo/packages/tinyhttp-1.0.0-py3-none-any.whl");
const TINY_WHL: &str = "tinyhttp-1.0.0-py3-none-any.whl";

/// Short bounds so a stalled or huge transfer ends quickly.
const FAST: &[&str] = &[
    "--connect-timeout",
    "2s",
    "--read-timeout",
    "300ms",
    "--download-deadline",
    "5s",
    "--retries",
    "1",
];

fn pyvet(cwd: &Path, args: &[&str]) -> Output {
    support::hermetic_pyvet(cwd, &cwd.join("cache"))
        .args(FAST)
        .args(args)
        .output()
        .expect("run pyvet")
}

fn report(out: &Output) -> serde_json::Value {
    support::json_of(out)
}

/// (rule, severity) of every finding.
fn findings(r: &serde_json::Value) -> Vec<(String, String)> {
    r["packages"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|p| p["findings"].as_array().unwrap())
        .map(|f| {
            (
                f["rule"].as_str().unwrap().to_string(),
                f["severity"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

fn assert_blocked(out: &Output, rule: &str, severity: &str) -> serde_json::Value {
    let r = report(out);
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    let f = findings(&r);
    assert!(
        f.contains(&(rule.to_string(), severity.to_string())),
        "expected {rule} ({severity}) in {f:?}"
    );
    assert!(r["summary"]["blocked"].as_bool().unwrap());
    r
}

/// A uv.lock pinning the tiny wheel at `path` on the server, with its hash and size.
fn uv_lock(s: &TestServer, path: &str, size: u64, hash: &str) -> String {
    format!(
        "version = 1\nrevision = 2\nrequires-python = \">=3.9\"\n\n[[package]]\nname = \"tinyhttp\"\nversion = \"1.0.0\"\nsource = {{ registry = \"{root}/simple\" }}\nwheels = [\n    {{ url = \"{root}{path}\", hash = \"sha256:{hash}\", size = {size} }},\n]\n",
        root = s.base()
    )
}

fn audit_uv(dir: &Path) -> Output {
    pyvet(
        dir,
        &[
            "audit",
            "uv.lock",
            "--format",
            "json",
            "--checks",
            "hashes,code",
        ],
    )
}

fn route(body: &[u8], fault: Fault) -> Route {
    Route {
        body: body.to_vec(),
        content_type: "application/octet-stream".into(),
        fault,
    }
}

fn setup(fault: Fault) -> (TestServer, tempfile::TempDir) {
    let s = TestServer::start();
    s.add_route(&format!("/files/{TINY_WHL}"), route(TINY, fault));
    let dir = support::tempdir();
    std::fs::write(
        dir.path().join("uv.lock"),
        uv_lock(
            &s,
            &format!("/files/{TINY_WHL}"),
            TINY.len() as u64,
            &support::sha256(TINY),
        ),
    )
    .unwrap();
    (s, dir)
}

fn nothing_cached(dir: &Path) {
    let cached = support_files(&dir.join("cache/artifacts"));
    assert!(cached.is_empty(), "cached: {cached:?}");
    let tmp = support_files(&dir.join("cache/tmp"));
    assert!(tmp.is_empty(), "temporary files left: {tmp:?}");
}

fn support_files(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).into_iter().flatten().flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else {
                out.push(p);
            }
        }
    }
    out
}

#[test]
fn a_clean_download_passes() {
    let (_s, dir) = setup(Fault::None);
    let out = audit_uv(dir.path());
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(report(&out)["summary"].get("unvetted"), None);
}

#[test]
fn regression_connection_reset_mid_body_blocks() {
    let (s, dir) = setup(Fault::Reset {
        send: TINY.len() / 2,
    });
    let r = assert_blocked(&audit_uv(dir.path()), "fetch-failed", "high");
    assert_eq!(r["summary"]["unvetted"], 1);
    assert_eq!(
        s.hits(&format!("/files/{TINY_WHL}")),
        2,
        "one retry, then give up"
    );
    nothing_cached(dir.path());
}

#[test]
fn regression_short_body_against_content_length_blocks() {
    let (_s, dir) = setup(Fault::Truncate {
        send: 100,
        times: u32::MAX,
    });
    let out = audit_uv(dir.path());
    let r = assert_blocked(&out, "fetch-failed", "high");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("after 100 bytes") || text.contains("truncated download (100 of"),
        "{r}"
    );
    let text = pyvet(dir.path(), &["audit", "uv.lock", "--checks", "hashes,code"]);
    let table = String::from_utf8_lossy(&text.stdout);
    assert!(table.contains("1 artifact could not be vetted"), "{table}");
    nothing_cached(dir.path());
}

#[test]
fn regression_stalled_body_fails_within_the_configured_read_timeout() {
    let (_s, dir) = setup(Fault::Stall { send: 10 });
    assert_blocked(&audit_uv(dir.path()), "fetch-failed", "high");
    nothing_cached(dir.path());
}

#[test]
fn regression_stalled_headers_fail_within_the_configured_read_timeout() {
    let (_s, dir) = setup(Fault::Slow(std::time::Duration::from_secs(30)));
    assert_blocked(&audit_uv(dir.path()), "fetch-failed", "high");
}

#[test]
fn regression_body_longer_than_the_lockfile_size_stops_at_the_first_byte_over() {
    let s = TestServer::start();
    let path = "/files/big-1.0-py3-none-any.whl";
    // A gigabyte with no Content-Length: only the read loop can stop it.
    s.add_route(
        path,
        route(
            b"",
            Fault::Huge {
                len: 1 << 30,
                declare: false,
            },
        ),
    );
    let dir = support::tempdir();
    std::fs::write(
        dir.path().join("uv.lock"),
        uv_lock(&s, path, 4096, &"a".repeat(64)).replace("tinyhttp", "big"),
    )
    .unwrap();
    let out = audit_uv(dir.path());
    let r = assert_blocked(&out, "hash-mismatch", "critical");
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("sent more than the 4096 bytes"),
        "{r}"
    );
    // What the server got to write is bounded by buffers, not by the body's gigabyte.
    assert!(
        s.bytes_sent(path) < 64 << 20,
        "{} bytes sent",
        s.bytes_sent(path)
    );
    nothing_cached(dir.path());

    // A declared Content-Length that disagrees with the lockfile: not one body byte is read.
    s.add_route(
        path,
        route(
            b"",
            Fault::Huge {
                len: 5 << 30,
                declare: true,
            },
        ),
    );
    let out = audit_uv(dir.path());
    assert_blocked(&out, "hash-mismatch", "critical");
    nothing_cached(dir.path());
}

#[test]
fn regression_huge_unhashed_artifact_is_stopped_at_max_artifact_size() {
    let s = TestServer::start();
    let name = "huge-1.0-py3-none-any.whl";
    let path = format!("/files/{name}");
    s.add_route(
        &path,
        route(
            b"",
            Fault::Huge {
                len: 1 << 30,
                declare: false,
            },
        ),
    );
    // The index states neither a hash nor a size.
    let mut f = FixtureFile::new(name, &format!("../../files/{name}"), b"");
    f.sha256 = None;
    f.size = None;
    s.add(
        "/simple/huge/",
        simple_json("huge", &["1.0"], &[f]),
        "application/vnd.pypi.simple.v1+json",
    );
    let dir = support::tempdir();
    std::fs::write(dir.path().join("requirements.txt"), "huge==1.0\n").unwrap();
    let index = s.url("/simple");
    let out = pyvet(
        dir.path(),
        &[
            "--index-url",
            &index,
            "--max-artifact-size",
            "1MiB",
            "audit",
            "requirements.txt",
            "--format",
            "json",
            "--checks",
            "hashes,code",
        ],
    );
    assert_blocked(&out, "artifact-too-large", "high");
    assert!(
        s.bytes_sent(&path) < 64 << 20,
        "{} bytes sent",
        s.bytes_sent(&path)
    );
    nothing_cached(dir.path());
}

fn gzip(data: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    e.write_all(data).unwrap();
    e.finish().unwrap()
}

fn requirements_audit(dir: &Path, s: &TestServer, text: &str, extra: &[&str]) -> Output {
    std::fs::write(dir.join("requirements.txt"), text).unwrap();
    let index = s.url("/simple");
    let mut args = vec!["--index-url", index.as_str()];
    args.extend_from_slice(extra);
    args.extend_from_slice(&[
        "audit",
        "requirements.txt",
        "--format",
        "json",
        "--checks",
        "hashes,code,metadata",
    ]);
    pyvet(dir, &args)
}

#[test]
fn regression_gzip_bomb_index_page_is_cut_at_max_index_size_and_blocks() {
    let s = TestServer::start();
    // 64 MiB of spaces, about 64 KiB on the wire.
    s.add_route(
        "/simple/tinyhttp/",
        Route {
            body: gzip(&vec![b' '; 64 << 20]),
            content_type: "application/vnd.pypi.simple.v1+json".into(),
            fault: Fault::Gzip,
        },
    );
    let dir = support::tempdir();
    let out = requirements_audit(
        dir.path(),
        &s,
        &format!("tinyhttp==1.0.0 --hash=sha256:{}\n", support::sha256(TINY)),
        &["--max-index-size", "1MiB"],
    );
    let r = assert_blocked(&out, "fetch-failed", "high");
    assert!(r.to_string().contains("larger than 1048576 bytes"), "{r}");
}

fn tiny_index(s: &TestServer, versions: &[&str]) {
    s.add(
        &format!("/files/{TINY_WHL}"),
        TINY.to_vec(),
        "application/octet-stream",
    );
    let f = FixtureFile::new(TINY_WHL, &format!("../../files/{TINY_WHL}"), TINY);
    s.add(
        "/simple/tinyhttp/",
        simple_json("tinyhttp", versions, &[f]),
        "application/vnd.pypi.simple.v1+json",
    );
}

#[test]
fn regression_hashed_pin_of_a_project_the_index_does_not_know_is_not_on_index() {
    let s = TestServer::start();
    tiny_index(&s, &["1.0.0"]);
    let dir = support::tempdir();
    let out = requirements_audit(
        dir.path(),
        &s,
        &format!(
            "tinyhttp==1.0.0 --hash=sha256:{}\nghost-package==1.0 --hash=sha256:{}\n",
            support::sha256(TINY),
            "b".repeat(64)
        ),
        &[],
    );
    let r = assert_blocked(&out, "not-on-index", "critical");
    let ghost = r["packages"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == "ghost-package")
        .unwrap();
    assert_eq!(ghost["verdict"], "fail");
    assert!(
        ghost["findings"][0]["message"]
            .as_str()
            .unwrap()
            .contains("no configured index knows the project"),
        "{ghost}"
    );
}

/// A pin the tiny index cannot serve: (requirements line, rule, severity, message part).
#[test]
fn regression_pins_the_index_does_not_serve_block() {
    let cases = [
        (
            format!("tinyhttp==0.9 --hash=sha256:{}\n", support::sha256(TINY)),
            "not-on-index",
            "critical",
            "version 0.9 of tinyhttp is not on the index",
        ),
        (
            format!("tinyhttp==1.0.0 --hash=sha256:{}\n", "c".repeat(64)),
            "artifact-not-found",
            "high",
            "the index lists no file for tinyhttp 1.0.0 matching the pinned hashes",
        ),
    ];
    for (line, rule, severity, message) in cases {
        let s = TestServer::start();
        tiny_index(&s, &["1.0.0"]);
        let dir = support::tempdir();
        let out = requirements_audit(dir.path(), &s, &line, &[]);
        let r = assert_blocked(&out, rule, severity);
        assert!(r.to_string().contains(message), "{r}");
    }
}

#[test]
fn regression_tampered_cached_index_page_is_never_believed() {
    let s = TestServer::start();
    tiny_index(&s, &["1.0.0"]);
    let dir = support::tempdir();
    let text = format!("tinyhttp==1.0.0 --hash=sha256:{}\n", support::sha256(TINY));
    let out = requirements_audit(dir.path(), &s, &text, &[]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // Replace the cached page's body with one that lists no files (the stored hash stays).
    use base64::Engine as _;
    for p in support_files(&dir.path().join("cache/index")) {
        let mut v: serde_json::Value = serde_json::from_slice(&std::fs::read(&p).unwrap()).unwrap();
        let body = simple_json("tinyhttp", &["1.0.0"], &[]);
        v["body"] = base64::engine::general_purpose::STANDARD
            .encode(body)
            .into();
        std::fs::write(&p, serde_json::to_vec(&v).unwrap()).unwrap();
    }
    let out = requirements_audit(dir.path(), &s, &text, &["--offline"]);
    // The edited entry is evicted; offline, that is a tool error naming what is missing.
    assert_eq!(
        out.status.code(),
        Some(2),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("index data for tinyhttp"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn a_policy_may_lower_the_unvetted_rules_explicitly() {
    let (_s, dir) = setup(Fault::Reset { send: 10 });
    std::fs::write(dir.path().join("pyvet.toml"), "unvetted = \"medium\"\n").unwrap();
    let out = audit_uv(dir.path());
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let r = report(&out);
    assert!(findings(&r).contains(&("fetch-failed".into(), "medium".into())));
    // Still counted: lowering the severity does not make the file vetted.
    assert_eq!(r["summary"]["unvetted"], 1);
    // The same limits from [network] instead of flags.
    std::fs::write(
        dir.path().join("pyvet.toml"),
        "[network]\nread-timeout = \"200ms\"\nretries = 0\n",
    )
    .unwrap();
    let out = audit_uv(dir.path());
    assert_eq!(out.status.code(), Some(1));
}

#[test]
fn regression_temporary_files_of_a_killed_download_are_removed_on_the_next_run() {
    let (_s, dir) = setup(Fault::None);
    let tmp = dir.path().join("cache/tmp");
    std::fs::create_dir_all(&tmp).unwrap();
    let stale = tmp.join(".download.XXXXXX.tmp");
    let f = std::fs::File::create(&stale).unwrap();
    f.set_modified(std::time::SystemTime::now() - std::time::Duration::from_secs(3600))
        .unwrap();
    drop(f);
    let out = audit_uv(dir.path());
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(!stale.exists(), "stale temporary file left behind");
}
