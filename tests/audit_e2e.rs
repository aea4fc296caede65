//! End-to-end `pyvet audit` over the loopback test index: download and verify, a tampered hash,
//! offline from a warm cache and with a cold one, requirements files resolved through the
//! simple API, pre-merge mode, vulnerability-only audits, and the demo.

mod support;

use std::path::Path;
use std::process::Output;

use support::{simple_json, FixtureFile, TestServer};

const TINY: &[u8] = include_bytes!("../testdata/demo/packages/tinyhttp-1.0.0-py3-none-any.whl");
const OLD: &[u8] = include_bytes!("../testdata/demo/packages/oldparse-1.2.0-py3-none-any.whl");
const TINY_WHL: &str = "tinyhttp-1.0.0-py3-none-any.whl";
const OLD_WHL: &str = "oldparse-1.2.0-py3-none-any.whl";

/// `pyvet ARGS` from the shared sandboxed launcher, run in `cwd` with its cache at `cache`.
fn pyvet(cwd: &Path, cache: &Path, args: &[&str]) -> Output {
    support::hermetic_pyvet(cwd, cache)
        .args(args)
        .output()
        .expect("run pyvet")
}

fn json(out: &Output) -> serde_json::Value {
    support::json_of(out)
}

/// The names of the packages the report vetted, in order.
fn package_names(report: &serde_json::Value) -> Vec<&str> {
    report["packages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["name"].as_str().unwrap())
        .collect()
}

fn rules_of(report: &serde_json::Value, package: &str) -> Vec<String> {
    report["packages"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p["name"].as_str().unwrap().eq_ignore_ascii_case(package))
        .flat_map(|p| p["findings"].as_array().unwrap().iter())
        .map(|f| f["rule"].as_str().unwrap().to_string())
        .collect()
}

/// A loopback index serving the two benign demo wheels (simple JSON pages + files).
fn index() -> TestServer {
    let s = TestServer::start();
    for (name, file, data) in [("tinyhttp", TINY_WHL, TINY), ("oldparse", OLD_WHL, OLD)] {
        s.add(
            &format!("/files/{file}"),
            data.to_vec(),
            "application/octet-stream",
        );
        let mut f = FixtureFile::new(file, &format!("../../files/{file}"), data);
        f.upload_time = Some("2024-03-01T10:00:00Z".into());
        let version = if name == "tinyhttp" { "1.0.0" } else { "1.2.0" };
        s.add(
            &format!("/simple/{name}/"),
            simple_json(name, &[version], &[f]),
            "application/vnd.pypi.simple.v1+json",
        );
    }
    s
}

fn uv_lock(s: &TestServer, tiny_hash: &str, with_old: bool) -> String {
    let mut t = format!(
        "version = 1\nrevision = 2\nrequires-python = \">=3.9\"\n\n[[package]]\nname = \"tinyhttp\"\nversion = \"1.0.0\"\nsource = {{ registry = \"{root}/simple\" }}\nwheels = [\n    {{ url = \"{root}/files/{TINY_WHL}\", hash = \"sha256:{tiny_hash}\", size = {} }},\n]\n",
        TINY.len(),
        root = s.base()
    );
    if with_old {
        t.push_str(&format!(
            "\n[[package]]\nname = \"oldparse\"\nversion = \"1.2.0\"\nsource = {{ registry = \"{root}/simple\" }}\nwheels = [\n    {{ url = \"{root}/files/{OLD_WHL}\", hash = \"sha256:{}\", size = {} }},\n]\n",
            support::sha256(OLD),
            OLD.len(),
            root = s.base()
        ));
    }
    t
}

#[test]
fn audit_downloads_verifies_and_passes_benign_packages_then_works_offline() {
    let s = index();
    let dir = support::tempdir();
    let cache = dir.path().join("cache");
    std::fs::write(
        dir.path().join("uv.lock"),
        uv_lock(&s, &support::sha256(TINY), true),
    )
    .unwrap();

    let out = pyvet(
        dir.path(),
        &cache,
        &[
            "audit",
            "--format",
            "json",
            "--checks",
            "hashes,code,metadata",
        ],
    );
    assert_eq!(
        out.status.code(),
        Some(0),
        "stderr: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let r = json(&out);
    let statuses: Vec<&str> = r["packages"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|p| p["artifacts"].as_array().unwrap())
        .map(|a| a["status"].as_str().unwrap())
        .collect();
    assert_eq!(statuses, vec!["verified", "verified"]);
    assert_eq!(s.hits(&format!("/files/{TINY_WHL}")), 1);

    // Offline, from the warm cache: same verdicts, no request reaches the index.
    let before = s.requests().len();
    let out = pyvet(
        dir.path(),
        &cache,
        &[
            "--offline",
            "audit",
            "--format",
            "json",
            "--checks",
            "hashes,code,metadata",
        ],
    );
    assert_eq!(
        out.status.code(),
        Some(0),
        "stderr: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(json(&out)["summary"]["pass"], r["summary"]["pass"]);
    assert_eq!(
        s.requests().len(),
        before,
        "offline audit must not touch the network"
    );
}

#[test]
fn tampered_lockfile_hash_is_a_critical_hash_mismatch_and_nothing_is_cached() {
    let s = index();
    let dir = support::tempdir();
    let cache = dir.path().join("cache");
    std::fs::write(
        dir.path().join("uv.lock"),
        uv_lock(&s, &"ab".repeat(32), false),
    )
    .unwrap();
    let out = pyvet(
        dir.path(),
        &cache,
        &[
            "audit",
            "uv.lock",
            "--format",
            "json",
            "--checks",
            "hashes,code,metadata",
        ],
    );
    assert_eq!(
        out.status.code(),
        Some(1),
        "stderr: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let r = json(&out);
    assert!(
        rules_of(&r, "tinyhttp").contains(&"hash-mismatch".to_string()),
        "{r:#}"
    );
    let finding = &r["packages"][0]["findings"][0];
    assert_eq!(finding["severity"], "critical");
    // The mismatching bytes never enter the cache.
    let cached = pyvet(dir.path(), &cache, &["cache", "info", "--format", "json"]);
    assert_eq!(
        json(&cached)["artifacts"],
        0,
        "{}",
        String::from_utf8_lossy(&cached.stdout)
    );
}

#[test]
fn offline_with_a_cold_cache_exits_2_and_names_what_is_missing() {
    let s = index();
    let dir = support::tempdir();
    let cache = dir.path().join("cache");
    std::fs::write(
        dir.path().join("uv.lock"),
        uv_lock(&s, &support::sha256(TINY), false),
    )
    .unwrap();
    let out = pyvet(
        dir.path(),
        &cache,
        &["--offline", "audit", "uv.lock", "--checks", "hashes,code"],
    );
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("offline") && err.contains(TINY_WHL), "{err}");
    assert!(s.requests().is_empty());
}

#[test]
fn requirements_without_file_names_are_resolved_through_the_simple_api() {
    let s = index();
    let dir = support::tempdir();
    let cache = dir.path().join("cache");
    let req = format!(
        "--index-url {}/simple\ntinyhttp==1.0.0 \\\n    --hash=sha256:{}\noldparse==1.2.0\n",
        s.base(),
        support::sha256(TINY)
    );
    std::fs::write(dir.path().join("requirements.txt"), req).unwrap();
    let out = pyvet(
        dir.path(),
        &cache,
        &[
            "audit",
            "requirements.txt",
            "--format",
            "json",
            "--checks",
            "hashes,code",
        ],
    );
    assert_eq!(
        out.status.code(),
        Some(0),
        "stderr: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let r = json(&out);
    let tiny = r["packages"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == "tinyhttp")
        .unwrap();
    assert_eq!(tiny["artifacts"][0]["filename"], TINY_WHL);
    assert_eq!(tiny["artifacts"][0]["status"], "verified");
    // oldparse has no --hash: reported as unhashed, still verified against the index's hash.
    assert!(rules_of(&r, "oldparse").contains(&"unhashed".to_string()));
}

#[test]
fn no_index_configured_is_a_clear_tool_error() {
    let dir = support::tempdir();
    std::fs::write(dir.path().join("requirements.txt"), "tinyhttp==1.0.0\n").unwrap();
    let out = pyvet(
        dir.path(),
        &dir.path().join("cache"),
        &[
            "audit",
            "requirements.txt",
            "--checks",
            "hashes,code,metadata",
        ],
    );
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("--index-url"), "{err}");
}

#[test]
fn premerge_mode_vets_only_the_added_package() {
    let s = index();
    let dir = support::tempdir();
    let cache = dir.path().join("cache");
    std::fs::write(
        dir.path().join("base.lock"),
        uv_lock(&s, &support::sha256(TINY), false),
    )
    .unwrap();
    std::fs::write(
        dir.path().join("uv.lock"),
        uv_lock(&s, &support::sha256(TINY), true),
    )
    .unwrap();
    let out = pyvet(
        dir.path(),
        &cache,
        &[
            "audit",
            "uv.lock",
            "--kind",
            "uv",
            "--base",
            "base.lock",
            "--format",
            "json",
            "--checks",
            "hashes,code",
        ],
    );
    assert_eq!(
        out.status.code(),
        Some(0),
        "stderr: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let r = json(&out);
    assert_eq!(package_names(&r), vec!["oldparse"]);
    assert_eq!(r["packages"][0]["change"], "added");
    assert_eq!(r["summary"]["unchanged"], 1);
    assert_eq!(
        s.hits(&format!("/files/{TINY_WHL}")),
        0,
        "unchanged packages are not fetched"
    );
}

#[test]
fn vulnerability_only_audit_runs_offline_with_just_the_database() {
    let dir = support::tempdir();
    let cache = dir.path().join("cache");
    let repo = Path::new(env!("CARGO_MANIFEST_DIR"));
    let out = pyvet(
        dir.path(),
        &cache,
        &[
            "db",
            "import",
            repo.join("testdata/demo/osv").to_str().unwrap(),
        ],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    std::fs::write(
        dir.path().join("requirements.txt"),
        "oldparse==1.2.0\ntinyhttp==1.0.0\n",
    )
    .unwrap();
    let out = pyvet(
        dir.path(),
        &cache,
        &[
            "--offline",
            "audit",
            "requirements.txt",
            "--checks",
            "vulns",
            "--format",
            "json",
        ],
    );
    assert_eq!(
        out.status.code(),
        Some(1),
        "stderr: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let r = json(&out);
    assert!(rules_of(&r, "oldparse").contains(&"known-vulnerability".to_string()));
    assert!(!rules_of(&r, "tinyhttp").contains(&"known-vulnerability".to_string()));
}

#[test]
fn imported_popular_names_drive_the_typosquat_check() {
    let s = TestServer::start(); // knows no project: every page is a 404
    let dir = support::tempdir();
    let cache = dir.path().join("cache");
    std::fs::write(dir.path().join("requirements.txt"), "zebrafoobat==1.0\n").unwrap();
    let args = [
        "audit",
        "requirements.txt",
        "--checks",
        "metadata",
        "--format",
        "json",
        "--index-url",
    ];
    let index = format!("{}/simple", s.base());
    let mut with_index: Vec<&str> = args.to_vec();
    with_index.push(&index);

    let before = json(&pyvet(dir.path(), &cache, &with_index));
    assert!(!rules_of(&before, "zebrafoobat").contains(&"typosquat".to_string()));

    support::import_names(dir.path(), &cache, "zebrafoobar\t1\n");
    let after = json(&pyvet(dir.path(), &cache, &with_index));
    assert!(
        rules_of(&after, "zebrafoobat").contains(&"typosquat".to_string()),
        "{after:#}"
    );
}

#[test]
fn metadata_checks_use_now_and_work_offline_from_a_warm_cache() {
    let s = TestServer::start();
    s.add(
        &format!("/files/{TINY_WHL}"),
        TINY.to_vec(),
        "application/octet-stream",
    );
    let mut f = FixtureFile::new(TINY_WHL, &format!("../../files/{TINY_WHL}"), TINY);
    f.upload_time = Some("2026-03-01T10:00:00Z".into());
    f.yanked = Some(Some("broken build".into()));
    s.add(
        "/simple/tinyhttp/",
        simple_json("tinyhttp", &["1.0.0"], &[f]),
        "application/vnd.pypi.simple.v1+json",
    );
    let dir = support::tempdir();
    let cache = dir.path().join("cache");
    std::fs::write(
        dir.path().join("requirements.txt"),
        format!("--index-url {}/simple\ntinyhttp==1.0.0\n", s.base()),
    )
    .unwrap();
    let run = |extra: &[&str]| {
        let mut args = vec![
            "audit",
            "requirements.txt",
            "--checks",
            "metadata",
            "--format",
            "json",
        ];
        args.extend_from_slice(extra);
        json(&pyvet(dir.path(), &cache, &args))
    };
    let day_after = ["--now", "2026-03-02T10:00:00Z"];
    let r = run(&day_after);
    let rules = rules_of(&r, "tinyhttp");
    assert!(rules.contains(&"recent-release".to_string()), "{rules:?}");
    assert!(rules.contains(&"yanked".to_string()), "{rules:?}");
    let yanked = r["packages"][0]["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["rule"] == "yanked")
        .unwrap()
        .clone();
    assert!(yanked.to_string().contains("broken build"));

    // The same answers offline, from the cache.
    let before = s.requests().len();
    let mut offline = vec!["--offline"];
    offline.extend_from_slice(&day_after);
    let r2 = run(&offline);
    assert_eq!(rules_of(&r2, "tinyhttp"), rules);
    assert_eq!(s.requests().len(), before);

    // A year later the release is no longer recent; it is still yanked.
    let later = rules_of(
        &run(&["--offline", "--now", "2027-03-02T10:00:00Z"]),
        "tinyhttp",
    );
    assert!(!later.contains(&"recent-release".to_string()), "{later:?}");
    assert!(later.contains(&"yanked".to_string()));
}

#[test]
fn cache_fetch_fills_the_cache_for_a_later_offline_audit() {
    let s = index();
    let dir = support::tempdir();
    let cache = dir.path().join("cache");
    std::fs::write(
        dir.path().join("uv.lock"),
        uv_lock(&s, &support::sha256(TINY), true),
    )
    .unwrap();
    let out = pyvet(dir.path(), &cache, &["cache", "fetch", "uv.lock"]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("cached 2 artifact(s)"));
    let requests = s.requests().len();
    let out = pyvet(
        dir.path(),
        &cache,
        &[
            "--offline",
            "audit",
            "uv.lock",
            "--format",
            "json",
            "--checks",
            "hashes,code,metadata",
        ],
    );
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(json(&out)["summary"]["packages"], 2);
    assert_eq!(s.requests().len(), requests);
}

#[test]
fn all_artifacts_vets_files_for_other_platforms_too() {
    let s = index();
    let win = "tinyhttp-1.0.0-cp312-cp312-win_amd64.whl";
    s.add(
        &format!("/files/{win}"),
        TINY.to_vec(),
        "application/octet-stream",
    );
    let dir = support::tempdir();
    let cache = dir.path().join("cache");
    let lock = uv_lock(&s, &support::sha256(TINY), false).replace(
        "},\n]\n",
        &format!(
            "}},\n    {{ url = \"{}/files/{win}\", hash = \"sha256:{}\", size = {} }},\n]\n",
            s.base(),
            support::sha256(TINY),
            TINY.len()
        ),
    );
    std::fs::write(dir.path().join("uv.lock"), lock).unwrap();
    let statuses = |extra: &[&str]| -> Vec<String> {
        let mut args = vec![
            "audit",
            "uv.lock",
            "--checks",
            "hashes",
            "--format",
            "json",
            "--platform",
            "linux-x86_64",
        ];
        args.extend_from_slice(extra);
        let r = json(&pyvet(dir.path(), &cache, &args));
        r["packages"][0]["artifacts"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| {
                format!(
                    "{} {}",
                    a["filename"].as_str().unwrap(),
                    a["status"].as_str().unwrap()
                )
            })
            .collect()
    };
    assert_eq!(
        statuses(&[]),
        vec![format!("{TINY_WHL} verified"), format!("{win} skipped")]
    );
    assert_eq!(
        statuses(&["--all-artifacts"]),
        vec![format!("{TINY_WHL} verified"), format!("{win} verified")]
    );
}

#[test]
fn premerge_upgrade_reports_only_what_the_new_version_adds() {
    const V1: &[u8] = include_bytes!("../testdata/upgrade/updpkg-1.0.0-py3-none-any.whl");
    const V2: &[u8] = include_bytes!("../testdata/upgrade/updpkg-1.1.0-py3-none-any.whl");
    let s = TestServer::start();
    let lock_for = |version: &str, data: &[u8]| {
        let file = format!("updpkg-{version}-py3-none-any.whl");
        s.add(
            &format!("/files/{file}"),
            data.to_vec(),
            "application/octet-stream",
        );
        format!(
            "version = 1\nrevision = 2\n\n[[package]]\nname = \"updpkg\"\nversion = \"{version}\"\nsource = {{ registry = \"{root}/simple\" }}\nwheels = [\n    {{ url = \"{root}/files/{file}\", hash = \"sha256:{}\", size = {} }},\n]\n",
            support::sha256(data),
            data.len(),
            root = s.base()
        )
    };
    let dir = support::tempdir();
    let cache = dir.path().join("cache");
    std::fs::write(dir.path().join("base.lock"), lock_for("1.0.0", V1)).unwrap();
    std::fs::write(dir.path().join("uv.lock"), lock_for("1.1.0", V2)).unwrap();
    let code_findings = |r: &serde_json::Value| -> Vec<(String, String)> {
        r["packages"][0]["findings"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|f| f["artifact"].is_string())
            .map(|f| {
                (
                    f["rule"].as_str().unwrap().to_string(),
                    f["location"]["path"].as_str().unwrap().to_string(),
                )
            })
            .collect()
    };

    // A full audit of 1.1.0 sees both the old obfuscated call and the new .pth hook.
    let full = json(&pyvet(
        dir.path(),
        &cache,
        &[
            "audit",
            "uv.lock",
            "--checks",
            "hashes,code",
            "--format",
            "json",
        ],
    ));
    let all = code_findings(&full);
    assert!(
        all.iter()
            .any(|(r, p)| r == "exec-decoded" && p == "updpkg/__init__.py"),
        "{all:?}"
    );
    assert!(
        all.iter()
            .any(|(r, p)| r == "pth-exec" && p == "updpkg_boot.pth"),
        "{all:?}"
    );

    // Against the base, only what 1.1.0 adds remains, and the change is summarised.
    let out = pyvet(
        dir.path(),
        &cache,
        &[
            "audit",
            "uv.lock",
            "--base",
            "base.lock",
            "--kind",
            "uv",
            "--checks",
            "hashes,code",
            "--format",
            "json",
        ],
    );
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let r = json(&out);
    let new = code_findings(&r);
    assert!(
        new.iter()
            .any(|(r, p)| r == "pth-exec" && p == "updpkg_boot.pth"),
        "{new:?}"
    );
    assert!(
        !new.iter().any(|(_, p)| p == "updpkg/__init__.py"),
        "old findings came back: {new:?}"
    );
    assert_eq!(r["packages"][0]["change"], "upgraded from 1.0.0");
    let upgrade = &r["packages"][0]["upgrade"];
    assert_eq!(upgrade["files_added"], 1, "{upgrade}");
    assert_eq!(
        upgrade["new_install_hooks"],
        serde_json::json!(["updpkg_boot.pth"]),
        "{upgrade}"
    );
}

#[test]
fn offline_vulnerability_audit_of_old_pins_reports_exactly_the_advisories_that_apply() {
    let dir = support::tempdir();
    let cache = dir.path().join("cache");
    let repo = Path::new(env!("CARGO_MANIFEST_DIR"));
    let out = pyvet(
        dir.path(),
        &cache,
        &[
            "db",
            "import",
            repo.join("testdata/osv/records").to_str().unwrap(),
        ],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let req = repo.join("testdata/osv/requirements-old.txt");
    let out = pyvet(
        dir.path(),
        &cache,
        &[
            "--offline",
            "audit",
            req.to_str().unwrap(),
            "--checks",
            "vulns",
            "--format",
            "json",
        ],
    );
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let r = json(&out);
    let mut got: Vec<(String, String, String)> = r["packages"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|p| {
            let name = p["name"].as_str().unwrap().to_string();
            p["findings"]
                .as_array()
                .unwrap()
                .iter()
                .filter_map(move |f| {
                    let rule = f["rule"].as_str().unwrap();
                    (rule == "known-vulnerability" || rule == "known-malicious").then(|| {
                        (
                            name.clone(),
                            rule.to_string(),
                            f["severity"].as_str().unwrap().to_string(),
                        )
                    })
                })
        })
        .collect();
    got.sort();
    let expected: Vec<(String, String, String)> = [
        // Every known vulnerability blocks: graded medium or unknown, the finding is high.
        ("alpha-http", "known-vulnerability", "high"),
        ("beta-parser", "known-vulnerability", "critical"),
        ("delta-cache", "known-vulnerability", "high"),
        ("epsilon-cli", "known-vulnerability", "high"),
        ("evil-pkg-demo", "known-malicious", "critical"),
        ("gamma-tools", "known-vulnerability", "high"),
        // Only a CVSS v4 vector (9.3): scored, no longer defaulted to medium.
        ("zeta-web", "known-vulnerability", "critical"),
    ]
    .iter()
    .map(|(a, b, c)| (a.to_string(), b.to_string(), c.to_string()))
    .collect();
    assert_eq!(got, expected);
    // Withdrawn and other-ecosystem records never appear.
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(!text.contains("PYSEC-0000-0006") && !text.contains("GHSA-0000-cccc-0003"));
}

#[test]
fn a_directory_argument_means_the_lockfile_in_it() {
    let repo = Path::new(env!("CARGO_MANIFEST_DIR"));
    let dir = support::tempdir();
    let out = pyvet(
        dir.path(),
        &dir.path().join("cache"),
        &["lock", "show", "--format", "json"],
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("no lockfile found in the current directory")
    );
    let uv_dir = repo.join("testdata/lockfiles/uv/basic");
    let out = pyvet(
        dir.path(),
        &dir.path().join("cache"),
        &["lock", "show", uv_dir.to_str().unwrap(), "--format", "json"],
    );
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(json(&out)["lockfile"]
        .as_str()
        .unwrap()
        .ends_with("uv.lock"));
    let out = pyvet(
        dir.path(),
        &dir.path().join("cache"),
        &["lock", "show", repo.join("testdata").to_str().unwrap()],
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no lockfile found in"));
}

/// The project needs tinyhttp everywhere and oldparse only on Windows.
/// The loopback index, and a project directory whose uv.lock is [`project_lock_with`] its
/// Windows-only dependency; the cache path inside it.
fn project_with_a_windows_dependency() -> (TestServer, tempfile::TempDir, std::path::PathBuf) {
    let s = index();
    let dir = support::tempdir();
    let cache = dir.path().join("cache");
    std::fs::write(dir.path().join("uv.lock"), project_lock_with(&s, true)).unwrap();
    (s, dir, cache)
}

/// The project's uv.lock, with or without its Windows-only dependency on oldparse.
fn project_lock_with(s: &TestServer, oldparse: bool) -> String {
    let windows_dep = if oldparse {
        "    { name = \"oldparse\", marker = \"sys_platform == 'win32'\" },\n"
    } else {
        ""
    };
    let project = format!("[[package]]\nname = \"app\"\nversion = \"0.1.0\"\nsource = {{ virtual = \".\" }}\ndependencies = [\n    {{ name = \"tinyhttp\" }},\n{windows_dep}]\n\n");
    uv_lock(s, &support::sha256(TINY), oldparse).replacen(
        "[[package]]",
        &format!("{project}[[package]]"),
        1,
    )
}

#[test]
fn a_package_behind_a_marker_false_on_the_target_is_not_downloaded_and_is_listed_as_not_installed()
{
    let (s, dir, cache) = project_with_a_windows_dependency();
    let audit = |extra: &[&str]| {
        let mut args = vec!["audit", "--checks", "hashes,code", "--platform"];
        args.extend_from_slice(extra);
        pyvet(dir.path(), &cache, &args)
    };
    let r = support::ok_json(&audit(&["linux-x86_64", "--format", "json"]));
    let vetted = package_names(&r);
    assert!(
        vetted.contains(&"tinyhttp") && !vetted.contains(&"oldparse"),
        "{vetted:?}"
    );
    let skipped = r["not_installed"].as_array().unwrap();
    assert_eq!(skipped.len(), 1, "{skipped:?}");
    assert_eq!(skipped[0]["name"], "oldparse");
    assert_eq!(skipped[0]["version"], "1.2.0");
    let reason = skipped[0]["reason"].as_str().unwrap();
    assert!(reason.contains("sys_platform == 'win32'"), "{reason}");
    assert_eq!(r["summary"]["not_installed"], 1);
    assert_eq!(
        s.hits(&format!("/files/{OLD_WHL}")),
        0,
        "not installed, not fetched"
    );
    assert_eq!(s.hits("/simple/oldparse/"), 0);
    assert_eq!(s.hits(&format!("/files/{TINY_WHL}")), 1);

    // The table says so too.
    let out = audit(&["linux-x86_64"]);
    let table = String::from_utf8_lossy(&out.stdout);
    assert!(table.contains("1 not installed on the target"), "{table}");
    assert!(table.contains("oldparse"), "{table}");

    // On Windows, or with --all-packages, it is vetted.
    for extra in [
        &["windows-amd64"][..],
        &["linux-x86_64", "--all-packages"][..],
    ] {
        let mut args = extra.to_vec();
        args.extend(["--format", "json"]);
        let r = json(&audit(&args));
        assert!(r.get("not_installed").is_none(), "{extra:?}: {r}");
        assert!(package_names(&r).contains(&"oldparse"), "{extra:?}");
    }
    assert_eq!(
        s.hits(&format!("/files/{OLD_WHL}")),
        1,
        "fetched once, then cached"
    );
}

#[test]
fn lock_show_with_a_target_flag_shows_the_install_set_and_its_size() {
    let (s, dir, cache) = project_with_a_windows_dependency();
    let show = |extra: &[&str]| {
        let mut args = vec!["lock", "show"];
        args.extend_from_slice(extra);
        pyvet(dir.path(), &cache, &args)
    };
    let r = json(&show(&["--format", "json"]));
    assert!(
        r.get("install_set").is_none(),
        "no target flag, no install set"
    );
    let r = json(&show(&["--platform", "linux-x86_64", "--format", "json"]));
    let set = &r["install_set"];
    assert_eq!(set["packages"], 3);
    assert_eq!(set["installed"], 2);
    assert_eq!(set["not_installed"], 1);
    assert_eq!(set["selected_artifacts"], 1);
    assert_eq!(set["selected_bytes"], TINY.len());
    let old = r["packages"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == "oldparse")
        .unwrap();
    assert_eq!(old["install"]["installed"], false);
    assert!(old["install"]["reason"]
        .as_str()
        .unwrap()
        .contains("sys_platform == 'win32'"));
    let r = json(&show(&["--platform", "windows-amd64", "--format", "json"]));
    assert_eq!(r["install_set"]["not_installed"], 0);
    let table = show(&["--platform", "linux-x86_64"]);
    let table = String::from_utf8_lossy(&table.stdout);
    assert!(
        table.contains("2 of 3 packages installed (1 not installed)"),
        "{table}"
    );
    assert!(table.contains("not installed: oldparse 1.2.0"), "{table}");
    // A group the lockfile does not define is a usage error, under Poetry's name for the flag
    // too.
    let out = show(&["--with", "nope"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("`nope`"));
    assert_eq!(s.requests().len(), 0, "lock show reads the file only");
}

#[test]
fn premerge_lists_an_added_package_the_target_does_not_install_and_fetches_nothing_for_it() {
    let s = index();
    let dir = support::tempdir();
    let cache = dir.path().join("cache");
    std::fs::write(dir.path().join("base.lock"), project_lock_with(&s, false)).unwrap();
    std::fs::write(dir.path().join("uv.lock"), project_lock_with(&s, true)).unwrap();
    let r = support::ok_json(&pyvet(
        dir.path(),
        &cache,
        &[
            "audit",
            "uv.lock",
            "--base",
            "base.lock",
            "--platform",
            "linux-x86_64",
            "--format",
            "json",
            "--checks",
            "hashes,code",
        ],
    ));
    assert!(!package_names(&r).contains(&"oldparse"), "{r}");
    assert_eq!(r["not_installed"][0]["name"], "oldparse", "{r}");
    assert_eq!(r["summary"]["not_installed"], 1);
    assert_eq!(s.hits(&format!("/files/{OLD_WHL}")), 0);
    assert_eq!(s.hits(&format!("/files/{TINY_WHL}")), 0, "unchanged");
}
