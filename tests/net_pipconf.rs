//! Index configuration discovery with an injected environment and home directory: which source
//! wins, how extras accumulate, and that nothing configured means no index at all.

mod support;

use std::path::Path;

use pyvet::pipconf::{resolve, ConfigEnv, ResolvedIndexes};

fn write(path: &Path, text: &str) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

fn urls(r: &ResolvedIndexes) -> (Option<String>, Vec<String>) {
    (
        r.primary.as_ref().map(|p| p.url.clone()),
        r.extras.iter().map(|e| e.url.clone()).collect(),
    )
}

/// A home with a user pip.conf, a legacy pip.conf, a uv.toml, and a system pip.conf.
fn configured_home(dir: &tempfile::TempDir) -> ConfigEnv {
    let home = dir.path().join("home");
    write(
        &home.join(".config/pip/pip.conf"),
        "[global]\nindex-url = https://user-pip.invalid/simple\nextra-index-url =\n  https://user-extra1.invalid/simple\n  https://user-extra2.invalid/simple\n",
    );
    write(
        &home.join(".pip/pip.conf"),
        "[global]\nindex-url = https://legacy-pip.invalid/simple\n",
    );
    write(
        &home.join(".config/uv/uv.toml"),
        "[[index]]\nurl = \"https://uv-default.invalid/simple\"\ndefault = true\n[[index]]\nurl = \"https://uv-extra.invalid/simple\"\n",
    );
    let system = dir.path().join("etc/pip.conf");
    write(
        &system,
        "[global]\nindex-url = https://system.invalid/simple\n",
    );
    ConfigEnv {
        home: Some(home),
        system_pip_conf: Some(system),
        ..ConfigEnv::default()
    }
}

#[test]
fn flag_beats_everything_but_config_extras_still_apply() {
    let dir = support::tempdir();
    let env = configured_home(&dir).with_var("PIP_INDEX_URL", "https://env.invalid/simple");
    let r = resolve(
        Some("https://flag.invalid/simple"),
        &["https://flag-extra.invalid/simple".to_string()],
        &env,
    )
    .unwrap();
    assert_eq!(
        urls(&r),
        (
            Some("https://flag.invalid/simple".into()),
            vec![
                "https://flag-extra.invalid/simple".into(),
                "https://user-extra1.invalid/simple".into(),
                "https://user-extra2.invalid/simple".into(),
                "https://uv-extra.invalid/simple".into(),
            ]
        )
    );
    assert_eq!(r.primary.unwrap().origin, "--index-url");
}

#[test]
fn pip_env_beats_pip_conf_which_beats_uv() {
    let dir = support::tempdir();
    let env = configured_home(&dir);
    let r = resolve(None, &[], &env).unwrap();
    assert_eq!(
        urls(&r).0.as_deref(),
        Some("https://user-pip.invalid/simple")
    );
    assert!(r.primary.as_ref().unwrap().origin.ends_with("pip.conf"));

    let env = env
        .with_var("PIP_INDEX_URL", "https://env.invalid/simple")
        .with_var(
            "PIP_EXTRA_INDEX_URL",
            "https://e1.invalid/simple https://e2.invalid/simple",
        );
    let r = resolve(None, &[], &env).unwrap();
    assert_eq!(
        urls(&r),
        (
            Some("https://env.invalid/simple".into()),
            vec![
                "https://e1.invalid/simple".into(),
                "https://e2.invalid/simple".into(),
                "https://uv-extra.invalid/simple".into(),
            ]
        )
    );
}

#[test]
fn pip_config_file_overrides_and_suppresses_user_files() {
    let dir = support::tempdir();
    let custom = dir.path().join("custom.conf");
    write(
        &custom,
        "[global]\nindex-url = https://global-section.invalid/simple\n[install]\nindex-url = https://custom.invalid/simple\n",
    );
    let env = configured_home(&dir).with_var("PIP_CONFIG_FILE", custom.to_str().unwrap());
    let r = resolve(None, &[], &env).unwrap();
    assert_eq!(urls(&r).0.as_deref(), Some("https://custom.invalid/simple"));
    // The user file's extras are not read when PIP_CONFIG_FILE exists (as pip does).
    assert!(
        !urls(&r).1.iter().any(|u| u.contains("user-extra")),
        "{r:?}"
    );
}

