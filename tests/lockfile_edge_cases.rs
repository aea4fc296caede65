//! Edge cases of each reader that the tool-made fixtures do not show: pip syntax corners
//! (CRLF, BOM, option spellings, constraints with markers, continuation at end of file), uv's
//! older spellings, pylock's optional fields, poetry's per-group markers.

mod support;

use std::path::Path;

use pyvet::lockfile::{self, LockKind, Lockfile};
use pyvet::package::{Problem, Source};

const H1: &str = "8abb2f1d86890a2dfb989f9a77cfcfd3e47c2a354b01111771326f8aa26e0254";
const H2: &str = "1e61c37477a1626458e36f7b1d82aa5c9b094fa4802892072e49de9c60c4c926";

fn req(text: &str) -> Lockfile {
    lockfile::load_str(Path::new("mem/requirements.txt"), text, None)
        .unwrap_or_else(|e| panic!("{e}\n{text}"))
}

fn scratch() -> tempfile::TempDir {
    support::tempdir()
}

#[test]
fn crlf_bom_and_continuation_at_end_of_file() {
    let text = format!("\u{feff}six==1.16.0 \\\r\n    --hash=sha256:{H1} \\\r\n    --hash=sha256:{H2}\r\nidna==3.20 \\");
    let lock = req(&text);
    assert_eq!(lock.packages.len(), 2);
    assert_eq!(lock.packages[0].requirement_hashes.len(), 2);
    assert_eq!(lock.packages[1].line, Some(4));
    assert_eq!(lock.packages[1].problems, vec![Problem::Unhashed]);
}

#[test]
fn option_spellings() {
    let lock = req(
        "--index-url=https://example.invalid/a\n-ihttps://example.invalid/b\n--extra-index-url https://example.invalid/c\n--find-links=./w\n-f ./w\n--no-index\n--only-binary=:all: --no-binary :none:\n--use-feature=truststore\n",
    );
    // the last -i wins as the primary index; extras follow
    assert_eq!(
        lock.index_urls,
        vec![
            "https://example.invalid/b",
            "https://example.invalid/a",
            "https://example.invalid/c"
        ]
    );
    assert_eq!(lock.find_links, vec!["./w"]);
    assert!(lock.no_index);
    assert!(lock.packages.is_empty());
}

#[test]
fn comments_only_after_whitespace() {
    let lock = req(&format!(
        "pkg @ https://example.invalid/pkg-1.0.tar.gz#sha256={H1} # a comment\n#six==1\n  # indented comment\n"
    ));
    assert_eq!(lock.packages.len(), 1);
    let p = &lock.packages[0];
    assert_eq!(p.artifacts[0].hashes.sha256(), Some(H1));
    assert_eq!(p.version.as_deref(), Some("1.0"));
    assert!(p.problems.is_empty());
}

#[test]
fn environment_variables_pip_style() {
    // The variables are set on the child, never in this test process.
    let sb = support::Sandbox::new();
    sb.write("inner.txt", "six==1.16.0\n");
    let path = sb.write(
        "requirements.txt",
        "-r ${PYVET_EDGE_INC}\nhttps://${PYVET_EDGE_HOST}/p/thing-2.0-py3-none-any.whl\n",
    );
    let out = sb
        .pyvet()
        .env("PYVET_EDGE_INC", "inner.txt")
        .env("PYVET_EDGE_HOST", "example.invalid")
        .args(["lock", "show", "--format", "json"])
        .arg(&path)
        .output()
        .expect("run pyvet");
    let v = support::ok_json(&out);
    let packages = v["packages"].as_array().unwrap();
    // The include named through a variable was read...
    assert_eq!(packages[0]["name"], "six");
    assert_eq!(packages[0]["version"], "1.16.0");
    // ...and the URL built from one is a URL source without a hash, whose variable's value is
    // never echoed.
    let p = &packages[1];
    assert_eq!(p["source"]["type"], "url");
    assert_eq!(
        p["source"]["url"],
        "https://${PYVET_EDGE_HOST}/p/thing-2.0-py3-none-any.whl"
    );
    assert_eq!(p["problems"][0]["kind"], "url-without-hash");
    assert!(!String::from_utf8_lossy(&out.stdout).contains("example.invalid/p/"));
    // `$NAME` without braces is not expanded, so this is not a valid requirement
    let err = lockfile::load_str(Path::new("r.txt"), "\n$PYVET_EDGE_HOST==1\n", None)
        .unwrap_err()
        .to_string();
    assert!(err.starts_with("r.txt:2: invalid requirement"), "{err}");
}

