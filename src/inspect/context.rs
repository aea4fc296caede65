//! Where code runs, and therefore how much a capability found there matters.
//!
//! The same `subprocess.run` is routine in a CLI's function body and alarming at the top of a
//! `setup.py`. This module classifies every file of an artifact by its role (install hook,
//! `.pth` start-up file, importable module, test/example/doc) and every statement by its run
//! context (install time, import time, function body, tests), and turns a rule's base severity
//! into a graded one.

use std::collections::HashSet;

use crate::finding::Severity;
use crate::package::ArtifactKind;

/// When a piece of code runs, from most to least alarming.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum RunContext {
    /// Tests, examples, docs, benchmarks: not normally run by installing or importing.
    Test,
    /// Inside a function or method body (runs only when called).
    Function,
    /// Module top level (runs on import).
    Import,
    /// Runs while the package is built or installed (setup.py, in-tree build backend, `.pth`).
    Install,
}

impl RunContext {
    /// Short human label used in messages.
    pub fn label(self) -> &'static str {
        match self {
            RunContext::Test => "in test/example code",
            RunContext::Function => "in a function body",
            RunContext::Import => "at import time",
            RunContext::Install => "at install time",
        }
    }

    /// The report's word for this context.
    pub fn runs(self) -> crate::finding::Runs {
        use crate::finding::Runs;
        match self {
            RunContext::Test => Runs::Never,
            RunContext::Function => Runs::Call,
            RunContext::Import => Runs::Import,
            RunContext::Install => Runs::Install,
        }
    }

    /// Install or import time: runs without anyone calling it.
    pub fn is_automatic(self) -> bool {
        matches!(self, RunContext::Install | RunContext::Import)
    }

    /// Pick a severity by context: `auto` for install/import time, `func` for function bodies;
    /// test code gets `func` lowered by two steps.
    pub fn pick(self, auto: Severity, func: Severity) -> Severity {
        match self {
            RunContext::Install | RunContext::Import => auto,
            RunContext::Function => func,
            RunContext::Test => lower(func, 2),
        }
    }
}

/// Lower a severity by `steps` (not below info).
pub fn lower(sev: Severity, steps: usize) -> Severity {
    let idx = Severity::ALL.iter().position(|s| *s == sev).unwrap_or(0);
    Severity::ALL[idx.saturating_sub(steps)]
}

/// Raise a severity by `steps` (not above critical).
pub fn raise(sev: Severity, steps: usize) -> Severity {
    let idx = Severity::ALL.iter().position(|s| *s == sev).unwrap_or(0);
    Severity::ALL[(idx + steps).min(Severity::ALL.len() - 1)]
}

/// The role of one file inside an artifact.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileRole {
    /// `setup.py` at the root of an sdist: runs at build/install time.
    SetupPy,
    /// Part of an in-tree build backend (`backend-path` in pyproject.toml): runs at build time.
    BuildBackend,
    /// A `.pth` file: its `import` lines run at every interpreter start.
    Pth,
    /// A package `__init__.py`: its top level runs on the first import.
    Init,
    /// Any other importable module.
    Module,
    /// `__main__.py`: runs only as `python -m pkg`, like a CLI entry point.
    Main,
    /// Test, example, documentation or benchmark code.
    Test,
}

impl FileRole {
    /// The run context of top-level code in a file of this role.
    pub fn top_level(self) -> RunContext {
        match self {
            FileRole::SetupPy | FileRole::BuildBackend | FileRole::Pth => RunContext::Install,
            FileRole::Init | FileRole::Module => RunContext::Import,
            FileRole::Main => RunContext::Function,
            FileRole::Test => RunContext::Test,
        }
    }

