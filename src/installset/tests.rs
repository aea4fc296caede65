//! The install set per lockfile format: what an install on one target selects, what it leaves
//! out and why, and that whatever cannot be decided is vetted.

use std::path::Path;

use super::*;
use crate::lockfile::{load_str, LockKind};

const H: &str = "sha256:0000000000000000000000000000000000000000000000000000000000000000";

fn linux() -> Target {
    Target::from_args(Some("3.12"), Some("manylinux_2_28_x86_64")).unwrap()
}

fn windows() -> Target {
    Target::from_args(Some("3.12"), Some("windows-amd64")).unwrap()
}

/// A registry package block for a uv.lock, with its dependency tables as written.
fn uv_pkg(name: &str, version: &str, extra: &str) -> String {
    format!(
        "[[package]]\nname = \"{name}\"\nversion = \"{version}\"\n\
         source = {{ registry = \"https://example.invalid/simple\" }}\n\
         wheels = [{{ url = \"https://example.invalid/f/{name}-{version}-py3-none-any.whl\", \
         hash = \"{H}\" }}]\n{extra}\n\n"
    )
}

/// A project with a platform-only dependency, an extra, a dependency that activates another
/// package's extra, two dependency groups and a package nothing needs.
fn uv_lock() -> String {
    let mut s = String::from("version = 1\nrevision = 3\nrequires-python = \">=3.9\"\n\n");
    s.push_str(
        "[[package]]\nname = \"app\"\nversion = \"0.1.0\"\nsource = { virtual = \".\" }\n\
         dependencies = [\n  { name = \"a\" },\n  { name = \"b\", extra = [\"socks\"] },\n  \
         { name = \"winonly\", marker = \"sys_platform == 'win32'\" },\n  \
         { name = \"fuzzy\", marker = \"sys_platform == 'win32' or no_such_variable == 'x'\" },\n]\n\
         [package.optional-dependencies]\ndocs = [{ name = \"sphinx\" }]\n\
         [package.dev-dependencies]\ndev = [{ name = \"pytest\" }]\nlint = [{ name = \"ruff\" }]\n\n",
    );
    s.push_str(&uv_pkg("a", "1.0", ""));
    s.push_str(&uv_pkg(
        "b",
        "1.0",
        "[package.optional-dependencies]\nsocks = [{ name = \"pysocks\" }]\nhttp2 = [{ name = \"h2\" }]",
    ));
    for n in [
        "winonly", "fuzzy", "sphinx", "pytest", "ruff", "pysocks", "h2", "stale",
    ] {
        s.push_str(&uv_pkg(n, "1.0", ""));
    }
    s
}

fn load(dir: &Path, file: &str, text: &str, kind: LockKind) -> Lockfile {
    load_str(&dir.join(file), text, Some(kind)).unwrap()
}

fn set(lock: &Lockfile, target: &Target, request: &Request) -> InstallSet {
    compute(lock, target, request).unwrap()
}

fn installed(lock: &Lockfile, s: &InstallSet) -> Vec<String> {
    lock.packages
        .iter()
        .enumerate()
        .filter(|(i, _)| s.is_installed(*i))
        .map(|(_, p)| p.name.normalized.clone())
        .collect()
}

fn reason<'a>(lock: &Lockfile, s: &'a InstallSet, name: &str) -> &'a str {
    s.skipped
        .iter()
        .find(|k| lock.packages[k.index].name.normalized == name)
        .map(|k| k.reason.as_str())
        .unwrap_or_else(|| panic!("{name} is not skipped: {:?}", s.skipped))
}

fn with_pyproject(text: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("pyproject.toml"), text).unwrap();
    dir
}

#[test]
fn uv_lock_walks_markers_extras_and_groups_from_the_project() {
    let dir = with_pyproject("[project]\nname = \"app\"\n");
    let lock = load(dir.path(), "uv.lock", &uv_lock(), LockKind::UvLock);
    let s = set(&lock, &linux(), &Request::default());
    // `fuzzy`'s marker names a variable nobody knows: kept (fail closed), and a note says so.
    assert_eq!(
        installed(&lock, &s),
        ["app", "a", "b", "fuzzy", "pytest", "pysocks"]
    );
    assert!(reason(&lock, &s, "winonly").contains("sys_platform == 'win32'"));
    assert!(
        reason(&lock, &s, "winonly").contains("(from app)"),
        "{}",
        reason(&lock, &s, "winonly")
    );
    assert!(reason(&lock, &s, "sphinx").contains("extra `docs`"));
    assert!(reason(&lock, &s, "ruff").contains("group `lint`"));
    assert!(reason(&lock, &s, "h2").contains("extra `http2` of b"));
    assert!(reason(&lock, &s, "stale").contains("nothing"));
    assert!(s.notes.iter().any(|n| n.contains("could not be evaluated")));

    // The same lock on Windows installs the Windows-only dependency.
    let s = set(&lock, &windows(), &Request::default());
    assert!(installed(&lock, &s).contains(&"winonly".to_string()));
}