#[test]
fn constraints_apply_by_name_and_markers_only() {
    let tmp = scratch();
    let dir = tmp.path();
    std::fs::write(
        dir.join("c.txt"),
        format!(
            "six==1.16.0 --hash=sha256:{H1}\nidna==3.20 ; python_version < '3.10'\nattrs==1.0\n"
        ),
    )
    .unwrap();
    let path = dir.join("requirements.txt");
    let text = "-c c.txt\nsix\nidna ; python_version >= '3.10'\nattrs==2.0\n";
    let lock = lockfile::load_str(&path, text, None).unwrap();
    let got: Vec<(String, Option<String>, usize, Vec<Problem>)> = lock
        .packages
        .iter()
        .map(|p| {
            (
                p.name.normalized.clone(),
                p.version.clone(),
                p.requirement_hashes.len(),
                p.problems.clone(),
            )
        })
        .collect();
    assert_eq!(
        got,
        vec![
            ("six".into(), Some("1.16.0".into()), 1, vec![]),
            // the constraint's marker differs: it does not pin this requirement
            (
                "idna".into(),
                None,
                0,
                vec![Problem::Unpinned {
                    specifier: String::new()
                }]
            ),
            // conflicting pin: the requirement's own pin stands, no hash borrowed
            (
                "attrs".into(),
                Some("2.0".into()),
                0,
                vec![Problem::Unhashed]
            ),
        ]
    );
}

#[test]
fn include_forms_and_relative_paths() {
    let tmp = scratch();
    let dir = tmp.path();
    std::fs::create_dir_all(dir.join("a/b")).unwrap();
    std::fs::write(dir.join("a/one.txt"), "-rb/two.txt\nsix==1.16.0\n").unwrap();
    std::fs::write(dir.join("a/b/two.txt"), "--requirement=../three.txt\n").unwrap();
    std::fs::write(dir.join("a/three.txt"), "idna==3.20\n").unwrap();
    // the same file twice (not a cycle) is read once: its second include adds nothing new
    let text = "-r a/one.txt\n--requirement a/three.txt\n";
    let lock = lockfile::load_str(&dir.join("requirements.txt"), text, None).unwrap();
    let ids: Vec<String> = lock.packages.iter().map(|p| p.id()).collect();
    assert_eq!(ids, vec!["idna==3.20", "six==1.16.0"]);
    assert!(lock.file_of(0).ends_with("three.txt"));
    assert!(lock.file_of(1).ends_with("one.txt"));
    assert_eq!(lock.files.len(), 4);
}

#[test]
fn local_directory_is_named_from_its_pyproject() {
    let tmp = scratch();
    let dir = tmp.path();
    std::fs::create_dir_all(dir.join("libs/x")).unwrap();
    std::fs::write(
        dir.join("libs/x/pyproject.toml"),
        "[project]\nname = \"Real_Name\"\nversion = \"1\"\n",
    )
    .unwrap();
    let lock = lockfile::load_str(
        &dir.join("requirements.txt"),
        "-e ./libs/x ; sys_platform == 'linux'\n./libs/x\nnamed @ file:./libs/x\n",
        None,
    )
    .unwrap();
    let names: Vec<&str> = lock
        .packages
        .iter()
        .map(|p| p.name.normalized.as_str())
        .collect();
    assert_eq!(names, vec!["real-name", "real-name", "named"]);
    assert_eq!(
        lock.packages[0].markers.as_deref(),
        Some("sys_platform == 'linux'")
    );
    assert_eq!(
        lock.packages[0].problems,
        vec![Problem::LocalSource, Problem::Editable]
    );
}

