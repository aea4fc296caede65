//! Every shipped lockfile fixture (made with uv, poetry 1.8/2.x and pip-compile, plus
//! hand-written samples) read through `pyvet::lockfile::load`, with exact expectations taken from
//! the files: packages, versions, sources, hashes, markers, lines and problems. A few cases run the
//! built binary to check `pyvet lock show` end to end.

mod support;

use std::path::{Path, PathBuf};

use pyvet::hash::HashAlgorithm;
use pyvet::lockfile::{self, LockKind, Lockfile};
use pyvet::package::{ArtifactKind, LockedPackage, Source};

fn fixture(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("testdata/lockfiles")
        .join(rel)
}

fn load(rel: &str) -> Lockfile {
    let path = fixture(rel);
    lockfile::load(&path, None).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

fn source_type(s: &Source) -> &'static str {
    match s {
        Source::Registry { .. } => "registry",
        Source::Url { .. } => "url",
        Source::Vcs { .. } => "vcs",
        Source::Path { editable: true, .. } => "editable",
        Source::Path { .. } => "path",
        Source::Virtual { .. } => "virtual",
    }
}

/// Parse a fixture, check its detected kind, and snapshot one line per package (name, version,
/// source type, artifact count, problem rule ids, markers) in
/// `tests/snapshots/lockfile_formats__<fixture>.snap`.
fn check(rel: &str, kind: LockKind) -> Lockfile {
    let lock = load(rel);
    assert_eq!(lock.kind, kind, "{rel}: kind");
    let got: Vec<String> = lock.packages.iter().map(describe).collect();
    let name: String = rel
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect();
    insta::assert_snapshot!(name, got.join("\n"));
    lock
}

fn describe(p: &LockedPackage) -> String {
    let problems: Vec<&str> = p
        .problems
        .iter()
        .map(|pr| lockfile::problem_rule(pr).id)
        .collect();
    format!(
        "{} {} {} artifacts={} problems={:?} markers={:?}",
        p.name.normalized,
        p.version.as_deref().unwrap_or("-"),
        source_type(&p.source),
        p.artifacts.len(),
        problems,
        p.markers.as_deref()
    )
}

fn find<'a>(lock: &'a Lockfile, name: &str, version: &str) -> &'a LockedPackage {
    lock.packages
        .iter()
        .find(|p| p.name.normalized == name && p.version.as_deref() == Some(version))
        .unwrap_or_else(|| panic!("{name}=={version} not in {}", lock.path.display()))
}

#[test]
fn uv_lock_basic() {
    let lock = check("uv/basic/uv.lock", LockKind::UvLock);
    assert_eq!(lock.index_urls, vec!["https://example.invalid/simple"]);
    let attrs = find(&lock, "attrs", "26.1.0");
    assert_eq!(attrs.line, Some(9));
    let sdist = &attrs.artifacts[0];
    assert_eq!(sdist.filename, "attrs-26.1.0.tar.gz");
    assert_eq!(sdist.kind, ArtifactKind::Sdist);
    assert_eq!(
        sdist.hashes.sha256(),
        Some("d03ceb89cb322a8fd706d4fb91940737b6642aa36998fe130a9bc96c985eff32")
    );
    assert_eq!(sdist.size, Some(952055));
    assert_eq!(
        sdist.upload_time.map(|t| t.to_string()).as_deref(),
        Some("2026-03-19T14:22:25.026Z")
    );
    assert_eq!(
        sdist.url.as_deref(),
        Some("https://example.invalid/packages/9a/8e/82a0fe20a541c03148528be8cac2408564a6c9a0cc7e9171802bc1d26985/attrs-26.1.0.tar.gz")
    );
    let wheel = &attrs.artifacts[1];
    assert_eq!(wheel.filename, "attrs-26.1.0-py3-none-any.whl");
    assert_eq!(wheel.kind, ArtifactKind::Wheel);
    assert_eq!(
        wheel.hashes.sha256(),
        Some("c647aa4a12dfbad9333ca4e71fe62ddc36f4e63b2d260a37a8b83d2f043ac309")
    );
    assert_eq!(wheel.size, Some(67548));
}

