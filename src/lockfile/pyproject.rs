//! `pyproject.toml` as input: the PEP 621 `[project]` table's `dependencies`, read as
//! requirements that pin nothing (each range is `unpinned` until a resolver pins it). The same
//! reading gives what `-e .[extra]` in a requirements file brings in: the local project's
//! dependencies plus those of the named extras (`[project.optional-dependencies]`), with an
//! extra that names the project itself (`requests[socks]` inside requests) expanded in place.
//!
//! Only the file is read, never a build: dependencies marked `dynamic` (computed by setup.py or a
//! build backend) cannot be known without running code, so they are an error that says so.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use serde::Deserialize;
use toml::Spanned;

use super::{clip, input, line_of, toml_error, Lockfile};
use crate::error::Error;
use crate::package::normalize_name;

#[derive(Debug, Deserialize)]
struct PyprojectWire {
    project: Option<Spanned<ProjectWire>>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "kebab-case")]
struct ProjectWire {
    name: Option<String>,
    #[serde(default)]
    dependencies: Option<Vec<Spanned<String>>>,
    #[serde(default)]
    optional_dependencies: Option<BTreeMap<String, Vec<Spanned<String>>>>,
    #[serde(default)]
    dynamic: Vec<String>,
}

/// The dependencies a project declares statically, for the requested extras.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StaticDependencies {
    /// `[project] name`.
    pub name: String,
    /// (PEP 508 requirement as written, 1-based line in pyproject.toml).
    pub requirements: Vec<(String, usize)>,
    /// Extras asked for that the project does not declare (pip warns and ignores them).
    pub unknown_extras: Vec<String>,
    /// Every extra the project declares.
    pub extras: Vec<String>,
}

/// Read the static dependencies of the project in `text` (a pyproject.toml at `path`) and of
/// the given extras. An error is (line, message) for `path`.
pub fn static_dependencies(
    path: &Path,
    text: &str,
    extras: &[String],
) -> Result<StaticDependencies, Error> {
    let wire: PyprojectWire =
        toml::from_str(text).map_err(|e| toml_error(path, text, &e, "pyproject.toml"))?;
    let Some(project) = wire.project else {
        return Err(input(
            path,
            None,
            "no [project] table: pyvet reads the dependencies a project declares in PEP 621 \
             `[project]` (for a poetry project, audit its poetry.lock)",
        ));
    };
    let project_line = line_of(text, project.span().start);
    let project = project.into_inner();
    let name = project.name.clone().unwrap_or_default();
    let dynamic = |key: &str| project.dynamic.iter().any(|d| d == key);
    if dynamic("dependencies") {
        return Err(input(
            path,
            Some(project_line),
            "`dependencies` is listed in `dynamic`: the build backend computes them, and pyvet \
             never runs build code. Lock the project (`uv pip compile pyproject.toml \
             --generate-hashes -o requirements.lock.txt`) and audit the lock",
        ));
    }
    if !extras.is_empty() && dynamic("optional-dependencies") {
        return Err(input(
            path,
            Some(project_line),
            "`optional-dependencies` is listed in `dynamic`: the extras' dependencies are \
             computed by the build backend, and pyvet never runs build code",
        ));
    }
    let optional = project.optional_dependencies.unwrap_or_default();
    let mut out = StaticDependencies {
        name: name.clone(),
        requirements: Vec::new(),
        unknown_extras: Vec::new(),
        extras: optional.keys().cloned().collect(),
    };
    let own = normalize_name(&name);
    let mut seen_extras: BTreeSet<String> = BTreeSet::new();
    let mut queue: Vec<String> = extras.iter().map(|e| normalize_name(e)).collect();
    let mut emit = |req: &Spanned<String>, queue: &mut Vec<String>| {
        let line = line_of(text, req.span().start);
        match self_extras(req.get_ref(), &own) {
            Some(more) => queue.extend(more),
            None => out
                .requirements
                .push((req.get_ref().trim().to_string(), line)),
        }
    };
    for req in project.dependencies.iter().flatten() {
        emit(req, &mut queue);
    }
    while let Some(extra) = queue.pop() {
        if !seen_extras.insert(extra.clone()) {
            continue;
        }
        match optional.iter().find(|(k, _)| normalize_name(k) == extra) {
            Some((_, reqs)) => {
                for req in reqs {
                    emit(req, &mut queue);
                }
            }
            None => out.unknown_extras.push(clip(&extra)),
        }
    }
    Ok(out)
}

