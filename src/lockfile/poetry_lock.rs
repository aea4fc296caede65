//! poetry.lock, lock versions 1.x (files under `[metadata.files]`, keyed by package name) and
//! 2.x (`files` on each `[[package]]`; 2.1 adds `groups` and per-group `markers`).
//!
//! `[package.source]` says where a package comes from: absent means the default index, `legacy`
//! a named index (simple API), `url` a direct archive URL, `git` a checkout (`resolved_reference`
//! is the commit), `directory`/`file` a local path (`develop = true` for editable).
//!
//! For the install set, lock 2.1 records each package's `groups` and its marker per group,
//! which is what Poetry 2 installs from; older locks give `[package.dependencies]` and
//! `[package.extras]`, a graph whose root (the project's own dependencies) is in the
//! pyproject.toml next to the lockfile.

use std::collections::{BTreeMap, HashMap};
use std::path::Path;

use serde::Deserialize;
use toml::Spanned;

use super::deps::{normalize_label, DepGraph, Edge, InstallModel, Node};
use super::{clip, input, line_of, name_version_from_filename, toml_error, Lockfile};
use crate::error::Error;
use crate::package::{normalize_name, Artifact, LockedPackage, Problem, Source};

#[derive(Debug, Deserialize)]
struct PoetryWire {
    #[serde(default)]
    package: Vec<Spanned<PackageWire>>,
    #[serde(default)]
    metadata: Option<MetadataWire>,
}

#[derive(Debug, Deserialize)]
struct MetadataWire {
    #[serde(rename = "lock-version", default)]
    lock_version: Option<Spanned<String>>,
    /// Lock version 1.x: files of every package, by name.
    #[serde(default)]
    files: Option<BTreeMap<String, Vec<FileWire>>>,
}

#[derive(Debug, Deserialize)]
struct PackageWire {
    name: String,
    version: String,
    #[serde(default)]
    files: Option<Vec<FileWire>>,
    #[serde(default)]
    markers: Option<MarkersWire>,
    #[serde(default)]
    groups: Vec<String>,
    #[serde(default)]
    develop: bool,
    #[serde(default)]
    source: Option<SourceWire>,
    /// name -> constraint, table or array of tables (read leniently: only markers, extras
    /// and `optional` matter here).
    #[serde(default)]
    dependencies: BTreeMap<String, toml::Value>,
    /// extra -> requirement strings.
    #[serde(default)]
    extras: BTreeMap<String, toml::Value>,
}

#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum MarkersWire {
    One(String),
    PerGroup(BTreeMap<String, String>),
}

#[derive(Debug, Deserialize)]
struct FileWire {
    file: String,
    #[serde(default)]
    hash: Option<String>,
    #[serde(default)]
    url: Option<String>,
}

#[derive(Debug, Deserialize)]
struct SourceWire {
    #[serde(rename = "type")]
    kind: String,
    #[serde(default)]
    url: Option<String>,
    #[serde(default)]
    reference: Option<String>,
    #[serde(default)]
    resolved_reference: Option<String>,
    #[serde(default)]
    subdirectory: Option<String>,
}

