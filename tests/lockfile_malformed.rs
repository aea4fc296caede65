//! Malformed lockfiles of every format, run through the built binary: each must exit 2 with an
//! `error: PATH:LINE: ...` message that names what is wrong, and never panic.

mod support;

use std::path::Path;

/// A fresh directory for one test.
fn scratch() -> tempfile::TempDir {
    support::tempdir()
}

fn show(path: &Path, extra: &[&str]) -> (Option<i32>, String) {
    let out = support::Sandbox::new()
        .pyvet()
        .args(["lock", "show"])
        .arg(path)
        .args(extra)
        .output()
        .expect("run pyvet");
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// Write `text` as `dir/file`, run `lock show`, expect exit 2 and `file:line:` plus `needle`.
fn expect_error(case: &str, file: &str, text: &[u8], line: Option<usize>, needle: &str) {
    let tmp = scratch();
    let dir = tmp.path();
    let path = dir.join(file);
    std::fs::write(&path, text).unwrap();
    let (code, stderr) = show(&path, &[]);
    assert_eq!(code, Some(2), "{case}: {stderr}");
    assert!(!stderr.contains("panicked"), "{case}: {stderr}");
    let location = match line {
        Some(l) => format!("{}:{l}: ", path.display()),
        None => format!("{}: ", path.display()),
    };
    assert!(
        stderr.contains(&location),
        "{case}: expected `{location}` in: {stderr}"
    );
    assert!(
        stderr.contains(needle),
        "{case}: expected `{needle}` in: {stderr}"
    );
}

const H: &str = "8abb2f1d86890a2dfb989f9a77cfcfd3e47c2a354b01111771326f8aa26e0254";

// ---- uv.lock ----------------------------------------------------------------------------------

#[test]
fn uv_truncated_toml() {
    let text = "version = 1\nrevision = 3\n\n[[package]]\nname = \"six\"\nversion = \"1.16.0\"\nsource = { registry = \"https://example.invalid/simple\"\n";
    expect_error(
        "uv-trunc",
        "uv.lock",
        text.as_bytes(),
        Some(7),
        "invalid TOML",
    );
}

#[test]
fn uv_wrong_type() {
    let text = "version = 1\n\n[[package]]\nname = 7\nversion = \"1.0\"\nsource = { registry = \"https://example.invalid/simple\" }\n";
    expect_error(
        "uv-type",
        "uv.lock",
        text.as_bytes(),
        Some(4),
        "not a valid uv.lock: invalid type",
    );
}

#[test]
fn uv_unknown_version() {
    expect_error(
        "uv-version",
        "uv.lock",
        b"# header\nversion = 2\nrevision = 1\n",
        Some(2),
        "unsupported uv.lock version 2",
    );
}

#[test]
fn uv_bad_hash() {
    let text = format!(
        "version = 1\n\n[[package]]\nname = \"six\"\nversion = \"1.16.0\"\nsource = {{ registry = \"https://example.invalid/simple\" }}\nwheels = [{{ url = \"https://example.invalid/six-1.16.0-py3-none-any.whl\", hash = \"sha256:{}\" }}]\n",
        &H[..60]
    );
    expect_error(
        "uv-hash",
        "uv.lock",
        text.as_bytes(),
        Some(3),
        "malformed sha256 digest",
    );
}

#[test]
fn uv_two_sources() {
    let text = "version = 1\n[[package]]\nname = \"a\"\nversion = \"1\"\nsource = { registry = \"https://example.invalid/simple\", git = \"https://example.invalid/a.git\" }\n";
    expect_error(
        "uv-two",
        "uv.lock",
        text.as_bytes(),
        Some(2),
        "exactly one of",
    );
}

#[test]
fn uv_bad_upload_time() {
    let text = format!("version = 1\n[[package]]\nname = \"a\"\nversion = \"1\"\nsource = {{ registry = \"https://example.invalid/simple\" }}\nsdist = {{ url = \"https://example.invalid/a-1.tar.gz\", hash = \"sha256:{H}\", upload-time = \"last tuesday\" }}\n");
    expect_error(
        "uv-time",
        "uv.lock",
        text.as_bytes(),
        Some(2),
        "invalid upload time",
    );
}

// ---- poetry.lock ------------------------------------------------------------------------------

#[test]
fn poetry_truncated_toml() {
    let text = "[[package]]\nname = \"six\"\nversion = \"1.16.0\"\nfiles = [\n    {file = \"six-1.16.0.tar.gz\", hash = \"sha256:";
    expect_error(
        "poetry-trunc",
        "poetry.lock",
        text.as_bytes(),
        Some(5),
        "invalid TOML",
    );
}

#[test]
fn poetry_unknown_lock_version() {
    let text = "[[package]]\nname = \"six\"\nversion = \"1.16.0\"\nfiles = []\n\n[metadata]\nlock-version = \"3.0\"\n";
    expect_error(
        "poetry-version",
        "poetry.lock",
        text.as_bytes(),
        Some(7),
        "unsupported poetry lock-version `3.0`",
    );
}

#[test]
fn poetry_wrong_type() {
    let text = "[[package]]\nname = \"six\"\nversion = \"1.16.0\"\nfiles = \"six.tar.gz\"\n\n[metadata]\nlock-version = \"2.1\"\n";
    expect_error(
        "poetry-type",
        "poetry.lock",
        text.as_bytes(),
        Some(4),
        "not a valid poetry.lock",
    );
}

#[test]
fn poetry_bad_hash() {
    let text = "[[package]]\nname = \"six\"\nversion = \"1.16.0\"\nfiles = [{file = \"six-1.16.0.tar.gz\", hash = \"sha256:nothex\"}]\n\n[metadata]\nlock-version = \"2.1\"\n";
    expect_error(
        "poetry-hash",
        "poetry.lock",
        text.as_bytes(),
        Some(1),
        "package `six`: malformed sha256 digest",
    );
}

#[test]
fn poetry_unknown_source_type() {
    let text = "[[package]]\nname = \"six\"\nversion = \"1.16.0\"\nfiles = []\n\n[package.source]\ntype = \"carrier-pigeon\"\nurl = \"x\"\n\n[metadata]\nlock-version = \"2.1\"\n";
    expect_error(
        "poetry-source",
        "poetry.lock",
        text.as_bytes(),
        Some(1),
        "unknown source type `carrier-pigeon`",
    );
}

#[test]
fn poetry_without_metadata() {
    expect_error(
        "poetry-nometa",
        "poetry.lock",
        b"[[package]]\nname = \"six\"\nversion = \"1.16.0\"\n",
        None,
        "no [metadata] table",
    );
}

// ---- pylock.toml ------------------------------------------------------------------------------

#[test]
fn pylock_unknown_lock_version() {
    expect_error(
        "pylock-version",
        "pylock.toml",
        b"created-by = \"x\"\nlock-version = \"2.0\"\n",
        Some(2),
        "unsupported pylock lock-version `2.0`",
    );
}

#[test]
fn pylock_truncated_toml() {
    let text = "lock-version = \"1.0\"\n[[packages]]\nname = \"six\"\nwheels = [{ url = \"https://example.invalid/six.whl\", hashes = { sha256 = ";
    expect_error(
        "pylock-trunc",
        "pylock.toml",
        text.as_bytes(),
        Some(4),
        "invalid TOML",
    );
}

#[test]
fn pylock_wrong_type_upload_time() {
    let text = format!("lock-version = \"1.0\"\n[[packages]]\nname = \"six\"\nversion = \"1.16.0\"\n\n[[packages.wheels]]\nurl = \"https://example.invalid/six-1.16.0-py3-none-any.whl\"\nupload-time = \"yesterday\"\nhashes = {{ sha256 = \"{H}\" }}\n");
    expect_error(
        "pylock-type",
        "pylock.toml",
        text.as_bytes(),
        Some(8),
        "not a valid pylock.toml",
    );
}

#[test]
fn pylock_bad_hash() {
    let text = "lock-version = \"1.0\"\n\n[[packages]]\nname = \"six\"\nversion = \"1.16.0\"\nsdist = { url = \"https://example.invalid/six-1.16.0.tar.gz\", hashes = { sha256 = \"abc\" } }\n";
    expect_error(
        "pylock-hash",
        "pylock.toml",
        text.as_bytes(),
        Some(3),
        "malformed sha256 digest",
    );
}

#[test]
fn pylock_two_sources() {
    let text = format!("lock-version = \"1.0\"\n[[packages]]\nname = \"a\"\ndirectory = {{ path = \"a\" }}\narchive = {{ url = \"https://example.invalid/a.zip\", hashes = {{ sha256 = \"{H}\" }} }}\n");
    expect_error(
        "pylock-two",
        "pylock.toml",
        text.as_bytes(),
        Some(2),
        "more than one of",
    );
}

// ---- requirements.txt -------------------------------------------------------------------------

#[test]
fn requirements_unknown_option() {
    expect_error(
        "req-option",
        "requirements.txt",
        b"six==1.16.0\n# fine\n--frobnicate\n",
        Some(3),
        "unknown option `--frobnicate`",
    );
}

#[test]
fn requirements_bad_hash() {
    let text = "six==1.16.0 \\\n    --hash=sha256:0123\nidna==3.20\n";
    expect_error(
        "req-hash",
        "requirements.txt",
        text.as_bytes(),
        Some(1),
        "invalid --hash",
    );
    expect_error(
        "req-hash-alg",
        "requirements.txt",
        b"\nsix==1.16.0 --hash=md5:0123\n",
        Some(2),
        "unsupported hash algorithm",
    );
}

#[test]
fn requirements_invalid_requirement_and_marker() {
    expect_error(
        "req-invalid",
        "requirements.txt",
        b"six==1.16.0\nfoo ==\n",
        Some(2),
        "invalid requirement",
    );
    expect_error(
        "req-marker",
        "requirements.txt",
        b"./vendor/pkg ; python_version >>> '3'\n",
        Some(1),
        "invalid environment marker",
    );
}

#[test]
fn requirements_misc_line_errors() {
    expect_error(
        "req-quote",
        "requirements.txt",
        b"-r 'unterminated\n",
        Some(1),
        "unbalanced",
    );
    expect_error(
        "req-orphan-hash",
        "requirements.txt",
        b"\n\n--hash=sha256:00\n",
        Some(3),
        "--hash must follow",
    );
    expect_error(
        "req-editable-name",
        "requirements.txt",
        b"-e requests\n",
        Some(1),
        "-e needs a local path",
    );
    expect_error(
        "req-remote",
        "requirements.txt",
        b"-r https://example.invalid/r.txt\n",
        Some(1),
        "not supported",
    );
    expect_error(
        "req-utf8",
        "requirements.txt",
        b"six==1.16.0\nid\xffna\n",
        Some(2),
        "not valid UTF-8",
    );
}

#[test]
fn requirements_include_cycle() {
    let tmp = scratch();
    let dir = tmp.path();
    std::fs::create_dir_all(dir.join("sub")).unwrap();
    std::fs::write(dir.join("requirements.txt"), "six==1.16.0\n-r sub/a.txt\n").unwrap();
    std::fs::write(
        dir.join("sub/a.txt"),
        "idna==3.20\n\n-r ../requirements.txt\n",
    )
    .unwrap();
    let (code, stderr) = show(&dir.join("requirements.txt"), &[]);
    assert_eq!(code, Some(2), "{stderr}");
    assert!(stderr.contains("a.txt:3: include cycle:"), "{stderr}");
    assert!(stderr.contains("requirements.txt -> "), "{stderr}");
    // a file including itself
    std::fs::write(dir.join("self.txt"), "-c self.txt\n").unwrap();
    let (code, stderr) = show(&dir.join("self.txt"), &[]);
    assert_eq!(code, Some(2), "{stderr}");
    assert!(stderr.contains("self.txt:1: include cycle"), "{stderr}");
}

#[test]
fn requirements_missing_include() {
    let tmp = scratch();
    let dir = tmp.path();
    std::fs::write(dir.join("requirements.txt"), "six==1.16.0\n\n-c nope.txt\n").unwrap();
    let (code, stderr) = show(&dir.join("requirements.txt"), &[]);
    assert_eq!(code, Some(2), "{stderr}");
    assert!(
        stderr.contains("requirements.txt:3: cannot read included file"),
        "{stderr}"
    );
    assert!(stderr.contains("nope.txt"), "{stderr}");
}

#[test]
fn errors_in_included_files_name_that_file() {
    let tmp = scratch();
    let dir = tmp.path();
    std::fs::write(dir.join("requirements.txt"), "-r inner.txt\n").unwrap();
    std::fs::write(dir.join("inner.txt"), "six==1.16.0\nsix==\n").unwrap();
    let (code, stderr) = show(&dir.join("requirements.txt"), &[]);
    assert_eq!(code, Some(2), "{stderr}");
    assert!(
        stderr.contains("inner.txt:2: not a valid requirement"),
        "{stderr}"
    );
    // Located, never quoted: an included file's text stays out of the output.
    assert!(!stderr.contains("`six==`"), "{stderr}");
}

#[test]
fn missing_file_is_an_error_not_a_panic() {
    let tmp = scratch();
    let dir = tmp.path();
    let (code, stderr) = show(&dir.join("uv.lock"), &[]);
    assert_eq!(code, Some(2), "{stderr}");
    assert!(stderr.contains("uv.lock"), "{stderr}");
}