/// `own[a,b]` (a dependency on the project itself, as extras often write to include other
/// extras): the extras it names. `None` for any other requirement.
fn self_extras(req: &str, own: &str) -> Option<Vec<String>> {
    let req = req.trim();
    let name_end = req
        .find(|c: char| !(c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_')))
        .unwrap_or(req.len());
    if own.is_empty() || normalize_name(&req[..name_end]) != own {
        return None;
    }
    let rest = req[name_end..].trim_start();
    let inner = rest.strip_prefix('[')?.split(']').next()?;
    Some(
        inner
            .split(',')
            .map(|e| normalize_name(e.trim()))
            .filter(|e| !e.is_empty())
            .collect(),
    )
}

/// pyproject.toml as a lockfile: one entry per `[project] dependencies` requirement.
pub(super) fn parse(path: &Path, text: &str, lock: &mut Lockfile) -> Result<(), Error> {
    let deps = static_dependencies(path, text, &[])?;
    for (req, line) in &deps.requirements {
        let mut pkg = super::requirements_txt::requirement_entry(req)
            .map_err(|m| input(path, Some(*line), m))?;
        pkg.line = Some(u32::try_from(*line).unwrap_or(u32::MAX));
        lock.packages.push(pkg);
    }
    // Each dependency's own marker decides, as for a requirements file.
    lock.install = super::deps::InstallModel::Markers;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn deps(text: &str, extras: &[&str]) -> Result<StaticDependencies, Error> {
        let extras: Vec<String> = extras.iter().map(|e| e.to_string()).collect();
        static_dependencies(Path::new("pyproject.toml"), text, &extras)
    }

    const REQUESTS_LIKE: &str = r#"[project]
name = "Requests"
dynamic = ["version"]
dependencies = [
    "charset_normalizer>=2,<4",
    "idna>=2.5,<4",
]

[project.optional-dependencies]
socks = ["PySocks>=1.5.6, !=1.5.7"]
all = ["requests[socks,security]", "brotli"]
security = []
"#;

    #[test]
    fn dependencies_with_their_lines() {
        let d = deps(REQUESTS_LIKE, &[]).unwrap();
        assert_eq!(d.name, "Requests");
        assert_eq!(
            d.requirements,
            vec![
                ("charset_normalizer>=2,<4".to_string(), 5),
                ("idna>=2.5,<4".to_string(), 6)
            ]
        );
        assert_eq!(d.extras, vec!["all", "security", "socks"]);
    }

    #[test]
    fn extras_add_their_dependencies_and_self_references_expand() {
        let d = deps(REQUESTS_LIKE, &["all", "nope"]).unwrap();
        let names: Vec<&str> = d.requirements.iter().map(|(r, _)| r.as_str()).collect();
        assert_eq!(
            names,
            vec![
                "charset_normalizer>=2,<4",
                "idna>=2.5,<4",
                "brotli",
                "PySocks>=1.5.6, !=1.5.7"
            ]
        );
        assert_eq!(d.unknown_extras, vec!["nope"]);
    }

    #[test]
    fn self_reference_cycles_end() {
        let text = "[project]\nname = \"a\"\ndependencies = []\n[project.optional-dependencies]\nx = [\"a[y]\", \"one\"]\ny = [\"a[x]\", \"two\"]\n";
        let d = deps(text, &["x"]).unwrap();
        assert_eq!(d.requirements.len(), 2);
    }

    #[test]
    fn dynamic_dependencies_are_an_error_naming_the_line() {
        let text = "[build-system]\nrequires = []\n\n[project]\nname = \"x\"\ndynamic = [\"dependencies\"]\n";
        let e = deps(text, &[]).unwrap_err().to_string();
        assert!(e.contains("pyproject.toml:4"), "{e}");
        assert!(e.contains("never runs build code"), "{e}");
        let text =
            "[project]\nname = \"x\"\ndependencies = []\ndynamic = [\"optional-dependencies\"]\n";
        assert!(deps(text, &[]).is_ok());
        assert!(deps(text, &["a"]).is_err());
    }

    #[test]
    fn no_project_table_is_an_error() {
        let e = deps("[tool.poetry]\nname = \"x\"\n", &[])
            .unwrap_err()
            .to_string();
        assert!(e.contains("no [project] table"), "{e}");
    }

    #[test]
    fn wrong_shapes_are_errors_not_panics() {
        for text in [
            "[project]\ndependencies = \"x\"\n",
            "[project]\ndependencies = [1]\n",
            "[project]\noptional-dependencies = { a = \"b\" }\n",
            "project = 3\n",
            "[project\n",
        ] {
            assert!(deps(text, &["a"]).is_err(), "{text}");
        }
    }
}
