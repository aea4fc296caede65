//! Unpinned input resolved through the real uv against the loopback index, then audited: ranges
//! and bare names, `-e .[extra]` (extras honoured, the project's static dependencies read from
//! its pyproject.toml), pyproject.toml as input, the target Python and platform passed through,
//! the index (with credentials) passed through and never echoed, and a package with only an
//! sdist reported as not resolvable instead of built. Without uv (or with `--no-resolve`) the
//! unpinned entries are not vetted and block, naming the command that locks them.
//!
//! uv comes from PYVET_TEST_UV (scripts/test sets it to the pinned uv it installs into
//! target/tools/), else from PATH. A test that needs uv and finds none fails, unless
//! PYVET_TEST_SKIP_UV=1 says to skip it (it then prints that it was skipped).

mod support;

use std::path::{Path, PathBuf};
use std::process::Output;

use support::{simple_json, FixtureFile, Sandbox, TestServer};

/// The uv to test with, or `None` when the uv tests are explicitly skipped.
fn uv() -> Option<PathBuf> {
    let found = std::env::var_os("PYVET_TEST_UV")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .or_else(|| {
            std::env::split_paths(&std::env::var_os("PATH")?)
                .map(|d| d.join("uv"))
                .find(|p| p.is_file())
        });
    match found {
        Some(p) => Some(p),
        None if std::env::var("PYVET_TEST_SKIP_UV").as_deref() == Ok("1") => {
            eprintln!("SKIPPED: no uv (PYVET_TEST_SKIP_UV=1); run scripts/test to include it");
            None
        }
        None => panic!(
            "this test runs the real uv and found none: run scripts/test (which installs the \
             pinned uv), set PYVET_TEST_UV=/path/to/uv, or set PYVET_TEST_SKIP_UV=1 to skip the \
             uv tests"
        ),
    }
}

/// A small, well-formed wheel whose METADATA declares these dependencies.
fn wheel(name: &str, version: &str, requires: &[&str], requires_python: Option<&str>) -> Vec<u8> {
    let mut headers = String::new();
    if let Some(rp) = requires_python {
        headers.push_str(&format!("Requires-Python: {rp}\n"));
    }
    for r in requires {
        headers.push_str(&format!("Requires-Dist: {r}\n"));
    }
    support::wheel_with_metadata(name, version, &headers, &[])
}

/// An sdist whose build would create `marker`: an in-tree build backend (no build requirements
/// to fetch, so a resolver that builds would run it at once) that writes the file when imported.
fn tripwire_sdist(name: &str, version: &str, marker: &Path) -> Vec<u8> {
    let top = format!("{name}-{version}");
    let pyproject =
        "[build-system]\nrequires = []\nbuild-backend = \"tripwire\"\nbackend-path = [\".\"]\n";
    let backend = format!(
        "open({:?}, 'w').write('built')\n\ndef get_requires_for_build_wheel(config_settings=None):\n    return []\n",
        marker.display().to_string()
    );
    support::tar_gz(|b| {
        let info = format!("Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n\n");
        support::tar_file(b, &format!("{top}/PKG-INFO"), info.as_bytes());
        support::tar_file(b, &format!("{top}/pyproject.toml"), pyproject.as_bytes());
        support::tar_file(b, &format!("{top}/tripwire.py"), backend.as_bytes());
    })
}

struct Release {
    name: &'static str,
    version: &'static str,
    requires: &'static [&'static str],
    requires_python: Option<&'static str>,
}

const RELEASES: &[Release] = &[
    Release {
        name: "alpha",
        version: "1.0",
        requires: &[],
        requires_python: None,
    },
    Release {
        name: "alpha",
        version: "2.0",
        requires: &["beta>=1.0"],
        requires_python: None,
    },
    Release {
        name: "beta",
        version: "1.0",
        requires: &[],
        requires_python: None,
    },
    Release {
        name: "delta",
        version: "1.0",
        requires: &[],
        requires_python: None,
    },
    Release {
        name: "epsilon",
        version: "1.0",
        requires: &[],
        requires_python: None,
    },
    Release {
        name: "epsilon",
        version: "2.0",
        requires: &[],
        requires_python: Some(">=3.13"),
    },
];