#[test]
fn uv_lock_git_url_editable_workspace() {
    let lock = check("uv/rich/uv.lock", LockKind::UvLock);
    let git = find(&lock, "gitpkg", "0.2.0");
    assert_eq!(
        git.source,
        Source::Vcs {
            url: "https://example.invalid/org/gitpkg.git".into(),
            reference: Some("316a7962383e1eb40067c4b73945242e866426f9".into()),
        }
    );
    let six = find(&lock, "six", "1.16.0");
    assert_eq!(six.artifacts[0].filename, "six-1.16.0-py2.py3-none-any.whl");
    assert_eq!(
        six.artifacts[0].hashes.sha256(),
        Some("8abb2f1d86890a2dfb989f9a77cfcfd3e47c2a354b01111771326f8aa26e0254")
    );
    assert_eq!(six.line, Some(132));
}

#[test]
fn pylock_from_uv_export() {
    let lock = check("uv-export/rich/pylock.toml", LockKind::Pylock);
    let git = &lock.packages[1];
    assert_eq!(
        git.source,
        Source::Vcs {
            url: "https://example.invalid/org/gitpkg.git".into(),
            reference: Some("316a7962383e1eb40067c4b73945242e866426f9".into()),
        }
    );
    let idna = find(&lock, "idna", "3.20");
    assert_eq!(idna.line, Some(20));
    let sdist = &idna.artifacts[0];
    assert_eq!(sdist.filename, "idna-3.20.tar.gz");
    assert_eq!(
        sdist.hashes.sha256(),
        Some("a7db850025b95ded1eae8a46181a1a6c56c92c96f0e2b005d9ff8dc0210cab44")
    );
    assert_eq!(sdist.size, Some(216463));
    assert_eq!(
        sdist.upload_time.map(|t| t.to_string()).as_deref(),
        Some("2026-09-17T14:11:04Z")
    );
    assert_eq!(lock.index_urls, vec!["https://example.invalid/simple"]);
}

#[test]
fn pylock_basic_counts_and_directory() {
    let lock = load("uv-export/basic/pylock.toml");
    assert_eq!(lock.kind, LockKind::Pylock);
    assert_eq!(lock.packages.len(), 9);
    let local = lock
        .packages
        .iter()
        .find(|p| p.name.normalized == "localpkg")
        .unwrap();
    assert_eq!(
        local.source,
        Source::Path {
            path: "localpkg".into(),
            editable: false
        }
    );
    let artifacts: usize = lock.packages.iter().map(|p| p.artifacts.len()).sum();
    assert_eq!(artifacts, 16);
    assert!(lock
        .packages
        .iter()
        .flat_map(|p| &p.artifacts)
        .all(|a| a.hashes.sha256().is_some() && a.size.is_some() && a.upload_time.is_some()));
}

#[test]
fn poetry_lock_2_1() {
    let lock = check("poetry-2.1/basic/poetry.lock", LockKind::PoetryLock);
    assert_eq!(lock.index_urls, vec!["https://example.invalid/simple"]);
    let six = find(&lock, "six", "1.16.0");
    assert_eq!(six.artifacts[0].filename, "six-1.16.0-py2.py3-none-any.whl");
    assert_eq!(
        six.artifacts[0].hashes.sha256(),
        Some("8abb2f1d86890a2dfb989f9a77cfcfd3e47c2a354b01111771326f8aa26e0254")
    );
    assert_eq!(six.artifacts[1].filename, "six-1.16.0.tar.gz");
    assert_eq!(
        six.source,
        Source::Registry {
            url: Some("https://example.invalid/simple".into())
        }
    );
}