#[test]
fn uv_lock_flags_choose_extras_and_groups() {
    let dir = with_pyproject("[project]\nname = \"app\"\n");
    let lock = load(dir.path(), "uv.lock", &uv_lock(), LockKind::UvLock);
    let t = linux();
    let has = |r: Request, name: &str| installed(&lock, &set(&lock, &t, &r)).contains(&name.into());
    assert!(has(
        Request {
            extras: vec!["Docs".into()],
            ..Request::default()
        },
        "sphinx"
    ));
    assert!(has(
        Request {
            all_extras: true,
            ..Request::default()
        },
        "sphinx"
    ));
    assert!(has(
        Request {
            groups: vec!["lint".into()],
            ..Request::default()
        },
        "ruff"
    ));
    assert!(!has(
        Request {
            no_dev: true,
            ..Request::default()
        },
        "pytest"
    ));
    assert!(!has(
        Request {
            no_default_groups: true,
            ..Request::default()
        },
        "pytest"
    ));
    assert!(has(
        Request {
            all_groups: true,
            ..Request::default()
        },
        "ruff"
    ));
    assert!(!has(
        Request {
            all_groups: true,
            no_groups: vec!["Lint".into()],
            ..Request::default()
        },
        "ruff"
    ));
    let only = set(
        &lock,
        &t,
        &Request {
            only_groups: vec!["lint".into()],
            ..Request::default()
        },
    );
    assert_eq!(installed(&lock, &only), ["ruff"]);
    assert!(
        reason(&lock, &only, "a").contains("--only-group"),
        "{}",
        reason(&lock, &only, "a")
    );
    let all = set(
        &lock,
        &t,
        &Request {
            all_packages: true,
            ..Request::default()
        },
    );
    assert!(all.skipped.is_empty());
    assert_eq!(installed(&lock, &all).len(), lock.packages.len());
    // An extra or group the project does not define is a usage error, as it is for uv.
    for r in [
        Request {
            extras: vec!["nope".into()],
            ..Request::default()
        },
        Request {
            groups: vec!["nope".into()],
            ..Request::default()
        },
        Request {
            no_groups: vec!["nope".into()],
            ..Request::default()
        },
    ] {
        let e = compute(&lock, &t, &r).unwrap_err();
        assert!(matches!(&e, Error::Usage(m) if m.contains("`nope`")), "{e}");
    }
}

#[test]
fn uv_default_groups_from_pyproject_or_every_group_without_one() {
    let dir = with_pyproject("[project]\nname = \"app\"\n[tool.uv]\ndefault-groups = [\"lint\"]\n");
    let lock = load(dir.path(), "uv.lock", &uv_lock(), LockKind::UvLock);
    let got = installed(&lock, &set(&lock, &linux(), &Request::default()));
    assert!(got.contains(&"ruff".into()) && !got.contains(&"pytest".into()));

    // No pyproject.toml next to the lockfile: uv's default groups are unknown, so every group
    // is vetted, and a note says why.
    let bare = tempfile::tempdir().unwrap();
    let lock = load(bare.path(), "uv.lock", &uv_lock(), LockKind::UvLock);
    let s = set(&lock, &linux(), &Request::default());
    let got = installed(&lock, &s);
    assert!(got.contains(&"ruff".into()) && got.contains(&"pytest".into()));
    assert!(s.notes.iter().any(|n| n.contains("default-groups")));
}