#[test]
fn vcs_forms() {
    let lock = req(
        "git+ssh://git@example.invalid/o/r.git@v1.2#egg=r-pkg[extra]&subdirectory=sub\nhg+https://example.invalid/repo@abc#egg=hgpkg\nsvnpkg @ svn+https://example.invalid/svn/trunk\ngit+https://example.invalid/o/plain.git\n",
    );
    let got: Vec<(String, Source)> = lock
        .packages
        .iter()
        .map(|p| (p.name.normalized.clone(), p.source.clone()))
        .collect();
    assert_eq!(
        got,
        vec![
            (
                "r-pkg".into(),
                Source::Vcs {
                    url: "git+ssh://git@example.invalid/o/r.git".into(),
                    reference: Some("v1.2".into())
                }
            ),
            (
                "hgpkg".into(),
                Source::Vcs {
                    url: "hg+https://example.invalid/repo".into(),
                    reference: Some("abc".into())
                }
            ),
            (
                "svnpkg".into(),
                Source::Vcs {
                    url: "svn+https://example.invalid/svn/trunk".into(),
                    reference: None
                }
            ),
            (
                "plain".into(),
                Source::Vcs {
                    url: "git+https://example.invalid/o/plain.git".into(),
                    reference: None
                }
            ),
        ]
    );
    assert!(lock
        .packages
        .iter()
        .all(|p| p.problems == vec![Problem::VcsSource]));
}

#[test]
fn url_with_requirement_hash_is_not_url_without_hash() {
    let lock = req(&format!(
        "https://example.invalid/p/a-1.0.tar.gz --hash=sha256:{H1}\nb @ https://example.invalid/p/b.zip\n"
    ));
    assert!(lock.packages[0].problems.is_empty());
    assert_eq!(lock.packages[1].problems, vec![Problem::UrlWithoutHash]);
    assert_eq!(lock.packages[1].name.normalized, "b");
}

#[test]
fn uv_older_spellings_and_local_registry() {
    let text = format!(
        "version = 1\nrequires-python = \">=3.9\"\n\n[[package]]\nname = \"six\"\nversion = \"1.16.0\"\nsource = {{ registry = \"../wheels\" }}\nwheels = [{{ path = \"six-1.16.0-py2.py3-none-any.whl\", hash = \"sha256:{H1}\", upload_time = \"2021-05-05T14:18:17Z\" }}]\n\n[[package]]\nname = \"noversion\"\nsource = {{ registry = \"https://example.invalid/simple\" }}\n\n[[package]]\nname = \"dt\"\nversion = \"1\"\nsource = {{ url = \"https://example.invalid/dt-1.tar.gz\" }}\nsdist = {{ hash = \"sha256:{H2}\", upload-time = 2024-01-02T03:04:05Z }}\n"
    );
    let lock = lockfile::load_str(Path::new("x/uv.lock"), &text, None).unwrap();
    assert_eq!(lock.kind, LockKind::UvLock);
    let six = &lock.packages[0];
    assert_eq!(six.artifacts[0].filename, "six-1.16.0-py2.py3-none-any.whl");
    assert_eq!(six.artifacts[0].url, None);
    assert_eq!(
        six.artifacts[0]
            .upload_time
            .map(|t| t.to_string())
            .as_deref(),
        Some("2021-05-05T14:18:17Z")
    );
    assert_eq!(
        lock.index_urls,
        vec!["https://example.invalid/simple"],
        "a local registry is not an index URL"
    );
    assert_eq!(
        lock.packages[1].problems,
        vec![
            Problem::Unpinned {
                specifier: String::new()
            },
            Problem::NoArtifacts
        ]
    );
    let dt = &lock.packages[2];
    assert_eq!(dt.artifacts[0].filename, "dt-1.tar.gz");
    assert_eq!(
        dt.artifacts[0].url.as_deref(),
        Some("https://example.invalid/dt-1.tar.gz")
    );
    assert!(dt.problems.is_empty());
    assert_eq!(
        dt.artifacts[0]
            .upload_time
            .map(|t| t.to_string())
            .as_deref(),
        Some("2024-01-02T03:04:05Z")
    );
}