pub(super) fn parse(path: &Path, text: &str, lock: &mut Lockfile) -> Result<(), Error> {
    let wire: PoetryWire =
        toml::from_str(text).map_err(|e| toml_error(path, text, &e, "poetry.lock"))?;
    let (legacy_files, major) = match wire.metadata {
        Some(meta) => {
            let major = match &meta.lock_version {
                Some(v) => {
                    let line = line_of(text, v.span().start);
                    let major = v.get_ref().split('.').next().unwrap_or("");
                    match major {
                        "1" => 1,
                        "2" => 2,
                        _ => {
                            return Err(input(
                                path,
                                Some(line),
                                format!(
                                    "unsupported poetry lock-version `{}` (expected 1.x or 2.x)",
                                    clip(v.get_ref())
                                ),
                            ))
                        }
                    }
                }
                None => 1,
            };
            (meta.files.unwrap_or_default(), major)
        }
        None => {
            return Err(input(
                path,
                None,
                "not a poetry.lock: no [metadata] table (is the file truncated?)",
            ))
        }
    };
    // Lock 1.x: files by normalised name.
    let mut files_by_name: BTreeMap<String, Vec<FileWire>> = BTreeMap::new();
    for (name, files) in legacy_files {
        files_by_name
            .entry(normalize_name(&name))
            .or_default()
            .extend(files);
    }
    let mut versions_per_name: BTreeMap<String, usize> = BTreeMap::new();
    for p in &wire.package {
        *versions_per_name
            .entry(normalize_name(&p.get_ref().name))
            .or_default() += 1;
    }

    let lines = super::LineIndex::new(text);
    let mut per_group: Vec<Vec<(String, Option<String>)>> = Vec::new();
    let mut edges: Vec<(BTreeMap<String, toml::Value>, BTreeMap<String, toml::Value>)> = Vec::new();
    for spanned in wire.package {
        let line = lines.line(spanned.span().start);
        let err = |msg: String| input(path, Some(line), msg);
        let mut p = spanned.into_inner();
        let normalized = normalize_name(&p.name);
        let files: Vec<&FileWire> = match &p.files {
            Some(f) if major >= 2 || !f.is_empty() => f.iter().collect(),
            _ => {
                let all = files_by_name
                    .get(&normalized)
                    .map(Vec::as_slice)
                    .unwrap_or(&[]);
                if versions_per_name.get(&normalized).copied().unwrap_or(0) > 1 {
                    // 1.x merges the files of every locked version of a name: keep this one's.
                    let wanted = crate::project::normalize_version(&p.version);
                    all.iter()
                        .filter(|f| {
                            name_version_from_filename(&f.file).is_none_or(|(_, v)| {
                                crate::project::normalize_version(&v) == wanted
                            })
                        })
                        .collect()
                } else {
                    all.iter().collect()
                }
            }
        };
        let mut artifacts = Vec::with_capacity(files.len());
        for f in files {
            let mut a = Artifact::new(f.file.clone());
            a.url = f.url.clone();
            if let Some(h) = &f.hash {
                if let Some(d) = super::parse_hash(h)
                    .map_err(|e| err(format!("package `{}`: {e}", clip(&p.name))))?
                {
                    a.hashes.insert(d);
                }
            }
            artifacts.push(a);
        }

        let source = match &p.source {
            None => Source::Registry { url: None },
            Some(s) => {
                let url = s.url.clone().unwrap_or_default();
                let need_url = || {
                    if url.is_empty() {
                        Err(err(format!(
                            "package `{}`: source of type `{}` has no url",
                            clip(&p.name),
                            clip(&s.kind)
                        )))
                    } else {
                        Ok(url.clone())
                    }
                };
                match s.kind.as_str() {
                    "legacy" => {
                        if url.is_empty() {
                            Source::Registry { url: None }
                        } else {
                            lock.push_index_url(&url);
                            Source::Registry { url: Some(url) }
                        }
                    }
                    "url" => Source::Url { url: need_url()? },
                    "git" | "hg" | "svn" | "bzr" => Source::Vcs {
                        url: need_url()?,
                        reference: s
                            .resolved_reference
                            .clone()
                            .or_else(|| s.reference.clone())
                            .filter(|r| !r.is_empty()),
                    },
                    "directory" | "file" => {
                        let mut path = need_url()?;
                        if let Some(sub) = s.subdirectory.as_deref().filter(|s| !s.is_empty()) {
                            path = format!("{path}/{sub}");
                        }
                        Source::Path {
                            path,
                            editable: p.develop,
                        }
                    }
                    other => {
                        return Err(err(format!(
                            "package `{}`: unknown source type `{}`",
                            clip(&p.name),
                            clip(other)
                        )))
                    }
                }
            }
        };
        if let Source::Url { url } = &source {
            // the one file of a url source is the URL itself
            for a in &mut artifacts {
                if a.url.is_none() {
                    a.url = Some(url.clone());
                }
            }
            if artifacts.is_empty() {
                let mut a = Artifact::new(super::url_filename(url));
                a.url = Some(url.clone());
                artifacts.push(a);
            }
        }
        let mut problems = match &source {
            Source::Registry { .. } => super::registry_problems(&artifacts),
            Source::Url { .. } => super::url_problems(&artifacts, &[]),
            Source::Vcs { .. } => vec![Problem::VcsSource],
            Source::Path { path, .. } if super::is_project_root(path) => Vec::new(),
            Source::Path { .. } => vec![Problem::LocalSource],
            Source::Virtual { .. } => Vec::new(),
        };
        let own_project =
            matches!(&source, Source::Path { path, .. } if super::is_project_root(path));
        if p.develop && !own_project && matches!(source, Source::Path { .. } | Source::Vcs { .. }) {
            problems.push(Problem::Editable);
        }
        let mut pkg = LockedPackage::new(&p.name, Some(p.version.clone()), source);
        pkg.markers = markers(&p.markers, &p.groups);
        pkg.artifacts = artifacts;
        pkg.problems = problems;
        pkg.line = Some(u32::try_from(line).unwrap_or(u32::MAX));
        lock.packages.push(pkg);
        per_group.push(group_markers(&p.markers, &p.groups));
        edges.push((
            std::mem::take(&mut p.dependencies),
            std::mem::take(&mut p.extras),
        ));
    }
    lock.install = if !per_group.is_empty() && per_group.iter().all(|g| !g.is_empty()) {
        InstallModel::PoetryGroups(per_group)
    } else {
        InstallModel::Graph(graph(lock, edges))
    };
    Ok(())
}

