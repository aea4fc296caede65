//! uv.lock (`version = 1`, any `revision`).
//!
//! Every `[[package]]` has a `source` table with exactly one of `registry`, `git`, `url`, `path`,
//! `directory`, `editable` or `virtual`; index packages list an `sdist` and `wheels` with `url`
//! (or `path` for a local registry), `hash`, `size` and `upload-time` (`upload_time` in older
//! revisions). A name may appear several times when the resolution forks; `resolution-markers`
//! then say which entry applies. Workspace members (the project itself) are kept, marked as
//! virtual or editable, without problems: they are not third-party code.
//!
//! The dependency edges (`dependencies`, `optional-dependencies` by extra, `dev-dependencies`
//! by group, each `{ name, version?, source?, marker?, extra? }`) become a [`DepGraph`] rooted
//! at the project (the package whose source is `.`), else at the workspace members of a
//! virtual root (`[manifest] members`, with its `requirements` and `dependency-groups`), as
//! `uv sync` installs them.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::Path;

use serde::Deserialize;
use toml::Spanned;

use super::deps::{normalize_label, DepGraph, Edge, InstallModel, Node};
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
#[serde(rename_all = "kebab-case")]
struct ManifestWire {
    #[serde(default)]
    members: Vec<String>,
    /// Requirements of a project-less root (scripts, `uv pip`-style locks).
    #[serde(default)]
    requirements: Vec<RequirementWire>,
    /// Dependency groups of a virtual workspace root.
    #[serde(default)]
    dependency_groups: BTreeMap<String, Vec<RequirementWire>>,
}

/// A requirement as the manifest records it (name, marker, extras; specifiers unused here).
#[derive(Debug, Deserialize)]
struct RequirementWire {
    name: String,
    #[serde(default)]
    marker: Option<String>,
    #[serde(default)]
    extras: Vec<String>,
}

/// A dependency edge: `{ name, version?, source?, marker?, extra? }`.
#[derive(Debug, Deserialize)]
struct DepWire {
    name: String,
    #[serde(default)]
    version: Option<String>,
    #[serde(default)]
    source: Option<SourceWire>,
    #[serde(default)]
    marker: Option<String>,
    #[serde(default)]
    extra: Vec<String>,
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
    #[serde(default)]
    dependencies: Vec<DepWire>,
    #[serde(default)]
    optional_dependencies: BTreeMap<String, Vec<DepWire>>,
    #[serde(default)]
    dev_dependencies: BTreeMap<String, Vec<DepWire>>,
}

#[derive(Debug, Default, Deserialize, PartialEq, Eq)]
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
    let manifest = wire.manifest;
    let members: BTreeSet<String> = manifest
        .as_ref()
        .map(|m| m.members.iter().map(|n| normalize_name(n)).collect())
        .unwrap_or_default();
    // What the dependency graph needs of each package, kept while the packages are read.
    let mut keys: Vec<(String, Option<String>, SourceWire)> = Vec::new();
    let mut edges: Vec<EdgesWire> = Vec::new();
    let mut project_roots: Vec<usize> = Vec::new();

    let lines = super::LineIndex::new(text);
    for spanned in wire.package {
        let line = lines.line(spanned.span().start);
        let err = |msg: String| input(path, Some(line), msg);
        let mut p = spanned.into_inner();
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
        let at_root = p
            .source
            .editable
            .as_deref()
            .is_some_and(super::is_project_root)
            || p.source
                .virtual_
                .as_deref()
                .is_some_and(super::is_project_root)
            || p.source
                .directory
                .as_deref()
                .is_some_and(super::is_project_root);
        if at_root {
            project_roots.push(lock.packages.len());
        }
        lock.packages.push(pkg);
        edges.push(EdgesWire {
            deps: std::mem::take(&mut p.dependencies),
            extras: std::mem::take(&mut p.optional_dependencies),
            groups: std::mem::take(&mut p.dev_dependencies),
        });
        keys.push((normalize_name(&p.name), p.version.take(), p.source));
    }
    lock.install = InstallModel::Graph(graph(&keys, edges, &project_roots, &members, manifest));
    Ok(())
}

/// One package's edges as read, resolved to indices once every package is known.
struct EdgesWire {
    deps: Vec<DepWire>,
    extras: BTreeMap<String, Vec<DepWire>>,
    groups: BTreeMap<String, Vec<DepWire>>,
}