/// The loopback index: the releases above as wheels, `gamma` as an sdist only (whose build
/// would write `marker`). With `auth`, every route wants that Authorization header.
fn index(marker: &Path, auth: Option<&str>) -> TestServer {
    let s = TestServer::start();
    let fault = || match auth {
        Some(a) => support::Fault::RequireAuth(a.to_string()),
        None => support::Fault::None,
    };
    let add = |path: &str, body: Vec<u8>, content_type: &str| {
        s.add_route(
            path,
            support::Route {
                body,
                content_type: content_type.to_string(),
                fault: fault(),
            },
        );
    };
    let mut pages: std::collections::BTreeMap<&str, (Vec<&str>, Vec<FixtureFile>)> =
        Default::default();
    for r in RELEASES {
        let file = format!("{}-{}-py3-none-any.whl", r.name, r.version);
        let data = wheel(r.name, r.version, r.requires, r.requires_python);
        add(
            &format!("/files/{file}"),
            data.clone(),
            "application/octet-stream",
        );
        let mut f = FixtureFile::new(&file, &format!("../../files/{file}"), &data);
        f.upload_time = Some("2024-03-01T10:00:00Z".into());
        f.requires_python = r.requires_python.map(str::to_string);
        let page = pages.entry(r.name).or_default();
        page.0.push(r.version);
        page.1.push(f);
    }
    let gamma = tripwire_sdist("gamma", "1.0", marker);
    add(
        "/files/gamma-1.0.tar.gz",
        gamma.clone(),
        "application/octet-stream",
    );
    let mut f = FixtureFile::new("gamma-1.0.tar.gz", "../../files/gamma-1.0.tar.gz", &gamma);
    f.upload_time = Some("2024-03-01T10:00:00Z".into());
    pages.insert("gamma", (vec!["1.0"], vec![f]));
    for (name, (versions, files)) in pages {
        add(
            &format!("/simple/{name}/"),
            simple_json(name, &versions, &files).into_bytes(),
            "application/vnd.pypi.simple.v1+json",
        );
    }
    s
}

/// `pyvet --format json audit ARGS` confined to the sandbox (working directory `sb.cwd()`, its
/// own pyvet and uv caches, no index or proxy from the machine). `uv`: what PYVET_UV is set to
/// (`None`: unset, and PATH has no uv).
fn audit(sb: &Sandbox, uv: Option<&Path>, index_url: &str, args: &[&str]) -> Output {
    let mut cmd = sb.pyvet();
    // No vulnerability database here: the other checks (a missing database is an error).
    cmd.args(["--format", "json", "--index-url", index_url, "audit"])
        .args(["--checks", "hashes,code,metadata"])
        .args(args)
        .env("UV_CACHE_DIR", sb.path().join("uv-cache"))
        .env("UV_CONFIG_FILE", "/dev/null")
        .env_remove("UV_FIND_LINKS");
    match uv {
        Some(p) => {
            cmd.env("PYVET_UV", p);
        }
        None => {
            let empty = sb.path().join("empty-path");
            std::fs::create_dir_all(&empty).unwrap();
            cmd.env_remove("PYVET_UV").env("PATH", empty);
        }
    }
    cmd.output().expect("run pyvet")
}

