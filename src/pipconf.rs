//! Which package indexes the user installs from, read the way pip and uv read it, so pyvet asks
//! the same indexes the installer would. No index is built in: when nothing is configured, the
//! caller fails with [`no_index_error`], which says how to name one.
//!
//! The primary index is the first of:
//! 1. `--index-url` (or `PYVET_INDEX_URL`, which clap maps to it);
//! 2. `PIP_INDEX_URL`;
//! 3. pip configuration files: `PIP_CONFIG_FILE` (when it exists, user files are skipped, as pip
//!    does), `$VIRTUAL_ENV/pip.conf`, the user file (`$XDG_CONFIG_HOME/pip/pip.conf` or
//!    `~/.config/pip/pip.conf`, then the legacy `~/.pip/pip.conf`), then `/etc/pip.conf`;
//!    `[install]` overrides `[global]` within a file;
//! 4. `UV_DEFAULT_INDEX`, then `UV_INDEX_URL`;
//! 5. uv configuration: `UV_CONFIG_FILE`, else `$XDG_CONFIG_HOME/uv/uv.toml` or
//!    `~/.config/uv/uv.toml`, then `/etc/uv/uv.toml` (`index-url`, or an `[[index]]` with
//!    `default = true`).
//!
//! Extra indexes accumulate, in this order and without duplicates: `--extra-index-url`,
//! `PIP_EXTRA_INDEX_URL` (else pip.conf `extra-index-url`), `UV_INDEX` / `UV_EXTRA_INDEX_URL`
//! (else uv.toml `extra-index-url` and non-default, non-explicit `[[index]]` entries).
//! The caller puts the lockfile's own index URLs before all of these.
//!
//! The environment and home directory are injected ([`ConfigEnv`]) so tests never read the
//! machine's configuration.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::error::{Error, InputError};
use crate::index::IndexSettings;
use crate::redact::redact_url;

/// The environment pyvet reads configuration from.
#[derive(Debug, Clone, Default)]
pub struct ConfigEnv {
    pub vars: BTreeMap<String, String>,
    pub home: Option<PathBuf>,
    /// System-wide pip.conf (`/etc/pip.conf` on Unix); `None` to skip.
    pub system_pip_conf: Option<PathBuf>,
    /// System-wide uv.toml (`/etc/uv/uv.toml` on Unix); `None` to skip.
    pub system_uv_toml: Option<PathBuf>,
}

impl ConfigEnv {
    /// The real process environment and home directory.
    pub fn from_process() -> ConfigEnv {
        let vars = std::env::vars_os()
            .filter_map(|(k, v)| Some((k.into_string().ok()?, v.into_string().ok()?)))
            .collect();
        let (system_pip_conf, system_uv_toml) = if cfg!(unix) {
            (
                Some(PathBuf::from("/etc/pip.conf")),
                Some(PathBuf::from("/etc/uv/uv.toml")),
            )
        } else {
            (None, None)
        };
        ConfigEnv {
            vars,
            home: dirs::home_dir(),
            system_pip_conf,
            system_uv_toml,
        }
    }

    /// An empty environment with this home directory (tests).
    pub fn isolated(home: Option<PathBuf>) -> ConfigEnv {
        ConfigEnv {
            home,
            ..ConfigEnv::default()
        }
    }

    pub fn with_var(mut self, key: &str, value: &str) -> ConfigEnv {
        self.vars.insert(key.to_string(), value.to_string());
        self
    }

    /// A set, non-blank variable.
    pub fn var(&self, key: &str) -> Option<&str> {
        self.vars
            .get(key)
            .map(|v| v.trim())
            .filter(|v| !v.is_empty())
    }

    fn xdg_config(&self) -> Option<PathBuf> {
        self.var("XDG_CONFIG_HOME")
            .map(PathBuf::from)
            .or_else(|| self.home.as_ref().map(|h| h.join(".config")))
    }
}

/// One configured index and where it was configured.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IndexSource {
    pub url: String,
    /// `--index-url`, `PIP_INDEX_URL`, a file path, ...
    pub origin: String,
}

