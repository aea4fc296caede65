//! uv.lock (`version = 1`, any `revision`).
//!
//! Every `[[package]]` has a `source` table with exactly one of `registry`, `git`, `url`, `path`,
//! `directory`, `editable` or `virtual`; index packages list an `sdist` and `wheels` with `url`
//! (or `path` for a local registry), `hash`, `size` and `upload-time` (`upload_time` in older
//! revisions). A name may appear several times when the resolution forks; `resolution-markers`
//! then say which entry applies. Workspace members (the project itself) are kept, marked as
//! virtual or editable, without problems: they are not third-party code.

use std::collections::BTreeSet;
use std::path::Path;

use serde::Deserialize;
use toml::Spanned;

use super::{clip, input, line_of, path_filename, toml_error, url_filename, Lockfile};
use crate::error::Error;
use crate::package::{normalize_name, Artifact, LockedPackage, Problem, Source};

#[derive(Debug, Deserialize)]
struct UvWire {
    version: Spanned<i64>,
    #[serde(default)]
    #[allow(dead_code)]
    revision: Option<i64>,
    #[serde(default)]
    package: Vec<Spanned<PackageWire>>,
    #[serde(default)]
    manifest: Option<ManifestWire>,
}

#[derive(Debug, Deserialize)]
struct ManifestWire {
    #[serde(default)]
    members: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "kebab-case")]
struct PackageWire {
    name: String,
    #[serde(default)]
    version: Option<String>,
    source: SourceWire,
    #[serde(default)]
    sdist: Option<DistWire>,
    #[serde(default)]
    wheels: Vec<DistWire>,
    #[serde(default)]
    resolution_markers: Vec<String>,
}

#[derive(Debug, Deserialize)]
struct SourceWire {
    #[serde(default)]
    registry: Option<String>,
    #[serde(default)]
    git: Option<String>,
    #[serde(default)]
    url: Option<String>,
    #[serde(default)]
    path: Option<String>,
    #[serde(default)]
    directory: Option<String>,
    #[serde(default)]
    editable: Option<String>,
    #[serde(rename = "virtual", default)]
    virtual_: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "kebab-case")]
struct DistWire {
    #[serde(default)]
    url: Option<String>,
    #[serde(default)]
    path: Option<String>,
    #[serde(default)]
    filename: Option<String>,
    #[serde(default)]
    hash: Option<String>,
    #[serde(default)]
    size: Option<u64>,
    #[serde(default, alias = "upload_time")]
    upload_time: Option<TimeWire>,
}

/// uv writes upload times as strings; accept a TOML datetime too.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum TimeWire {
    Text(String),
    Datetime(toml::value::Datetime),
}

