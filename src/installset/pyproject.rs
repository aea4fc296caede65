//! What the install set needs from the `pyproject.toml` next to a lockfile: uv's
//! `[tool.uv] default-groups`, and for poetry.lock (which does not record the project's own
//! dependencies) the project's dependencies, extras and groups, and which groups are optional.
//!
//! Only these keys are read; everything else in the file is ignored. A file that cannot be
//! read is reported in a note and treated as absent, which vets more, never less.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use toml::{Table, Value};

use crate::lockfile::deps::{normalize_label, Edge, Node};
use crate::lockfile::poetry_spec::{poetry_specs, requirement, strings};
use crate::package::normalize_name;

/// Largest pyproject.toml read.
const MAX_PYPROJECT_SIZE: u64 = 4 << 20;

/// A parsed pyproject.toml.
pub struct Pyproject {
    table: Table,
}

/// `[tool.uv] default-groups`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DefaultGroups {
    List(BTreeSet<String>),
    All,
}

/// The `pyproject.toml` in `dir`: `Ok(None)` when there is none, `Err` (a sentence, never the
/// file's text) when it cannot be read or is not TOML.
pub fn load(dir: &Path) -> Result<Option<Pyproject>, String> {
    let path = dir.join("pyproject.toml");
    if !path.is_file() {
        return Ok(None);
    }
    let bytes = crate::fsutil::read_regular(&path, MAX_PYPROJECT_SIZE)
        .map_err(|e| format!("{} could not be read ({e})", path.display()))?;
    let text =
        String::from_utf8(bytes).map_err(|_| format!("{} is not valid UTF-8", path.display()))?;
    let table: Table = text.parse().map_err(|e: toml::de::Error| {
        let line = e
            .span()
            .map(|s| 1 + text[..s.start.min(text.len())].matches('\n').count());
        match line {
            Some(l) => format!("{} is not valid TOML (line {l})", path.display()),
            None => format!("{} is not valid TOML", path.display()),
        }
    })?;
    Ok(Some(Pyproject { table }))
}

fn get<'a>(t: &'a Table, path: &[&str]) -> Option<&'a Value> {
    let (last, head) = path.split_last()?;
    let mut cur = t;
    for k in head {
        cur = cur.get(*k)?.as_table()?;
    }
    cur.get(*last)
}

impl Pyproject {
    #[cfg(test)]
    pub fn parse(text: &str) -> Self {
        Self {
            table: text.parse().expect("test pyproject is TOML"),
        }
    }

    /// `[tool.uv] default-groups`, when set.
    pub fn uv_default_groups(&self) -> Option<DefaultGroups> {
        match get(&self.table, &["tool", "uv", "default-groups"])? {
            Value::String(s) if s == "all" => Some(DefaultGroups::All),
            v @ Value::Array(_) => Some(DefaultGroups::List(
                strings(Some(v))
                    .iter()
                    .map(|g| normalize_label(g))
                    .collect(),
            )),
            _ => None,
        }
    }

    /// Poetry's dependency groups (normalised), each with whether it is optional. The legacy
    /// `[tool.poetry.dev-dependencies]` is the non-optional group `dev`.
    pub fn poetry_groups(&self) -> BTreeMap<String, bool> {
        let mut out = BTreeMap::new();
        if let Some(groups) =
            get(&self.table, &["tool", "poetry", "group"]).and_then(Value::as_table)
        {
            for (name, g) in groups {
                let optional = g.get("optional").and_then(Value::as_bool).unwrap_or(false);
                out.insert(normalize_label(name), optional);
            }
        }
        if get(&self.table, &["tool", "poetry", "dev-dependencies"]).is_some() {
            out.entry("dev".into()).or_insert(false);
        }
        out
    }

    /// The project's extras (normalised): `[project.optional-dependencies]` and
    /// `[tool.poetry.extras]`.
    pub fn extras(&self) -> BTreeSet<String> {
        let mut out = BTreeSet::new();
        for path in [
            &["project", "optional-dependencies"][..],
            &["tool", "poetry", "extras"][..],
        ] {
            if let Some(t) = get(&self.table, path).and_then(Value::as_table) {
                out.extend(t.keys().map(|k| normalize_label(k)));
            }
        }
        out
    }

