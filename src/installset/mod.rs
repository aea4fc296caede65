//! The install set: which of a lockfile's packages the installer would install on the target,
//! computed as uv, pip and Poetry compute it, so that pyvet vets exactly those and reports the
//! rest as not installed (not vetted, not blocking, each with the reason) instead of vetting a
//! Windows-only package on Linux or a docs group nobody installs.
//!
//! - **uv.lock**: walked from the project (the package whose source is `.`; for a virtual
//!   workspace root, every member), as `uv sync --frozen` walks it: the project's
//!   dependencies, the requested extras (`--extra`, `--all-extras`), its dependency groups
//!   (`dev` and `[tool.uv] default-groups` by default; `--group`, `--no-dev`,
//!   `--only-group`), each edge's `marker` evaluated on the target, extras activated by an
//!   edge's `extra` followed. When the lockfile lists a name several times and an edge does
//!   not say which, the entries whose `resolution-markers` hold are followed.
//! - **poetry.lock 2.1**: a package is installed when one of its `groups` is selected (`main`
//!   and the non-optional groups of the pyproject.toml next to it) and its marker for that
//!   group holds with the requested extras. Older lock versions are walked from the
//!   project's dependencies in pyproject.toml through `[package.dependencies]`.
//! - **pylock.toml**: each package's `marker` with the requested `extras` and
//!   `dependency-groups` (`default-groups` by default), per PEP 751.
//! - **requirements files**: each line's own marker.
//!
//! Fail closed: a marker that cannot be evaluated keeps what it guards; a lockfile whose root
//! cannot be told (no project, no pyproject.toml for poetry.lock) is vetted whole, and a note
//! says so; `--all-packages` (and `--all-artifacts`) vet every package.
//!
//! The set is computed before the audit pipeline and narrows the packages it vets
//! ([`InstallSet::narrow`]); [`InstallSet::annotate`] then lists the others in the report.

mod marker;
mod pyproject;

use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet, VecDeque};

use crate::error::Error;
use crate::lockfile::deps::{normalize_label, DepGraph, Edge, InstallModel, Node, Via};
use crate::lockfile::Lockfile;
use crate::report::{NotInstalled, Report};
use crate::select::Target;

pub use marker::{Evaluator, Truth};
pub use pyproject::{DefaultGroups, Pyproject};

/// What the user asked to install, as `uv sync` flags say it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Request {
    /// `--extra NAME`: the project's extras to install.
    pub extras: Vec<String>,
    /// `--all-extras`.
    pub all_extras: bool,
    /// `--group NAME`: dependency groups to install besides the default ones.
    pub groups: Vec<String>,
    /// `--only-group NAME`: only these groups, not the project's own dependencies.
    pub only_groups: Vec<String>,
    /// `--all-groups`: every dependency group the lockfile defines.
    pub all_groups: bool,
    /// `--no-group NAME`: leave these groups out (after everything else is added).
    pub no_groups: Vec<String>,
    /// `--no-dev`: leave out the `dev` group.
    pub no_dev: bool,
    /// `--no-default-groups`: leave out every group installed by default.
    pub no_default_groups: bool,
    /// `--all-packages` (or `--all-artifacts`): vet every package the lockfile lists.
    pub all_packages: bool,
}

impl Request {
    fn names_extras_or_groups(&self) -> bool {
        !self.extras.is_empty()
            || self.all_extras
            || !self.groups.is_empty()
            || !self.only_groups.is_empty()
            || self.all_groups
            || !self.no_groups.is_empty()
            || self.no_dev
            || self.no_default_groups
    }
}

/// The packages an install selects on one target, and why the others are left out.
#[derive(Debug, Clone)]
pub struct InstallSet {
    /// Per package of the lockfile.
    pub installed: Vec<bool>,
    /// The packages not installed, in lockfile order, each with its reason.
    pub skipped: Vec<Skipped>,
    /// What the user should know about how the set was computed (fallbacks, unreadable
    /// markers).
    pub notes: Vec<String>,
    /// The target, as the report names it.
    pub target: String,
}

/// A package the install leaves out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Skipped {
    pub index: usize,
    pub reason: String,
}