    /// The run context of code inside function bodies in a file of this role. setup.py
    /// helpers and cmdclass `run` methods are called while installing, so they stay install
    /// time.
    pub fn in_function(self) -> RunContext {
        match self {
            FileRole::SetupPy | FileRole::BuildBackend | FileRole::Pth => RunContext::Install,
            FileRole::Init | FileRole::Module | FileRole::Main => RunContext::Function,
            FileRole::Test => RunContext::Test,
        }
    }
}

const TEST_DIRS: &[&str] = &[
    "test",
    "tests",
    "testing",
    "example",
    "examples",
    "doc",
    "docs",
    "benchmark",
    "benchmarks",
    "bench",
    "demo",
    "demos",
    "sample",
    "samples",
    "testdata",
    "test_data",
    "fixtures",
];

const SDIST_TOOLING_DIRS: &[&str] = &[
    "scripts",
    // A GitHub Action's own code (black's `action/main.py`): run by CI, never installed.
    "action",
    "tools",
    "ci",
    ".github",
    ".circleci",
    ".ci",
    "dev",
    "devtools",
    "misc",
    "build_tools",
    "asv_bench",
    "contrib",
    "maint_tools",
    ".gitlab",
];

/// Continuous-integration folders: never installed or imported, at any depth of an sdist
/// (vendored projects keep theirs, e.g. `vendored-meson/meson/ci/`).
const CI_DIRS: &[&str] = &[
    "ci",
    ".ci",
    ".github",
    ".circleci",
    ".gitlab",
    ".azure-pipelines",
];

/// Words that, as one of the space/`_`/`-` separated words of a directory name, mark a test
/// folder: `tests`, `manual tests`, `test cases`, `integration_tests`, `unittests`,
/// `testsuite`. `pytest` or `latest` do not qualify (whole words only).
const TEST_WORDS: &[&str] = &[
    "test",
    "tests",
    "testing",
    "testsuite",
    "testsuites",
    "unittests",
    "testcases",
];

/// Whether one directory name marks test, example, documentation or benchmark code.
pub fn is_test_dir(dir: &str) -> bool {
    TEST_DIRS.contains(&dir) || dir.split([' ', '_', '-']).any(|w| TEST_WORDS.contains(&w))
}

/// Strip the `name-version/` directory that sdists put everything under.
pub fn sdist_relative(path: &str, kind: ArtifactKind) -> &str {
    if kind == ArtifactKind::Sdist {
        if let Some((_, rest)) = path.split_once('/') {
            return rest;
        }
    }
    path
}

/// Directories (relative to the artifact, `/`-terminated) of in-tree build backends, read from
/// every `pyproject.toml` that declares `build-system.backend-path`.
pub fn backend_dirs(entries: &[(&str, &[u8])]) -> HashSet<String> {
    let mut out = HashSet::new();
    for (path, data) in entries {
        if !(path.ends_with("/pyproject.toml") || *path == "pyproject.toml") {
            continue;
        }
        let Ok(text) = std::str::from_utf8(data) else {
            continue;
        };
        let Ok(value) = text.parse::<toml::Table>() else {
            continue;
        };
        let base = path
            .rsplit_once('/')
            .map(|(d, _)| format!("{d}/"))
            .unwrap_or_default();
        let paths = value
            .get("build-system")
            .and_then(|b| b.get("backend-path"))
            .and_then(|p| p.as_array());
        // The backend module (`setuptools.build_meta`, `backend:obj` -> `backend`).
        let module = value
            .get("build-system")
            .and_then(|b| b.get("build-backend"))
            .and_then(|b| b.as_str())
            .map(|m| m.split(':').next().unwrap_or(m).trim().replace('.', "/"))
            .filter(|m| !m.is_empty() && !m.contains(".."));
        for p in paths.into_iter().flatten() {
            if let Some(p) = p.as_str() {
                let p = p.trim_start_matches("./").trim_end_matches('/');
                if p.is_empty() || p == "." {
                    // The project root itself is on the backend path: only the backend module
                    // named by `build-backend` runs at build time, not every top-level script
                    // (setuptools ships `exercises.py`, `conftest.py`... next to it).
                    if let Some(m) = &module {
                        out.insert(format!("{base}{m}.py"));
                        out.insert(format!("{base}{m}/__init__.py"));
                    }
                } else {
                    out.insert(format!("{base}{p}/"));
                }
            }
        }
    }
    out
}