#[test]
fn poetry_lock_2_1_git_url_directory_group_markers() {
    let lock = check("poetry-2.1/rich/poetry.lock", LockKind::PoetryLock);
    let git = &lock.packages[0];
    assert_eq!(
        git.source,
        Source::Vcs {
            url: "https://example.invalid/org/gitpkg.git".into(),
            reference: Some("316a7962383e1eb40067c4b73945242e866426f9".into()),
        }
    );
    let six = &lock.packages[4];
    assert_eq!(
        six.artifacts[0].url.as_deref(),
        Some("https://example.invalid/packages/d9/5a/e7c31adbe875f2abbb91bd84cf2dc52d792b5a01506781dbcf25c91daf11/six-1.16.0-py2.py3-none-any.whl")
    );
}

#[test]
fn poetry_lock_2_0_from_poetry_1_8() {
    let lock = check("poetry-2.0/poetry.lock", LockKind::PoetryLock);
    assert_eq!(find(&lock, "idna", "3.20").line, Some(41));
}

#[test]
fn poetry_lock_1_1_metadata_files() {
    let lock = check("poetry-1.1/poetry.lock", LockKind::PoetryLock);
    let p = find(&lock, "packaging", "26.4");
    assert!(p.artifacts.iter().all(|a| a.filename.contains("26.4")));
    assert_eq!(
        p.artifacts[0].hashes.sha256(),
        Some("81383611a09c1bc0b08b76e0fd5829d7c6824c65b27a6aee339da133f4233ea2")
    );
    assert_eq!(lock.packages[4].name.display, "Six");
}

#[test]
fn requirements_from_uv_export() {
    let lock = check("uv-export/rich/requirements.txt", LockKind::RequirementsTxt);
    let idna = find(&lock, "idna", "3.20");
    assert_eq!(idna.line, Some(14));
    let hashes: Vec<String> = idna
        .requirement_hashes
        .iter()
        .map(|d| d.to_string())
        .collect();
    assert_eq!(
        hashes,
        vec![
            "sha256:a7db850025b95ded1eae8a46181a1a6c56c92c96f0e2b005d9ff8dc0210cab44",
            "sha256:ab7ae7122974553370f0bdb919e1a960b2cd1bc1ef0276416d896db81c14582c",
        ]
    );
    assert_eq!(
        lock.packages[4].source,
        Source::Vcs {
            url: "git+https://example.invalid/org/gitpkg.git".into(),
            reference: Some("316a7962383e1eb40067c4b73945242e866426f9".into()),
        }
    );
    let six = find(&lock, "six", "1.16.0");
    assert_eq!(six.requirement_hashes.len(), 1);
    assert_eq!(six.artifacts[0].filename, "six-1.16.0-py2.py3-none-any.whl");
}

#[test]
fn requirements_from_pip_compile_and_uv_pip_compile() {
    for rel in [
        "pip-compile/requirements.txt",
        "uv-pip-compile/requirements.txt",
    ] {
        let lock = load(rel);
        let got: Vec<String> = lock.packages.iter().map(|p| p.id()).collect();
        assert_eq!(
            got,
            vec![
                "attrs==26.1.0",
                "idna==3.20",
                "iniconfig==2.3.1",
                "six==1.16.0"
            ],
            "{rel}"
        );
        assert!(lock.packages.iter().all(|p| p.problems.is_empty()), "{rel}");
        assert!(lock
            .packages
            .iter()
            .all(|p| p.requirement_hashes.len() == 2 && p.artifacts.is_empty()));
    }
    let pc = load("pip-compile/requirements.txt");
    assert_eq!(pc.find_links, vec!["./wheels"]);
    assert_eq!(
        pc.packages[0].markers.as_deref(),
        Some("python_full_version >= '3.8'")
    );
    // the .in file is read as requirements too: ranges and bare names are unpinned
    let input = load("uv-pip-compile/requirements.in");
    let problems: Vec<String> = input
        .packages
        .iter()
        .map(|p| format!("{} {:?}", p.name.normalized, p.problems))
        .collect();
    assert_eq!(
        problems,
        vec![
            "six [Unhashed]",
            "idna [Unpinned { specifier: \">=3.6\" }]",
            "attrs [Unpinned { specifier: \"\" }]",
            "iniconfig [Unpinned { specifier: \"\" }]",
        ]
    );
}

