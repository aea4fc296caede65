//! Artifact selection: which of a package's files an installer would pick for a target
//! environment (Python version and platform), so the default audit vets the install set rather
//! than every platform's wheels. A uv.lock lists every platform's files (1.75 GB for a typical web
//! app against 47.5 MB installed on one Linux CPython); vetting the install set is the default,
//! `--all-artifacts` vets everything.
//!
//! The rules follow the wheel compatibility tags of the binary distribution format: a wheel fits
//! when one of its python tags, one of its ABI tags and one of its platform tags fit the target.
//! Among fitting wheels the most specific wins (interpreter-specific over abi3 over pure Python,
//! platform-specific over `any`, newest manylinux/macOS baseline that the target supports), as
//! installers do. When no wheel fits, the sdist is what would be built.

use std::fmt;
use std::str::FromStr;

use crate::package::{Artifact, ArtifactKind, LockedPackage};

/// Operating system of the target.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Os {
    Linux,
    Macos,
    Windows,
}

/// CPU architecture of the target (wheel-tag spelling differs per OS, see `arch_tags`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Arch {
    X86_64,
    Aarch64,
    X86,
}

/// The environment an install would happen in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    pub python: (u32, u32),
    pub os: Os,
    pub arch: Arch,
    /// Newest glibc the target has (manylinux_2_N wheels with N above this do not fit).
    pub glibc: (u32, u32),
    /// Newest macOS version the target runs.
    pub macos: (u32, u32),
}

impl Default for Target {
    fn default() -> Self {
        Self::host(None)
    }
}

impl fmt::Display for Target {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let os = match self.os {
            Os::Linux => "linux",
            Os::Macos => "macos",
            Os::Windows => "windows",
        };
        let arch = match self.arch {
            Arch::X86_64 => "x86_64",
            Arch::Aarch64 => "aarch64",
            Arch::X86 => "x86",
        };
        write!(
            f,
            "CPython {}.{} on {os}-{arch}",
            self.python.0, self.python.1
        )
    }
}

/// Python version used when neither the flag, the config nor a `.python-version` file says.
pub const DEFAULT_PYTHON: (u32, u32) = (3, 12);

impl Target {
    /// This machine's OS and architecture, with the given (or default) Python version.
    pub fn host(python: Option<(u32, u32)>) -> Self {
        let os = match std::env::consts::OS {
            "macos" => Os::Macos,
            "windows" => Os::Windows,
            _ => Os::Linux,
        };
        let arch = match std::env::consts::ARCH {
            "aarch64" => Arch::Aarch64,
            "x86" => Arch::X86,
            _ => Arch::X86_64,
        };
        Self {
            python: python.unwrap_or(DEFAULT_PYTHON),
            os,
            arch,
            glibc: (2, 39),
            macos: (15, 0),
        }
    }

    /// Build from `--python-version` and `--platform` values (each optional).
    pub fn from_args(python: Option<&str>, platform: Option<&str>) -> Result<Self, String> {
        let py = python.map(parse_python_version).transpose()?;
        let mut t = Target::host(py);
        if let Some(p) = platform {
            let p = p.to_ascii_lowercase();
            let (os, arch) = p.split_once(['-', '_']).unwrap_or((p.as_str(), ""));
            t.os = match os {
                "linux" | "manylinux" => Os::Linux,
                "macos" | "macosx" | "darwin" | "osx" => Os::Macos,
                "windows" | "win" | "win32" => Os::Windows,
                other => {
                    return Err(format!(
                        "unknown platform `{other}` (expected linux, macos or windows, optionally \
                         with an architecture such as linux-x86_64 or macos-arm64)"
                    ))
                }
            };
            if os == "win32" && arch.is_empty() {
                t.arch = Arch::X86;
            }
            if !arch.is_empty() {
                t.arch = match arch {
                    "x86_64" | "x86-64" | "amd64" | "x64" => Arch::X86_64,
                    "aarch64" | "arm64" => Arch::Aarch64,
                    "x86" | "i686" | "i386" | "win32" => Arch::X86,
                    other => return Err(format!("unknown architecture `{other}`")),
                };
            }
        }
        Ok(t)
    }