/// Top-level sdist directories that hold other projects' sources.
pub(crate) const VENDORED_DIRS: &[&str] = &[
    "third_party",
    "thirdparty",
    "third-party",
    "3rdparty",
    "vendor",
    "vendored",
    "external",
    "extern",
    "deps",
];

/// Whether an sdist file lies in a top-level directory of vendored sources.
pub fn in_vendored_sources(path: &str, kind: ArtifactKind) -> bool {
    kind == ArtifactKind::Sdist
        && sdist_relative(&path.to_ascii_lowercase(), kind)
            .split_once('/')
            .is_some_and(|(top, _)| VENDORED_DIRS.contains(&top))
}

/// Key prefix of [`layout`] entries that name an sdist file no install step runs (a NUL byte
/// never starts an archive path).
const NEVER_RUN: &str = "\0never-run:";

/// What the whole archive says about its files' roles: the in-tree build backend's
/// directories ([`backend_dirs`]) and, for an sdist, the Python files that no install step
/// runs and that are not installed as importable code:
/// - a script at the root of the sdist other than setup.py whose module name setup.py,
///   setup.cfg and pyproject.toml never mention (`bootstrap.py`, `noxfile.py`; a `py_modules`
///   module such as six's `six.py` is named there, and so is a helper setup.py imports);
/// - a file in a directory of vendored sources (`third_party/`, `vendor/`...) with no
///   `__init__.py` in any directory above it: a bundled foreign project's scripts
///   (`third_party/boringssl/src/util/bot/bootstrap.py`), not a Python package.
///
/// Only for a real sdist layout: one root directory, no `.dist-info` (a wheel renamed to
/// `.zip` keeps its wheel roles).
pub fn layout(entries: &[(&str, &[u8])], kind: ArtifactKind) -> HashSet<String> {
    let mut out = backend_dirs(entries);
    if kind != ArtifactKind::Sdist {
        return out;
    }
    let root = entries
        .first()
        .and_then(|(p, _)| p.split_once('/'))
        .map(|(r, _)| r);
    let one_root = root.is_some_and(|r| {
        entries
            .iter()
            .all(|(p, _)| p.split_once('/').is_some_and(|(first, _)| first == r) || *p == r)
    });
    if !one_root || entries.iter().any(|(p, _)| p.contains(".dist-info/")) {
        return out;
    }
    let mut config = String::new();
    let mut packages: HashSet<String> = HashSet::new();
    for (path, data) in entries {
        let lower = path.to_ascii_lowercase();
        let rel = sdist_relative(&lower, kind);
        if matches!(rel, "setup.py" | "setup.cfg" | "pyproject.toml") {
            config.push_str(&String::from_utf8_lossy(data).to_ascii_lowercase());
            config.push('\n');
        }
        if let Some(dir) = rel.strip_suffix("__init__.py") {
            packages.insert(dir.to_string());
        }
    }
    let mentioned = |stem: &str| {
        config.match_indices(stem).any(|(i, _)| {
            let before = config[..i].chars().next_back();
            let after = config[i + stem.len()..].chars().next();
            let word = |c: Option<char>| c.is_some_and(|c| c.is_ascii_alphanumeric() || c == '_');
            !word(before) && !word(after)
        })
    };
    for (path, _) in entries {
        let lower = path.to_ascii_lowercase();
        let rel = sdist_relative(&lower, kind);
        let Some(stem) = rel.strip_suffix(".py") else {
            continue;
        };
        let never = if !rel.contains('/') {
            rel != "setup.py" && !mentioned(stem)
        } else if rel
            .split_once('/')
            .is_some_and(|(top, _)| VENDORED_DIRS.contains(&top))
        {
            // No directory above the file is a package.
            let mut dir = rel;
            let mut in_package = false;
            while let Some((d, _)) = dir.rsplit_once('/') {
                if packages.contains(&format!("{d}/")) {
                    in_package = true;
                    break;
                }
                dir = d;
            }
            !in_package
        } else {
            false
        };
        if never {
            out.insert(format!("{NEVER_RUN}{lower}"));
        }
    }
    out
}

