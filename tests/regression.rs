//! Regression tests, one per bug found by fuzzing or hostile-input testing, each named after
//! what broke (ripgrep's `tests/regression.rs` style) with the minimal input inline. Each test
//! says what happened before the fix.

mod harden_support;

use std::time::Duration;

use harden_support::{run_bounded, Sandbox};

/// Address-space cap for children in tests where the bug was unbounded allocation, so a
/// regression fails fast instead of exhausting a shared machine's memory.
const CAP_KIB: u64 = 1 << 20;

/// `-r /dev/zero` in a requirements file: `std::fs::read` of the include never ended and
/// allocated until memory ran out (a pull request could take down a CI runner this way).
/// Includes must be regular files of bounded size.
#[test]
fn requirements_include_of_a_device_is_refused() {
    let sb = Sandbox::new("reg-include-device");
    let req = sb.write("requirements.txt", b"-r /dev/zero\n");
    let mut cmd = sb.pyvet_capped(CAP_KIB);
    cmd.args(["lock", "show"]).arg(&req);
    let run = run_bounded(cmd, Duration::from_secs(60));
    assert_eq!(run.code(), Some(2), "{}", run.stderr);
    assert!(
        run.stderr.contains("requirements.txt:1") && run.stderr.contains("not a regular file"),
        "{}",
        run.stderr
    );
}

/// `pyvet lock show /dev/zero`: the lockfile itself was read without bound.
#[test]
fn lockfile_that_is_a_device_is_refused() {
    let sb = Sandbox::new("reg-lock-device");
    let mut cmd = sb.pyvet_capped(CAP_KIB);
    cmd.args(["lock", "show", "--kind", "uv", "/dev/zero"]);
    let run = run_bounded(cmd, Duration::from_secs(60));
    assert_eq!(run.code(), Some(2), "{}", run.stderr);
    assert!(
        run.stderr.contains("/dev/zero") && run.stderr.contains("not a regular file"),
        "{}",
        run.stderr
    );
}

/// `pyvet scan /dev/zero`: the artifact was read without bound before any archive limit
/// applied; now it is an `archive-unreadable` finding naming the reason.
#[test]
fn scan_of_a_device_is_a_finding_not_an_allocation() {
    let sb = Sandbox::new("reg-scan-device");
    let mut cmd = sb.pyvet_capped(CAP_KIB);
    cmd.args(["scan", "--format", "json", "/dev/zero"]);
    let run = run_bounded(cmd, Duration::from_secs(60));
    assert!(matches!(run.code(), Some(1 | 2)), "{run:?}");
    let text = format!("{}{}", run.stdout, run.stderr);
    assert!(text.contains("not a regular file"), "{text}");
    sb.assert_clean();
}