/// `audit`, which must exit with `code`; its report.
fn audit_exit(
    code: i32,
    sb: &Sandbox,
    uv: Option<&Path>,
    index_url: &str,
    args: &[&str],
) -> serde_json::Value {
    let out = audit(sb, uv, index_url, args);
    assert_eq!(
        out.status.code(),
        Some(code),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    report(&out)
}

/// `audit` with uv, which must exit 0; its report.
fn audit_ok(sb: &Sandbox, uv: &Path, index_url: &str, args: &[&str]) -> serde_json::Value {
    audit_exit(0, sb, Some(uv), index_url, args)
}

fn report(out: &Output) -> serde_json::Value {
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "not JSON ({e}):\n{}\nstderr:\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    })
}

/// (name, version) of every package row, sorted.
fn pins(r: &serde_json::Value) -> Vec<(String, String)> {
    let mut v: Vec<(String, String)> = r["packages"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| matches!(p["source"]["type"].as_str(), Some("registry")))
        .map(|p| {
            (
                p["name"].as_str().unwrap().to_string(),
                p["version"].as_str().unwrap_or("-").to_string(),
            )
        })
        .collect();
    v.sort();
    v
}

fn rules(r: &serde_json::Value) -> Vec<String> {
    r["packages"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|p| p["findings"].as_array().unwrap().iter())
        .map(|f| f["rule"].as_str().unwrap().to_string())
        .collect()
}

fn notes(r: &serde_json::Value) -> String {
    r["notes"]
        .as_array()
        .map(|n| {
            n.iter()
                .map(|x| x.as_str().unwrap_or(""))
                .collect::<Vec<_>>()
                .join("\n")
        })
        .unwrap_or_default()
}

/// Every selected artifact of every registry package was downloaded and its hash checked.
fn assert_all_verified(r: &serde_json::Value) {
    for p in r["packages"].as_array().unwrap() {
        if p["source"]["type"] != "registry" {
            continue;
        }
        let arts = p["artifacts"].as_array().unwrap();
        assert!(!arts.is_empty(), "{}: no artifact", p["name"]);
        for a in arts {
            assert_eq!(a["status"], "verified", "{}: {a}", p["name"]);
        }
    }
}

fn root(s: &TestServer) -> String {
    format!("{}/simple", s.base())
}

#[test]
fn ranges_are_resolved_by_uv_and_every_pin_is_vetted() {
    let Some(uv) = uv() else { return };
    let sb = Sandbox::new();
    let s = index(&sb.path().join("BUILT"), None);
    std::fs::write(sb.cwd().join("requirements.in"), "alpha>=1\n").unwrap();
    let r = audit_ok(&sb, &uv, &root(&s), &["requirements.in"]);
    // The newest alpha and the dependency it brings, both pinned, downloaded and verified.
    assert_eq!(
        pins(&r),
        vec![
            ("alpha".into(), "2.0".into()),
            ("beta".into(), "1.0".into())
        ]
    );
    assert_all_verified(&r);
    let rules = rules(&r);
    assert!(
        !rules.iter().any(|x| x == "unpinned" || x == "unresolved"),
        "{rules:?}"
    );
    // The report says it resolved, and shows the command.
    let notes = notes(&r);
    assert!(notes.contains("resolved"), "{notes}");
    assert!(notes.contains("uv pip compile"), "{notes}");
    assert!(
        notes.contains("--no-build") && notes.contains("--generate-hashes"),
        "{notes}"
    );
    assert!(notes.contains(&root(&s)), "the index is shown: {notes}");
    // The resolver's input and output are kept in the cache; nothing else was written.
    assert!(sb.cache().join("resolve").is_dir());
    assert_eq!(
        support::list_files(&sb.cwd()),
        vec![sb.cwd().join("requirements.in")]
    );
    assert!(support::list_files(&sb.home()).is_empty());
    // The direct requirement keeps its line in the input.
    let alpha = r["packages"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == "alpha")
        .unwrap();
    assert_eq!(alpha["line"], 1);
}

#[test]
fn editable_project_extras_are_honoured_and_its_dependencies_read_statically() {
    let Some(uv) = uv() else { return };
    let sb = Sandbox::new();
    let marker = sb.path().join("BUILT");
    let s = index(&marker, None);
    // A project whose version is dynamic (uv would have to build it to learn it): pyvet reads
    // its dependencies from pyproject.toml instead; its setup.py would leave a marker if run.
    std::fs::write(
        sb.cwd().join("pyproject.toml"),
        "[project]\nname = \"proj\"\ndynamic = [\"version\"]\ndependencies = [\"alpha>=1\"]\n\n\
         [project.optional-dependencies]\nsocks = [\"delta\"]\nall = [\"proj[socks]\"]\n",
    )
    .unwrap();
    std::fs::write(
        sb.cwd().join("setup.py"),
        format!(
            "open({:?}, 'w').write('built')\n",
            marker.display().to_string()
        ),
    )
    .unwrap();
    std::fs::write(
        sb.cwd().join("requirements-dev.txt"),
        "-e .[all]\nepsilon\n",
    )
    .unwrap();
    let r = audit_ok(&sb, &uv, &root(&s), &["requirements-dev.txt"]);
    assert_eq!(
        pins(&r),
        vec![
            ("alpha".into(), "2.0".into()),
            ("beta".into(), "1.0".into()),
            ("delta".into(), "1.0".into()),
            ("epsilon".into(), "1.0".into()),
        ]
    );
    assert_all_verified(&r);
    assert!(!marker.exists(), "something ran the project's setup.py");

    // Without the extra, its dependency is not part of the install.
    std::fs::write(sb.cwd().join("requirements-dev.txt"), "-e .\n").unwrap();
    let r = report(&audit(&sb, Some(&uv), &root(&s), &["requirements-dev.txt"]));
    let names: Vec<String> = pins(&r).into_iter().map(|(n, _)| n).collect();
    assert_eq!(names, vec!["alpha", "beta"]);
}

#[test]
fn pyproject_dependencies_are_resolved_and_audited() {
    let Some(uv) = uv() else { return };
    let sb = Sandbox::new();
    let s = index(&sb.path().join("BUILT"), None);
    std::fs::write(
        sb.cwd().join("pyproject.toml"),
        "[project]\nname = \"app\"\nversion = \"1\"\ndependencies = [\"alpha<2\"]\n",
    )
    .unwrap();
    // No argument: the pyproject.toml of the current directory.
    let r = audit_ok(&sb, &uv, &root(&s), &[]);
    assert_eq!(pins(&r), vec![("alpha".into(), "1.0".into())]);
    assert_all_verified(&r);
}

#[test]
fn target_python_and_platform_reach_the_resolver() {
    let Some(uv) = uv() else { return };
    let sb = Sandbox::new();
    let s = index(&sb.path().join("BUILT"), None);
    std::fs::write(
        sb.cwd().join("requirements.in"),
        "epsilon\nbeta ; sys_platform == \"win32\"\n",
    )
    .unwrap();
    let run = |py: &str, platform: &str| {
        let args = [
            "requirements.in",
            "--python-version",
            py,
            "--platform",
            platform,
        ];
        pins(&audit_ok(&sb, &uv, &root(&s), &args))
    };
    // epsilon 2.0 needs Python 3.13; beta is for Windows only.
    assert_eq!(run("3.12", "linux"), vec![("epsilon".into(), "1.0".into())]);
    assert_eq!(
        run("3.13", "windows"),
        vec![
            ("beta".into(), "1.0".into()),
            ("epsilon".into(), "2.0".into())
        ]
    );
}

#[test]
fn index_credentials_are_passed_to_uv_and_never_shown() {
    let Some(uv) = uv() else { return };
    let sb = Sandbox::new();
    // "Basic base64(user:s3cret-token)"
    let s = index(
        &sb.path().join("BUILT"),
        Some("Basic dXNlcjpzM2NyZXQtdG9rZW4="),
    );
    std::fs::write(sb.cwd().join("requirements.in"), "beta\n").unwrap();
    let url = s.url_with_userinfo("user:s3cret-token", "/simple");
    let out = audit(&sb, Some(&uv), &url, &["requirements.in"]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert_eq!(pins(&report(&out)), vec![("beta".into(), "1.0".into())]);
    assert!(
        !stdout.contains("s3cret") && !stderr.contains("s3cret"),
        "{stdout}"
    );
    // The resolver's kept input and output carry no credentials either.
    for f in support::list_files(&sb.cache().join("resolve")) {
        let text = std::fs::read_to_string(&f).unwrap_or_default();
        assert!(!text.contains("s3cret"), "{}", f.display());
    }
}

#[test]
fn sdist_only_package_is_not_built_and_blocks_as_unresolved() {
    let Some(uv) = uv() else { return };
    let sb = Sandbox::new();
    let marker = sb.path().join("BUILT");
    let s = index(&marker, None);
    std::fs::write(sb.cwd().join("requirements.in"), "gamma\nbeta\n").unwrap();
    let r = audit_exit(1, &sb, Some(&uv), &root(&s), &["requirements.in"]);
    assert!(!marker.exists(), "the sdist's build backend ran");
    let gamma = r["packages"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == "gamma")
        .expect("a row for gamma");
    let f = gamma["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["rule"] == "unresolved")
        .unwrap_or_else(|| panic!("{gamma}"));
    assert_eq!(f["severity"], "high");
    let evidence = f["evidence"].as_str().unwrap_or("");
    assert!(
        evidence.contains("gamma"),
        "uv's reason is kept: {evidence}"
    );
    assert_eq!(gamma["verdict"], "fail");
}

#[test]
fn a_pinned_hashed_file_is_audited_as_it_is() {
    let Some(uv) = uv() else { return };
    let sb = Sandbox::new();
    let s = index(&sb.path().join("BUILT"), None);
    let data = wheel("beta", "1.0", &[], None);
    std::fs::write(
        sb.cwd().join("requirements.txt"),
        format!("beta==1.0 --hash=sha256:{}\n", support::sha256(&data)),
    )
    .unwrap();
    let r = audit_ok(&sb, &uv, &root(&s), &["requirements.txt"]);
    assert!(!notes(&r).contains("uv pip compile"), "{}", notes(&r));
    assert_eq!(pins(&r), vec![("beta".into(), "1.0".into())]);
}

// ---- without uv: fail closed ----

#[test]
fn without_uv_unpinned_entries_are_not_vetted_and_block_with_the_lock_command() {
    let sb = Sandbox::new();
    let s = index(&sb.path().join("BUILT"), None);
    std::fs::write(
        sb.cwd().join("pyproject.toml"),
        "[project]\nname = \"proj\"\nversion = \"1\"\ndependencies = [\"alpha>=1\"]\n\n\
         [project.optional-dependencies]\nsocks = [\"delta\"]\n",
    )
    .unwrap();
    std::fs::write(
        sb.cwd().join("requirements-dev.txt"),
        "-e .[socks]\nbeta>=1\n",
    )
    .unwrap();
    let r = audit_exit(1, &sb, None, &root(&s), &["requirements-dev.txt"]);
    // Every unpinned requirement, the project's own (alpha, delta) included, has a row with a
    // blocking finding that names the command that locks the input.
    for name in ["alpha", "beta", "delta"] {
        let p = r["packages"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["name"] == name)
            .unwrap_or_else(|| panic!("no row for {name}: {r}"));
        assert_eq!(p["verdict"], "fail", "{p}");
        let f = p["findings"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["rule"] == "unresolved")
            .unwrap_or_else(|| panic!("{p}"));
        assert_eq!(f["severity"], "high");
        let msg = f["message"].as_str().unwrap();
        assert!(msg.contains("uv is not on PATH"), "{msg}");
        assert!(
            msg.contains("uv pip compile requirements-dev.txt --generate-hashes -o requirements-dev.lock.txt"),
            "{msg}"
        );
        assert!(
            p["artifacts"].as_array().unwrap().is_empty(),
            "nothing was vetted: {p}"
        );
    }
    assert!(notes(&r).contains("were not resolved"), "{}", notes(&r));
}

#[test]
fn no_resolve_leaves_ranges_unvetted_even_with_uv() {
    let sb = Sandbox::new();
    let s = index(&sb.path().join("BUILT"), None);
    std::fs::write(sb.cwd().join("requirements.in"), "alpha>=1\n").unwrap();
    // A PYVET_UV that is not uv at all: with --no-resolve it must not even be asked.
    let fake = sb.path().join("not-uv");
    std::fs::write(&fake, "").unwrap();
    let r = audit_exit(
        1,
        &sb,
        Some(&fake),
        &root(&s),
        &["requirements.in", "--no-resolve"],
    );
    let rules = rules(&r);
    assert!(rules.iter().any(|x| x == "unresolved"), "{rules:?}");
    assert!(notes(&r).contains("--no-resolve"), "{}", notes(&r));
    assert_eq!(pins(&r), vec![("alpha".into(), "-".into())]);
}

#[test]
fn a_pyproject_with_dynamic_dependencies_is_an_error_naming_the_line() {
    let sb = Sandbox::new();
    let s = index(&sb.path().join("BUILT"), None);
    std::fs::write(
        sb.cwd().join("pyproject.toml"),
        "[build-system]\nrequires = []\n\n[project]\nname = \"x\"\ndynamic = [\"dependencies\", \"version\"]\n",
    )
    .unwrap();
    let out = audit(&sb, None, &root(&s), &["pyproject.toml"]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("pyproject.toml:4"), "{stderr}");
    assert!(stderr.contains("never runs build code"), "{stderr}");
}