    /// The PEP 508 marker environment of this target.
    pub fn marker_env(&self) -> Option<pep508_rs::MarkerEnvironment> {
        let (major, minor) = self.python;
        let python_version = format!("{major}.{minor}");
        let full = format!("{major}.{minor}.0");
        let (os_name, sys_platform, platform_system) = match self.os {
            Os::Linux => ("posix", "linux", "Linux"),
            Os::Macos => ("posix", "darwin", "Darwin"),
            Os::Windows => ("nt", "win32", "Windows"),
        };
        let machine = match (self.os, self.arch) {
            (Os::Windows, Arch::X86_64) => "AMD64",
            (Os::Windows, Arch::X86) => "x86",
            (Os::Windows, Arch::Aarch64) => "ARM64",
            (Os::Macos, Arch::Aarch64) => "arm64",
            (_, Arch::X86_64) => "x86_64",
            (_, Arch::Aarch64) => "aarch64",
            (_, Arch::X86) => "i686",
        };
        pep508_rs::MarkerEnvironment::try_from(pep508_rs::MarkerEnvironmentBuilder {
            implementation_name: "cpython",
            implementation_version: &full,
            os_name,
            platform_machine: machine,
            platform_python_implementation: "CPython",
            platform_release: "",
            platform_system,
            platform_version: "",
            python_full_version: &full,
            python_version: &python_version,
            sys_platform,
        })
        .ok()
    }

    /// Whether a package entry's markers apply to this target. Unparseable markers and markers
    /// about extras apply (vetting too much is safer than vetting too little).
    pub fn markers_apply(&self, markers: Option<&str>) -> bool {
        let Some(m) = markers.map(str::trim).filter(|m| !m.is_empty()) else {
            return true;
        };
        // pep508_rs 0.9 panics on some non-ASCII marker text (`python_version < '3' 'éé'`:
        // its lookahead slices inside a character); no real marker is non-ASCII.
        if m.contains("extra") || !m.is_ascii() {
            return true;
        }
        let parsed = crate::guard::contain(|| pep508_rs::MarkerTree::from_str(m));
        let (Some(Ok(tree)), Some(env)) = (parsed, self.marker_env()) else {
            return true;
        };
        tree.evaluate(&env, &[])
    }

