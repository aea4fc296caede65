//! Discovery a user expects: the lockfile in the current directory (requirements*.txt and
//! requirements/*.txt too, a question when several match), a lockfile given as a pipe (process
//! substitution), the configuration found where the user stands for `scan`, and "did you mean"
//! for rule ids and checks.

mod support;

use std::path::Path;
use std::process::Output;

use support::Sandbox;

const HELPERKIT: &[u8] =
    include_bytes!("../testdata/demo/packages/helperkit-2.1.0-py3-none-any.whl");

/// `pyvet ARGS` from the shared sandboxed launcher, run in `cwd` with its cache in `cwd/.cache`.
fn pyvet(cwd: &Path, args: &[&str]) -> Output {
    Sandbox::new()
        .pyvet()
        .current_dir(cwd)
        .arg("--cache-dir")
        .arg(cwd.join(".cache"))
        .args(args)
        .output()
        .expect("run pyvet")
}

/// Run `script` with bash in `cwd`, in the same sandboxed environment, `$PYVET` naming the
/// binary (for process substitution).
fn bash(cwd: &Path, script: &str) -> Option<Output> {
    Sandbox::new()
        .command("bash")
        .current_dir(cwd)
        .arg("-c")
        .arg(script)
        .output()
        .ok()
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn json(out: &Output) -> serde_json::Value {
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "not JSON ({e}): {}\n{}",
            String::from_utf8_lossy(&out.stdout),
            stderr(out)
        )
    })
}