#[test]
fn legacy_and_system_pip_conf_in_order() {
    let dir = support::tempdir();
    let env = configured_home(&dir);
    let home = env.home.clone().unwrap();
    std::fs::remove_file(home.join(".config/pip/pip.conf")).unwrap();
    let r = resolve(None, &[], &env).unwrap();
    assert_eq!(
        urls(&r).0.as_deref(),
        Some("https://legacy-pip.invalid/simple")
    );
    std::fs::remove_file(home.join(".pip/pip.conf")).unwrap();
    let r = resolve(None, &[], &env).unwrap();
    assert_eq!(urls(&r).0.as_deref(), Some("https://system.invalid/simple"));
    std::fs::remove_file(env.system_pip_conf.as_ref().unwrap()).unwrap();
    // Only uv is left.
    let r = resolve(None, &[], &env).unwrap();
    assert_eq!(
        urls(&r),
        (
            Some("https://uv-default.invalid/simple".into()),
            vec!["https://uv-extra.invalid/simple".into()]
        )
    );
}

#[test]
fn xdg_config_home_is_honoured() {
    let dir = support::tempdir();
    let xdg = dir.path().join("xdg");
    write(
        &xdg.join("pip/pip.conf"),
        "[global]\nindex-url = https://xdg.invalid/simple\n",
    );
    let env = configured_home(&dir).with_var("XDG_CONFIG_HOME", xdg.to_str().unwrap());
    let r = resolve(None, &[], &env).unwrap();
    assert_eq!(urls(&r).0.as_deref(), Some("https://xdg.invalid/simple"));
}

#[test]
fn uv_environment_variables() {
    let dir = support::tempdir();
    let env = ConfigEnv::isolated(Some(dir.path().to_path_buf()))
        .with_var("UV_INDEX_URL", "https://deprecated.invalid/simple")
        .with_var("UV_DEFAULT_INDEX", "https://uv-env.invalid/simple")
        .with_var(
            "UV_INDEX",
            "internal=https://internal.invalid/simple https://other.invalid/simple",
        )
        .with_var("UV_EXTRA_INDEX_URL", "https://old-extra.invalid/simple");
    let r = resolve(None, &[], &env).unwrap();
    assert_eq!(
        urls(&r),
        (
            Some("https://uv-env.invalid/simple".into()),
            vec![
                "https://internal.invalid/simple".into(),
                "https://other.invalid/simple".into(),
                "https://old-extra.invalid/simple".into(),
            ]
        )
    );
    assert_eq!(r.primary.unwrap().origin, "UV_DEFAULT_INDEX");
}

#[test]
fn uv_config_file_variable_and_toml_errors_name_the_file() {
    let dir = support::tempdir();
    let f = dir.path().join("my-uv.toml");
    write(&f, "index-url = \"https://uvfile.invalid/simple\"\nextra-index-url = [\"https://x.invalid/simple\"]\n");
    let env = ConfigEnv::isolated(Some(dir.path().to_path_buf()))
        .with_var("UV_CONFIG_FILE", f.to_str().unwrap());
    let r = resolve(None, &[], &env).unwrap();
    assert_eq!(
        urls(&r),
        (
            Some("https://uvfile.invalid/simple".into()),
            vec!["https://x.invalid/simple".into()]
        )
    );
    write(
        &f,
        "index-url = \"https://uvfile.invalid/simple\"\n[[index]\n",
    );
    let err = resolve(None, &[], &env).unwrap_err().to_string();
    assert!(err.contains("my-uv.toml:2"), "{err}");
}

#[test]
fn duplicates_are_dropped_and_credentials_do_not_count() {
    let dir = support::tempdir();
    let env = ConfigEnv::isolated(Some(dir.path().to_path_buf()))
        .with_var("PIP_INDEX_URL", "https://u:p@idx.invalid/simple/")
        .with_var(
            "PIP_EXTRA_INDEX_URL",
            "https://idx.invalid/simple https://x.invalid/simple",
        )
        .with_var("UV_INDEX", "https://x.invalid/simple/");
    let r = resolve(None, &[], &env).unwrap();
    assert_eq!(
        urls(&r),
        (
            Some("https://u:p@idx.invalid/simple/".into()),
            vec!["https://x.invalid/simple".into()]
        )
    );
    // Descriptions never show the password.
    assert!(!r.primary.unwrap().describe().contains(":p@"));
}

#[test]
fn empty_home_and_environment_configure_nothing() {
    let dir = support::tempdir();
    let env = ConfigEnv::isolated(Some(dir.path().to_path_buf())).with_var("PIP_INDEX_URL", "   ");
    let r = resolve(None, &[], &env).unwrap();
    assert!(r.is_empty(), "{r:?}");
    assert!(matches!(
        pyvet::pipconf::no_index_error(),
        pyvet::error::Error::Usage(_)
    ));
}
