//! The cache on disk: export/import round trip, hostile import files refused, prune, and the
//! `pyvet cache` command line.

mod support;

use std::path::Path;

use pyvet::cache::{Cache, CachedResponse};
use support::{pseudo_random_bytes, sha256};

fn filled_cache(root: &Path) -> (Cache, Vec<Vec<u8>>) {
    let cache = Cache::open(root).unwrap();
    let blobs: Vec<Vec<u8>> = (0..3)
        .map(|i| pseudo_random_bytes(i, 10_000 + i as usize))
        .collect();
    for b in &blobs {
        let sha = cache.put_artifact(b).unwrap();
        cache
            .record_name(&format!("https://example.invalid/files/{sha}.whl"), &sha)
            .unwrap();
    }
    cache
        .index_put(&CachedResponse {
            sha256: None,
            url: "https://example.invalid/simple/demo/".into(),
            final_url: "https://example.invalid/simple/demo/".into(),
            status: 200,
            content_type: Some("text/html".into()),
            fetched_at: "2025-01-01T00:00:00Z".parse().unwrap(),
            body: b"<a href=\"x\">x</a>".to_vec(),
        })
        .unwrap();
    (cache, blobs)
}

#[test]
fn export_import_round_trip() {
    let a = support::tempdir();
    let b = support::tempdir();
    let (src, blobs) = filled_cache(a.path());
    let tar = a.path().join("out.tar");
    let stats = src.export(&tar).unwrap();
    assert_eq!(
        (stats.artifacts, stats.index_entries, stats.name_entries),
        (3, 1, 3)
    );
    let dst = Cache::open(b.path()).unwrap();
    let stats = dst.import(&tar).unwrap();
    assert_eq!(
        (stats.artifacts, stats.index_entries, stats.name_entries),
        (3, 1, 3)
    );
    for blob in &blobs {
        assert_eq!(
            dst.artifact(&sha256(blob)).unwrap().as_deref(),
            Some(blob.as_slice())
        );
        assert_eq!(
            dst.lookup_name(&format!(
                "https://example.invalid/files/{}.whl",
                sha256(blob)
            )),
            Some(sha256(blob))
        );
    }
    let r = dst
        .index_get("https://example.invalid/simple/demo/")
        .unwrap()
        .unwrap();
    assert_eq!(r.body, b"<a href=\"x\">x</a>");
    assert_eq!(r.fetched_at.to_string(), "2025-01-01T00:00:00Z");
    assert_eq!(
        src.info().unwrap().total_bytes,
        dst.info().unwrap().total_bytes
    );
    // Importing twice is harmless.
    dst.import(&tar).unwrap();
    assert_eq!(dst.info().unwrap().artifacts, 3);
}

/// Append an entry with a raw (unvalidated) path and type.
fn raw_entry(
    builder: &mut tar::Builder<Vec<u8>>,
    path: &str,
    kind: tar::EntryType,
    data: &[u8],
    link: Option<&str>,
) {
    let mut h = tar::Header::new_old();
    {
        let name = &mut h.as_old_mut().name;
        name.fill(0);
        name[..path.len()].copy_from_slice(path.as_bytes());
    }
    if let Some(l) = link {
        let ln = &mut h.as_old_mut().linkname;
        ln.fill(0);
        ln[..l.len()].copy_from_slice(l.as_bytes());
    }
    h.set_entry_type(kind);
    h.set_size(data.len() as u64);
    h.set_mode(0o644);
    h.set_cksum();
    builder.append(&h, data).unwrap();
}

fn hostile(f: impl FnOnce(&mut tar::Builder<Vec<u8>>)) -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = support::tempdir();
    let mut b = tar::Builder::new(Vec::new());
    // A valid entry first: it must not be imported when a later one is refused.
    let good = b"good artifact".to_vec();
    let sha = sha256(&good);
    raw_entry(
        &mut b,
        &format!("artifacts/sha256/{}/{}", &sha[..2], &sha[2..]),
        tar::EntryType::Regular,
        &good,
        None,
    );
    f(&mut b);
    let bytes = b.into_inner().unwrap();
    let path = dir.path().join("hostile.tar");
    std::fs::write(&path, bytes).unwrap();
    (dir, path)
}

type Case = Box<dyn FnOnce(&mut tar::Builder<Vec<u8>>)>;