#[test]
fn requirements_every_feature() {
    // The fixture's index URL uses ${PYVET_FIXTURE_TOKEN}; pip leaves unset variables as written.
    let lock = check(
        "requirements/features/requirements.txt",
        LockKind::RequirementsTxt,
    );
    assert_eq!(
        lock.index_urls,
        vec![
            "https://user:${PYVET_FIXTURE_TOKEN}@example.invalid/simple",
            "https://example.invalid/extra/simple"
        ]
    );
    assert_eq!(lock.find_links, vec!["./wheels"]);
    // files and the file each package comes from
    assert_eq!(lock.files.len(), 4);
    assert!(lock.file_of(0).ends_with("nested/base.txt"));
    assert!(lock.file_of(1).ends_with("nested/more.txt"));
    assert!(lock.file_of(2).ends_with("features/requirements.txt"));
    assert_eq!(lock.packages[0].line, Some(2));
    assert_eq!(lock.packages[2].line, Some(14));
    // three algorithms
    let attrs = &lock.packages[3];
    let algs: Vec<HashAlgorithm> = attrs
        .requirement_hashes
        .iter()
        .map(|d| d.algorithm)
        .collect();
    assert_eq!(algs, vec![HashAlgorithm::Sha384, HashAlgorithm::Sha512]);
    // constraints: pin and hash come from constraints.txt; colorama is not added
    let ini = &lock.packages[5];
    assert_eq!(
        ini.requirement_hashes[0].hex,
        "9121e2c1fdb355232495be3194c8dfe87ccc2d5dee45947b78e68f499790d7a7"
    );
    assert!(!lock
        .packages
        .iter()
        .any(|p| p.name.normalized == "colorama"));
    // URL fragment hash becomes the artifact's hash
    let fork = &lock.packages[10];
    assert_eq!(
        fork.artifacts[0].hashes.sha256(),
        Some("8abb2f1d86890a2dfb989f9a77cfcfd3e47c2a354b01111771326f8aa26e0254")
    );
    assert_eq!(
        fork.artifacts[0].url.as_deref(),
        Some("https://example.invalid/packages/d9/5a/six_fork-1.0.0-py3-none-any.whl")
    );
}

#[test]
fn detection_by_name_and_content_and_override() {
    // by name
    assert_eq!(load("uv/basic/uv.lock").kind, LockKind::UvLock);
    // by content: copy each fixture under an uninformative name
    let tmp = support::tempdir();
    let dir = tmp.path();
    for (rel, kind) in [
        ("uv/basic/uv.lock", LockKind::UvLock),
        ("poetry-2.1/basic/poetry.lock", LockKind::PoetryLock),
        ("poetry-1.1/poetry.lock", LockKind::PoetryLock),
        ("uv-export/basic/pylock.toml", LockKind::Pylock),
        ("pip-compile/requirements.txt", LockKind::RequirementsTxt),
    ] {
        let p = dir.join("lock");
        std::fs::copy(fixture(rel), &p).unwrap();
        let lock = lockfile::load(&p, None).unwrap_or_else(|e| panic!("{rel}: {e}"));
        assert_eq!(lock.kind, kind, "{rel}");
    }
    // --kind overrides the name: a uv.lock read as requirements fails on its first line
    let err = lockfile::load(
        &fixture("uv/basic/uv.lock"),
        Some(LockKind::RequirementsTxt),
    )
    .unwrap_err()
    .to_string();
    assert!(err.contains("uv.lock:1:"), "{err}");
}

#[test]
fn detect_prefers_uv_lock() {
    let tmp = support::tempdir();
    let dir = tmp.path();
    use lockfile::Detected;
    assert_eq!(lockfile::detect(dir), Detected::None);
    std::fs::write(dir.join("requirements.txt"), "six==1.16.0\n").unwrap();
    assert_eq!(
        lockfile::detect(dir),
        Detected::One(dir.join("requirements.txt"))
    );
    std::fs::write(dir.join("uv.lock"), "version = 1\n").unwrap();
    assert_eq!(lockfile::detect(dir), Detected::One(dir.join("uv.lock")));
}

