//! PEP 751 `pylock.toml` (`lock-version = "1.x"`).
//!
//! Each `[[packages]]` entry has at most one source: `vcs`, `directory`, `archive`, or index
//! files (`sdist` and/or `wheels`, with `index` naming the index). Files carry `name`, `url` or
//! `path`, `size`, `upload-time` (a TOML datetime) and `hashes` (a table `{ sha256 = ... }`).
//! An unsupported major lock version is an error, as the specification requires.

use std::collections::BTreeMap;
use std::path::Path;

use serde::Deserialize;
use toml::Spanned;

use super::{clip, input, line_of, path_filename, toml_error, url_filename, Lockfile};
use crate::error::Error;
use crate::package::{Artifact, LockedPackage, Problem, Source};

#[derive(Debug, Deserialize)]
struct PylockWire {
    #[serde(rename = "lock-version")]
    lock_version: Spanned<String>,
    #[serde(default)]
    packages: Vec<Spanned<PackageWire>>,
}

#[derive(Debug, Deserialize)]
struct PackageWire {
    name: String,
    #[serde(default)]
    version: Option<String>,
    #[serde(default)]
    marker: Option<String>,
    #[serde(default)]
    index: Option<String>,
    #[serde(default)]
    vcs: Option<VcsWire>,
    #[serde(default)]
    directory: Option<DirectoryWire>,
    #[serde(default)]
    archive: Option<FileWire>,
    #[serde(default)]
    sdist: Option<FileWire>,
    #[serde(default)]
    wheels: Option<Vec<FileWire>>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "kebab-case")]
struct VcsWire {
    #[serde(rename = "type")]
    #[allow(dead_code)]
    kind: String,
    #[serde(default)]
    url: Option<String>,
    #[serde(default)]
    path: Option<String>,
    #[serde(default)]
    requested_revision: Option<String>,
    commit_id: String,
}

#[derive(Debug, Deserialize)]
struct DirectoryWire {
    path: String,
    #[serde(default)]
    editable: bool,
}

/// `sdist`, `wheels` entries and `archive` share these keys.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "kebab-case")]
struct FileWire {
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    url: Option<String>,
    #[serde(default)]
    path: Option<String>,
    #[serde(default)]
    upload_time: Option<toml::value::Datetime>,
    #[serde(default)]
    size: Option<u64>,
    #[serde(default)]
    hashes: BTreeMap<String, String>,
}

pub(super) fn parse(path: &Path, text: &str, lock: &mut Lockfile) -> Result<(), Error> {
    let wire: PylockWire =
        toml::from_str(text).map_err(|e| toml_error(path, text, &e, "pylock.toml"))?;
    let version = wire.lock_version.get_ref();
    if version.split('.').next() != Some("1") {
        return Err(input(
            path,
            Some(line_of(text, wire.lock_version.span().start)),
            format!(
                "unsupported pylock lock-version `{}` (expected 1.x)",
                clip(version)
            ),
        ));
    }
    let lines = super::LineIndex::new(text);
    for spanned in wire.packages {
        let line = lines.line(spanned.span().start);
        let err = |msg: String| {
            input(
                path,
                Some(line),
                format!("package `{}`: {msg}", clip(&spanned.get_ref().name)),
            )
        };
        let p = spanned.get_ref();
        let index_files = p.sdist.is_some() || p.wheels.is_some();
        let kinds = [
            p.vcs.is_some(),
            p.directory.is_some(),
            p.archive.is_some(),
            index_files,
        ]
        .iter()
        .filter(|b| **b)
        .count();
        if kinds > 1 {
            return Err(err(
                "more than one of vcs, directory, archive and sdist/wheels".into(),
            ));
        }
        let mut artifacts = Vec::new();
        let (source, mut problems) = if let Some(v) = &p.vcs {
            let url = v
                .url
                .clone()
                .or_else(|| v.path.clone())
                .ok_or_else(|| err("vcs has neither url nor path".into()))?;
            let reference = Some(v.commit_id.clone())
                .filter(|c| !c.is_empty())
                .or_else(|| v.requested_revision.clone());
            (Source::Vcs { url, reference }, vec![Problem::VcsSource])
        } else if let Some(d) = &p.directory {
            let mut problems = vec![Problem::LocalSource];
            if d.editable {
                problems.push(Problem::Editable);
            }
            if super::is_project_root(&d.path) {
                // the project itself (uv export lists the root as `path = "."`)
                problems.clear();
            }
            (
                Source::Path {
                    path: d.path.clone(),
                    editable: d.editable,
                },
                problems,
            )
        } else if let Some(a) = &p.archive {
            let artifact = artifact(a).map_err(&err)?;
            match &a.url {
                Some(url) => {
                    let problems = super::url_problems(std::slice::from_ref(&artifact), &[]);
                    artifacts.push(artifact);
                    (Source::Url { url: url.clone() }, problems)
                }
                None => {
                    let path = a.path.clone().unwrap_or_default();
                    artifacts.push(artifact);
                    (
                        Source::Path {
                            path,
                            editable: false,
                        },
                        vec![Problem::LocalSource],
                    )
                }
            }
        } else {
            for f in p.sdist.iter().chain(p.wheels.iter().flatten()) {
                artifacts.push(artifact(f).map_err(&err)?);
            }
            if let Some(i) = &p.index {
                lock.push_index_url(i);
            }
            let problems = super::registry_problems(&artifacts);
            (
                Source::Registry {
                    url: p.index.clone(),
                },
                problems,
            )
        };
        if matches!(source, Source::Registry { .. }) && p.version.is_none() && artifacts.is_empty()
        {
            problems.insert(
                0,
                Problem::Unpinned {
                    specifier: String::new(),
                },
            );
        }
        let mut pkg = LockedPackage::new(&p.name, p.version.clone(), source);
        pkg.markers = p.marker.clone().filter(|m| !m.trim().is_empty());
        pkg.artifacts = artifacts;
        pkg.problems = problems;
        pkg.line = Some(u32::try_from(line).unwrap_or(u32::MAX));
        lock.packages.push(pkg);
    }
    Ok(())
}

fn artifact(f: &FileWire) -> Result<Artifact, String> {
    let filename = f
        .name
        .clone()
        .or_else(|| f.url.as_deref().map(url_filename))
        .or_else(|| f.path.as_deref().map(path_filename))
        .filter(|n| !n.is_empty())
        .ok_or_else(|| "a file has neither name, url nor path".to_string())?;
    if f.url.is_none() && f.path.is_none() {
        return Err(format!(
            "file `{}` has neither url nor path",
            clip(&filename)
        ));
    }
    let mut a = Artifact::new(filename);
    a.url = f.url.clone();
    a.hashes = super::hashes_from_table(&f.hashes)?;
    a.size = f.size;
    if let Some(t) = &f.upload_time {
        a.upload_time = Some(super::parse_timestamp(&t.to_string())?);
    }
    Ok(a)
}
