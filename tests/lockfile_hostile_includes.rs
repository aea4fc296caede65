//! Requirements includes that reach too far, echo what they read, or explode; `${VAR}` values
//! in output; and lockfile parsing that must stay linear. Work is bounded by counting (files
//! read, bytes scanned for line numbers), never by timing.

mod support;

use std::path::Path;
use std::process::Output;

use pyvet::lockfile;

fn lock_show(dir: &Path, file: &str, env: &[(&str, &str)]) -> Output {
    let sb = support::Sandbox::new();
    let mut c = sb.pyvet();
    c.current_dir(dir)
        .args(["--format", "json", "lock", "show", file]);
    for (k, v) in env {
        c.env(k, v);
    }
    c.output().expect("run pyvet")
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

#[test]
fn regression_include_of_proc_self_environ_is_refused_and_nothing_is_echoed() {
    let dir = support::tempdir();
    std::fs::write(
        dir.path().join("requirements.txt"),
        "six==1.16.0\n-r /proc/self/environ\n",
    )
    .unwrap();
    let secret = "ci-secret-value-0123456789";
    let out = lock_show(
        dir.path(),
        "requirements.txt",
        &[("PYVET_TEST_CI_TOKEN", secret)],
    );
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stdout));
    let (stdout, stderr) = (text(&out.stdout), text(&out.stderr));
    assert!(stderr.contains("requirements.txt:2:"), "{stderr}");
    assert!(stderr.contains("special file"), "{stderr}");
    assert!(!stdout.contains(secret) && !stderr.contains(secret));
    assert!(!stderr.contains("PYVET_TEST_CI_TOKEN"), "{stderr}");
    // The constraint form too.
    std::fs::write(
        dir.path().join("requirements.txt"),
        "-c /proc/self/environ\n",
    )
    .unwrap();
    let out = lock_show(
        dir.path(),
        "requirements.txt",
        &[("PYVET_TEST_CI_TOKEN", secret)],
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(!text(&out.stderr).contains(secret));
}

#[test]
fn includes_outside_the_project_are_refused_even_through_a_link() {
    let outer = support::tempdir();
    let project = outer.path().join("project");
    std::fs::create_dir_all(&project).unwrap();
    std::fs::write(outer.path().join("elsewhere.txt"), "idna==3.7\n").unwrap();
    for (line, what) in [
        ("-r ../elsewhere.txt\n", "relative"),
        (
            &format!("-c {}\n", outer.path().join("elsewhere.txt").display()) as &str,
            "absolute",
        ),
        ("-r link.txt\n", "symlink"),
    ] {
        let _ = std::fs::remove_file(project.join("link.txt"));
        #[cfg(unix)]
        std::os::unix::fs::symlink(outer.path().join("elsewhere.txt"), project.join("link.txt"))
            .unwrap();
        std::fs::write(project.join("requirements.txt"), line).unwrap();
        let e = lockfile::load(&project.join("requirements.txt"), None).unwrap_err();
        let msg = e.to_string();
        assert!(
            msg.contains("requirements.txt:1:") && msg.contains("outside the project"),
            "{what}: {msg}"
        );
    }
    // Inside the project (a subdirectory, `..` that stays inside): fine.
    std::fs::create_dir_all(project.join("req")).unwrap();
    std::fs::write(project.join("base.txt"), "idna==3.7\n").unwrap();
    std::fs::write(
        project.join("req/prod.txt"),
        "-r ../base.txt\nsix==1.16.0\n",
    )
    .unwrap();
    std::fs::write(project.join("requirements.txt"), "-r req/prod.txt\n").unwrap();
    let lock = lockfile::load(&project.join("requirements.txt"), None).unwrap();
    assert_eq!(lock.packages.len(), 2);
    // A git checkout is the project: `-r ../base.txt` from a subdirectory lockfile works.
    std::fs::create_dir_all(project.join(".git")).unwrap();
    let lock = lockfile::load(&project.join("req/prod.txt"), None).unwrap();
    assert_eq!(lock.packages.len(), 2);
}