    fn arch_tags(&self) -> &'static [&'static str] {
        match (self.os, self.arch) {
            (Os::Linux, Arch::X86_64) => &["x86_64"],
            (Os::Linux, Arch::Aarch64) => &["aarch64"],
            (Os::Linux, Arch::X86) => &["i686"],
            (Os::Macos, Arch::X86_64) => &["x86_64", "intel", "universal2", "universal"],
            (Os::Macos, Arch::Aarch64) => &["arm64", "universal2"],
            (Os::Macos, Arch::X86) => &["i386", "intel", "universal"],
            (Os::Windows, Arch::X86_64) => &["amd64"],
            (Os::Windows, Arch::Aarch64) => &["arm64"],
            (Os::Windows, Arch::X86) => &["win32"],
        }
    }

    /// Score of a platform tag: `None` when it does not fit, higher is more specific.
    fn platform_score(&self, tag: &str) -> Option<u32> {
        if tag == "any" {
            return Some(0);
        }
        match self.os {
            Os::Windows => {
                let want = match self.arch {
                    Arch::X86_64 => "win_amd64",
                    Arch::Aarch64 => "win_arm64",
                    Arch::X86 => "win32",
                };
                (tag == want).then_some(1000)
            }
            Os::Linux => {
                let arch = self.arch_tags()[0];
                let rest = tag.strip_suffix(arch)?.strip_suffix('_')?;
                let (maj, min) = match rest {
                    "manylinux1" => (2, 5),
                    "manylinux2010" => (2, 12),
                    "manylinux2014" => (2, 17),
                    "linux" => return Some(1),
                    _ => {
                        let v = rest.strip_prefix("manylinux_")?;
                        let (a, b) = v.split_once('_')?;
                        (a.parse().ok()?, b.parse().ok()?)
                    }
                };
                ((maj, min) <= self.glibc).then_some(100 + maj * 100 + min)
            }
            Os::Macos => {
                let rest = tag.strip_prefix("macosx_")?;
                let mut parts = rest.splitn(3, '_');
                let maj: u32 = parts.next()?.parse().ok()?;
                let min: u32 = parts.next()?.parse().ok()?;
                let arch = parts.next()?;
                let arch_rank = self.arch_tags().iter().position(|a| *a == arch)? as u32;
                ((maj, min) <= self.macos)
                    .then_some(10_000 - arch_rank * 1000 + maj * 10 + min.min(9))
            }
        }
    }

    /// Score of a (python, abi) tag pair: `None` when it does not fit.
    fn interpreter_score(&self, py: &str, abi: &str) -> Option<u32> {
        let (major, minor) = self.python;
        let parse_ver = |s: &str| -> Option<(u32, Option<u32>)> {
            let d = s;
            if d.is_empty() || !d.bytes().all(|b| b.is_ascii_digit()) {
                return None;
            }
            let maj = d[..1].parse().ok()?;
            let min = if d.len() > 1 {
                Some(d[1..].parse().ok()?)
            } else {
                None
            };
            Some((maj, min))
        };
        if let Some(v) = py.strip_prefix("cp") {
            let (maj, min) = parse_ver(v)?;
            if maj != major {
                return None;
            }
            let min = min.unwrap_or(0);
            match abi {
                "abi3" if min <= minor => Some(200 + min),
                "none" if min == minor => Some(150),
                a if min == minor && a.starts_with("cp") => Some(300),
                _ => None,
            }
        } else if let Some(v) = py.strip_prefix("py") {
            let (maj, min) = parse_ver(v)?;
            if maj != major || abi != "none" {
                return None;
            }
            match min {
                None => Some(10),
                Some(m) if m <= minor => Some(20 + m),
                Some(_) => None,
            }
        } else {
            None
        }
    }

    /// Score of a wheel filename for this target: `None` when it does not install here.
    pub fn wheel_score(&self, filename: &str) -> Option<(u32, u32)> {
        let tags = WheelTags::parse(filename)?;
        let mut best: Option<(u32, u32)> = None;
        for py in &tags.python {
            for abi in &tags.abi {
                let Some(i) = self.interpreter_score(py, abi) else {
                    continue;
                };
                for plat in &tags.platform {
                    if let Some(p) = self.platform_score(plat) {
                        let s = (p, i);
                        if best.is_none_or(|b| s > b) {
                            best = Some(s);
                        }
                    }
                }
            }
        }
        best
    }
}

fn parse_python_version(s: &str) -> Result<(u32, u32), String> {
    let bad = || format!("invalid Python version `{s}` (expected X.Y, e.g. 3.12)");
    let s = s.trim();
    let mut parts = s.split('.');
    let major = parts.next().and_then(|p| p.parse().ok()).ok_or_else(bad)?;
    let minor = parts.next().and_then(|p| p.parse().ok()).ok_or_else(bad)?;
    Ok((major, minor))
}

/// Read a `.python-version` file (as pyenv and uv write) into (major, minor).
pub fn python_version_file(dir: &std::path::Path) -> Option<(u32, u32)> {
    let text = std::fs::read_to_string(dir.join(".python-version")).ok()?;
    let first = text
        .lines()
        .map(str::trim)
        .find(|l| !l.is_empty() && !l.starts_with('#'))?;
    let v = first.trim_start_matches(|c: char| !c.is_ascii_digit());
    parse_python_version(v).ok()
}