/// The dependency graph: edges resolved to package indices (by name, then the edge's version
/// and source when the name is listed more than once), rooted as `uv sync` roots it.
fn graph(
    keys: &[(String, Option<String>, SourceWire)],
    edges: Vec<EdgesWire>,
    project_roots: &[usize],
    members: &BTreeSet<String>,
    manifest: Option<ManifestWire>,
) -> DepGraph {
    if let Some(g) = DepGraph::crowded("uv", keys.iter().map(|(n, _, _)| n.as_str())) {
        return g;
    }
    let mut by_name: HashMap<&str, Vec<usize>> = HashMap::new();
    for (i, (name, _, _)) in keys.iter().enumerate() {
        by_name.entry(name.as_str()).or_default().push(i);
    }
    let candidates = |name: &str| by_name.get(name).cloned().unwrap_or_default();
    let resolve = |d: DepWire| -> Edge {
        let name = normalize_name(&d.name);
        let mut to = candidates(&name);
        if to.len() > 1 {
            if let Some(v) = &d.version {
                let wanted = crate::project::normalize_version(v);
                let same: Vec<usize> =
                    to.iter()
                        .copied()
                        .filter(|&i| {
                            keys[i].1.as_deref().is_some_and(|have| {
                                crate::project::normalize_version(have) == wanted
                            })
                        })
                        .collect();
                if !same.is_empty() {
                    to = same;
                }
            }
        }
        if to.len() > 1 {
            if let Some(src) = &d.source {
                let same: Vec<usize> = to.iter().copied().filter(|&i| keys[i].2 == *src).collect();
                if !same.is_empty() {
                    to = same;
                }
            }
        }
        Edge {
            name,
            to,
            marker: d.marker.filter(|m| !m.trim().is_empty()),
            extras: d.extra.iter().map(|x| normalize_label(x)).collect(),
        }
    };
    let by_label = |m: BTreeMap<String, Vec<DepWire>>| -> BTreeMap<String, Vec<Edge>> {
        let mut out: BTreeMap<String, Vec<Edge>> = BTreeMap::new();
        for (label, deps) in m {
            out.entry(normalize_label(&label))
                .or_default()
                .extend(deps.into_iter().map(resolve));
        }
        out
    };
    let nodes: Vec<Node> = edges
        .into_iter()
        .map(|e| Node {
            deps: e.deps.into_iter().map(resolve).collect(),
            extras: by_label(e.extras),
            groups: by_label(e.groups),
        })
        .collect();

    // The packages `uv sync` starts from: the project at the lockfile's directory, else (a
    // virtual workspace root) every member.
    let roots: Vec<usize> = if !project_roots.is_empty() {
        project_roots.to_vec()
    } else {
        members
            .iter()
            .flat_map(|m| candidates(m))
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect()
    };
    let (requirements, manifest_groups) = match manifest {
        Some(m) => (m.requirements, m.dependency_groups),
        None => (Vec::new(), BTreeMap::new()),
    };
    if roots.is_empty() && requirements.is_empty() && manifest_groups.is_empty() {
        return DepGraph {
            tool: "uv",
            root: None,
            projects: Vec::new(),
            no_root: Some(
                "the uv.lock names no project (no package has source `.` and [manifest] lists \
                 no members)"
                    .into(),
            ),
            nodes,
        };
    }
    let requirement = |r: RequirementWire| {
        let name = normalize_name(&r.name);
        Edge {
            to: candidates(&name),
            name,
            marker: r.marker.filter(|m| !m.trim().is_empty()),
            extras: r.extras.iter().map(|x| normalize_label(x)).collect(),
        }
    };
    let mut root = Node::default();
    for &r in &roots {
        root.deps.push(Edge {
            name: keys[r].0.clone(),
            to: vec![r],
            marker: None,
            extras: Vec::new(),
        });
        for extra in nodes[r].extras.keys() {
            root.extras.entry(extra.clone()).or_default().push(Edge {
                name: keys[r].0.clone(),
                to: vec![r],
                marker: None,
                extras: vec![extra.clone()],
            });
        }
        for (group, es) in &nodes[r].groups {
            root.groups
                .entry(group.clone())
                .or_default()
                .extend(es.iter().cloned());
        }
    }
    root.deps.extend(requirements.into_iter().map(requirement));
    for (group, reqs) in manifest_groups {
        root.groups
            .entry(normalize_label(&group))
            .or_default()
            .extend(reqs.into_iter().map(requirement));
    }
    DepGraph {
        tool: "uv",
        root: Some(root),
        no_root: None,
        projects: roots,
        nodes,
    }
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