impl InstallSet {
    /// Every package installed (nothing can be left out).
    pub fn everything(packages: usize, target: &Target) -> Self {
        Self {
            installed: vec![true; packages],
            skipped: Vec::new(),
            notes: Vec::new(),
            target: target.to_string(),
        }
    }

    pub fn is_installed(&self, index: usize) -> bool {
        self.installed.get(index).copied().unwrap_or(true)
    }

    fn skip(&mut self, index: usize, reason: String) {
        if let Some(slot) = self.installed.get_mut(index) {
            *slot = false;
            self.skipped.push(Skipped { index, reason });
        }
    }

    /// The packages to vet: `only` (all when `None`) less those not installed. `None` when
    /// that is every package.
    pub fn narrow(&self, only: Option<&[usize]>) -> Option<Vec<usize>> {
        if self.skipped.is_empty() {
            return only.map(<[usize]>::to_vec);
        }
        Some(match only {
            Some(o) => o
                .iter()
                .copied()
                .filter(|&i| self.is_installed(i))
                .collect(),
            None => (0..self.installed.len())
                .filter(|&i| self.installed[i])
                .collect(),
        })
    }

    /// List the packages left out (those of `only`, or all) in the report, with the notes,
    /// and count them in the summary. `only` is what the audit was asked to vet before the
    /// install set narrowed it.
    pub fn annotate(&self, report: &mut Report, lock: &Lockfile, only: Option<&[usize]>) {
        let considered: Option<HashSet<usize>> = only.map(|o| o.iter().copied().collect());
        for s in &self.skipped {
            if considered.as_ref().is_some_and(|c| !c.contains(&s.index)) {
                continue;
            }
            let Some(p) = lock.packages.get(s.index) else {
                continue;
            };
            report.not_installed.push(NotInstalled {
                name: p.name.display.clone(),
                version: p.version.clone(),
                file: Some(lock.file_of(s.index).display().to_string()),
                line: p.line,
                reason: s.reason.clone(),
            });
        }
        let count = report.not_installed.len();
        report.summary.not_installed = count;
        report.summary.unchanged = only.map_or(0, |o| lock.packages.len().saturating_sub(o.len()));
        if count > 0 {
            report.notes.push(format!(
                "{count} package(s) the lockfile lists are not installed on {} with the \
                 requested extras and groups, so they were not vetted (each with its reason; \
                 --all-packages vets every package)",
                self.target
            ));
        }
        report.notes.extend(self.notes.iter().cloned());
    }
}

/// The install set of `lock` on `target` for `request`. An extra or group the lockfile does
/// not define is a usage error, as it is for the installer.
pub fn compute(lock: &Lockfile, target: &Target, request: &Request) -> Result<InstallSet, Error> {
    let mut set = InstallSet::everything(lock.packages.len(), target);
    if request.all_packages {
        return Ok(set);
    }
    let Some(env) = target.marker_env() else {
        set.notes.push(format!(
            "the marker environment of {target} could not be built, so markers were not \
             evaluated: every package is vetted"
        ));
        return Ok(set);
    };
    let mut ev = Evaluator::new(env);
    match &lock.install {
        InstallModel::Unknown => set.notes.push(format!(
            "pyvet cannot tell from this {} lockfile which packages an install selects: every \
             package is vetted",
            lock.kind.as_str()
        )),
        InstallModel::Markers => {
            if request.names_extras_or_groups() {
                set.notes.push(format!(
                    "a {} input gives each package's marker but no extras or dependency groups \
                     to choose from: the extra and group flags change nothing here",
                    lock.kind.as_str()
                ));
            }
            for (i, p) in lock.packages.iter().enumerate() {
                if ev.eval(p.markers.as_deref(), None) == Truth::False {
                    let m = p.markers.as_deref().unwrap_or_default();
                    set.skip(i, format!("its marker `{m}` is false here"));
                }
            }
        }
        InstallModel::Pylock {
            extras,
            groups,
            default_groups,
        } => pylock(
            &mut set,
            lock,
            &mut ev,
            request,
            extras,
            groups,
            default_groups,
        )?,
        InstallModel::PoetryGroups(per) => poetry_groups(&mut set, lock, &mut ev, request, per)?,
        InstallModel::Graph(graph) => walk_graph(&mut set, lock, &mut ev, request, graph)?,
    }
    if ev.unknown > 0 {
        set.notes.push(format!(
            "{} marker(s) in the lockfile could not be evaluated; the packages behind them \
             are vetted",
            ev.unknown
        ));
    }
    Ok(set)
}

