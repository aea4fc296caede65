//! `pyvet db import | update | info` through the binary, with a temporary --cache-dir.

mod support;

use std::path::{Path, PathBuf};

use std::process::Output;

use support::Sandbox;

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/osv")
}

/// `pyvet ARGS` from the shared sandboxed launcher, with its cache at `cache`.
fn pyvet(cache: &Path, args: &[&str]) -> Output {
    Sandbox::new()
        .pyvet()
        .arg("--cache-dir")
        .arg(cache)
        .args(args)
        .output()
        .expect("run pyvet")
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

const T0: &str = "2026-01-01T00:00:00Z";

#[test]
fn import_directory_then_info() {
    let cache = support::tempdir();
    let records = fixtures().join("records");
    let out = pyvet(
        cache.path(),
        &["--now", T0, "db", "import", records.to_str().unwrap()],
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    assert!(
        stdout.contains("imported 8 records (1 known-malicious) for 7 packages"),
        "{stdout}"
    );
    assert!(stdout.contains("1 withdrawn records skipped"), "{stdout}");

    let out = pyvet(
        cache.path(),
        &["--now", "2026-01-03T00:00:00Z", "db", "info"],
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    assert!(
        stdout.contains(&format!(
            "location:  {}",
            cache.path().join("osv").join("db.jsonl").display()
        )),
        "{stdout}"
    );
    assert!(
        stdout.contains("records:   8 (1 known-malicious, 1 withdrawn skipped)"),
        "{stdout}"
    );
    assert!(stdout.contains("packages:  7"), "{stdout}");
    assert!(
        stdout.contains("updated:   2026-01-01T00:00:00Z (2 days ago)"),
        "{stdout}"
    );
    assert!(stdout.contains("testdata/osv/records"), "{stdout}");
    // Imported two days ago, but the data itself is half a year old: that is what counts.
    assert!(
        stdout.contains("newest:    2025-10-01T00:00:00Z (newest record, 94 days old)"),
        "{stdout}"
    );
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("warning: the vulnerability database is stale: its newest record was modified 94 days ago"),
        "{stderr}"
    );
}

#[test]
fn info_warns_when_stale_and_speaks_json() {
    let cache = support::tempdir();
    let records = fixtures().join("records");
    let out = pyvet(
        cache.path(),
        &["--now", T0, "db", "import", records.to_str().unwrap()],
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));

    let out = pyvet(
        cache.path(),
        &["--now", "2026-01-09T00:00:01Z", "db", "info"],
    );
    assert_eq!(out.status.code(), Some(0));
    let stderr = text(&out.stderr);
    assert!(stderr.contains("last updated 8 days ago"), "{stderr}");

    let out = pyvet(
        cache.path(),
        &[
            "--now",
            "2026-01-09T00:00:01Z",
            "--format",
            "json",
            "db",
            "info",
        ],
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["imported"], true);
    assert_eq!(v["stale"], true);
    assert_eq!(v["age_days"], 8);
    assert_eq!(v["data_age_days"], 100);
    assert_eq!(v["updated_at"], T0);
    assert_eq!(v["records"], 8);
    assert_eq!(v["packages"], 7);
    assert_eq!(v["imported_at"], T0);
}

#[test]
fn info_without_database() {
    let cache = support::tempdir();
    let out = pyvet(cache.path(), &["db", "info"]);
    assert_eq!(out.status.code(), Some(0));
    assert!(
        text(&out.stdout).contains("no vulnerability database imported"),
        "{}",
        text(&out.stdout)
    );
    let out = pyvet(cache.path(), &["--format", "json", "db", "info"]);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["imported"], false);
}

#[test]
fn malformed_record_fails_naming_file_and_line() {
    let cache = support::tempdir();
    let bad = fixtures().join("malformed");
    let out = pyvet(cache.path(), &["db", "import", bad.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = text(&out.stderr);
    assert!(stderr.contains("PYSEC-0000-9999.json:5:"), "{stderr}");
    assert!(!vulns_db_exists(cache.path()));
}

fn vulns_db_exists(cache: &Path) -> bool {
    cache.join("osv").join("db.jsonl").exists()
}

/// A zip laid out the way OSV exports are (one JSON file per record).
fn write_zip(files: &[(String, Vec<u8>)]) -> Vec<u8> {
    let refs: Vec<(&str, &[u8])> = files
        .iter()
        .map(|(n, d)| (n.as_str(), d.as_slice()))
        .collect();
    support::archives::zip_of(&refs)
}

fn fixture_files(dir: &Path, out: &mut Vec<(String, Vec<u8>)>) {
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            fixture_files(&p, out);
        } else {
            out.push((
                p.file_name().unwrap().to_string_lossy().into_owned(),
                std::fs::read(&p).unwrap(),
            ));
        }
    }
}