/// Lock 2.1: each group the package is in, with its marker there (`None`: unconditional).
fn group_markers(m: &Option<MarkersWire>, groups: &[String]) -> Vec<(String, Option<String>)> {
    let nonempty = |s: &String| Some(s.clone()).filter(|s| !s.trim().is_empty());
    groups
        .iter()
        .map(|g| {
            let marker = match m {
                None => None,
                Some(MarkersWire::One(s)) => nonempty(s),
                Some(MarkersWire::PerGroup(per)) => per.get(g).and_then(nonempty),
            };
            (normalize_label(g), marker)
        })
        .collect()
}

/// Locks before 2.1: the graph of `[package.dependencies]` (optional ones only through the
/// extras that name them in `[package.extras]`). The root is the project, in pyproject.toml.
fn graph(
    lock: &Lockfile,
    edges: Vec<(BTreeMap<String, toml::Value>, BTreeMap<String, toml::Value>)>,
) -> DepGraph {
    let names = lock.packages.iter().map(|p| p.name.normalized.as_str());
    if let Some(g) = DepGraph::crowded("poetry", names) {
        return g;
    }
    let mut by_name: HashMap<String, Vec<usize>> = HashMap::new();
    for (i, p) in lock.packages.iter().enumerate() {
        by_name
            .entry(p.name.normalized.clone())
            .or_default()
            .push(i);
    }
    let edge = |name: &str, marker: Option<String>, extras: Vec<String>| {
        let name = normalize_name(name);
        Edge {
            to: by_name.get(&name).cloned().unwrap_or_default(),
            name,
            marker,
            extras: extras.iter().map(|x| normalize_label(x)).collect(),
        }
    };
    let nodes = edges
        .into_iter()
        .map(|(deps, extras)| {
            let mut node = Node::default();
            for (name, spec) in &deps {
                for (marker, x, optional) in super::poetry_spec::poetry_specs(spec) {
                    if !optional {
                        node.deps.push(edge(name, marker, x));
                    }
                }
            }
            for (x, reqs) in &extras {
                let list = node.extras.entry(normalize_label(x)).or_default();
                for req in reqs
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(|r| r.as_str())
                {
                    if let Some((name, x, marker)) = super::poetry_spec::requirement(req) {
                        list.push(edge(&name, marker, x));
                    }
                }
            }
            node
        })
        .collect();
    DepGraph {
        tool: "poetry",
        root: None,
        no_root: None,
        projects: Vec::new(),
        nodes,
    }
}

/// One marker expression for the package: 2.1 may give one per group; a group without an entry
/// applies unconditionally.
fn markers(m: &Option<MarkersWire>, groups: &[String]) -> Option<String> {
    match m {
        None => None,
        Some(MarkersWire::One(s)) => Some(s.clone()).filter(|s| !s.trim().is_empty()),
        Some(MarkersWire::PerGroup(per)) => {
            if groups.iter().any(|g| !per.contains_key(g)) || per.is_empty() {
                return None;
            }
            let mut distinct: Vec<&String> = per.values().collect();
            distinct.sort();
            distinct.dedup();
            if distinct.iter().any(|m| m.trim().is_empty()) {
                return None;
            }
            match distinct.as_slice() {
                [one] => Some((*one).clone()),
                many => Some(
                    many.iter()
                        .map(|m| format!("({m})"))
                        .collect::<Vec<_>>()
                        .join(" or "),
                ),
            }
        }
    }
}