#[test]
fn uv_lock_fork_follows_the_entry_whose_resolution_markers_hold() {
    let mut text = String::from("version = 1\nrevision = 3\nrequires-python = \">=3.9\"\n\n");
    text.push_str(
        "[[package]]\nname = \"app\"\nversion = \"0.1.0\"\nsource = { virtual = \".\" }\n\
         dependencies = [{ name = \"numpy\" }]\n\n",
    );
    text.push_str(&uv_pkg(
        "numpy",
        "1.0",
        "resolution-markers = [\"python_full_version < '3.10'\"]",
    ));
    text.push_str(&uv_pkg(
        "numpy",
        "2.0",
        "resolution-markers = [\"python_full_version >= '3.10'\"]",
    ));
    let dir = tempfile::tempdir().unwrap();
    let lock = load(dir.path(), "uv.lock", &text, LockKind::UvLock);
    let s = set(&lock, &linux(), &Request::default());
    let kept: Vec<_> = lock
        .packages
        .iter()
        .enumerate()
        .filter(|(i, _)| s.is_installed(*i))
        .map(|(_, p)| p.version.clone().unwrap_or_default())
        .collect();
    assert_eq!(kept, ["0.1.0", "2.0"]);
}

#[test]
fn uv_lock_without_a_project_is_vetted_whole() {
    let mut text = String::from("version = 1\nrevision = 3\nrequires-python = \">=3.9\"\n\n");
    text.push_str(&uv_pkg("a", "1.0", ""));
    text.push_str(&uv_pkg("b", "1.0", ""));
    let dir = tempfile::tempdir().unwrap();
    let lock = load(dir.path(), "uv.lock", &text, LockKind::UvLock);
    let s = set(&lock, &linux(), &Request::default());
    assert!(s.skipped.is_empty());
    assert!(s
        .notes
        .iter()
        .any(|n| n.contains("every package is vetted")));
}

fn poetry_pkg(name: &str, groups: &str, markers: Option<&str>) -> String {
    let markers = markers
        .map(|m| format!("markers = {m}\n"))
        .unwrap_or_default();
    format!(
        "[[package]]\nname = \"{name}\"\nversion = \"1.0\"\ndescription = \"\"\n\
         optional = false\npython-versions = \">=3.9\"\ngroups = {groups}\n{markers}\
         files = [{{file = \"{name}-1.0-py3-none-any.whl\", hash = \"{H}\"}}]\n\n"
    )
}

#[test]
fn poetry_2_1_installs_selected_groups_where_their_markers_hold() {
    let mut text = String::new();
    text.push_str(&poetry_pkg("requests", "[\"main\"]", None));
    text.push_str(&poetry_pkg(
        "pywin32",
        "[\"main\"]",
        Some("\"sys_platform == \\\"win32\\\"\""),
    ));
    text.push_str(&poetry_pkg(
        "shared",
        "[\"main\", \"dev\"]",
        Some("{main = \"sys_platform == \\\"win32\\\"\", dev = \"sys_platform == \\\"linux\\\"\"}"),
    ));
    text.push_str(&poetry_pkg(
        "pysocks",
        "[\"main\"]",
        Some("\"extra == \\\"socks\\\"\""),
    ));
    text.push_str(&poetry_pkg("pytest", "[\"dev\"]", None));
    text.push_str(&poetry_pkg("sphinx", "[\"docs\"]", None));
    text.push_str(
        "[metadata]\nlock-version = \"2.1\"\npython-versions = \">=3.9\"\ncontent-hash = \"x\"\n",
    );
    let dir = with_pyproject(
        "[tool.poetry.dependencies]\npython = \"^3.9\"\nrequests = \"*\"\n\
         pysocks = { version = \"*\", optional = true }\n\
         [tool.poetry.extras]\nsocks = [\"pysocks\"]\n\
         [tool.poetry.group.dev.dependencies]\npytest = \"*\"\n\
         [tool.poetry.group.docs]\noptional = true\n\
         [tool.poetry.group.docs.dependencies]\nsphinx = \"*\"\n",
    );
    let lock = load(dir.path(), "poetry.lock", &text, LockKind::PoetryLock);
    assert!(matches!(lock.install, InstallModel::PoetryGroups(_)));
    let s = set(&lock, &linux(), &Request::default());
    // `shared` is needed by `dev` on Linux; `pywin32` only on Windows; docs is optional.
    assert_eq!(installed(&lock, &s), ["requests", "shared", "pytest"]);
    assert!(reason(&lock, &s, "pywin32").contains("win32"));
    assert!(reason(&lock, &s, "pysocks").contains("extra"));
    assert!(reason(&lock, &s, "sphinx").contains("`docs`"));

    let s = set(
        &lock,
        &linux(),
        &Request {
            extras: vec!["socks".into()],
            groups: vec!["docs".into()],
            no_dev: true,
            ..Request::default()
        },
    );
    assert_eq!(installed(&lock, &s), ["requests", "pysocks", "sphinx"]);
    assert!(reason(&lock, &s, "shared").contains("win32"));
    // The project's own dependencies are no group that --no-default-groups leaves out.
    let s = set(
        &lock,
        &linux(),
        &Request {
            no_default_groups: true,
            ..Request::default()
        },
    );
    assert_eq!(installed(&lock, &s), ["requests"]);
    let s = set(
        &lock,
        &linux(),
        &Request {
            only_groups: vec!["dev".into()],
            ..Request::default()
        },
    );
    assert_eq!(installed(&lock, &s), ["shared", "pytest"]);
    // Poetry's `--only main`: the project's own dependencies alone.
    let s = set(
        &lock,
        &linux(),
        &Request {
            only_groups: vec!["main".into()],
            ..Request::default()
        },
    );
    assert_eq!(installed(&lock, &s), ["requests"]);
}

