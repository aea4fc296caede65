//! `--base REV` and `pyvet diff REV NEW` read the old lockfile with git: the revision is data,
//! never an option (`--base=--output=FILE` used to make git write a file).

mod support;

use std::path::Path;
use std::process::{Command, Output};

fn git(dir: &Path, args: &[&str]) {
    let out = Command::new("git")
        .current_dir(dir)
        .args(args)
        .env("GIT_AUTHOR_NAME", "t")
        .env("GIT_AUTHOR_EMAIL", "t@example.invalid")
        .env("GIT_COMMITTER_NAME", "t")
        .env("GIT_COMMITTER_EMAIL", "t@example.invalid")
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .output()
        .expect("git");
    assert!(
        out.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn pyvet(dir: &Path, args: &[&str]) -> Output {
    support::Sandbox::new()
        .pyvet()
        .current_dir(dir)
        .args(args)
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .output()
        .expect("run pyvet")
}

fn repo() -> tempfile::TempDir {
    let dir = support::tempdir();
    git(dir.path(), &["init", "-q"]);
    std::fs::write(dir.path().join("requirements.txt"), "six==1.16.0\n").unwrap();
    git(dir.path(), &["add", "requirements.txt"]);
    git(dir.path(), &["commit", "-q", "-m", "one"]);
    std::fs::write(
        dir.path().join("requirements.txt"),
        "six==1.16.0\nidna==3.7\n",
    )
    .unwrap();
    dir
}

#[test]
fn regression_an_option_shaped_revision_is_refused_and_writes_nothing() {
    let dir = repo();
    for spec in [
        "--output=pwned.txt",
        "-opwned.txt",
        "--output pwned.txt",
        "HEAD\n--output=x",
    ] {
        let out = pyvet(dir.path(), &["diff", spec, "requirements.txt"]);
        assert_eq!(out.status.code(), Some(2), "{spec}");
        let base = format!("--base={spec}");
        let out = pyvet(
            dir.path(),
            &[
                "--offline",
                "audit",
                "requirements.txt",
                &base,
                "--checks",
                "hashes",
            ],
        );
        assert_eq!(out.status.code(), Some(2), "{spec}");
        assert!(
            String::from_utf8_lossy(&out.stderr).contains("a valid git revision")
                || String::from_utf8_lossy(&out.stderr)
                    .contains("neither a file nor a git revision"),
            "{spec}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    assert!(!dir.path().join("pwned.txt").exists());
    assert!(!dir.path().join("x").exists());
}

#[test]
fn a_real_revision_still_works() {
    let dir = repo();
    let out = pyvet(
        dir.path(),
        &["--format", "json", "diff", "HEAD", "requirements.txt"],
    );
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("idna"), "{text}");
    // A revision that does not exist is a clear error.
    let out = pyvet(dir.path(), &["diff", "no-such-branch", "requirements.txt"]);
    assert_eq!(out.status.code(), Some(2));
}