#[test]
fn import_zip_export() {
    let cache = support::tempdir();
    let mut files = Vec::new();
    fixture_files(&fixtures().join("records"), &mut files);
    files.push(("README.txt".into(), b"not a record".to_vec()));
    let zip = cache.path().join("PyPI-all.zip");
    std::fs::write(&zip, write_zip(&files)).unwrap();
    let out = pyvet(
        cache.path(),
        &["--now", T0, "db", "import", zip.to_str().unwrap()],
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(
        text(&out.stdout).contains("imported 8 records (1 known-malicious) for 7 packages"),
        "{}",
        text(&out.stdout)
    );
    let out = pyvet(cache.path(), &["db", "info"]);
    assert!(
        text(&out.stdout).contains("PyPI-all.zip"),
        "{}",
        text(&out.stdout)
    );
}

#[test]
fn broken_zip_member_is_named() {
    let cache = support::tempdir();
    let bad = std::fs::read(fixtures().join("malformed/PYSEC-0000-9999.json")).unwrap();
    let zip = cache.path().join("export.zip");
    std::fs::write(&zip, write_zip(&[("PYSEC-0000-9999.json".into(), bad)])).unwrap();
    let out = pyvet(cache.path(), &["db", "import", zip.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("export.zip!PYSEC-0000-9999.json:5:"),
        "{stderr}"
    );

    let not_zip = cache.path().join("garbage.zip");
    std::fs::write(&not_zip, b"PK\x03\x04 this is not really a zip").unwrap();
    let out = pyvet(cache.path(), &["db", "import", not_zip.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("garbage.zip: bad OSV zip"),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn update_defaults_to_the_public_osv_export() {
    let cache = support::tempdir();
    // Offline, so nothing is fetched; the error names where it would have downloaded from.
    let out = pyvet(cache.path(), &["--offline", "db", "update"]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = text(&out.stderr);
    assert!(stderr.contains(pyvet::vulns::DEFAULT_OSV_URL), "{stderr}");
}

#[test]
fn update_over_http_keeps_the_etag_so_an_unchanged_export_costs_one_request() {
    let s = support::TestServer::start();
    let mut files = Vec::new();
    fixture_files(&fixtures().join("records"), &mut files);
    s.add_route(
        "/osv/PyPI/all.zip",
        support::Route {
            body: write_zip(&files),
            content_type: "application/zip".into(),
            fault: support::Fault::ETag("\"v1\"".into()),
        },
    );
    let url = s.url("/osv/PyPI/all.zip");
    let cache = support::tempdir();
    let out = pyvet(cache.path(), &["--now", T0, "db", "update", "--url", &url]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(
        text(&out.stdout).contains("imported 8 records"),
        "{}",
        text(&out.stdout)
    );
    let first = s.requests_for("/osv/PyPI/all.zip");
    assert_eq!(first.len(), 1);
    assert_eq!(first[0].header("if-none-match"), None);

    let later = "2026-01-05T00:00:00Z";
    let out = pyvet(
        cache.path(),
        &["--now", later, "db", "update", "--url", &url],
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(
        text(&out.stdout).contains("unchanged"),
        "{}",
        text(&out.stdout)
    );
    let all = s.requests_for("/osv/PyPI/all.zip");
    assert_eq!(all.len(), 2, "one request per update");
    assert_eq!(all[1].header("if-none-match"), Some("\"v1\""));

    // The check counts as an update: the database is current as of the second run.
    let out = pyvet(
        cache.path(),
        &["--now", later, "--format", "json", "db", "info"],
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["updated_at"], later);
    assert_eq!(v["imported_at"], T0);
    assert_eq!(v["age_days"], 0);

    // A different URL is not sent the other export's ETag.
    s.add("/other.zip", write_zip(&files), "application/zip");
    let other = s.url("/other.zip");
    let out = pyvet(
        cache.path(),
        &["--now", later, "db", "update", "--url", &other],
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(
        s.requests_for("/other.zip")[0].header("if-none-match"),
        None
    );
}

#[test]
fn vulnerability_check_without_a_database_is_a_tool_error_naming_the_fix() {
    let dir = support::tempdir();
    std::fs::write(dir.path().join("requirements.txt"), "django==3.2.0\n").unwrap();
    let out = support::hermetic_pyvet(dir.path(), &dir.path().join("cache"))
        .args([
            "--offline",
            "audit",
            "requirements.txt",
            "--checks",
            "vulns",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stdout));
    let stderr = text(&out.stderr);
    assert!(stderr.contains("`pyvet db update`"), "{stderr}");
    assert!(!text(&out.stdout).contains("OK"), "{}", text(&out.stdout));
}

#[test]
fn update_offline_is_an_error_without_leaking_credentials() {
    let cache = support::tempdir();
    let out = pyvet(
        cache.path(),
        &[
            "--offline",
            "db",
            "update",
            "--url",
            "https://user:s3cret@example.invalid/osv/PyPI.zip",
        ],
    );
    assert_eq!(out.status.code(), Some(2));
    let stderr = text(&out.stderr);
    assert!(stderr.contains("offline"), "{stderr}");
    assert!(
        stderr.contains("https://***@example.invalid/osv/PyPI.zip"),
        "{stderr}"
    );
    assert!(!stderr.contains("s3cret"), "{stderr}");
}

#[test]
fn update_from_a_file_url_in_the_environment() {
    let cache = support::tempdir();
    let mut files = Vec::new();
    fixture_files(&fixtures().join("records"), &mut files);
    let zip = cache.path().join("mirror.zip");
    std::fs::write(&zip, write_zip(&files)).unwrap();
    let url = format!("file://{}", zip.display());
    let out = Sandbox::new()
        .pyvet()
        .arg("--cache-dir")
        .arg(cache.path())
        .args(["--offline", "db", "update"])
        .env("PYVET_OSV_URL", &url)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(
        text(&out.stdout).contains("imported 8 records"),
        "{}",
        text(&out.stdout)
    );
    assert!(vulns_db_exists(cache.path()));
}