#[test]
fn hostile_imports_are_refused_and_add_nothing() {
    let data = b"payload".to_vec();
    let sha = sha256(&data);
    let art = format!("artifacts/sha256/{}/{}", &sha[..2], &sha[2..]);
    let cases: Vec<(&str, Case)> = vec![
        (
            "dotdot",
            Box::new(|b| {
                raw_entry(
                    b,
                    "artifacts/../../escape",
                    tar::EntryType::Regular,
                    b"x",
                    None,
                )
            }),
        ),
        (
            "absolute",
            Box::new(|b| raw_entry(b, "/tmp/pyvet-escape", tar::EntryType::Regular, b"x", None)),
        ),
        ("symlink", {
            let art = art.clone();
            Box::new(move |b| raw_entry(b, &art, tar::EntryType::Symlink, b"", Some("/etc/passwd")))
        }),
        ("hardlink", {
            let art = art.clone();
            Box::new(move |b| raw_entry(b, &art, tar::EntryType::Link, b"", Some("artifacts")))
        }),
        (
            "device",
            Box::new(|b| raw_entry(b, "index/dev", tar::EntryType::Char, b"", None)),
        ),
        (
            "stray-file",
            Box::new(|b| raw_entry(b, "README", tar::EntryType::Regular, b"hi", None)),
        ),
        ("wrong-hash", {
            let art = art.clone();
            Box::new(move |b| raw_entry(b, &art, tar::EntryType::Regular, b"not the payload", None))
        }),
        (
            "bad-index-json",
            Box::new(|b| {
                raw_entry(
                    b,
                    &format!("index/{}.json", "0".repeat(64)),
                    tar::EntryType::Regular,
                    b"{",
                    None,
                )
            }),
        ),
    ];
    for (name, build) in cases {
        let (dir, tar) = hostile(build);
        let cache_dir = dir.path().join("cache");
        let cache = Cache::open(&cache_dir).unwrap();
        let err = cache.import(&tar).expect_err(name).to_string();
        assert!(err.contains("hostile.tar"), "{name}: {err}");
        let info = cache.info().unwrap();
        assert_eq!(info.total_bytes, 0, "{name}: something was imported");
        assert_eq!(
            std::fs::read_dir(cache_dir.join("tmp")).unwrap().count(),
            0,
            "{name}"
        );
        assert!(!dir.path().join("escape").exists());
    }
    assert!(!Path::new("/tmp/pyvet-escape").exists());
}

#[test]
fn a_file_that_is_not_a_tar_is_an_error() {
    let dir = support::tempdir();
    let f = dir.path().join("x.tar");
    std::fs::write(&f, vec![0x42u8; 1500]).unwrap();
    let cache = Cache::open(&dir.path().join("c")).unwrap();
    assert!(cache.import(&f).is_err());
    assert!(cache.import(&dir.path().join("missing.tar")).is_err());
}

#[test]
fn prune_by_age_and_all() {
    let dir = support::tempdir();
    let (cache, blobs) = filled_cache(dir.path());
    // Age one artifact by two days.
    let old = cache.artifact_path(&sha256(&blobs[0])).unwrap();
    let two_days = std::time::SystemTime::now() - std::time::Duration::from_secs(2 * 86_400);
    std::fs::File::options()
        .append(true)
        .open(&old)
        .unwrap()
        .set_modified(two_days)
        .unwrap();
    let s = cache
        .prune(Some(std::time::Duration::from_secs(86_400)))
        .unwrap();
    assert_eq!(s.removed_files, 1);
    assert!(!old.exists());
    assert!(cache.artifact(&sha256(&blobs[1])).unwrap().is_some());
    let s = cache.prune(None).unwrap();
    assert_eq!(s.removed_files, 2 + 3 + 1);
    assert_eq!(cache.info().unwrap().total_bytes, 0);
}

/// `pyvet ARGS` from the shared sandboxed launcher, with its cache at `cache`.
fn pyvet(cache: &Path, args: &[&str]) -> std::process::Output {
    support::Sandbox::new()
        .pyvet()
        .arg("--cache-dir")
        .arg(cache)
        .args(args)
        .output()
        .unwrap()
}

#[test]
fn cache_command_line() {
    let dir = support::tempdir();
    let src = dir.path().join("src");
    filled_cache(&src);
    let out = pyvet(&src, &["cache", "info", "--format", "json"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["artifacts"], 3);
    assert_eq!(v["index_entries"], 1);
    let out = pyvet(&src, &["cache", "info"]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("artifacts") && text.contains(src.to_str().unwrap()),
        "{text}"
    );

    let tar = dir.path().join("carry.tar");
    let out = pyvet(&src, &["cache", "export", tar.to_str().unwrap()]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let dst = dir.path().join("dst");
    let out = pyvet(&dst, &["cache", "import", tar.to_str().unwrap()]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(Cache::open(&dst).unwrap().info().unwrap().artifacts, 3);

    let out = pyvet(&dst, &["cache", "prune", "--older-than", "30"]);
    assert!(out.status.success());
    assert_eq!(Cache::open(&dst).unwrap().info().unwrap().artifacts, 3);
    let out = pyvet(&dst, &["cache", "prune"]);
    assert!(out.status.success());
    assert_eq!(Cache::open(&dst).unwrap().info().unwrap().artifacts, 0);

    let bad = dir.path().join("bad.tar");
    std::fs::write(&bad, b"garbage").unwrap();
    let out = pyvet(&dst, &["cache", "import", bad.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));

    let out = pyvet(&dst, &["cache", "fetch"]);
    assert_eq!(out.status.code(), Some(2));
    // No lockfile in the working directory: a usage error that says what it looked for.
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("no lockfile found in the current directory")
    );
}