#[test]
fn pylock_optional_fields_and_array_tables() {
    let text = format!(
        "lock-version = \"1.0\"\ncreated-by = \"hand\"\n\n[[packages]]\nname = \"six\"\nversion = \"1.16.0\"\nindex = \"https://example.invalid/simple\"\n\n[[packages.wheels]]\nurl = \"https://example.invalid/six-1.16.0-py2.py3-none-any.whl\"\nhashes = {{ sha256 = \"{H1}\", blake2b = \"00\" }}\n\n[[packages.wheels]]\nname = \"six-1.16.0-py3-none-win32.whl\"\npath = \"wheels/six-1.16.0-py3-none-win32.whl\"\nupload-time = 2024-01-02T03:04:05\nhashes = {{}}\n\n[[packages]]\nname = \"arch\"\narchive = {{ path = \"dist/arch-1.0.tar.gz\", hashes = {{ sha256 = \"{H2}\" }} }}\n"
    );
    let lock = lockfile::load_str(Path::new("pylock.dev.toml"), &text, None).unwrap();
    assert_eq!(lock.kind, LockKind::Pylock);
    let six = &lock.packages[0];
    assert_eq!(six.line, Some(4));
    assert_eq!(six.artifacts.len(), 2);
    assert_eq!(six.artifacts[1].filename, "six-1.16.0-py3-none-win32.whl");
    assert_eq!(
        six.artifacts[1]
            .upload_time
            .map(|t| t.to_string())
            .as_deref(),
        Some("2024-01-02T03:04:05Z")
    );
    // one wheel has no hash
    assert_eq!(six.problems, vec![Problem::Unhashed]);
    let arch = &lock.packages[1];
    assert_eq!(
        arch.source,
        Source::Path {
            path: "dist/arch-1.0.tar.gz".into(),
            editable: false
        }
    );
    assert_eq!(arch.artifacts[0].hashes.sha256(), Some(H2));
}

#[test]
fn poetry_per_group_markers() {
    let lock = lockfile::load_str(
        Path::new("poetry.lock"),
        "[[package]]\nname = \"a\"\nversion = \"1\"\ngroups = [\"main\", \"dev\"]\nmarkers = { main = \"sys_platform == 'linux'\" }\nfiles = []\n\n[[package]]\nname = \"b\"\nversion = \"1\"\ngroups = [\"main\", \"dev\"]\nmarkers = { main = \"x == '1'\", dev = \"x == '1'\" }\nfiles = []\n\n[metadata]\nlock-version = \"2.1\"\n",
        None,
    )
    .unwrap();
    // a group without a marker applies always
    assert_eq!(lock.packages[0].markers, None);
    assert_eq!(lock.packages[1].markers.as_deref(), Some("x == '1'"));
    assert_eq!(lock.packages[0].problems, vec![Problem::NoArtifacts]);
}

#[test]
fn uv_git_source_without_commit_uses_requested_revision() {
    let text = "version = 1\n[[package]]\nname = \"g\"\nversion = \"1\"\nsource = { git = \"https://example.invalid/g.git?subdirectory=pkg&branch=main\" }\n";
    let lock = lockfile::load_str(Path::new("uv.lock"), text, None).unwrap();
    assert_eq!(
        lock.packages[0].source,
        Source::Vcs {
            url: "https://example.invalid/g.git".into(),
            reference: Some("main".into())
        }
    );
}