#[test]
fn poetry_before_2_1_is_walked_from_the_pyproject_dependencies() {
    let pkg = |name: &str, deps: &str| {
        format!(
            "[[package]]\nname = \"{name}\"\nversion = \"1.0\"\ndescription = \"\"\n\
             optional = false\npython-versions = \">=3.9\"\n\
             files = [{{file = \"{name}-1.0-py3-none-any.whl\", hash = \"{H}\"}}]\n{deps}\n"
        )
    };
    let mut text = String::new();
    text.push_str(&pkg(
        "requests",
        "[package.dependencies]\nidna = \"*\"\ncolorama = {version = \"*\", markers = \"sys_platform == \\\"win32\\\"\"}\n\
         pysocks = {version = \"*\", optional = true}\n[package.extras]\nsocks = [\"pysocks (>=1)\"]\n",
    ));
    for n in ["idna", "colorama", "pysocks", "orphan"] {
        text.push_str(&pkg(n, ""));
    }
    text.push_str(
        "[metadata]\nlock-version = \"2.0\"\npython-versions = \">=3.9\"\ncontent-hash = \"x\"\n",
    );
    let dir = with_pyproject("[tool.poetry.dependencies]\npython = \"^3.9\"\nrequests = \"*\"\n");
    let lock = load(dir.path(), "poetry.lock", &text, LockKind::PoetryLock);
    let s = set(&lock, &linux(), &Request::default());
    assert_eq!(installed(&lock, &s), ["requests", "idna"]);
    assert!(reason(&lock, &s, "colorama").contains("from requests"));
    assert!(reason(&lock, &s, "pysocks").contains("extra `socks` of requests"));
    assert!(reason(&lock, &s, "orphan").contains("nothing"));

    // Without the pyproject.toml the project's dependencies are unknown: every package.
    let bare = tempfile::tempdir().unwrap();
    let lock = load(bare.path(), "poetry.lock", &text, LockKind::PoetryLock);
    let s = set(&lock, &linux(), &Request::default());
    assert!(s.skipped.is_empty());
    assert!(s
        .notes
        .iter()
        .any(|n| n.contains("every package is vetted")));
}

#[test]
fn pylock_markers_with_extras_and_dependency_groups() {
    let pkg = |name: &str, marker: &str| {
        format!(
            "[[packages]]\nname = \"{name}\"\nversion = \"1.0\"\n{marker}\
             index = \"https://example.invalid/simple\"\n\
             wheels = [{{ url = \"https://example.invalid/f/{name}-1.0-py3-none-any.whl\", \
             hashes = {{ sha256 = \"{}\" }} }}]\n\n",
            &H[7..]
        )
    };
    let mut text = String::from(
        "lock-version = \"1.0\"\ncreated-by = \"test\"\nextras = [\"socks\"]\n\
         dependency-groups = [\"dev\", \"docs\"]\ndefault-groups = [\"dev\"]\n\n",
    );
    text.push_str(&pkg("requests", ""));
    text.push_str(&pkg("pywin32", "marker = \"sys_platform == 'win32'\"\n"));
    text.push_str(&pkg("pysocks", "marker = \"'socks' in extras\"\n"));
    text.push_str(&pkg("pytest", "marker = \"'dev' in dependency_groups\"\n"));
    text.push_str(&pkg("sphinx", "marker = \"'docs' in dependency_groups\"\n"));
    let dir = tempfile::tempdir().unwrap();
    let lock = load(dir.path(), "pylock.toml", &text, LockKind::Pylock);
    let s = set(&lock, &linux(), &Request::default());
    assert_eq!(installed(&lock, &s), ["requests", "pytest"]);
    assert!(reason(&lock, &s, "pywin32").contains("sys_platform == 'win32'"));
    assert!(reason(&lock, &s, "sphinx").contains("groups: dev"));
    let s = set(
        &lock,
        &linux(),
        &Request {
            extras: vec!["socks".into()],
            only_groups: vec!["docs".into()],
            ..Request::default()
        },
    );
    assert_eq!(installed(&lock, &s), ["requests", "pysocks", "sphinx"]);
    assert!(compute(
        &lock,
        &linux(),
        &Request {
            extras: vec!["nope".into()],
            ..Request::default()
        }
    )
    .is_err());
}