/// The pyproject.toml next to the lockfile (none for a lockfile read from a pipe), and a note
/// when it exists but cannot be read.
fn pyproject_of(lock: &Lockfile, notes: &mut Vec<String>) -> Option<Pyproject> {
    if lock.streamed {
        return None;
    }
    match pyproject::load(lock.project_dir()) {
        Ok(p) => p,
        Err(e) => {
            notes.push(format!("{e}: read as if there were none"));
            None
        }
    }
}

fn usage_unknown(what: &str, name: &str, lock: &Lockfile, known: &BTreeSet<String>) -> Error {
    let list = if known.is_empty() {
        "none".to_string()
    } else {
        known.iter().cloned().collect::<Vec<_>>().join(", ")
    };
    Error::Usage(format!(
        "{what} `{name}` is not defined for {} (it defines: {list})",
        lock.path.display()
    ))
}

/// The requested extras, checked against `known` (when the lockfile says which exist).
/// `None` means all of them (`--all-extras`) when `known` is unknown too.
fn requested_extras(
    request: &Request,
    known: Option<&BTreeSet<String>>,
    lock: &Lockfile,
) -> Result<Option<BTreeSet<String>>, Error> {
    if request.all_extras {
        return Ok(known.cloned());
    }
    let mut out = BTreeSet::new();
    for x in &request.extras {
        let x = normalize_label(x);
        if let Some(k) = known {
            if !k.contains(&x) {
                return Err(usage_unknown("extra", &x, lock, k));
            }
        }
        out.insert(x);
    }
    Ok(Some(out))
}

/// The selected dependency groups, and whether the project's own dependencies are installed
/// (not with `--only-group`). `defaults` are what a plain install selects; `known`, when
/// given, is every group the lockfile defines.
fn selected_groups(
    request: &Request,
    defaults: BTreeSet<String>,
    known: Option<&BTreeSet<String>>,
    lock: &Lockfile,
) -> Result<(bool, BTreeSet<String>), Error> {
    let label =
        |list: &[String]| -> Vec<String> { list.iter().map(|g| normalize_label(g)).collect() };
    let named: Vec<String> = label(&request.groups)
        .into_iter()
        .chain(label(&request.only_groups))
        .collect();
    let left_out = label(&request.no_groups);
    if let Some(k) = known {
        if let Some(g) = named.iter().chain(&left_out).find(|g| !k.contains(*g)) {
            return Err(usage_unknown("dependency group", g, lock, k));
        }
    }
    let prod = request.only_groups.is_empty();
    let mut out: BTreeSet<String> = if !prod || request.no_default_groups {
        BTreeSet::new()
    } else {
        defaults
    };
    if request.all_groups {
        // Every group the lockfile defines; when it cannot say, the defaults are all there is.
        out.extend(known.into_iter().flatten().cloned());
    }
    if request.no_dev {
        out.remove("dev");
    }
    out.extend(named);
    for g in &left_out {
        out.remove(g);
    }
    Ok((prod, out))
}

/// `a, b and 3 more`.
fn names(list: &[String]) -> String {
    const SHOWN: usize = 3;
    let mut seen = BTreeSet::new();
    let uniq: Vec<&String> = list.iter().filter(|n| seen.insert(n.as_str())).collect();
    let shown: Vec<&str> = uniq.iter().take(SHOWN).map(|s| s.as_str()).collect();
    match uniq.len().saturating_sub(SHOWN) {
        0 => shown.join(", "),
        more => format!("{} and {more} more", shown.join(", ")),
    }
}

fn distinct(list: &[String]) -> usize {
    list.iter().collect::<BTreeSet<_>>().len()
}

