//! `pyvet completions SHELL` and `pyvet man` run from the binary and produce what a shell or
//! `man` loads: a script that completes the subcommands, and one roff page per command.

mod support;

fn pyvet(args: &[&str]) -> std::process::Output {
    support::Sandbox::new().run(args)
}

#[test]
fn completions_for_each_shell_name_the_subcommands() {
    for shell in ["bash", "zsh", "fish", "powershell", "elvish"] {
        let out = pyvet(&["completions", shell]);
        assert!(out.status.success(), "{shell}: {:?}", out);
        let script = String::from_utf8(out.stdout).unwrap();
        for sub in [
            "audit", "scan", "lock", "diff", "cache", "db", "rules", "demo",
        ] {
            assert!(script.contains(sub), "{shell}: no `{sub}`");
        }
    }
}

#[test]
fn completions_for_an_unknown_shell_is_a_usage_error() {
    let out = pyvet(&["completions", "tcsh"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("possible values"));
}

#[test]
fn man_dir_writes_a_page_per_command() {
    let tmp = support::tempdir();
    let dir = tmp.path().join("man");
    let out = pyvet(&["man", "--dir", dir.to_str().unwrap()]);
    assert!(out.status.success(), "{:?}", out);
    for page in [
        "pyvet.1",
        "pyvet-audit.1",
        "pyvet-cache-fetch.1",
        "pyvet-completions.1",
    ] {
        let text =
            std::fs::read_to_string(dir.join(page)).unwrap_or_else(|e| panic!("{page}: {e}"));
        assert!(text.contains(".TH pyvet"), "{page}: {text}");
    }
    let audit = std::fs::read_to_string(dir.join("pyvet-audit.1")).unwrap();
    assert!(audit.contains("python\\-version"), "{audit}");
}

#[test]
fn man_to_stdout_is_the_top_level_page() {
    let out = pyvet(&["man"]);
    assert!(out.status.success());
    let page = String::from_utf8(out.stdout).unwrap();
    assert!(
        page.contains(".SH SUBCOMMANDS") && page.contains("pyvet\\-audit(1)"),
        "{page}"
    );
}