#[test]
fn requirements_lines_whose_marker_is_false_are_left_out() {
    let text = format!(
        "a==1.0 --hash={H}\npywin32==306 ; sys_platform == 'win32' --hash={H}\n\
         old==1.0 ; python_version < '3.8' --hash={H}\n"
    );
    let dir = tempfile::tempdir().unwrap();
    let lock = load(
        dir.path(),
        "requirements.txt",
        &text,
        LockKind::RequirementsTxt,
    );
    let s = set(&lock, &linux(), &Request::default());
    assert_eq!(installed(&lock, &s), ["a"]);
    assert!(reason(&lock, &s, "pywin32").contains("is false here"));
    let s = set(&lock, &windows(), &Request::default());
    assert_eq!(installed(&lock, &s), ["a", "pywin32"]);
}

#[test]
fn annotate_lists_what_was_left_out_and_counts_it() {
    let dir = tempfile::tempdir().unwrap();
    let text = format!("a==1.0 --hash={H}\npywin32==306 ; sys_platform == 'win32' --hash={H}\n");
    let lock = load(
        dir.path(),
        "requirements.txt",
        &text,
        LockKind::RequirementsTxt,
    );
    let s = set(&lock, &linux(), &Request::default());
    assert_eq!(s.narrow(None), Some(vec![0]));
    assert_eq!(s.narrow(Some(&[1])), Some(vec![]));
    let mut report = Report {
        schema_version: crate::report::SCHEMA_VERSION,
        tool: crate::report::Tool {
            name: "pyvet".into(),
            version: "0".into(),
        },
        command: "audit".into(),
        inputs: Vec::new(),
        generated_at: jiff::Timestamp::UNIX_EPOCH,
        fail_on: crate::finding::Severity::High,
        summary: Default::default(),
        packages: Vec::new(),
        not_installed: Vec::new(),
        notes: Vec::new(),
    };
    s.annotate(&mut report, &lock, None);
    assert_eq!(report.summary.not_installed, 1);
    assert_eq!(report.not_installed[0].name, "pywin32");
    assert_eq!(report.not_installed[0].line, Some(2));
    assert!(report.notes.iter().any(|n| n.contains("--all-packages")));
}

#[test]
fn a_name_listed_too_many_times_is_not_walked_and_everything_is_vetted() {
    // Each edge to `a` would hold every entry of `a`: past the bound the graph is not built.
    let mut text = String::from("version = 1\nrevision = 3\nrequires-python = \">=3.9\"\n\n");
    let deps = vec!["{ name = \"a\" }"; 200].join(", ");
    text.push_str(&format!(
        "[[package]]\nname = \"app\"\nversion = \"0.1.0\"\nsource = {{ virtual = \".\" }}\n\
         dependencies = [{deps}, {{ name = \"winonly\", marker = \"sys_platform == 'win32'\" }}]\n\n"
    ));
    let n = crate::lockfile::deps::MAX_ENTRIES_PER_NAME + 1;
    for v in 0..n {
        text.push_str(&uv_pkg("a", &format!("1.{v}"), ""));
    }
    text.push_str(&uv_pkg("winonly", "1.0", ""));
    let dir = tempfile::tempdir().unwrap();
    let lock = load(dir.path(), "uv.lock", &text, LockKind::UvLock);
    let s = set(&lock, &linux(), &Request::default());
    assert!(s.skipped.is_empty(), "{:?}", s.skipped);
    assert!(
        s.notes
            .iter()
            .any(|m| m.contains(&format!("`a` {n} times")) && m.contains("every package")),
        "{:?}",
        s.notes
    );
}