/// `extras: a, b; groups: dev` for a marker evaluated with what was requested.
fn requested_label(extras: &BTreeSet<String>, groups: &BTreeSet<String>) -> String {
    let list = |s: &BTreeSet<String>| {
        if s.is_empty() {
            "none".to_string()
        } else {
            s.iter().cloned().collect::<Vec<_>>().join(", ")
        }
    };
    format!("extras: {}; groups: {}", list(extras), list(groups))
}

#[allow(clippy::too_many_arguments)]
fn pylock(
    set: &mut InstallSet,
    lock: &Lockfile,
    ev: &mut Evaluator,
    request: &Request,
    extras: &[String],
    groups: &[String],
    default_groups: &[String],
) -> Result<(), Error> {
    let known_extras: BTreeSet<String> = extras.iter().cloned().collect();
    let known_groups: BTreeSet<String> = groups.iter().chain(default_groups).cloned().collect();
    let extras = requested_extras(request, Some(&known_extras), lock)?.unwrap_or_default();
    let (_, groups) = selected_groups(
        request,
        default_groups.iter().cloned().collect(),
        Some(&known_groups),
        lock,
    )?;
    // Groups are tested under extra names of their own (see `marker::pylock_marker`).
    let mut names: Vec<String> = extras.iter().cloned().collect();
    names.extend(groups.iter().map(|g| marker::group_extra(g)));
    let active = marker::extra_names(names.iter().map(String::as_str));
    let label = requested_label(&extras, &groups);
    for (i, p) in lock.packages.iter().enumerate() {
        let Some(m) = p.markers.as_deref() else {
            continue;
        };
        let rewritten = marker::pylock_marker(m);
        if ev.eval(Some(&rewritten), Some(&active)) == Truth::False {
            set.skip(i, format!("its marker `{m}` is false here ({label})"));
        }
    }
    Ok(())
}

fn poetry_groups(
    set: &mut InstallSet,
    lock: &Lockfile,
    ev: &mut Evaluator,
    request: &Request,
    per: &[Vec<(String, Option<String>)>],
) -> Result<(), Error> {
    let py = pyproject_of(lock, &mut set.notes);
    let in_lock: BTreeSet<String> = per.iter().flatten().map(|(g, _)| g.clone()).collect();
    let mut known = in_lock.clone();
    known.insert("main".into());
    let (defaults, known_extras) = match &py {
        Some(p) => {
            let declared = p.poetry_groups();
            known.extend(declared.keys().cloned());
            // A group the lockfile has but the pyproject.toml does not declare optional is
            // installed by default (more is vetted, never less).
            let defaults = known
                .iter()
                .filter(|g| !declared.get(*g).copied().unwrap_or(false))
                .cloned()
                .collect();
            (defaults, Some(p.extras()))
        }
        None => {
            set.notes.push(format!(
                "no pyproject.toml next to {}, so Poetry's optional groups cannot be told from \
                 the default ones: every group is vetted",
                lock.path.display()
            ));
            (known.clone(), None)
        }
    };
    let extras = requested_extras(request, known_extras.as_ref(), lock)?;
    let (prod, mut groups) = selected_groups(request, defaults, Some(&known), lock)?;
    // `main` is the project's own dependencies, not a group --no-default-groups leaves out.
    if prod
        && !request
            .no_groups
            .iter()
            .any(|g| normalize_label(g) == "main")
    {
        groups.insert("main".into());
    }
    let active: Option<Vec<_>> = extras
        .as_ref()
        .map(|x| marker::extra_names(x.iter().map(String::as_str)));
    for (i, entries) in per.iter().enumerate() {
        if entries.is_empty() {
            continue; // no group recorded: nothing says it is optional
        }
        let mut unselected = Vec::new();
        let mut false_markers = Vec::new();
        let mut installed = false;
        for (g, m) in entries {
            if !groups.contains(g) {
                unselected.push(g.clone());
                continue;
            }
            match ev.eval(m.as_deref(), active.as_deref()) {
                Truth::False => false_markers.push(m.clone().unwrap_or_default()),
                _ => installed = true,
            }
        }
        if installed {
            continue;
        }
        let reason = if false_markers.is_empty() {
            format!(
                "only in dependency {} {}, not selected (--group NAME installs one)",
                if distinct(&unselected) == 1 {
                    "group"
                } else {
                    "groups"
                },
                names(
                    &unselected
                        .iter()
                        .map(|g| format!("`{g}`"))
                        .collect::<Vec<_>>()
                )
            )
        } else {
            let with_extras = match &extras {
                Some(x) if false_markers.iter().any(|m| m.contains("extra")) => format!(
                    " (extras: {})",
                    if x.is_empty() {
                        "none".to_string()
                    } else {
                        x.iter().cloned().collect::<Vec<_>>().join(", ")
                    }
                ),
                _ => String::new(),
            };
            let mut distinct: Vec<String> = Vec::new();
            for m in false_markers {
                if !distinct.contains(&m) {
                    distinct.push(m);
                }
            }
            format!(
                "its {} `{}` {} false here{with_extras}",
                if distinct.len() == 1 {
                    "marker"
                } else {
                    "markers"
                },
                distinct.join("` / `"),
                if distinct.len() == 1 { "is" } else { "are" },
            )
        };
        set.skip(i, reason);
    }
    Ok(())
}