impl IndexSource {
    /// For messages: the URL without credentials and its origin.
    pub fn describe(&self) -> String {
        format!("{} (from {})", redact_url(&self.url), self.origin)
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ResolvedIndexes {
    pub primary: Option<IndexSource>,
    pub extras: Vec<IndexSource>,
}

impl ResolvedIndexes {
    pub fn settings(&self) -> IndexSettings {
        IndexSettings {
            index_urls: self.primary.iter().map(|s| s.url.clone()).collect(),
            extra_index_urls: self.extras.iter().map(|s| s.url.clone()).collect(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.primary.is_none() && self.extras.is_empty()
    }
}

/// The error to report when no index is configured anywhere (exit code 2).
pub fn no_index_error() -> Error {
    Error::Usage(
        "no package index is configured, and pyvet has none built in. Name one with \
         `--index-url URL` (or PYVET_INDEX_URL), PIP_INDEX_URL, `index-url = URL` under [global] \
         in pip.conf, or `[[index]]` with `url = \"URL\"` and `default = true` in uv.toml \
         (UV_DEFAULT_INDEX also works)."
            .into(),
    )
}

/// Settings of one tool (pip or uv), already merged across its sources.
#[derive(Default)]
struct ToolConfig {
    index: Option<IndexSource>,
    extras: Vec<IndexSource>,
}

/// Resolve the index configuration (see the module docs for the order).
pub fn resolve(
    index_url: Option<&str>,
    extra_index_urls: &[String],
    env: &ConfigEnv,
) -> Result<ResolvedIndexes, Error> {
    let pip = pip_config(env)?;
    let uv = uv_config(env)?;
    let primary = index_url
        .map(str::trim)
        .filter(|u| !u.is_empty())
        .map(|u| IndexSource {
            url: u.to_string(),
            origin: "--index-url".into(),
        })
        .or(pip.index)
        .or(uv.index);
    let mut extras: Vec<IndexSource> = extra_index_urls
        .iter()
        .map(|u| u.trim())
        .filter(|u| !u.is_empty())
        .map(|u| IndexSource {
            url: u.to_string(),
            origin: "--extra-index-url".into(),
        })
        .collect();
    extras.extend(pip.extras);
    extras.extend(uv.extras);
    let key = |u: &str| {
        crate::network::clean_url(u)
            .trim_end_matches('/')
            .to_string()
    };
    let mut seen: std::collections::HashSet<String> = primary.iter().map(|p| key(&p.url)).collect();
    extras.retain(|e| seen.insert(key(&e.url)));
    Ok(ResolvedIndexes { primary, extras })
}

fn split_urls(value: &str, origin: &str) -> Vec<IndexSource> {
    value
        .split_whitespace()
        .map(|u| IndexSource {
            url: u.to_string(),
            origin: origin.to_string(),
        })
        .collect()
}

fn read_optional(path: &Path) -> Result<Option<String>, Error> {
    match std::fs::read(path) {
        Ok(d) => Ok(Some(String::from_utf8_lossy(&d).into_owned())),
        Err(e)
            if e.kind() == std::io::ErrorKind::NotFound
                || e.kind() == std::io::ErrorKind::NotADirectory =>
        {
            Ok(None)
        }
        Err(e) if path.is_dir() => Err(Error::io(
            format!("reading {} (a directory)", path.display()),
            e,
        )),
        Err(e) => Err(Error::io(format!("reading {}", path.display()), e)),
    }
}

/// pip configuration files, highest priority first.
fn pip_files(env: &ConfigEnv) -> Vec<PathBuf> {
    let mut files = Vec::new();
    let env_file = env.var("PIP_CONFIG_FILE").map(PathBuf::from);
    let env_file_exists = env_file.as_ref().is_some_and(|p| p.is_file());
    if let Some(p) = env_file {
        files.push(p);
    }
    if let Some(v) = env.var("VIRTUAL_ENV") {
        files.push(Path::new(v).join(if cfg!(windows) { "pip.ini" } else { "pip.conf" }));
    }
    if !env_file_exists {
        if let Some(x) = env.xdg_config() {
            files.push(x.join("pip").join("pip.conf"));
        }
        if let Some(h) = &env.home {
            if cfg!(target_os = "macos") {
                files.push(h.join("Library/Application Support/pip/pip.conf"));
            }
            files.push(h.join(".pip").join("pip.conf"));
        }
        if cfg!(windows) {
            if let Some(a) = env.var("APPDATA") {
                files.push(Path::new(a).join("pip").join("pip.ini"));
            }
        }
    }
    if let Some(s) = &env.system_pip_conf {
        files.push(s.clone());
    }
    files
}

fn pip_config(env: &ConfigEnv) -> Result<ToolConfig, Error> {
    let mut cfg = ToolConfig::default();
    let mut index = env.var("PIP_INDEX_URL").map(|u| IndexSource {
        url: u.to_string(),
        origin: "PIP_INDEX_URL".into(),
    });
    let mut extras = env
        .var("PIP_EXTRA_INDEX_URL")
        .map(|v| split_urls(v, "PIP_EXTRA_INDEX_URL"));
    for path in pip_files(env) {
        if index.is_some() && extras.is_some() {
            break;
        }
        let Some(text) = read_optional(&path)? else {
            continue;
        };
        let ini = parse_ini(&text);
        let get = |key: &str| {
            ["install", "global"]
                .iter()
                .find_map(|s| ini.get(&(s.to_string(), key.to_string())))
        };
        let origin = path.display().to_string();
        if index.is_none() {
            if let Some(v) = get("index-url").and_then(|v| v.split_whitespace().next()) {
                index = Some(IndexSource {
                    url: v.to_string(),
                    origin: origin.clone(),
                });
            }
        }
        if extras.is_none() {
            if let Some(v) = get("extra-index-url") {
                extras = Some(split_urls(v, &origin));
            }
        }
    }
    cfg.index = index;
    cfg.extras = extras.unwrap_or_default();
    Ok(cfg)
}

/// A minimal INI reader as pip's configparser sees it: `[section]`, `key = value` or
/// `key: value`, `#`/`;` comment lines, indented continuation lines. Keys are lowercased with
/// `_` read as `-`. Later duplicates win. Malformed lines are ignored.
pub fn parse_ini(text: &str) -> BTreeMap<(String, String), String> {
    let mut out: BTreeMap<(String, String), String> = BTreeMap::new();
    let mut section = String::new();
    let mut current: Option<(String, String)> = None;
    for raw in text.lines() {
        let line = raw.trim_end();
        let trimmed = line.trim_start();
        if trimmed.is_empty() {
            current = None;
            continue;
        }
        if trimmed.starts_with('#') || trimmed.starts_with(';') {
            continue;
        }
        let indented = line.len() != trimmed.len();
        if indented {
            if let Some(k) = &current {
                if let Some(v) = out.get_mut(k) {
                    v.push('\n');
                    v.push_str(trimmed);
                }
                continue;
            }
        }
        if let Some(rest) = trimmed.strip_prefix('[') {
            if let Some(name) = rest.strip_suffix(']') {
                section = name.trim().to_ascii_lowercase();
                current = None;
                continue;
            }
        }
        let Some(i) = trimmed.find(['=', ':']) else {
            current = None;
            continue;
        };
        let key = trimmed[..i].trim().to_ascii_lowercase().replace('_', "-");
        let value = trimmed[i + 1..].trim().to_string();
        if key.is_empty() {
            current = None;
            continue;
        }
        let k = (section.clone(), key);
        out.insert(k.clone(), value);
        current = Some(k);
    }
    out
}

/// uv configuration files, highest priority first.
fn uv_files(env: &ConfigEnv) -> Vec<PathBuf> {
    if let Some(p) = env.var("UV_CONFIG_FILE") {
        return vec![PathBuf::from(p)];
    }
    let mut files = Vec::new();
    if let Some(x) = env.xdg_config() {
        files.push(x.join("uv").join("uv.toml"));
    }
    if cfg!(windows) {
        if let Some(a) = env.var("APPDATA") {
            files.push(Path::new(a).join("uv").join("uv.toml"));
        }
    }
    if let Some(s) = &env.system_uv_toml {
        files.push(s.clone());
    }
    files
}

/// `name=url` entries (UV_INDEX) or bare URLs.
fn uv_index_entry(entry: &str) -> &str {
    match entry.split_once('=') {
        Some((name, url)) if !name.contains("://") && !name.contains('/') => url,
        _ => entry,
    }
}

fn uv_config(env: &ConfigEnv) -> Result<ToolConfig, Error> {
    let mut index = env
        .var("UV_DEFAULT_INDEX")
        .map(|u| ("UV_DEFAULT_INDEX", u))
        .or_else(|| env.var("UV_INDEX_URL").map(|u| ("UV_INDEX_URL", u)))
        .map(|(origin, u)| IndexSource {
            url: uv_index_entry(u).to_string(),
            origin: origin.into(),
        });
    let mut env_extras: Vec<IndexSource> = Vec::new();
    for var in ["UV_INDEX", "UV_EXTRA_INDEX_URL"] {
        if let Some(v) = env.var(var) {
            env_extras.extend(v.split_whitespace().map(|e| IndexSource {
                url: uv_index_entry(e).to_string(),
                origin: var.into(),
            }));
        }
    }
    let mut file_extras: Option<Vec<IndexSource>> = None;
    for path in uv_files(env) {
        if index.is_some() && (file_extras.is_some() || !env_extras.is_empty()) {
            break;
        }
        let Some(text) = read_optional(&path)? else {
            continue;
        };
        let (file_index, extras) = parse_uv_toml(&text, &path)?;
        if index.is_none() {
            index = file_index;
        }
        if file_extras.is_none() && !extras.is_empty() {
            file_extras = Some(extras);
        }
    }
    let extras = if env_extras.is_empty() {
        file_extras.unwrap_or_default()
    } else {
        env_extras
    };
    Ok(ToolConfig { index, extras })
}

/// The default index and extra indexes a uv.toml names.
pub fn parse_uv_toml(
    text: &str,
    path: &Path,
) -> Result<(Option<IndexSource>, Vec<IndexSource>), Error> {
    let value: toml::Value = toml::from_str(text).map_err(|e| {
        let line = e.span().map(|s| {
            let end = s.start.min(text.len());
            text.as_bytes()[..end]
                .iter()
                .filter(|b| **b == b'\n')
                .count()
                + 1
        });
        InputError::new(path, line, format!("invalid TOML: {}", e.message()))
    })?;
    let origin = path.display().to_string();
    let src = |u: &str| IndexSource {
        url: u.trim().to_string(),
        origin: origin.clone(),
    };
    let mut default = None;
    let mut extras = Vec::new();
    // `[[index]]` entries come first: uv searches them before `extra-index-url`.
    if let Some(toml::Value::Array(indexes)) = value.get("index") {
        for i in indexes {
            let Some(url) = i.get("url").and_then(|u| u.as_str()) else {
                continue;
            };
            let is_default = i.get("default").and_then(|d| d.as_bool()) == Some(true);
            let explicit = i.get("explicit").and_then(|d| d.as_bool()) == Some(true);
            if is_default {
                default.get_or_insert_with(|| src(url));
            } else if !explicit {
                extras.push(src(url));
            }
        }
    }
    // uv also accepts these under `[pip]`; the top level wins.
    for table in [Some(&value), value.get("pip")].into_iter().flatten() {
        if let Some(u) = table.get("index-url").and_then(|u| u.as_str()) {
            default.get_or_insert_with(|| src(u));
        }
        match table.get("extra-index-url") {
            Some(toml::Value::Array(a)) => {
                extras.extend(a.iter().filter_map(|u| u.as_str()).map(src));
            }
            Some(toml::Value::String(s)) => extras.push(src(s)),
            _ => {}
        }
    }
    Ok((default, extras))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ini_sections_continuations_comments() {
        let ini = parse_ini(
            "# comment\n[global]\nindex_url = https://a.invalid/simple\nextra-index-url =\n    https://b.invalid/simple\n    https://c.invalid/simple\n; other\n[install]\nINDEX-URL: https://d.invalid/simple\nnonsense line\n=novalue\n",
        );
        assert_eq!(
            ini.get(&("global".into(), "index-url".into()))
                .map(String::as_str),
            Some("https://a.invalid/simple")
        );
        assert_eq!(
            ini.get(&("global".into(), "extra-index-url".into()))
                .unwrap()
                .split_whitespace()
                .collect::<Vec<_>>(),
            vec!["https://b.invalid/simple", "https://c.invalid/simple"]
        );
        assert_eq!(
            ini.get(&("install".into(), "index-url".into()))
                .map(String::as_str),
            Some("https://d.invalid/simple")
        );
    }

    #[test]
    fn uv_toml_indexes_and_errors() {
        let (d, e) = parse_uv_toml(
            "extra-index-url = [\"https://x.invalid/simple\"]\n[[index]]\nname = \"a\"\nurl = \"https://a.invalid/simple\"\n[[index]]\nurl = \"https://b.invalid/simple\"\ndefault = true\n[[index]]\nurl = \"https://c.invalid/simple\"\nexplicit = true\n",
            Path::new("uv.toml"),
        )
        .unwrap();
        assert_eq!(d.unwrap().url, "https://b.invalid/simple");
        let e: Vec<_> = e.into_iter().map(|s| s.url).collect();
        assert_eq!(
            e,
            vec!["https://a.invalid/simple", "https://x.invalid/simple"]
        );
        let err = parse_uv_toml("a = 1\nb = [\n", Path::new("/cfg/uv.toml")).unwrap_err();
        let msg = err.to_string();
        assert!(msg.starts_with("/cfg/uv.toml:"), "{msg}");
    }

    #[test]
    fn uv_index_entries_may_be_named() {
        assert_eq!(
            uv_index_entry("internal=https://i.invalid/simple"),
            "https://i.invalid/simple"
        );
        assert_eq!(
            uv_index_entry("https://i.invalid/simple?a=b"),
            "https://i.invalid/simple?a=b"
        );
    }

    #[test]
    fn nothing_configured_is_empty_and_the_error_says_how() {
        let r = resolve(None, &[], &ConfigEnv::isolated(None)).unwrap();
        assert!(r.is_empty());
        assert!(r.settings().is_empty());
        let msg = no_index_error().to_string();
        for needle in ["--index-url URL", "PIP_INDEX_URL", "pip.conf", "uv.toml"] {
            assert!(msg.contains(needle), "{needle} missing from: {msg}");
        }
    }
}