    /// The project as Poetry installs it: `[project] dependencies` and
    /// `[tool.poetry.dependencies]` (both, when both are given: more is vetted, never less),
    /// extras from `[project.optional-dependencies]` and `[tool.poetry.extras]`, groups from
    /// `[tool.poetry.group.<name>.dependencies]` and `[tool.poetry.dev-dependencies]`.
    /// `resolve` gives the lockfile packages of a normalised name.
    pub fn poetry_root(&self, resolve: &dyn Fn(&str) -> Vec<usize>) -> Node {
        let edge = |name: &str, marker: Option<String>, extras: Vec<String>| {
            let name = normalize_name(name);
            Edge {
                to: resolve(&name),
                name,
                marker,
                extras: extras.iter().map(|x| normalize_label(x)).collect(),
            }
        };
        let from_pep508 = |s: &str| requirement(s).map(|(n, x, m)| edge(&n, m, x));
        let mut root = Node::default();
        root.deps.extend(
            strings(get(&self.table, &["project", "dependencies"]))
                .iter()
                .filter_map(|s| from_pep508(s)),
        );
        if let Some(t) =
            get(&self.table, &["project", "optional-dependencies"]).and_then(Value::as_table)
        {
            for (x, reqs) in t {
                root.extras
                    .entry(normalize_label(x))
                    .or_default()
                    .extend(strings(Some(reqs)).iter().filter_map(|s| from_pep508(s)));
            }
        }
        // Poetry's own tables: optional dependencies are installed only through an extra.
        let mut optional: BTreeMap<String, Vec<Edge>> = BTreeMap::new();
        if let Some(t) =
            get(&self.table, &["tool", "poetry", "dependencies"]).and_then(Value::as_table)
        {
            for (name, spec) in t {
                if name.eq_ignore_ascii_case("python") {
                    continue;
                }
                for (marker, extras, is_optional) in poetry_specs(spec) {
                    let e = edge(name, marker, extras);
                    if is_optional {
                        optional.entry(e.name.clone()).or_default().push(e);
                    } else {
                        root.deps.push(e);
                    }
                }
            }
        }
        if let Some(t) = get(&self.table, &["tool", "poetry", "extras"]).and_then(Value::as_table) {
            for (x, names) in t {
                let list = root.extras.entry(normalize_label(x)).or_default();
                for n in strings(Some(names)) {
                    match optional.get(&normalize_name(&n)) {
                        Some(es) => list.extend(es.iter().cloned()),
                        None => list.push(edge(&n, None, Vec::new())),
                    }
                }
            }
        }
        let mut group = |label: &str, t: &Table| {
            let list = root.groups.entry(normalize_label(label)).or_default();
            for (name, spec) in t {
                for (marker, extras, _) in poetry_specs(spec) {
                    list.push(edge(name, marker, extras));
                }
            }
        };
        if let Some(groups) =
            get(&self.table, &["tool", "poetry", "group"]).and_then(Value::as_table)
        {
            for (label, g) in groups {
                if let Some(t) = g.get("dependencies").and_then(Value::as_table) {
                    group(label, t);
                }
            }
        }
        if let Some(t) =
            get(&self.table, &["tool", "poetry", "dev-dependencies"]).and_then(Value::as_table)
        {
            group("dev", t);
        }
        root
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn groups_extras_and_root() {
        let p = Pyproject::parse(
            r#"
[project]
dependencies = ["a (>=1)", "b ; sys_platform == 'win32'"]
[project.optional-dependencies]
Fast = ["c[x]"]
[tool.uv]
default-groups = ["dev", "Lint"]
[tool.poetry.dependencies]
python = "^3.9"
d = { version = "*", optional = true, python = "<3.10" }
e = [{ version = "1", markers = "sys_platform == 'linux'" }, { version = "2", platform = "darwin" }]
[tool.poetry.extras]
slow = ["d"]
[tool.poetry.group.docs]
optional = true
[tool.poetry.group.docs.dependencies]
f = "*"
[tool.poetry.dev-dependencies]
g = "*"
"#,
        );
        assert_eq!(
            p.uv_default_groups(),
            Some(DefaultGroups::List(["dev".into(), "lint".into()].into()))
        );
        assert_eq!(
            p.poetry_groups(),
            [("dev".to_string(), false), ("docs".to_string(), true)].into()
        );
        assert_eq!(p.extras(), ["fast".to_string(), "slow".to_string()].into());
        let root = p.poetry_root(&|n| if n == "a" { vec![0] } else { vec![] });
        let names: Vec<&str> = root.deps.iter().map(|e| e.name.as_str()).collect();
        assert_eq!(names, ["a", "b", "e", "e"]);
        assert_eq!(root.deps[0].to, vec![0]);
        assert_eq!(
            root.deps[1].marker.as_deref(),
            Some("sys_platform == 'win32'")
        );
        assert_eq!(
            root.deps[3].marker.as_deref(),
            Some("(sys_platform == 'darwin')")
        );
        assert_eq!(root.extras["fast"][0].extras, vec!["x".to_string()]);
        assert_eq!(
            root.extras["slow"][0].marker.as_deref(),
            Some("(python_full_version < '3.10')")
        );
        assert_eq!(root.groups["docs"][0].name, "f");
        assert_eq!(root.groups["dev"][0].name, "g");
    }
}
