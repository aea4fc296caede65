//! Configuration: discovery (upwards, pyvet.toml before pyproject.toml, pyproject without
//! [tool.pyvet] skipped), `--config FILE`, and validation errors that name file and line.

mod support;

use std::path::{Path, PathBuf};

use pyvet::config::Check;
use pyvet::config::{Config, RuleSetting};
use pyvet::error::Error;
use pyvet::finding::Severity;

const RULES: &[&str] = &["exec-encoded-payload", "release-too-new", "hash-mismatch"];

fn known(id: &str) -> bool {
    RULES.contains(&id)
}

/// File helpers on a temporary directory.
trait Files {
    fn write(&self, rel: &str, text: &str) -> PathBuf;
    fn dir(&self, rel: &str) -> PathBuf;
}

impl Files for tempfile::TempDir {
    fn write(&self, rel: &str, text: &str) -> PathBuf {
        let p = self.path().join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(&p, text).unwrap();
        p
    }
    fn dir(&self, rel: &str) -> PathBuf {
        let p = self.path().join(rel);
        std::fs::create_dir_all(&p).unwrap();
        p
    }
}

fn load(explicit: Option<&Path>, start: &Path) -> Result<(Config, Option<PathBuf>), Error> {
    Config::load(explicit, start, &known)
}

fn parse(text: &str) -> Result<Config, Error> {
    Config::from_toml(Path::new("pyvet.toml"), text, &known)
}

fn input_err(r: Result<impl std::fmt::Debug, Error>) -> pyvet::error::InputError {
    match r {
        Err(Error::Input(e)) => e,
        other => panic!("expected an input error, got {other:?}"),
    }
}

#[test]
fn found_upwards_from_the_lockfile_directory() {
    let t = support::tempdir();
    let cfg = t.write("repo/pyvet.toml", "fail-on = \"medium\"\n");
    let start = t.dir("repo/services/api");
    let (c, from) = load(None, &start).unwrap();
    assert_eq!(from.as_deref(), Some(cfg.as_path()));
    assert_eq!(c.fail_on, Severity::Medium);
}

#[test]
fn nearest_file_wins() {
    let t = support::tempdir();
    t.write("repo/pyvet.toml", "fail-on = \"medium\"\n");
    let inner = t.write("repo/sub/pyvet.toml", "fail-on = \"critical\"\n");
    let (c, from) = load(None, &t.dir("repo/sub/deeper")).unwrap();
    assert_eq!(from.as_deref(), Some(inner.as_path()));
    assert_eq!(c.fail_on, Severity::Critical);
}

#[test]
fn pyvet_toml_before_pyproject_in_the_same_directory() {
    let t = support::tempdir();
    t.write("repo/pyproject.toml", "[tool.pyvet]\nfail-on = \"low\"\n");
    let cfg = t.write("repo/pyvet.toml", "fail-on = \"critical\"\n");
    let (c, from) = load(None, &t.dir("repo")).unwrap();
    assert_eq!(from.as_deref(), Some(cfg.as_path()));
    assert_eq!(c.fail_on, Severity::Critical);
}

#[test]
fn pyproject_tool_pyvet_is_read() {
    let t = support::tempdir();
    let py = t.write(
        "repo/pyproject.toml",
        "[project]\nname = \"app\"\nversion = \"1\"\n\n[tool.black]\nline-length = 100\n\n[tool.pyvet]\nfail-on = \"medium\"\nchecks = [\"hashes\", \"vulns\"]\n\n[tool.pyvet.rules]\nrelease-too-new = \"off\"\n\n[[tool.pyvet.ignore]]\npackage = \"x\"\nreason = \"ok\"\n",
    );
    let (c, from) = load(None, &t.dir("repo")).unwrap();
    assert_eq!(from.as_deref(), Some(py.as_path()));
    assert_eq!(c.fail_on, Severity::Medium);
    assert_eq!(c.checks, vec![Check::Hashes, Check::Vulns]);
    assert_eq!(c.rules.get("release-too-new"), Some(&RuleSetting::Off));
    assert_eq!(c.ignores.len(), 1);
    assert!(
        c.ignores[0].origin.ends_with("pyproject.toml:15"),
        "{}",
        c.ignores[0].origin
    );
}

#[test]
fn pyproject_without_tool_pyvet_is_skipped() {
    let t = support::tempdir();
    let outer = t.write("pyvet.toml", "fail-on = \"low\"\n");
    t.write(
        "repo/pyproject.toml",
        "[project]\nname = \"app\"\n[tool.ruff]\nline-length = 88\n",
    );
    // Mentions pyvet only in a comment and another tool's table: still no [tool.pyvet].
    t.write(
        "repo/sub/pyproject.toml",
        "# we use pyvet\n[tool.other]\npyvet = false\n",
    );
    let (c, from) = load(None, &t.dir("repo/sub")).unwrap();
    assert_eq!(from.as_deref(), Some(outer.as_path()));
    assert_eq!(c.fail_on, Severity::Low);
}