pub(super) fn parse(path: &Path, text: &str, lock: &mut Lockfile) -> Result<(), Error> {
    let wire: UvWire = toml::from_str(text).map_err(|e| toml_error(path, text, &e, "uv.lock"))?;
    if *wire.version.get_ref() != 1 {
        return Err(input(
            path,
            Some(line_of(text, wire.version.span().start)),
            format!(
                "unsupported uv.lock version {} (expected 1)",
                wire.version.get_ref()
            ),
        ));
    }
    let members: BTreeSet<String> = wire
        .manifest
        .map(|m| m.members.iter().map(|n| normalize_name(n)).collect())
        .unwrap_or_default();

    let lines = super::LineIndex::new(text);
    for spanned in wire.package {
        let line = lines.line(spanned.span().start);
        let err = |msg: String| input(path, Some(line), msg);
        let p = spanned.into_inner();
        let s = &p.source;
        let given = [
            s.registry.is_some(),
            s.git.is_some(),
            s.url.is_some(),
            s.path.is_some(),
            s.directory.is_some(),
            s.editable.is_some(),
            s.virtual_.is_some(),
        ]
        .iter()
        .filter(|b| **b)
        .count();
        if given != 1 {
            return Err(err(format!(
                "package `{}`: source must have exactly one of registry, git, url, path, \
                 directory, editable or virtual",
                clip(&p.name)
            )));
        }
        // The project itself (or a workspace member): not third-party code.
        let is_member = members.contains(&normalize_name(&p.name))
            || s.virtual_.is_some()
            || s.editable.as_deref().is_some_and(super::is_project_root)
            || s.directory.as_deref().is_some_and(super::is_project_root);

        let source = if let Some(r) = &s.registry {
            let url = if r.contains("://") {
                lock.push_index_url(r);
                Some(r.clone())
            } else {
                // a local directory used as a registry (find-links style)
                Some(r.clone())
            };
            Source::Registry { url }
        } else if let Some(g) = &s.git {
            // `https://host/repo?rev=v1#<commit>`: the fragment is the locked commit.
            let (base, commit) = match g.split_once('#') {
                Some((b, c)) => (b, Some(c.to_string()).filter(|c| !c.is_empty())),
                None => (g.as_str(), None),
            };
            let url = base.split('?').next().unwrap_or(base).to_string();
            let requested = base
                .split_once('?')
                .and_then(|(_, q)| {
                    q.split('&')
                        .filter_map(|kv| kv.split_once('='))
                        .find(|(k, _)| matches!(*k, "rev" | "tag" | "branch"))
                })
                .map(|(_, v)| v.to_string());
            Source::Vcs {
                url,
                reference: commit.or(requested),
            }
        } else if let Some(u) = &s.url {
            Source::Url { url: u.clone() }
        } else if let Some(p) = &s.path {
            Source::Path {
                path: p.clone(),
                editable: false,
            }
        } else if let Some(d) = &s.directory {
            Source::Path {
                path: d.clone(),
                editable: false,
            }
        } else if let Some(e) = &s.editable {
            Source::Path {
                path: e.clone(),
                editable: true,
            }
        } else {
            Source::Virtual {
                path: s.virtual_.clone().unwrap_or_default(),
            }
        };

        let mut artifacts = Vec::new();
        let source_url = match &source {
            Source::Url { url } => Some(url.as_str()),
            _ => None,
        };
        for d in p.sdist.iter().chain(p.wheels.iter()) {
            artifacts.push(
                artifact(d, source_url)
                    .map_err(|m| err(format!("package `{}`: {m}", clip(&p.name))))?,
            );
        }

        let mut problems = match &source {
            Source::Registry { .. } => super::registry_problems(&artifacts),
            Source::Url { .. } => super::url_problems(&artifacts, &[]),
            Source::Vcs { .. } => vec![Problem::VcsSource],
            Source::Path { editable, .. } if !is_member => {
                let mut v = vec![Problem::LocalSource];
                if *editable {
                    v.push(Problem::Editable);
                }
                v
            }
            Source::Path { .. } | Source::Virtual { .. } => Vec::new(),
        };
        if matches!(source, Source::Registry { .. }) && p.version.is_none() {
            problems.insert(
                0,
                Problem::Unpinned {
                    specifier: String::new(),
                },
            );
        }
        let mut pkg = LockedPackage::new(&p.name, p.version.clone(), source);
        pkg.markers = match p.resolution_markers.as_slice() {
            [] => None,
            [one] => Some(one.clone()),
            many => Some(
                many.iter()
                    .map(|m| format!("({m})"))
                    .collect::<Vec<_>>()
                    .join(" or "),
            ),
        };
        pkg.artifacts = artifacts;
        pkg.problems = problems;
        pkg.line = Some(u32::try_from(line).unwrap_or(u32::MAX));
        lock.packages.push(pkg);
    }
    Ok(())
}

fn artifact(d: &DistWire, source_url: Option<&str>) -> Result<Artifact, String> {
    let url = d.url.clone().or_else(|| source_url.map(str::to_string));
    let filename = d
        .filename
        .clone()
        .or_else(|| url.as_deref().map(url_filename))
        .or_else(|| d.path.as_deref().map(path_filename))
        .filter(|f| !f.is_empty())
        .ok_or_else(|| "a distribution has neither url, path nor filename".to_string())?;
    let mut a = Artifact::new(filename);
    a.url = url;
    if let Some(h) = &d.hash {
        if let Some(dg) = super::parse_hash(h)? {
            a.hashes.insert(dg);
        }
    }
    a.size = d.size;
    match &d.upload_time {
        Some(TimeWire::Text(t)) => a.upload_time = Some(super::parse_timestamp(t)?),
        Some(TimeWire::Datetime(t)) => {
            a.upload_time = Some(super::parse_timestamp(&t.to_string())?)
        }
        None => {}
    }
    Ok(a)
}