/// Classify a file by its path inside the artifact.
pub fn file_role(path: &str, kind: ArtifactKind, backend_dirs: &HashSet<String>) -> FileRole {
    let lower = path.to_ascii_lowercase();
    if lower.ends_with(".pth") {
        return FileRole::Pth;
    }
    if !backend_dirs.is_empty() && backend_dirs.contains(&format!("{NEVER_RUN}{lower}")) {
        return FileRole::Test;
    }
    let rel = sdist_relative(&lower, kind);
    let file = rel.rsplit('/').next().unwrap_or(rel);
    if file == "setup.py" && !rel.contains('/') {
        return FileRole::SetupPy;
    }
    // An unpacked directory or "other" artifact: treat a root-ish setup.py as a hook too.
    if file == "setup.py" && kind != ArtifactKind::Wheel && rel.matches('/').count() <= 1 {
        return FileRole::SetupPy;
    }
    // In-tree build backend: files under `backend-path`, or only the backend module's own
    // file when the backend path is the project root (entries ending in `.py`).
    if lower.ends_with(".py")
        && backend_dirs.iter().any(|d| {
            let d = d.to_ascii_lowercase();
            if d.ends_with(".py") {
                lower == d
            } else {
                lower.starts_with(&d)
            }
        })
    {
        return FileRole::BuildBackend;
    }
    let dirs: Vec<&str> = rel.split('/').collect();
    let is_test_dir = dirs[..dirs.len().saturating_sub(1)]
        .iter()
        .any(|d| is_test_dir(d));
    if is_test_dir
        || file.starts_with("test_")
        || file.ends_with("_test.py")
        || file.ends_with("_tests.py")
        || file == "conftest.py"
        || file == "tests.py"
    {
        return FileRole::Test;
    }
    // Developer tooling at the top of an sdist is not installed and not run by the build.
    if kind == ArtifactKind::Sdist && dirs.len() > 1 && SDIST_TOOLING_DIRS.contains(&dirs[0]) {
        return FileRole::Test;
    }
    if kind == ArtifactKind::Sdist && dirs[..dirs.len() - 1].iter().any(|d| CI_DIRS.contains(d)) {
        return FileRole::Test;
    }
    if file == "__init__.py" {
        return FileRole::Init;
    }
    if file == "__main__.py" {
        return FileRole::Main;
    }
    FileRole::Module
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_from_paths() {
        let none = HashSet::new();
        let s = ArtifactKind::Sdist;
        let w = ArtifactKind::Wheel;
        assert_eq!(file_role("pkg-1.0/setup.py", s, &none), FileRole::SetupPy);
        assert_eq!(
            file_role("pkg-1.0/src/pkg/setup.py", s, &none),
            FileRole::Module
        );
        assert_eq!(file_role("pkg/__init__.py", w, &none), FileRole::Init);
        assert_eq!(file_role("pkg/core.py", w, &none), FileRole::Module);
        assert_eq!(file_role("pkg/__main__.py", w, &none), FileRole::Main);
        assert_eq!(
            file_role("pkg/_keyboard_tests.py", w, &none),
            FileRole::Test
        );
        assert_eq!(file_role("pkg/tests/test_x.py", w, &none), FileRole::Test);
        assert_eq!(file_role("pkg-1.0/docs/conf.py", s, &none), FileRole::Test);
        assert_eq!(file_role("evil.pth", w, &none), FileRole::Pth);
        assert_eq!(
            file_role("pkg-1.0/scripts/internal/x.py", s, &none),
            FileRole::Test
        );
        assert_eq!(file_role("pkg/scripts/x.py", w, &none), FileRole::Module);
        assert_eq!(
            file_role("pkg-1.0/action/main.py", s, &none),
            FileRole::Test
        );
    }

    #[test]
    fn backend_path_makes_build_code() {
        let py = b"[build-system]\nrequires=[]\nbuild-backend='b'\nbackend-path=['_build']\n";
        let dirs = backend_dirs(&[("pkg-1.0/pyproject.toml", py.as_slice())]);
        assert!(dirs.contains("pkg-1.0/_build/"));
        assert_eq!(
            file_role("pkg-1.0/_build/b.py", ArtifactKind::Sdist, &dirs),
            FileRole::BuildBackend
        );
        assert_eq!(
            file_role("pkg-1.0/pkg/b.py", ArtifactKind::Sdist, &dirs),
            FileRole::Module
        );
    }

    #[test]
    fn numpy_manual_tests_with_a_space_are_test_code() {
        let none = HashSet::new();
        let s = ArtifactKind::Sdist;
        for p in [
            "numpy-2.1.3/vendored-meson/meson/manual tests/4 standalone binaries/build.py",
            "m-1.0/test cases/common/1 trivial/gen.py",
            "m-1.0/pkg/unittests/x.py",
            "m-1.0/pkg/testsuite/x.py",
            "m-1.0/pkg/integration_tests/x.py",
            "m-1.0/vendored/meson/ci/ciimage/build.py",
        ] {
            assert_eq!(file_role(p, s, &none), FileRole::Test, "{p}");
        }
        // Whole words only: these are importable code.
        for p in [
            "pytest-8.0/src/_pytest/python.py",
            "m-1.0/pkg/latest/x.py",
            "m-1.0/pkg/contest/x.py",
        ] {
            assert_ne!(file_role(p, s, &none), FileRole::Test, "{p}");
        }
        // `ci` deep inside a wheel is a package name, not CI configuration.
        assert_eq!(
            file_role("pkg/ci/core.py", ArtifactKind::Wheel, &none),
            FileRole::Module
        );
    }

    #[test]
    fn setuptools_exercises_py_is_not_the_build_backend() {
        let py = b"[build-system]\nrequires=[]\nbuild-backend='setuptools.build_meta'\nbackend-path=['.']\n";
        let dirs = backend_dirs(&[("setuptools-75.6.0/pyproject.toml", py.as_slice())]);
        let s = ArtifactKind::Sdist;
        assert_eq!(
            file_role("setuptools-75.6.0/exercises.py", s, &dirs),
            FileRole::Module
        );
        assert_eq!(
            file_role("setuptools-75.6.0/setuptools/build_meta.py", s, &dirs),
            FileRole::BuildBackend
        );
        assert_eq!(
            file_role("setuptools-75.6.0/setuptools/dist.py", s, &dirs),
            FileRole::Module
        );
        // A flat backend module next to pyproject.toml, `module:object` form.
        let flat = b"[build-system]\nbuild-backend='backend:api'\nbackend-path=['.']\n";
        let dirs = backend_dirs(&[("pkg-1.0/pyproject.toml", flat.as_slice())]);
        assert_eq!(
            file_role("pkg-1.0/backend.py", s, &dirs),
            FileRole::BuildBackend
        );
        assert_eq!(file_role("pkg-1.0/other.py", s, &dirs), FileRole::Module);
    }

    #[test]
    fn grading() {
        assert_eq!(lower(Severity::High, 2), Severity::Low);
        assert_eq!(lower(Severity::Info, 2), Severity::Info);
        assert_eq!(raise(Severity::High, 3), Severity::Critical);
        assert_eq!(
            RunContext::Test.pick(Severity::Critical, Severity::High),
            Severity::Low
        );
    }
}