#[test]
fn no_file_anywhere_gives_defaults() {
    let t = support::tempdir();
    // The temp dir's ancestors could in principle hold a pyvet.toml; only assert when not.
    let (c, from) = load(None, &t.dir("a/b")).unwrap();
    if from.is_none() {
        assert_eq!(c, Config::default());
    }
    let d = Config::default();
    assert_eq!(d.fail_on, Severity::High);
    assert_eq!(d.thresholds().min_release_age_days, 7);
    assert_eq!(d.thresholds().new_project_days, 90);
    assert_eq!(d.thresholds().dormant_years, 2);
    assert!(d.checks.is_empty() && d.rules.is_empty() && d.ignores.is_empty());
}

#[test]
fn explicit_config_wins_over_discovery() {
    let t = support::tempdir();
    t.write("repo/pyvet.toml", "fail-on = \"low\"\n");
    let explicit = t.write("elsewhere/strict.toml", "fail-on = \"info\"\n");
    let (c, from) = load(Some(&explicit), &t.dir("repo")).unwrap();
    assert_eq!(from.as_deref(), Some(explicit.as_path()));
    assert_eq!(c.fail_on, Severity::Info);
    // An explicit pyproject.toml is read as one.
    let py = t.write(
        "elsewhere/pyproject.toml",
        "[tool.pyvet]\nfail-on = \"medium\"\n",
    );
    assert_eq!(
        load(Some(&py), &t.dir("repo")).unwrap().0.fail_on,
        Severity::Medium
    );
    // ... and must have the table.
    let empty = t.write("other/pyproject.toml", "[project]\nname = \"x\"\n");
    let e = input_err(load(Some(&empty), &t.dir("repo")));
    assert!(e.message.contains("[tool.pyvet]"), "{e}");
    // A missing explicit file is an error, not defaults.
    assert!(load(Some(&t.path().join("nope.toml")), &t.dir("repo")).is_err());
}

#[test]
fn all_keys_parse() {
    let c = parse(
        r#"
fail-on = "critical"
min-release-age = "48h"
new-project-age = "30d"
dormant-years = 5
checks = ["code", "metadata", "code"]
python-version = "3.11"
platform = "linux-x86_64"

[rules]
exec-encoded-payload = "medium"
hash-mismatch = "off"

[[ignore]]
package = "Foo.Bar"
version = "2.0"
rule = "release-too-new"
reason = "internal package"
expires = 2027-06-30
"#,
    )
    .unwrap();
    assert_eq!(c.fail_on, Severity::Critical);
    assert_eq!(c.min_release_age, jiff::SignedDuration::from_hours(48));
    assert_eq!(c.new_project_age, jiff::SignedDuration::from_hours(30 * 24));
    assert_eq!(c.dormant_years, 5);
    assert_eq!(c.checks, vec![Check::Code, Check::Metadata]);
    assert_eq!(c.python_version.as_deref(), Some("3.11"));
    assert_eq!(c.platform.as_deref(), Some("linux-x86_64"));
    assert_eq!(
        c.rules.get("exec-encoded-payload"),
        Some(&RuleSetting::Severity(Severity::Medium))
    );
    assert_eq!(c.rules.get("hash-mismatch"), Some(&RuleSetting::Off));
    let i = &c.ignores[0];
    assert_eq!(i.package.as_deref(), Some("foo-bar"));
    assert_eq!(i.version.as_deref(), Some("2.0"));
    assert_eq!(i.rule.as_deref(), Some("release-too-new"));
    assert_eq!(i.reason, "internal package");
    assert_eq!(i.expires, Some(jiff::civil::date(2027, 6, 30)));
    assert_eq!(i.origin, "pyvet.toml:14");
}

#[test]
fn unknown_key_names_file_and_line() {
    let e = input_err(parse("fail-on = \"high\"\n\nfail_on = \"low\"\n"));
    assert_eq!(e.path, Path::new("pyvet.toml"));
    assert_eq!(e.line, Some(3), "{e}");
    assert!(e.message.contains("fail_on"), "{e}");
    let e = input_err(parse(
        "[[ignore]]\npackage = \"a\"\nreason = \"r\"\nuntil = \"2027-01-01\"\n",
    ));
    assert_eq!(e.line, Some(4), "{e}");
    assert!(e.message.contains("until"), "{e}");
    assert!(e.to_string().starts_with("pyvet.toml:4: "), "{e}");
}

#[test]
fn unknown_key_in_pyproject_points_into_pyproject() {
    let t = support::tempdir();
    let py = t.write(
        "pyproject.toml",
        "[project]\nname = \"a\"\n\n[tool.pyvet]\nfail-on = \"high\"\nfial-on = \"low\"\n",
    );
    let e = input_err(load(None, t.path()));
    assert_eq!(e.path, py);
    assert_eq!(e.line, Some(6), "{e}");
}