// ---- the binary -------------------------------------------------------------------------------

fn pyvet(args: &[&str]) -> std::process::Output {
    support::Sandbox::new().run(args)
}

#[test]
fn lock_show_json_shape() {
    let path = fixture("uv/basic/uv.lock");
    let out = pyvet(&["lock", "show", path.to_str().unwrap(), "--format", "json"]);
    let v = support::ok_json(&out);
    assert_eq!(v["kind"], "uv");
    assert_eq!(v["lockfile"], path.to_str().unwrap());
    let packages = v["packages"].as_array().unwrap();
    assert_eq!(packages.len(), 10);
    let attrs = &packages[0];
    assert_eq!(attrs["name"], "attrs");
    assert_eq!(attrs["version"], "26.1.0");
    assert_eq!(attrs["source"]["type"], "registry");
    assert_eq!(
        attrs["artifacts"][0]["hashes"]["sha256"],
        "d03ceb89cb322a8fd706d4fb91940737b6642aa36998fe130a9bc96c985eff32"
    );
    assert_eq!(attrs["artifacts"][0]["filename"], "attrs-26.1.0.tar.gz");
    assert_eq!(attrs["artifacts"][0]["size"], 952055);
    assert_eq!(
        attrs["artifacts"][0]["upload_time"],
        "2026-03-19T14:22:25.026Z"
    );
    let local = packages.iter().find(|p| p["name"] == "localpkg").unwrap();
    assert_eq!(local["problems"][0]["kind"], "local-source");
    assert_eq!(local["problems"][0]["rule"], "local-source");
    assert_eq!(
        local["problems"][0]["message"],
        "local path source: not from an index"
    );
}

#[test]
fn lock_show_redacts_credentials() {
    let path = fixture("requirements/features/requirements.txt");
    let out = support::Sandbox::new()
        .pyvet()
        .args(["lock", "show", path.to_str().unwrap(), "--format", "json"])
        .env("PYVET_FIXTURE_TOKEN", "hunter2-secret")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(!text.contains("hunter2-secret"), "{text}");
    assert!(
        text.contains("https://***@example.invalid/simple"),
        "{text}"
    );
}

#[test]
fn lock_show_table() {
    let path = fixture("poetry-2.1/rich/poetry.lock");
    let out = pyvet(&["lock", "show", path.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("5 packages, 2 with problems"), "{text}");
    for needle in [
        "gitpkg",
        "vcs-source",
        "local-source",
        "six",
        "1.16.0",
        "url https://example.invalid/",
    ] {
        assert!(text.contains(needle), "missing {needle}: {text}");
    }
    // Piped, the table fits 100 columns: long sources and markers wrap in their cells.
    for line in text.lines() {
        assert!(line.chars().count() <= 100, "{line}");
    }
}

#[test]
fn lock_show_kind_override_and_unsupported_formats() {
    let path = fixture("uv/basic/uv.lock");
    let out = pyvet(&["lock", "show", path.to_str().unwrap(), "--kind", "poetry"]);
    assert_eq!(out.status.code(), Some(2));
    for fmt in ["sarif", "markdown"] {
        let out = pyvet(&["lock", "show", path.to_str().unwrap(), "--format", fmt]);
        assert_eq!(out.status.code(), Some(2));
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains("table or json"), "{err}");
    }
}

#[test]
fn lock_show_detects_in_current_directory() {
    let out = support::Sandbox::new()
        .pyvet()
        .args(["lock", "show", "--format", "json"])
        .current_dir(fixture("poetry-2.0"))
        .output()
        .unwrap();
    let v = support::ok_json(&out);
    assert_eq!(v["kind"], "poetry");
    assert_eq!(v["packages"].as_array().unwrap().len(), 8);
}