#[test]
fn a_bad_line_of_an_included_file_is_located_but_never_quoted() {
    let dir = support::tempdir();
    std::fs::write(dir.path().join("requirements.txt"), "-r extra.txt\n").unwrap();
    std::fs::write(
        dir.path().join("extra.txt"),
        "six==1.16.0\nAWS_SECRET_ACCESS_KEY=wJalrXUtnFEMIK7MDENGbPxRfiCYzzzz\n",
    )
    .unwrap();
    let out = lock_show(dir.path(), "requirements.txt", &[]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = text(&out.stderr);
    assert!(stderr.contains("extra.txt:2:"), "{stderr}");
    assert!(
        !stderr.contains("wJalrXUtnFEMIK7MDENGbPxRfiCYzzzz"),
        "{stderr}"
    );
    assert!(!stderr.contains("AWS_SECRET"), "{stderr}");
    // The file the user named is quoted as before: it is theirs.
    std::fs::write(dir.path().join("requirements.txt"), "bad==\n").unwrap();
    let out = lock_show(dir.path(), "requirements.txt", &[]);
    assert!(
        text(&out.stderr).contains("`bad==`"),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn expanded_variables_never_reach_output() {
    let dir = support::tempdir();
    let token = "tok-8c2f1e9a77d04b5e";
    std::fs::write(
        dir.path().join("requirements.txt"),
        "--extra-index-url https://example.invalid/${PYVET_TEST_IDX_TOKEN}/simple\n\
         pkg @ https://example.invalid/${PYVET_TEST_IDX_TOKEN}/pkg-1.0.tar.gz#sha256=00\n",
    )
    .unwrap();
    // The URL fragment hash is malformed: an error whose message quotes the URL.
    let out = lock_show(
        dir.path(),
        "requirements.txt",
        &[("PYVET_TEST_IDX_TOKEN", token)],
    );
    assert_eq!(out.status.code(), Some(2));
    let stderr = text(&out.stderr);
    assert!(!stderr.contains(token), "{stderr}");

    std::fs::write(
        dir.path().join("requirements.txt"),
        "--extra-index-url https://example.invalid/${PYVET_TEST_IDX_TOKEN}/simple\n\
         pkg @ https://example.invalid/${PYVET_TEST_IDX_TOKEN}/pkg-1.0.tar.gz\n",
    )
    .unwrap();
    let out = lock_show(
        dir.path(),
        "requirements.txt",
        &[("PYVET_TEST_IDX_TOKEN", token)],
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    assert!(!stdout.contains(token), "{stdout}");
    assert!(stdout.contains("${PYVET_TEST_IDX_TOKEN}"), "{stdout}");
}

/// 31 files, each including the next four: read naively, the last file is reached through
/// about 4^n paths. Each file must be read (and listed in `files`) exactly once.
#[test]
fn regression_include_diamond_reads_each_file_once() {
    let dir = support::tempdir();
    let n = 31;
    for i in 0..n {
        let mut t = String::new();
        for j in i + 1..(i + 5).min(n) {
            t.push_str(&format!("-r f{j}.txt\n-c f{j}.txt\n"));
        }
        t.push_str(&format!("pkg{i}==1.{i}\n"));
        std::fs::write(dir.path().join(format!("f{i}.txt")), t).unwrap();
    }
    let lock = lockfile::load(&dir.path().join("f0.txt"), None).unwrap();
    assert_eq!(lock.files.len(), n, "each file read once");
    let mut names: Vec<String> = lock
        .packages
        .iter()
        .map(|p| p.name.normalized.clone())
        .collect();
    names.sort();
    names.dedup();
    assert_eq!(names.len(), n);
    assert_eq!(
        lock.packages.len(),
        n,
        "no duplicates from repeated includes"
    );
}

fn uv_lock(packages: usize) -> String {
    let mut t = String::from("version = 1\nrevision = 2\nrequires-python = \">=3.9\"\n");
    for i in 0..packages {
        t.push_str(&format!(
            "\n[[package]]\nname = \"pkg-{i}\"\nversion = \"1.0.{i}\"\nsource = {{ registry = \"https://example.invalid/simple\" }}\nsdist = {{ url = \"https://example.invalid/files/pkg_{i}-1.0.{i}.tar.gz\", hash = \"sha256:{:064x}\", size = {} }}\n",
            i,
            1000 + i
        ));
    }
    t
}

/// uv.lock parsing located each package's line by scanning from the top of the file: 100k
/// packages took over a minute. The line lookup now scans the file once.
#[test]
fn regression_hundred_thousand_package_uv_lock_is_linear() {
    let text = uv_lock(100_000);
    let _ = lockfile::take_line_bytes_scanned();
    let lock = lockfile::load_str(Path::new("uv.lock"), &text, None).unwrap();
    assert_eq!(lock.packages.len(), 100_000);
    assert_eq!(
        lock.packages[99_999].line,
        Some(text.lines().count() as u32 - 4)
    );
    let scanned = lockfile::take_line_bytes_scanned();
    assert!(
        scanned <= 2 * text.len() as u64,
        "{scanned} bytes scanned for line numbers in a {}-byte file",
        text.len()
    );
}