#[test]
fn missing_reason_is_an_error_naming_the_entry() {
    let e = input_err(parse(
        "[[ignore]]\npackage = \"a\"\nreason = \"fine\"\n\n[[ignore]]\npackage = \"Bad_Pkg\"\nrule = \"hash-mismatch\"\n",
    ));
    assert_eq!(e.line, Some(5), "{e}");
    assert!(e.message.contains("entry #2"), "{e}");
    assert!(e.message.contains("bad-pkg"), "{e}");
    assert!(e.message.contains("reason"), "{e}");
    let e = input_err(parse("[[ignore]]\npackage = \"a\"\nreason = \"  \"\n"));
    assert_eq!(e.line, Some(3), "{e}");
    assert!(e.message.contains("empty `reason`"), "{e}");
}

#[test]
fn missing_package_is_an_error() {
    let e = input_err(parse(
        "[[ignore]]\nrule = \"hash-mismatch\"\nreason = \"x\"\n",
    ));
    assert!(e.message.contains("entry #1 has no `package`"), "{e}");
    assert!(e.line.is_some());
}

#[test]
fn unknown_rule_ids_are_errors() {
    let e = input_err(parse(
        "[rules]\nrelease-too-new = \"low\"\nno-such-rule = \"off\"\n",
    ));
    assert_eq!(e.line, Some(3), "{e}");
    assert!(e.message.contains("no-such-rule"), "{e}");
    let e = input_err(parse(
        "[[ignore]]\npackage = \"a\"\nrule = \"typo-rule\"\nreason = \"r\"\n",
    ));
    assert_eq!(e.line, Some(3), "{e}");
    assert!(e.message.contains("typo-rule"), "{e}");
}

#[test]
fn bad_values_name_their_line() {
    for (text, line, needle) in [
        ("fail-on = \"severe\"", 1, "severe"),
        ("\n[rules]\nhash-mismatch = \"loud\"", 3, "loud"),
        ("\n\ndormant-years = 0", 3, "dormant-years"),
        ("checks = [\"hashes\",\n  \"spelling\"]", 2, "spelling"),
        ("python-version = \"three\"", 1, "python-version"),
        ("platform = \"amiga\"", 1, "platform"),
        ("fail-on = 3", 1, ""),
        (
            "[[ignore]]\npackage = \"a\"\nreason = \"r\"\nexpires = \"next year\"",
            4,
            "expires",
        ),
        ("this is not toml", 1, ""),
    ] {
        let e = input_err(parse(text));
        assert_eq!(e.line, Some(line), "{text:?}: {e}");
        assert!(e.message.contains(needle), "{text:?}: {e}");
    }
}

#[test]
fn rule_check_with_the_real_catalogue() {
    // Whatever the catalogue holds, an id it does not know is rejected and a real one is not.
    let t = support::tempdir();
    let f = t.write("pyvet.toml", "[rules]\ncertainly-not-a-rule-id = \"off\"\n");
    let e = input_err(Config::load(Some(&f), t.path(), &pyvet::catalog::is_known));
    assert_eq!(e.line, Some(2));
    let f = t.write("pyvet.toml", "[rules]\nhash-mismatch = \"off\"\n");
    assert!(Config::load(Some(&f), t.path(), &pyvet::catalog::is_known).is_ok());
}

#[test]
fn hostile_config_text_never_panics() {
    for text in [
        "\u{0}",
        "[[ignore]]",
        "[rules]\n\"\" = \"off\"",
        "fail-on = \"\u{202E}high\"",
        "x = 1\n".repeat(1000).as_str(),
        "[tool]\npyvet = 1",
    ] {
        let _ = parse(text);
        let _ = Config::from_pyproject(Path::new("pyproject.toml"), text, &known);
    }
    // Not UTF-8.
    let t = support::tempdir();
    std::fs::write(t.path().join("pyvet.toml"), b"fail-on = \"\xff\"\n").unwrap();
    let e = input_err(load(None, t.path()));
    assert!(e.message.contains("UTF-8"), "{e}");
}

#[test]
fn empty_start_dir_means_the_current_directory() {
    let a = load(None, Path::new(""));
    let b = load(None, Path::new("."));
    match (a, b) {
        (Ok((ca, fa)), Ok((cb, fb))) => {
            assert_eq!(ca, cb);
            assert_eq!(fa, fb);
        }
        (Err(a), Err(b)) => assert_eq!(a.to_string(), b.to_string()),
        (a, b) => panic!("differ: {a:?} vs {b:?}"),
    }
}

#[test]
fn empty_checks_list_is_an_error() {
    let e = input_err(parse(
        "# checks are listed below\nfail-on = \"high\"\nchecks = []\n",
    ));
    assert_eq!(e.line, Some(3), "{e}");
    assert!(e.message.contains("`checks` is empty"), "{e}");
}