/// The compressed tag sets of a wheel filename.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WheelTags {
    pub python: Vec<String>,
    pub abi: Vec<String>,
    pub platform: Vec<String>,
}

impl WheelTags {
    /// `name-version(-build)?-python-abi-platform.whl`.
    pub fn parse(filename: &str) -> Option<Self> {
        let stem = filename
            .strip_suffix(".whl")
            .or_else(|| filename.strip_suffix(".WHL"))?;
        let parts: Vec<&str> = stem.split('-').collect();
        if parts.len() < 5 {
            return None;
        }
        let n = parts.len();
        let split = |s: &str| {
            s.split('.')
                .map(str::to_ascii_lowercase)
                .collect::<Vec<_>>()
        };
        Some(Self {
            python: split(parts[n - 3]),
            abi: split(parts[n - 2]),
            platform: split(parts[n - 1]),
        })
    }
}

/// What selection decided for one artifact.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Choice {
    Selected,
    /// Not picked, with the reason shown in the report.
    Skipped(String),
}

/// Decide, for each artifact of `pkg`, whether it is part of the install set on `target`.
/// `all` selects everything. Returns one choice per artifact, in order.
pub fn select(
    pkg: &LockedPackage,
    artifacts: &[Artifact],
    target: &Target,
    all: bool,
) -> Vec<Choice> {
    if all {
        return vec![Choice::Selected; artifacts.len()];
    }
    if !target.markers_apply(pkg.markers.as_deref()) {
        return vec![Choice::Skipped(format!("markers do not apply to {target}")); artifacts.len()];
    }
    let best_wheel = artifacts
        .iter()
        .enumerate()
        .filter(|(_, a)| a.kind == ArtifactKind::Wheel)
        .filter_map(|(i, a)| target.wheel_score(&a.filename).map(|s| (s, i)))
        .max_by(|(a, ai), (b, bi)| a.cmp(b).then(bi.cmp(ai)))
        .map(|(_, i)| i);
    let chosen = best_wheel.or_else(|| {
        artifacts
            .iter()
            .position(|a| a.kind == ArtifactKind::Sdist)
            .or_else(|| (artifacts.len() == 1).then_some(0))
    });
    artifacts
        .iter()
        .enumerate()
        .map(|(i, a)| {
            if Some(i) == chosen {
                Choice::Selected
            } else if a.kind == ArtifactKind::Wheel && target.wheel_score(&a.filename).is_none() {
                Choice::Skipped(format!("does not install on {target}"))
            } else {
                Choice::Skipped("an installer would pick another file".into())
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::package::Source;

    fn linux(py: (u32, u32)) -> Target {
        Target {
            python: py,
            os: Os::Linux,
            arch: Arch::X86_64,
            glibc: (2, 39),
            macos: (15, 0),
        }
    }

    fn pkg(files: &[&str]) -> (LockedPackage, Vec<Artifact>) {
        let p = LockedPackage::new("x", Some("1".into()), Source::Registry { url: None });
        (p, files.iter().map(|f| Artifact::new(*f)).collect())
    }

    fn selected(files: &[&str], t: &Target) -> Vec<String> {
        let (p, arts) = pkg(files);
        select(&p, &arts, t, false)
            .into_iter()
            .zip(arts)
            .filter(|(c, _)| *c == Choice::Selected)
            .map(|(_, a)| a.filename)
            .collect()
    }

    #[test]
    fn picks_the_cpython_manylinux_wheel_over_others() {
        let files = [
            "numpy-2.1.0.tar.gz",
            "numpy-2.1.0-cp312-cp312-macosx_14_0_arm64.whl",
            "numpy-2.1.0-cp312-cp312-win_amd64.whl",
            "numpy-2.1.0-cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64.whl",
            "numpy-2.1.0-cp312-cp312-manylinux_2_17_x86_64.manylinux2014_x86_64.whl",
            "numpy-2.1.0-cp312-cp312-musllinux_1_2_x86_64.whl",
        ];
        assert_eq!(
            selected(&files, &linux((3, 12))),
            vec!["numpy-2.1.0-cp312-cp312-manylinux_2_17_x86_64.manylinux2014_x86_64.whl"]
        );
        let mac = Target::from_args(Some("3.12"), Some("macos-arm64")).unwrap();
        assert_eq!(
            selected(&files, &mac),
            vec!["numpy-2.1.0-cp312-cp312-macosx_14_0_arm64.whl"]
        );
        let win = Target::from_args(Some("3.12"), Some("windows")).unwrap();
        assert_eq!(
            selected(&files, &win),
            vec!["numpy-2.1.0-cp312-cp312-win_amd64.whl"]
        );
    }

    #[test]
    fn falls_back_to_sdist_when_no_wheel_fits() {
        let files = [
            "pkg-1.0.tar.gz",
            "pkg-1.0-cp313-cp313-manylinux_2_17_x86_64.whl",
        ];
        assert_eq!(selected(&files, &linux((3, 12))), vec!["pkg-1.0.tar.gz"]);
    }

    #[test]
    fn pure_python_wheel_beats_sdist_and_abi3_beats_pure() {
        assert_eq!(
            selected(
                &["req-2.0.tar.gz", "req-2.0-py3-none-any.whl"],
                &linux((3, 12))
            ),
            vec!["req-2.0-py3-none-any.whl"]
        );
        assert_eq!(
            selected(
                &[
                    "c-1-py3-none-any.whl",
                    "c-1-cp39-abi3-manylinux_2_28_x86_64.whl",
                    "c-1-cp39-abi3-manylinux_2_17_x86_64.whl",
                ],
                &linux((3, 12))
            ),
            vec!["c-1-cp39-abi3-manylinux_2_28_x86_64.whl"]
        );
    }

    #[test]
    fn too_new_glibc_or_python_does_not_fit() {
        let t = Target {
            glibc: (2, 17),
            ..linux((3, 9))
        };
        assert!(t
            .wheel_score("a-1-cp39-cp39-manylinux_2_28_x86_64.whl")
            .is_none());
        assert!(t
            .wheel_score("a-1-cp39-cp39-manylinux2014_x86_64.whl")
            .is_some());
        assert!(t.wheel_score("a-1-py310-none-any.whl").is_none());
        assert!(t.wheel_score("a-1-py2.py3-none-any.whl").is_some());
        assert!(t.wheel_score("not-a-wheel.tar.gz").is_none());
    }

    #[test]
    fn markers_decide_whether_a_package_applies() {
        let t = linux((3, 12));
        assert!(t.markers_apply(None));
        assert!(t.markers_apply(Some("sys_platform == 'linux'")));
        assert!(!t.markers_apply(Some("sys_platform == 'win32'")));
        assert!(!t.markers_apply(Some("python_version < '3.10'")));
        assert!(t.markers_apply(Some("extra == 'socks'")));
        assert!(t.markers_apply(Some("this is not a marker")));
        let (mut p, arts) = pkg(&["colorama-0.4.6-py2.py3-none-any.whl"]);
        p.markers = Some("sys_platform == 'win32'".into());
        assert!(matches!(
            select(&p, &arts, &t, false)[0],
            Choice::Skipped(_)
        ));
        assert_eq!(select(&p, &arts, &t, true)[0], Choice::Selected);
    }

    #[test]
    fn parses_target_arguments() {
        assert!(Target::from_args(Some("three"), None).is_err());
        assert!(Target::from_args(None, Some("beos")).is_err());
        let t = Target::from_args(Some("3.11"), Some("linux-aarch64")).unwrap();
        assert_eq!(
            (t.python, t.os, t.arch),
            ((3, 11), Os::Linux, Arch::Aarch64)
        );
    }
}