/// Where an edge into a package that is not installed comes from.
struct Ref {
    /// `None`: the project.
    from: Option<usize>,
    via: RefVia,
}

enum RefVia {
    Dependency,
    Extra(String),
    Group(String),
}

fn walk_graph(
    set: &mut InstallSet,
    lock: &Lockfile,
    ev: &mut Evaluator,
    request: &Request,
    graph: &DepGraph,
) -> Result<(), Error> {
    let py = pyproject_of(lock, &mut set.notes);
    let n = lock.packages.len();
    let root: Cow<'_, Node> = match (&graph.root, graph.tool, &py) {
        (Some(r), _, _) => Cow::Borrowed(r),
        (None, _, _) if graph.no_root.is_some() => {
            set.notes.push(format!(
                "{}: every package is vetted",
                graph.no_root.as_deref().unwrap_or_default()
            ));
            return Ok(());
        }
        (None, "poetry", Some(p)) => {
            let mut by_name: HashMap<&str, Vec<usize>> = HashMap::new();
            for (i, pkg) in lock.packages.iter().enumerate() {
                by_name.entry(&pkg.name.normalized).or_default().push(i);
            }
            Cow::Owned(p.poetry_root(&|name| by_name.get(name).cloned().unwrap_or_default()))
        }
        (None, "poetry", None) => {
            set.notes.push(format!(
                "no pyproject.toml next to {}, so the project's own dependencies are unknown: \
                 every package is vetted",
                lock.path.display()
            ));
            return Ok(());
        }
        (None, _, _) => {
            set.notes.push(format!(
                "{}: every package is vetted",
                graph
                    .no_root
                    .as_deref()
                    .unwrap_or("the lockfile does not say which project it installs")
            ));
            return Ok(());
        }
    };
    let known_groups: BTreeSet<String> = root.groups.keys().cloned().collect();
    let defaults: BTreeSet<String> = match graph.tool {
        "poetry" => {
            let declared = py
                .as_ref()
                .map(Pyproject::poetry_groups)
                .unwrap_or_default();
            known_groups
                .iter()
                .filter(|g| !declared.get(*g).copied().unwrap_or(false))
                .cloned()
                .collect()
        }
        _ => match (&py, py.as_ref().and_then(Pyproject::uv_default_groups)) {
            (_, Some(DefaultGroups::All)) => known_groups.clone(),
            (_, Some(DefaultGroups::List(l))) => l,
            (Some(_), None) => BTreeSet::from(["dev".to_string()]),
            (None, None) => {
                if !known_groups.is_empty() {
                    set.notes.push(format!(
                        "no pyproject.toml next to {}, so its `[tool.uv] default-groups` are \
                         unknown: every dependency group is vetted (uv installs `dev` unless \
                         the project says otherwise; --no-dev or --no-default-groups narrow it)",
                        lock.path.display()
                    ));
                }
                known_groups.clone()
            }
        },
    };
    let known_extras: BTreeSet<String> = root.extras.keys().cloned().collect();
    let extras = requested_extras(request, Some(&known_extras), lock)?.unwrap_or_default();
    let (prod, groups) = selected_groups(request, defaults, Some(&known_groups), lock)?;

    let mut w = Walk {
        lock,
        nodes: &graph.nodes,
        ev,
        installed: vec![false; n],
        seen: HashSet::new(),
        queue: VecDeque::new(),
        blocked: vec![Vec::new(); n],
    };
    if prod {
        for e in &root.deps {
            w.follow(e, "the project");
        }
    }
    for x in &extras {
        for e in root.extras.get(x).into_iter().flatten() {
            w.follow(e, &format!("the project's extra `{x}`"));
        }
    }
    for g in &groups {
        for e in root.groups.get(g).into_iter().flatten() {
            w.follow(e, &format!("group `{g}`"));
        }
    }
    w.run();
    let Walk {
        installed,
        seen,
        blocked,
        ..
    } = w;

    // Where each package left out is needed from, for its reason.
    let mut refs: BTreeMap<usize, Vec<Ref>> = BTreeMap::new();
    let mut note_refs = |from: Option<usize>, node: &Node| {
        for (via, e) in node.all_edges() {
            for &t in &e.to {
                if installed.get(t).copied().unwrap_or(true) {
                    continue;
                }
                let via = match via {
                    Via::Dependency => RefVia::Dependency,
                    Via::Extra(x) => RefVia::Extra(x.to_string()),
                    Via::Group(g) => RefVia::Group(g.to_string()),
                };
                refs.entry(t).or_default().push(Ref { from, via });
            }
        }
    };
    note_refs(None, &root);
    for (i, node) in graph.nodes.iter().enumerate() {
        note_refs(Some(i), node);
    }
    let name = |i: usize| lock.packages[i].name.normalized.clone();
    // The packages the install starts from (their extras can be requested).
    let root_pkgs: HashSet<usize> = graph.projects.iter().copied().collect();
    for i in 0..n {
        if installed[i] {
            continue;
        }
        let reason = if !blocked[i].is_empty() {
            let mut by_marker: BTreeMap<&str, Vec<String>> = BTreeMap::new();
            for (m, from) in &blocked[i] {
                by_marker.entry(m.as_str()).or_default().push(from.clone());
            }
            let parts: Vec<String> = by_marker
                .iter()
                .map(|(m, from)| format!("`{m}` (from {})", names(from)))
                .collect();
            format!("reached only through marker {}", parts.join("; "))
        } else {
            // extras not requested, by the package that has them (`None`: the project)
            let mut extras_off: BTreeMap<String, Vec<String>> = BTreeMap::new();
            let mut groups_off = Vec::new();
            let mut members_groups = Vec::new();
            let mut needed_by = Vec::new();
            let mut project_deps = false;
            // the extras could be asked for on the command line (the project's)
            let mut requestable = false;
            for r in refs.get(&i).into_iter().flatten() {
                let from_installed = r.from.is_none_or(|f| installed[f]);
                match (&r.via, r.from) {
                    // The project itself is left out only by --only-group.
                    (RefVia::Dependency, Some(f)) if !from_installed && root_pkgs.contains(&f) => {
                        project_deps = true
                    }
                    (_, Some(f)) if !from_installed => needed_by.push(name(f)),
                    (RefVia::Dependency, None) => project_deps = true,
                    (RefVia::Dependency, Some(_)) => {}
                    (RefVia::Extra(x), None) => {
                        requestable = true;
                        extras_off
                            .entry("the project".into())
                            .or_default()
                            .push(format!("`{x}`"))
                    }
                    (RefVia::Extra(x), Some(f)) => {
                        if !seen.contains(&(f, Some(x.clone()))) {
                            if root_pkgs.contains(&f) {
                                requestable = true;
                            }
                            extras_off
                                .entry(name(f))
                                .or_default()
                                .push(format!("`{x}`"));
                        }
                    }
                    (RefVia::Group(g), None) => groups_off.push(format!("`{g}`")),
                    (RefVia::Group(g), Some(f)) => {
                        members_groups.push(format!("`{g}` of {}", name(f)))
                    }
                }
            }
            let plural = |n: usize, one: &str, many: &str| {
                if n == 1 {
                    one.to_string()
                } else {
                    many.to_string()
                }
            };
            if !extras_off.is_empty() || !groups_off.is_empty() {
                let mut parts: Vec<String> = extras_off
                    .iter()
                    .map(|(of, xs)| {
                        format!(
                            "{} {} of {of}",
                            plural(distinct(xs), "extra", "extras"),
                            names(xs)
                        )
                    })
                    .collect();
                if !groups_off.is_empty() {
                    parts.push(format!(
                        "dependency {} {}",
                        plural(distinct(&groups_off), "group", "groups"),
                        names(&groups_off)
                    ));
                }
                let why = match (requestable, !groups_off.is_empty()) {
                    (true, true) => "not requested (--extra NAME, --group NAME)",
                    (true, false) => "not requested (--extra NAME)",
                    (false, true) => "not requested (--group NAME)",
                    (false, false) => "which nothing installed here asks for",
                };
                format!("only in {}, {why}", parts.join(" and in "))
            } else if project_deps {
                "a dependency of the project itself, not installed with --only-group".into()
            } else if !members_groups.is_empty() {
                format!(
                    "only in dependency group {} (groups are installed for the project only)",
                    names(&members_groups)
                )
            } else if !needed_by.is_empty() {
                format!(
                    "needed only by packages that are not installed here ({})",
                    names(&needed_by)
                )
            } else {
                "nothing the project installs here depends on it".into()
            }
        };
        set.skip(i, reason);
    }
    Ok(())
}

