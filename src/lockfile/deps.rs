//! What a lockfile says about how its packages reach each other, so that the install set (see
//! `crate::installset`) can be computed as the installer computes it: which packages an install
//! of the project on one target selects, through which markers, extras and groups.
//!
//! Each reader fills [`Lockfile::install`](super::Lockfile::install) with the model its format
//! supports: a dependency graph walked from the project (uv.lock, poetry.lock before 2.1),
//! per-package markers (requirements files, pylock.toml), per-group markers (poetry.lock 2.1),
//! or nothing it can use ([`InstallModel::Unknown`], and every package is vetted).

use std::collections::BTreeMap;

/// How an installer chooses, from this lockfile, what to install.
#[derive(Debug, Clone, Default)]
pub enum InstallModel {
    /// The format cannot tell (or the reader does not know): every package is vetted.
    #[default]
    Unknown,
    /// Each package's own `markers` decide (requirements files: a line's marker).
    Markers,
    /// pylock.toml: each package's `marker`, where `'x' in extras` and `'g' in
    /// dependency_groups` test what was requested (PEP 751).
    Pylock {
        extras: Vec<String>,
        groups: Vec<String>,
        default_groups: Vec<String>,
    },
    /// poetry.lock 2.1: the groups each package belongs to, with the marker under which each
    /// group needs it (`None`: unconditionally), indexed like `packages`.
    PoetryGroups(Vec<Vec<(String, Option<String>)>>),
    /// A dependency graph walked from the project.
    Graph(DepGraph),
}

/// Dependency edges between the lockfile's packages.
#[derive(Debug, Clone, Default)]
pub struct DepGraph {
    /// The tool whose defaults apply (`uv`, `poetry`): it decides the default groups.
    pub tool: &'static str,
    /// Where an install starts: the project's own dependencies, extras and groups. `None` when
    /// the lockfile does not say (poetry.lock: they are in pyproject.toml).
    pub root: Option<Node>,
    /// Why `root` is `None`, for the note that says every package was vetted.
    pub no_root: Option<String>,
    /// The packages that are the project itself (uv: the workspace roots), whose extras the
    /// user can request.
    pub projects: Vec<usize>,
    /// Per package (indexed like `packages`).
    pub nodes: Vec<Node>,
}

/// One package's (or the project's) dependencies.
#[derive(Debug, Clone, Default)]
pub struct Node {
    pub deps: Vec<Edge>,
    /// Optional dependencies, by extra name (normalised).
    pub extras: BTreeMap<String, Vec<Edge>>,
    /// Dependency groups, by group name (normalised); only the project's are installed.
    pub groups: BTreeMap<String, Vec<Edge>>,
}

/// "Needs `name`, under `marker`, with these extras".
#[derive(Debug, Clone, Default)]
pub struct Edge {
    /// The normalised name needed.
    pub name: String,
    /// Indices of the packages that may be meant (several when the lockfile lists the name
    /// more than once and the edge does not say which: all are followed, failing closed).
    pub to: Vec<usize>,
    pub marker: Option<String>,
    /// Extras of the target this edge activates (normalised).
    pub extras: Vec<String>,
}

impl Node {
    /// Every edge of the node, with the extra or group it belongs to.
    pub fn all_edges(&self) -> impl Iterator<Item = (Via<'_>, &Edge)> {
        self.deps
            .iter()
            .map(|e| (Via::Dependency, e))
            .chain(
                self.extras
                    .iter()
                    .flat_map(|(x, es)| es.iter().map(move |e| (Via::Extra(x), e))),
            )
            .chain(
                self.groups
                    .iter()
                    .flat_map(|(g, es)| es.iter().map(move |e| (Via::Group(g), e))),
            )
    }
}

/// Which list of a node an edge is in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Via<'a> {
    Dependency,
    Extra(&'a str),
    Group(&'a str),
}

/// Most entries one name may have for the graph to be built. Real lockfiles list a name a few
/// times (one per resolution fork); a hostile one listing it thousands of times, each named by
/// thousands of edges, would make every edge hold every entry. Past this, no install set is
/// computed and every package is vetted (fail closed).
pub const MAX_ENTRIES_PER_NAME: usize = 64;

impl DepGraph {
    /// The graph of a lockfile that lists some name more than [`MAX_ENTRIES_PER_NAME`] times
    /// (the `names` counts), or `None`: no edges, no root, and the reason for the note.
    pub fn crowded<'a>(
        tool: &'static str,
        names: impl IntoIterator<Item = &'a str>,
    ) -> Option<DepGraph> {
        let mut count: std::collections::HashMap<&str, usize> = Default::default();
        for n in names {
            *count.entry(n).or_default() += 1;
        }
        let (name, n) = count.into_iter().max_by_key(|(_, n)| *n)?;
        (n > MAX_ENTRIES_PER_NAME).then(|| DepGraph {
            tool,
            no_root: Some(format!(
                "the lockfile lists `{}` {n} times (more than {MAX_ENTRIES_PER_NAME}), so its \
                 dependency graph was not walked",
                super::clip(name)
            )),
            ..DepGraph::default()
        })
    }
}

/// Normalise an extra or group name as PEP 685 / PEP 735 do (like project names).
pub fn normalize_label(name: &str) -> String {
    crate::package::normalize_name(name)
}