#[test]
fn requirements_files_are_found_and_several_are_a_question() {
    let dir = support::tempdir();
    std::fs::create_dir(dir.path().join("requirements")).unwrap();
    std::fs::write(dir.path().join("requirements/prod.txt"), "six==1.16.0\n").unwrap();
    let out = pyvet(dir.path(), &["lock", "show", "--format", "json"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    // Found in the current directory: a relative name, as reports and SARIF should show it.
    assert_eq!(json(&out)["lockfile"], "requirements/prod.txt");

    std::fs::write(dir.path().join("requirements-dev.txt"), "pytest==8.0.0\n").unwrap();
    let out = pyvet(dir.path(), &["lock", "show"]);
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(
        err.contains("2 lockfiles found in the current directory: requirements-dev.txt, requirements/prod.txt"),
        "{err}"
    );
    assert!(err.contains("pyvet audit requirements-dev.txt"), "{err}");

    // A real lockfile beside them is the one meant.
    std::fs::write(
        dir.path().join("uv.lock"),
        "version = 1\nrevision = 3\nrequires-python = \">=3.9\"\n",
    )
    .unwrap();
    let out = pyvet(dir.path(), &["lock", "show", "--format", "json"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(json(&out)["lockfile"], "uv.lock");
}

#[test]
fn diff_and_audit_read_lockfiles_from_process_substitution() {
    let dir = support::tempdir();
    std::fs::write(dir.path().join("old.txt"), "six==1.15.0\n").unwrap();
    std::fs::write(
        dir.path().join("requirements.txt"),
        "six==1.16.0\nrequests>=2\n",
    )
    .unwrap();
    let Some(out) = bash(
        dir.path(),
        "\"$PYVET\" diff <(cat old.txt) requirements.txt --format json",
    ) else {
        return; // no bash here: nothing to test process substitution with
    };
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let v = json(&out);
    assert!(v["base"].as_str().unwrap().starts_with("/dev/fd/"), "{v}");
    let six = v["packages"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == "six")
        .unwrap();
    assert_eq!(six["change"], "upgraded", "{six}");

    // A piped lockfile has no directory of its own: the configuration is the current
    // directory's. `requests>=2` is unpinned (medium) and, resolved by no one here (no uv, or
    // no index), `unresolved` (high): the policy below relaxes that, so only `fail-on = medium`
    // blocks.
    // A vulnerability check needs a database (without one it is an error, never a pass).
    std::fs::create_dir_all(dir.path().join("osv")).unwrap();
    std::fs::write(
        dir.path().join("osv/PYSEC-0000-0001.json"),
        r#"{"id":"PYSEC-0000-0001","modified":"2026-01-01T00:00:00Z","affected":[{"package":{"ecosystem":"PyPI","name":"unrelated"},"versions":["1.0"]}]}"#,
    )
    .unwrap();
    let out = bash(dir.path(), "\"$PYVET\" --cache-dir .cache db import osv").unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let audit = "\"$PYVET\" --cache-dir .cache --offline audit <(cat requirements.txt) --checks vulns --format json";
    std::fs::write(
        dir.path().join("pyvet.toml"),
        "[rules]\nunresolved = \"low\"\n",
    )
    .unwrap();
    let out = bash(dir.path(), audit).unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    std::fs::write(
        dir.path().join("pyvet.toml"),
        "fail-on = \"medium\"\n[rules]\nunresolved = \"low\"\n",
    )
    .unwrap();
    let out = bash(dir.path(), audit).unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert_eq!(json(&out)["fail_on"], "medium");
}

#[test]
fn scan_uses_the_configuration_where_the_user_stands() {
    let dir = support::tempdir();
    let project = dir.path().join("project");
    let elsewhere = dir.path().join("downloads");
    std::fs::create_dir_all(&project).unwrap();
    std::fs::create_dir_all(&elsewhere).unwrap();
    let wheel = elsewhere.join("helperkit-2.1.0-py3-none-any.whl");
    std::fs::write(&wheel, HELPERKIT).unwrap();
    // Next to the artifact: not the user's project, never read (it would be an error).
    std::fs::write(elsewhere.join("pyvet.toml"), "not-a-key = 1\n").unwrap();

    let out = pyvet(&project, &["scan", wheel.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));

    std::fs::write(
        project.join("pyproject.toml"),
        "[project]\nname = \"p\"\n\n[[tool.pyvet.ignore]]\npackage = \"helperkit\"\nreason = \"vetted by hand for this test\"\n",
    )
    .unwrap();
    let out = pyvet(
        &project,
        &["scan", wheel.to_str().unwrap(), "--format", "json"],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let v = json(&out);
    assert!(v["summary"]["suppressed"].as_u64().unwrap() > 0, "{v}");
    // From a subdirectory too: found upwards.
    let sub = project.join("src");
    std::fs::create_dir_all(&sub).unwrap();
    let out = pyvet(&sub, &["scan", wheel.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    // --config still wins.
    let out = pyvet(
        &project,
        &[
            "--config",
            elsewhere.join("pyvet.toml").to_str().unwrap(),
            "scan",
            wheel.to_str().unwrap(),
        ],
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("not-a-key"), "{}", stderr(&out));
}

#[test]
fn mistyped_rule_ids_and_checks_get_a_suggestion() {
    let dir = support::tempdir();
    let out = pyvet(dir.path(), &["rules", "pth-exce"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("unknown rule `pth-exce` (did you mean `pth-exec`?)"),
        "{}",
        stderr(&out)
    );
    let out = pyvet(dir.path(), &["audit", "--checks", "vuln", "x.txt"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("a similar value exists: 'vulns'"),
        "{}",
        stderr(&out)
    );
    // In the policy file too.
    std::fs::write(dir.path().join("requirements.txt"), "six==1.16.0\n").unwrap();
    let config_error = |toml: &str| {
        std::fs::write(dir.path().join("pyvet.toml"), toml).unwrap();
        let out = pyvet(dir.path(), &["--offline", "audit"]);
        assert_eq!(out.status.code(), Some(2));
        stderr(&out)
    };
    let err = config_error("checks = [\"vuln\"]\n");
    assert!(
        err.contains("unknown check `vuln` in `checks` (did you mean `vulns`?)"),
        "{err}"
    );
    let err = config_error("[rules]\ntyposqat = \"off\"\n");
    assert!(
        err.contains("unknown rule `typosqat` in [rules] (did you mean `typosquat`?)"),
        "{err}"
    );
    let err = config_error("[[ignore]]\npackage = \"x\"\nrule = \"pth-exce\"\nreason = \"r\"\n");
    assert!(err.contains("(did you mean `pth-exec`?)"), "{err}");
}