/// A breadth-first walk over the dependency graph, as uv's `to_resolution` walks it: a
/// package with an extra is a node of its own, and each edge's marker is evaluated on the
/// target (extras in edge markers, which only conflict markers use, count as unknown).
struct Walk<'a> {
    lock: &'a Lockfile,
    nodes: &'a [Node],
    ev: &'a mut Evaluator,
    installed: Vec<bool>,
    seen: HashSet<(usize, Option<String>)>,
    queue: VecDeque<(usize, Option<String>)>,
    /// Per package: (marker, from) of each edge that did not hold.
    blocked: Vec<Vec<(String, String)>>,
}

impl Walk<'_> {
    fn follow(&mut self, e: &Edge, from: &str) {
        if self.ev.eval(e.marker.as_deref(), None) == Truth::False {
            for &t in &e.to {
                if let Some(b) = self.blocked.get_mut(t) {
                    b.push((e.marker.clone().unwrap_or_default(), from.to_string()));
                }
            }
            return;
        }
        let mut to: Vec<usize> =
            e.to.iter()
                .copied()
                .filter(|&t| t < self.installed.len())
                .collect();
        if to.len() > 1 {
            // The name is listed several times and the edge does not say which: the entries
            // whose own markers hold (uv's fork `resolution-markers`), else all of them.
            let fit: Vec<usize> = to
                .iter()
                .copied()
                .filter(|&t| {
                    self.ev.eval(self.lock.packages[t].markers.as_deref(), None) != Truth::False
                })
                .collect();
            if !fit.is_empty() {
                to = fit;
            }
        }
        for t in to {
            self.installed[t] = true;
            if self.seen.insert((t, None)) {
                self.queue.push_back((t, None));
            }
            for x in &e.extras {
                if self.seen.insert((t, Some(x.clone()))) {
                    self.queue.push_back((t, Some(x.clone())));
                }
            }
        }
    }

    fn run(&mut self) {
        let nodes = self.nodes;
        while let Some((t, extra)) = self.queue.pop_front() {
            let Some(node) = nodes.get(t) else { continue };
            let name = &self.lock.packages[t].name.normalized;
            let (edges, from) = match &extra {
                None => (&node.deps, name.clone()),
                Some(x) => match node.extras.get(x) {
                    Some(es) => (es, format!("{name}[{x}]")),
                    None => continue,
                },
            };
            for e in edges {
                self.follow(e, &from);
            }
        }
    }
}

#[cfg(test)]
mod tests;
