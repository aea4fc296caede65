//! Artifact selection: which of a package's files an installer would pick for a target
//! environment (Python version and platform), so the default audit vets the install set rather
//! than every platform's wheels. A uv.lock lists every platform's files (1.75 GB for a typical web
//! app against 47.5 MB installed on one Linux CPython); vetting the install set is the default,
//! `--all-artifacts` vets everything.
//!
//! The rules are the installers': the target's ordered list of supported tags is computed as
//! `packaging.tags.sys_tags()` computes it on that interpreter (pip and uv agree on it), and the
//! wheel whose best `python-abi-platform` tag comes first wins. The target is this machine by
//! default: its OS and architecture, its C library (glibc or musl, and the version: manylinux
//! and musllinux wheels newer than it do not fit) and its macOS version; `--platform` chooses
//! another (`musllinux_1_2_aarch64`, `macosx_14_0_arm64`, `win_amd64`, `linux-aarch64-musl`),
//! `--python-version 3.13t` a free-threaded CPython (ABI `cp313t`, no `abi3`). A machine or a
//! value pyvet cannot classify is an error naming the flag, never a silent guess.
//! When no wheel fits, the sdist is what would be built.

use std::collections::HashMap;
use std::fmt;
use std::str::FromStr;
use std::sync::{Arc, OnceLock};

use crate::package::{Artifact, ArtifactKind, LockedPackage};

/// Operating system of the target.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Os {
    Linux,
    Macos,
    Windows,
}

/// CPU architecture of the target (wheel-tag spelling differs per OS, see [`Arch::linux_tag`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Arch {
    X86_64,
    Aarch64,
    X86,
    Armv7l,
    Ppc64le,
    Ppc64,
    S390x,
    Riscv64,
}

impl Arch {
    /// The architecture as Linux platform tags spell it (`manylinux_2_17_<this>`).
    fn linux_tag(self) -> &'static str {
        match self {
            Arch::X86_64 => "x86_64",
            Arch::Aarch64 => "aarch64",
            Arch::X86 => "i686",
            Arch::Armv7l => "armv7l",
            Arch::Ppc64le => "ppc64le",
            Arch::Ppc64 => "ppc64",
            Arch::S390x => "s390x",
            Arch::Riscv64 => "riscv64",
        }
    }

    fn parse(s: &str) -> Option<Arch> {
        Some(match s {
            "x86_64" | "x86-64" | "amd64" | "x64" => Arch::X86_64,
            "aarch64" | "arm64" => Arch::Aarch64,
            "x86" | "i686" | "i386" | "i586" => Arch::X86,
            "armv7l" | "armv7" | "arm" => Arch::Armv7l,
            "ppc64le" | "powerpc64le" => Arch::Ppc64le,
            "ppc64" | "powerpc64" => Arch::Ppc64,
            "s390x" => Arch::S390x,
            "riscv64" | "riscv64gc" => Arch::Riscv64,
            _ => return None,
        })
    }
}

/// The C library of a Linux target: manylinux wheels need glibc (at least the version in their
/// tag), musllinux wheels need musl; neither runs on the other.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Libc {
    Glibc(u32, u32),
    Musl(u32, u32),
}

/// glibc assumed for `--platform linux[-ARCH]` when this machine cannot say (not Linux): the
/// baseline of current manylinux builds.
pub const DEFAULT_GLIBC: (u32, u32) = (2, 28);
/// musl assumed for `--platform linux-ARCH-musl` when this machine has no musl.
pub const DEFAULT_MUSL: (u32, u32) = (1, 2);
/// macOS assumed for `--platform macos[-ARCH]` when this machine is not a Mac.
pub const DEFAULT_MACOS: (u32, u32) = (15, 0);

/// The environment an install would happen in.
#[derive(Debug, Clone)]
pub struct Target {
    pub python: (u32, u32),
    /// A free-threaded CPython build (`3.13t`): ABI `cp313t`, no `abi3`.
    pub free_threaded: bool,
    pub os: Os,
    pub arch: Arch,
    /// On Linux, the C library and its version (manylinux/musllinux wheels above it do not fit).
    pub libc: Libc,
    /// On macOS, the newest macOS version the target runs.
    pub macos: (u32, u32),
    /// The ordered tag list, computed once (see [`Target::supported_tags`]).
    priority: OnceLock<Arc<HashMap<String, usize>>>,
}

impl PartialEq for Target {
    fn eq(&self, o: &Self) -> bool {
        (self.python, self.free_threaded, self.os, self.arch)
            == (o.python, o.free_threaded, o.os, o.arch)
            && (self.os != Os::Linux || self.libc == o.libc)
            && (self.os != Os::Macos || self.macos == o.macos)
    }
}
impl Eq for Target {}

impl fmt::Display for Target {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (major, minor) = self.python;
        let t = if self.free_threaded { "t" } else { "" };
        write!(f, "CPython {major}.{minor}{t} on ")?;
        match self.os {
            Os::Linux => {
                write!(f, "linux-{}", self.arch.linux_tag())?;
                match self.libc {
                    Libc::Glibc(a, b) => write!(f, " (glibc {a}.{b})"),
                    Libc::Musl(a, b) => write!(f, " (musl {a}.{b})"),
                }
            }
            Os::Macos => write!(
                f,
                "macos-{} (macOS {}.{})",
                self.mac_arch(),
                self.macos.0,
                self.macos.1
            ),
            Os::Windows => write!(
                f,
                "windows-{}",
                self.windows_tag().trim_start_matches("win_")
            ),
        }
    }
}

/// Python version used when neither the flag, the config nor a `.python-version` file says.
pub const DEFAULT_PYTHON: (u32, u32) = (3, 12);

/// Examples shown when `--platform` is not understood.
const PLATFORM_EXAMPLES: &str = "linux-x86_64, linux-aarch64-musl, manylinux_2_28_x86_64, \
    musllinux_1_2_aarch64, macosx_14_0_arm64, macos-x86_64, win_amd64, windows-arm64";

/// What the running system says about itself, for the defaults of a target.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Host {
    pub os: Option<Os>,
    pub arch: Option<Arch>,
    /// Linux only: the C library found, `None` when neither glibc nor musl was recognised.
    pub libc: Option<Libc>,
    /// macOS only: the running version.
    pub macos: Option<(u32, u32)>,
}

impl Host {
    /// Inspect this machine (no subprocess except musl's own loader, which prints its version,
    /// as `packaging` does).
    pub fn detect() -> Host {
        let os = match std::env::consts::OS {
            "linux" => Some(Os::Linux),
            "macos" => Some(Os::Macos),
            "windows" => Some(Os::Windows),
            _ => None,
        };
        let arch = match std::env::consts::ARCH {
            "powerpc64" if cfg!(target_endian = "little") => Some(Arch::Ppc64le),
            other => Arch::parse(other),
        };
        Host {
            os,
            arch,
            libc: (os == Some(Os::Linux)).then(detect_libc).flatten(),
            macos: (os == Some(Os::Macos)).then(detect_macos).flatten(),
        }
    }
}

/// glibc from the C library pyvet runs on, else from the banner in the system's `libc.so.6`;
/// musl from its dynamic loader's own report.
fn detect_libc() -> Option<Libc> {
    if let Some(v) = glibc_linked() {
        return Some(Libc::Glibc(v.0, v.1));
    }
    for dir in [
        "/lib64",
        "/lib",
        "/usr/lib64",
        "/usr/lib",
        "/lib/x86_64-linux-gnu",
        "/lib/aarch64-linux-gnu",
        "/usr/lib/x86_64-linux-gnu",
        "/usr/lib/aarch64-linux-gnu",
    ] {
        let path = std::path::Path::new(dir).join("libc.so.6");
        if let Ok(bytes) = crate::fsutil::read_regular(&path, 64 << 20) {
            if let Some(v) = glibc_banner_version(&bytes) {
                return Some(Libc::Glibc(v.0, v.1));
            }
        }
    }
    let loader = std::fs::read_dir("/lib")
        .ok()?
        .flatten()
        .map(|e| e.path())
        .find(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with("ld-musl-") && n.ends_with(".so.1"))
        })?;
    let out = std::process::Command::new(&loader)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .output()
        .ok()?;
    let v = musl_loader_version(&String::from_utf8_lossy(&out.stderr))?;
    Some(Libc::Musl(v.0, v.1))
}

#[cfg(all(target_os = "linux", target_env = "gnu"))]
fn glibc_linked() -> Option<(u32, u32)> {
    // SAFETY: gnu_get_libc_version returns a pointer to a static NUL-terminated string.
    let s = unsafe { std::ffi::CStr::from_ptr(libc::gnu_get_libc_version()) };
    parse_major_minor(s.to_str().ok()?)
}

#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
fn glibc_linked() -> Option<(u32, u32)> {
    None
}

/// `GNU C Library (...) release version 2.36.` as glibc's `libc.so.6` carries it.
fn glibc_banner_version(bytes: &[u8]) -> Option<(u32, u32)> {
    let at = memchr::memmem::find(bytes, b"GNU C Library")?;
    let rest = bytes.get(at..(at + 400).min(bytes.len()))?;
    let v = memchr::memmem::find(rest, b"release version ")? + "release version ".len();
    let tail: String = rest[v..]
        .iter()
        .take_while(|b| b.is_ascii_digit() || **b == b'.')
        .map(|b| *b as char)
        .collect();
    parse_major_minor(&tail)
}

/// `musl libc (x86_64)\nVersion 1.2.4\n...`, what musl's loader prints when run bare.
fn musl_loader_version(stderr: &str) -> Option<(u32, u32)> {
    let mut lines = stderr.lines().map(str::trim).filter(|l| !l.is_empty());
    if !lines.next()?.starts_with("musl") {
        return None;
    }
    parse_major_minor(lines.next()?.strip_prefix("Version ")?)
}

fn parse_major_minor(s: &str) -> Option<(u32, u32)> {
    let mut it = s.trim().split(|c: char| !c.is_ascii_digit());
    let a = it.next()?.parse().ok()?;
    let b = it.next()?.parse().ok()?;
    Some((a, b))
}

/// `ProductVersion` of `/System/Library/CoreServices/SystemVersion.plist`.
fn detect_macos() -> Option<(u32, u32)> {
    let text = std::fs::read_to_string("/System/Library/CoreServices/SystemVersion.plist").ok()?;
    let key = text.find("<key>ProductVersion</key>")?;
    let rest = &text[key..];
    let start = rest.find("<string>")? + "<string>".len();
    let end = rest[start..].find("</string>")? + start;
    parse_major_minor(&rest[start..end])
}

/// A parsed `--platform` value: what it fixes; the rest comes from the host or the defaults.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
struct PlatformSpec {
    os: Option<Os>,
    arch: Option<Arch>,
    libc: Option<Libc>,
    /// `musl` / `gnu` said without a version.
    wants_musl: Option<bool>,
    macos: Option<(u32, u32)>,
}

fn unknown_platform(value: &str, what: &str) -> String {
    format!(
        "--platform `{value}`: {what} (expected an OS with an optional architecture and C \
         library, or a wheel platform tag: {PLATFORM_EXAMPLES})"
    )
}

/// `manylinux_2_28_x86_64`, `manylinux2014_aarch64`, `musllinux_1_2_aarch64`,
/// `macosx_14_0_arm64`, `win_amd64`, `win32`, `win_arm64`, `linux_x86_64`.
fn parse_platform_tag(p: &str) -> Option<PlatformSpec> {
    let linux = |arch: &str, libc: Option<Libc>| -> Option<PlatformSpec> {
        Some(PlatformSpec {
            os: Some(Os::Linux),
            arch: Some(Arch::parse(arch)?),
            libc,
            ..PlatformSpec::default()
        })
    };
    for (legacy, v) in [
        ("manylinux1_", (2, 5)),
        ("manylinux2010_", (2, 12)),
        ("manylinux2014_", (2, 17)),
    ] {
        if let Some(arch) = p.strip_prefix(legacy) {
            return linux(arch, Some(Libc::Glibc(v.0, v.1)));
        }
    }
    let versioned = |rest: &str| -> Option<((u32, u32), String)> {
        let mut it = rest.splitn(3, '_');
        let a = it.next()?.parse().ok()?;
        let b = it.next()?.parse().ok()?;
        Some(((a, b), it.next()?.to_string()))
    };
    if let Some(rest) = p.strip_prefix("manylinux_") {
        let ((a, b), arch) = versioned(rest)?;
        return linux(&arch, Some(Libc::Glibc(a, b)));
    }
    if let Some(rest) = p.strip_prefix("musllinux_") {
        let ((a, b), arch) = versioned(rest)?;
        return linux(&arch, Some(Libc::Musl(a, b)));
    }
    if let Some(arch) = p.strip_prefix("linux_") {
        return linux(arch, None);
    }
    if let Some(rest) = p.strip_prefix("macosx_") {
        let (v, arch) = versioned(rest)?;
        let arch = match arch.as_str() {
            "arm64" => Arch::Aarch64,
            "x86_64" => Arch::X86_64,
            _ => return None,
        };
        return Some(PlatformSpec {
            os: Some(Os::Macos),
            arch: Some(arch),
            macos: Some(v),
            ..PlatformSpec::default()
        });
    }
    let win = |arch| PlatformSpec {
        os: Some(Os::Windows),
        arch: Some(arch),
        ..PlatformSpec::default()
    };
    match p {
        "win32" => Some(win(Arch::X86)),
        "win_amd64" => Some(win(Arch::X86_64)),
        "win_arm64" => Some(win(Arch::Aarch64)),
        _ => None,
    }
}

/// Any `--platform` spelling: a wheel platform tag, or words separated by `-` naming an OS, an
/// architecture and a C library in any order (`linux-aarch64-musl`, `macos-arm64`,
/// `aarch64-unknown-linux-musl`, `x86_64-pc-windows-msvc`, `x86_64-manylinux_2_28`).
fn parse_platform(value: &str) -> Result<PlatformSpec, String> {
    let p = value.trim().to_ascii_lowercase();
    if let Some(spec) = parse_platform_tag(&p) {
        return Ok(spec);
    }
    let mut spec = PlatformSpec::default();
    for word in p.split('-').filter(|w| !w.is_empty()) {
        let os = match word {
            "linux" | "manylinux" => Some(Os::Linux),
            "macos" | "macosx" | "darwin" | "osx" | "apple" => Some(Os::Macos),
            "windows" | "win" => Some(Os::Windows),
            _ => None,
        };
        if let Some(os) = os {
            if spec.os.is_some_and(|o| o != os) {
                return Err(unknown_platform(value, "names two operating systems"));
            }
            spec.os = Some(os);
            continue;
        }
        if word == "win32" {
            spec.os = Some(Os::Windows);
            spec.arch.get_or_insert(Arch::X86);
            continue;
        }
        if let Some(arch) = Arch::parse(word) {
            spec.arch = Some(arch);
            continue;
        }
        match word {
            "musl" | "musleabihf" => spec.wants_musl = Some(true),
            "gnu" | "gnueabihf" | "glibc" => spec.wants_musl = Some(false),
            "unknown" | "pc" | "msvc" => {}
            w => {
                // `x86_64-manylinux_2_28` / `aarch64-musllinux_1_2` (a tag without its arch).
                let tag = parse_platform_tag(&format!("{w}_x86_64"))
                    .filter(|s| s.os == Some(Os::Linux) && s.libc.is_some());
                match tag {
                    Some(t) => {
                        spec.os = Some(Os::Linux);
                        spec.libc = t.libc;
                    }
                    None => {
                        return Err(unknown_platform(
                            value,
                            &format!("`{w}` is not an operating system, architecture or C library"),
                        ))
                    }
                }
            }
        }
    }
    if spec.os.is_none() {
        return Err(unknown_platform(value, "no operating system named"));
    }
    if spec.os != Some(Os::Linux) && (spec.libc.is_some() || spec.wants_musl.is_some()) {
        return Err(unknown_platform(
            value,
            "a C library is only chosen on Linux",
        ));
    }
    Ok(spec)
}

/// Check a platform value without looking at this machine (for configuration files).
pub fn validate_platform(value: &str) -> Result<(), String> {
    parse_platform(value).map(|_| ())
}

/// Check a Python version value (`3.12`, `3.13t`).
pub fn validate_python_version(value: &str) -> Result<(), String> {
    parse_python_version(value).map(|_| ())
}

impl Default for Target {
    fn default() -> Self {
        Self::build(
            DEFAULT_PYTHON,
            false,
            Os::Linux,
            Arch::X86_64,
            Libc::Glibc(2, 28),
            DEFAULT_MACOS,
        )
    }
}

impl Target {
    fn build(
        python: (u32, u32),
        free_threaded: bool,
        os: Os,
        arch: Arch,
        libc: Libc,
        macos: (u32, u32),
    ) -> Self {
        Target {
            python,
            free_threaded,
            os,
            arch,
            libc,
            macos,
            priority: OnceLock::new(),
        }
    }

    /// A Linux target (tests, benchmarks).
    pub fn linux(python: (u32, u32), arch: Arch, libc: Libc) -> Self {
        Self::build(python, false, Os::Linux, arch, libc, DEFAULT_MACOS)
    }

    /// Build from `--python-version` and `--platform` values (each optional), the rest from
    /// this machine. An unknown value, or a machine pyvet cannot classify when no platform is
    /// given, is an error naming the flag to set.
    pub fn from_args(python: Option<&str>, platform: Option<&str>) -> Result<Self, String> {
        Self::resolve(python, platform, &Host::detect())
    }

    /// [`Target::from_args`] against a given host description.
    pub fn resolve(
        python: Option<&str>,
        platform: Option<&str>,
        host: &Host,
    ) -> Result<Self, String> {
        let (py, free_threaded) = match python {
            Some(p) => parse_python_version(p)?,
            None => (DEFAULT_PYTHON, false),
        };
        let spec = match platform {
            Some(p) => parse_platform(p)?,
            None => PlatformSpec::default(),
        };
        let os = match spec.os.or(host.os) {
            Some(os) => os,
            None => {
                return Err(format!(
                    "this machine's operating system (`{}`) has no wheel platform pyvet knows; \
                     choose one with --platform (e.g. {PLATFORM_EXAMPLES})",
                    std::env::consts::OS
                ))
            }
        };
        let arch = match spec.arch.or(host.arch) {
            Some(a) => a,
            None => {
                return Err(format!(
                    "this machine's architecture (`{}`) has no wheel platform pyvet knows; \
                     choose one with --platform (e.g. {PLATFORM_EXAMPLES})",
                    std::env::consts::ARCH
                ))
            }
        };
        let valid = match os {
            Os::Linux => true,
            Os::Macos => matches!(arch, Arch::X86_64 | Arch::Aarch64),
            Os::Windows => matches!(arch, Arch::X86_64 | Arch::Aarch64 | Arch::X86),
        };
        if !valid {
            return Err(format!(
                "--platform: no {os:?} wheels exist for {}; choose another with --platform (e.g. \
                 {PLATFORM_EXAMPLES})",
                arch.linux_tag()
            ));
        }
        let same_host_linux = platform.is_none() || (host.os == Some(Os::Linux));
        let libc =
            match (spec.libc, spec.wants_musl) {
                (Some(l), _) => l,
                (None, want) => {
                    let detected = host.libc.filter(|_| same_host_linux);
                    match (want, detected) {
                        (Some(true), Some(l @ Libc::Musl(..)))
                        | (Some(false), Some(l @ Libc::Glibc(..))) => l,
                        (None, Some(l)) => l,
                        (Some(true), _) => Libc::Musl(DEFAULT_MUSL.0, DEFAULT_MUSL.1),
                        (Some(false), _) => Libc::Glibc(DEFAULT_GLIBC.0, DEFAULT_GLIBC.1),
                        (None, None) if os == Os::Linux && platform.is_none() => return Err(
                            "cannot tell which C library (glibc or musl, and its version) this \
                             machine has; choose with --platform (e.g. manylinux_2_28_x86_64 or \
                             musllinux_1_2_x86_64)"
                                .into(),
                        ),
                        (None, None) => Libc::Glibc(DEFAULT_GLIBC.0, DEFAULT_GLIBC.1),
                    }
                }
            };
        let macos = match spec.macos {
            Some(v) => v,
            None if os == Os::Macos && host.os == Some(Os::Macos) => match host.macos {
                Some(v) => v,
                None if platform.is_none() => {
                    return Err(
                        "cannot tell which macOS version this machine runs; choose with \
                                --platform (e.g. macosx_14_0_arm64)"
                            .into(),
                    )
                }
                None => DEFAULT_MACOS,
            },
            None => DEFAULT_MACOS,
        };
        Ok(Self::build(py, free_threaded, os, arch, libc, macos))
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
            (_, a) => a.linux_tag(),
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

    fn mac_arch(&self) -> &'static str {
        match self.arch {
            Arch::Aarch64 => "arm64",
            _ => "x86_64",
        }
    }

    fn windows_tag(&self) -> &'static str {
        match self.arch {
            Arch::X86 => "win32",
            Arch::Aarch64 => "win_arm64",
            _ => "win_amd64",
        }
    }

    /// Platform tags this target installs, most preferred first, in `packaging.tags` order.
    pub fn platform_tags(&self) -> Vec<String> {
        match self.os {
            Os::Windows => vec![self.windows_tag().to_string()],
            Os::Macos => mac_platforms(self.macos, self.mac_arch()),
            Os::Linux => {
                let arch = self.arch.linux_tag();
                let mut out = vec![format!("linux_{arch}")];
                match self.libc {
                    Libc::Glibc(major, minor) => {
                        out.extend(manylinux_platforms(arch, (major, minor)))
                    }
                    Libc::Musl(major, minor) => out.extend(
                        (0..=minor)
                            .rev()
                            .map(|m| format!("musllinux_{major}_{m}_{arch}")),
                    ),
                }
                out
            }
        }
    }

    /// Every `python-abi-platform` tag this target installs, most preferred first: what
    /// `packaging.tags.sys_tags()` yields on a CPython of this target (its CPython tags, then
    /// the compatible pure-Python ones). Installers pick the wheel whose best tag comes first.
    pub fn supported_tags(&self) -> Vec<String> {
        let (major, minor) = self.python;
        let plats = self.platform_tags();
        let interp = format!("cp{major}{minor}");
        let abi = format!("{interp}{}", if self.free_threaded { "t" } else { "" });
        let stable = (major, minor) >= (3, 2) && major == 3;
        let stable_abi = if self.free_threaded { "abi3t" } else { "abi3" };
        let mut out = Vec::new();
        let mut push = |py: &str, abi: &str, plat: &str| out.push(format!("{py}-{abi}-{plat}"));
        for p in &plats {
            push(&interp, &abi, p);
        }
        if stable {
            for p in &plats {
                push(&interp, stable_abi, p);
            }
        }
        for p in &plats {
            push(&interp, "none", p);
        }
        if stable {
            for older in (2..minor).rev() {
                for p in &plats {
                    push(&format!("cp{major}{older}"), stable_abi, p);
                }
            }
        }
        let range: Vec<String> = std::iter::once(format!("py{major}{minor}"))
            .chain(std::iter::once(format!("py{major}")))
            .chain((0..minor).rev().map(|m| format!("py{major}{m}")))
            .collect();
        for v in &range {
            for p in &plats {
                push(v, "none", p);
            }
        }
        push(&interp, "none", "any");
        for v in &range {
            push(v, "none", "any");
        }
        out
    }

    fn priorities(&self) -> &HashMap<String, usize> {
        self.priority.get_or_init(|| {
            let mut m = HashMap::new();
            for (i, t) in self.supported_tags().into_iter().enumerate() {
                m.entry(t).or_insert(i);
            }
            Arc::new(m)
        })
    }

    /// Rank of a wheel filename for this target: the position of its best tag in
    /// [`Target::supported_tags`] (lower is better), `None` when it does not install here.
    pub fn wheel_priority(&self, filename: &str) -> Option<usize> {
        let tags = WheelTags::parse(filename)?;
        let prio = self.priorities();
        let mut best: Option<usize> = None;
        for py in &tags.python {
            for abi in &tags.abi {
                for plat in &tags.platform {
                    if let Some(&i) = prio.get(&format!("{py}-{abi}-{plat}")) {
                        best = Some(best.map_or(i, |b| b.min(i)));
                    }
                }
            }
        }
        best
    }
}

/// manylinux platform tags for glibc `current` on `arch`, newest first (PEP 600, with the
/// legacy manylinux1/2010/2014 aliases after their `manylinux_2_N` twins).
fn manylinux_platforms(arch: &str, current: (u32, u32)) -> Vec<String> {
    // Oldest glibc with manylinux wheels: 2.17 everywhere, 2.5 on x86.
    let too_old = if matches!(arch, "x86_64" | "i686") {
        (2, 4)
    } else {
        (2, 16)
    };
    let mut maxima = vec![current];
    // glibc keeps compatibility across major versions; a major's last minor is unknown, so
    // `packaging` assumes 50.
    for major in (2..current.0).rev() {
        maxima.push((major, 50));
    }
    let mut out = Vec::new();
    for (major, top) in maxima {
        let lowest = if major == too_old.0 { too_old.1 + 1 } else { 0 };
        for minor in (lowest..=top).rev() {
            out.push(format!("manylinux_{major}_{minor}_{arch}"));
            let legacy = match (major, minor) {
                (2, 17) => Some("manylinux2014"),
                (2, 12) => Some("manylinux2010"),
                (2, 5) => Some("manylinux1"),
                _ => None,
            };
            if let Some(l) = legacy {
                out.push(format!("{l}_{arch}"));
            }
        }
    }
    out
}

/// The binary formats a macOS wheel for `arch` may carry at macOS `version`.
fn mac_binary_formats(version: (u32, u32), arch: &str) -> Vec<&'static str> {
    match arch {
        "x86_64" if version < (10, 4) => vec![],
        "x86_64" => vec![
            "x86_64",
            "intel",
            "fat64",
            "fat3",
            "universal2",
            "universal",
        ],
        _ => vec!["arm64", "universal2"],
    }
}

/// macOS platform tags for `version` and `arch` (`arm64` or `x86_64`), in `packaging` order:
/// 10.x releases bump the minor version, 11 and later the major; x86_64 runs every older
/// 10.x build, arm64 only universal2 ones.
fn mac_platforms(version: (u32, u32), arch: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut emit = |v: (u32, u32), formats: Vec<&str>| {
        for f in formats {
            out.push(format!("macosx_{}_{}_{f}", v.0, v.1));
        }
    };
    if ((10, 0)..(11, 0)).contains(&version) {
        for minor in (0..=version.1).rev() {
            emit((10, minor), mac_binary_formats((10, minor), arch));
        }
    }
    if version >= (11, 0) {
        for major in (11..=version.0).rev() {
            emit((major, 0), mac_binary_formats((major, 0), arch));
        }
        for minor in (4..=16).rev() {
            if arch == "x86_64" {
                emit((10, minor), mac_binary_formats((10, minor), arch));
            } else {
                emit((10, minor), vec!["universal2"]);
            }
        }
    }
    out
}

/// `3.12`, `3.12.4`, `3.13t` (free-threaded) into ((major, minor), free_threaded).
fn parse_python_version(s: &str) -> Result<((u32, u32), bool), String> {
    let bad = || {
        format!("--python-version `{s}`: expected X.Y, or X.Yt for a free-threaded build (e.g. 3.12, 3.13t)")
    };
    let v = s.trim();
    let (v, threaded) = match v.strip_suffix('t') {
        Some(rest) => (rest, true),
        None => (v, false),
    };
    let mut parts = v.split('.');
    let num = |p: Option<&str>| -> Option<u32> {
        p.filter(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()))?
            .parse()
            .ok()
    };
    let major = num(parts.next()).ok_or_else(bad)?;
    let minor = num(parts.next()).ok_or_else(bad)?;
    if let Some(patch) = parts.next() {
        if threaded || num(Some(patch)).is_none() || parts.next().is_some() {
            return Err(bad());
        }
    }
    if threaded && (major, minor) < (3, 13) {
        return Err(format!(
            "--python-version `{s}`: free-threaded builds exist from CPython 3.13 on"
        ));
    }
    Ok(((major, minor), threaded))
}

/// Read a `.python-version` file (as pyenv and uv write) into a `--python-version` value
/// (`3.12`, `3.13t` for a free-threaded build, also spelt `3.13+freethreaded`).
pub fn python_version_file(dir: &std::path::Path) -> Option<String> {
    let text = std::fs::read_to_string(dir.join(".python-version")).ok()?;
    let first = text
        .lines()
        .map(str::trim)
        .find(|l| !l.is_empty() && !l.starts_with('#'))?;
    let v = first.trim_start_matches(|c: char| !c.is_ascii_digit());
    let digits: String = v
        .chars()
        .take_while(|c| c.is_ascii_digit() || *c == '.')
        .collect();
    let mut parts = digits.split('.');
    let (major, minor) = (parts.next()?, parts.next()?);
    let rest = &v[digits.len()..];
    let threaded = rest.starts_with('t') || rest.contains("freethreaded");
    let value = format!("{major}.{minor}{}", if threaded { "t" } else { "" });
    parse_python_version(&value).ok().map(|_| value)
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
    // The wheel whose best tag ranks first; among equals, the first listed.
    let best_wheel = artifacts
        .iter()
        .enumerate()
        .filter(|(_, a)| a.kind == ArtifactKind::Wheel)
        .filter_map(|(i, a)| target.wheel_priority(&a.filename).map(|p| (p, i)))
        .min()
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
            } else if a.kind == ArtifactKind::Wheel && target.wheel_priority(&a.filename).is_none()
            {
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
        Target::linux(py, Arch::X86_64, Libc::Glibc(2, 39))
    }

    fn host_linux() -> Host {
        Host {
            os: Some(Os::Linux),
            arch: Some(Arch::X86_64),
            libc: Some(Libc::Glibc(2, 36)),
            macos: None,
        }
    }

    fn target(py: &str, plat: &str) -> Target {
        Target::resolve(Some(py), Some(plat), &host_linux()).unwrap()
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

    const NUMPY: &[&str] = &[
        "numpy-2.1.0.tar.gz",
        "numpy-2.1.0-cp312-cp312-macosx_14_0_arm64.whl",
        "numpy-2.1.0-cp312-cp312-macosx_10_9_x86_64.whl",
        "numpy-2.1.0-cp312-cp312-win_amd64.whl",
        "numpy-2.1.0-cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64.whl",
        "numpy-2.1.0-cp312-cp312-manylinux_2_17_x86_64.manylinux2014_x86_64.whl",
        "numpy-2.1.0-cp312-cp312-manylinux_2_17_aarch64.manylinux2014_aarch64.whl",
        "numpy-2.1.0-cp312-cp312-musllinux_1_2_x86_64.whl",
        "numpy-2.1.0-cp312-cp312-musllinux_1_1_aarch64.whl",
        "numpy-2.1.0-cp313-cp313t-manylinux_2_17_x86_64.manylinux2014_x86_64.whl",
        "numpy-2.1.0-cp313-cp313-manylinux_2_17_x86_64.manylinux2014_x86_64.whl",
    ];

    #[test]
    fn picks_the_wheel_each_platform_installs() {
        let pick = |py, plat| selected(NUMPY, &target(py, plat));
        assert_eq!(
            pick("3.12", "linux-x86_64"),
            vec!["numpy-2.1.0-cp312-cp312-manylinux_2_17_x86_64.manylinux2014_x86_64.whl"]
        );
        assert_eq!(
            pick("3.12", "macos-arm64"),
            vec!["numpy-2.1.0-cp312-cp312-macosx_14_0_arm64.whl"]
        );
        assert_eq!(
            pick("3.12", "macosx_11_0_x86_64"),
            vec!["numpy-2.1.0-cp312-cp312-macosx_10_9_x86_64.whl"]
        );
        assert_eq!(
            pick("3.12", "windows"),
            vec!["numpy-2.1.0-cp312-cp312-win_amd64.whl"]
        );
        assert_eq!(
            pick("3.12", "musllinux_1_2_aarch64"),
            vec!["numpy-2.1.0-cp312-cp312-musllinux_1_1_aarch64.whl"]
        );
        assert_eq!(
            pick("3.12", "linux-x86_64-musl"),
            vec!["numpy-2.1.0-cp312-cp312-musllinux_1_2_x86_64.whl"]
        );
        // Free-threaded CPython takes only the `t` ABI; the GIL build takes the other.
        assert_eq!(
            pick("3.13t", "linux-x86_64"),
            vec!["numpy-2.1.0-cp313-cp313t-manylinux_2_17_x86_64.manylinux2014_x86_64.whl"]
        );
        assert_eq!(
            pick("3.13", "linux-x86_64"),
            vec!["numpy-2.1.0-cp313-cp313-manylinux_2_17_x86_64.manylinux2014_x86_64.whl"]
        );
        // No musllinux_1_2 on musl 1.1: nothing fits, so the sdist is built.
        assert_eq!(
            pick("3.12", "musllinux_1_1_x86_64"),
            vec!["numpy-2.1.0.tar.gz"]
        );
    }

    #[test]
    fn free_threaded_python_takes_no_abi3_wheel() {
        let ft = target("3.13t", "manylinux_2_28_x86_64");
        assert!(ft
            .wheel_priority("c-1-cp39-abi3-manylinux_2_17_x86_64.whl")
            .is_none());
        assert!(ft
            .wheel_priority("c-1-cp313-cp313-manylinux_2_17_x86_64.whl")
            .is_none());
        assert!(ft.wheel_priority("c-1-py3-none-any.whl").is_some());
        let gil = target("3.13", "manylinux_2_28_x86_64");
        assert!(gil
            .wheel_priority("c-1-cp39-abi3-manylinux_2_17_x86_64.whl")
            .is_some());
        assert!(gil
            .wheel_priority("c-1-cp313-cp313t-manylinux_2_17_x86_64.whl")
            .is_none());
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
        let t = Target::linux((3, 9), Arch::X86_64, Libc::Glibc(2, 17));
        assert!(t
            .wheel_priority("a-1-cp39-cp39-manylinux_2_28_x86_64.whl")
            .is_none());
        assert!(t
            .wheel_priority("a-1-cp39-cp39-manylinux2014_x86_64.whl")
            .is_some());
        assert!(t
            .wheel_priority("a-1-cp39-cp39-musllinux_1_1_x86_64.whl")
            .is_none());
        assert!(t.wheel_priority("a-1-py310-none-any.whl").is_none());
        assert!(t.wheel_priority("a-1-py2.py3-none-any.whl").is_some());
        assert!(t.wheel_priority("not-a-wheel.tar.gz").is_none());
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
        let arm = target("3.12", "linux-aarch64");
        assert!(arm.markers_apply(Some("platform_machine == 'aarch64'")));
    }

    #[test]
    fn parses_every_platform_spelling() {
        let h = host_linux();
        let t = |p: &str| {
            let t = Target::resolve(None, Some(p), &h).unwrap();
            (t.os, t.arch, t.libc, t.macos)
        };
        let g = |a, b| Libc::Glibc(a, b);
        assert_eq!(
            t("linux-aarch64"),
            (Os::Linux, Arch::Aarch64, g(2, 36), DEFAULT_MACOS)
        );
        assert_eq!(t("manylinux_2_28_x86_64").2, g(2, 28));
        assert_eq!(t("manylinux2014_aarch64").2, g(2, 17));
        assert_eq!(t("musllinux_1_2_aarch64").2, Libc::Musl(1, 2));
        assert_eq!(t("aarch64-unknown-linux-musl").2, Libc::Musl(1, 2));
        assert_eq!(t("x86_64-manylinux_2_31").2, g(2, 31));
        assert_eq!(t("x86_64-unknown-linux-gnu").2, g(2, 36));
        assert_eq!(
            t("macosx_14_0_arm64"),
            (Os::Macos, Arch::Aarch64, g(2, 36), (14, 0))
        );
        assert_eq!(t("aarch64-apple-darwin").0, Os::Macos);
        assert_eq!(t("win_amd64").1, Arch::X86_64);
        assert_eq!(t("win32").1, Arch::X86);
        assert_eq!(t("x86_64-pc-windows-msvc").0, Os::Windows);
        assert_eq!(t("LINUX_PPC64LE").1, Arch::Ppc64le);
        // On a macOS host, a generic Linux platform has no glibc to detect: the default.
        let mac = Host {
            os: Some(Os::Macos),
            arch: Some(Arch::Aarch64),
            libc: None,
            macos: Some((14, 2)),
        };
        let linux_from_mac = Target::resolve(None, Some("linux"), &mac).unwrap();
        assert_eq!(linux_from_mac.libc, Libc::Glibc(2, 28));
        assert_eq!(Target::resolve(None, None, &mac).unwrap().macos, (14, 2));
    }

    #[test]
    fn unknown_platforms_and_machines_are_errors_naming_the_flag() {
        let h = host_linux();
        for bad in [
            "beos",
            "linux-mips",
            "macos-ppc64le",
            "windows-musl",
            "amd64",
            "linux-windows",
        ] {
            let e = Target::resolve(None, Some(bad), &h).unwrap_err();
            assert!(e.contains("--platform"), "{bad}: {e}");
        }
        let odd = Host {
            os: Some(Os::Linux),
            arch: None,
            libc: Some(Libc::Glibc(2, 36)),
            macos: None,
        };
        let e = Target::resolve(None, None, &odd).unwrap_err();
        assert!(
            e.contains("architecture") && e.contains("--platform"),
            "{e}"
        );
        // Given a platform, the unknown host architecture does not matter.
        assert!(Target::resolve(None, Some("linux-aarch64"), &odd).is_ok());
        let no_libc = Host {
            libc: None,
            ..host_linux()
        };
        let e = Target::resolve(None, None, &no_libc).unwrap_err();
        assert!(e.contains("C library") && e.contains("--platform"), "{e}");
        let no_os = Host {
            os: None,
            ..host_linux()
        };
        assert!(Target::resolve(None, None, &no_os)
            .unwrap_err()
            .contains("--platform"));
    }

    #[test]
    fn parses_python_versions() {
        for bad in ["three", "3", "3.12t1", "3.12.x", "3.12t", ""] {
            let e = Target::resolve(Some(bad), Some("linux"), &host_linux()).unwrap_err();
            assert!(e.contains("--python-version"), "{bad}: {e}");
        }
        let t = target("3.13t", "linux");
        assert_eq!((t.python, t.free_threaded), ((3, 13), true));
        assert_eq!(target("3.11.4", "linux").python, (3, 11));
        assert_eq!(t.to_string(), "CPython 3.13t on linux-x86_64 (glibc 2.36)");
    }

    #[test]
    fn python_version_files() {
        let dir = std::env::temp_dir().join(format!("pyvet-pyver-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        for (text, want) in [
            ("3.11\n", Some("3.11")),
            ("# pinned\ncpython-3.13.1\n", Some("3.13")),
            ("3.13t\n", Some("3.13t")),
            ("3.14+freethreaded\n", Some("3.14t")),
            ("pypy\n", None),
        ] {
            std::fs::write(dir.join(".python-version"), text).unwrap();
            assert_eq!(python_version_file(&dir).as_deref(), want, "{text:?}");
        }
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn reads_libc_versions_as_the_system_reports_them() {
        let banner =
            b"\x00junk GNU C Library (Debian GLIBC 2.36-9+deb12u4) release version 2.36.\n";
        assert_eq!(glibc_banner_version(banner), Some((2, 36)));
        assert_eq!(
            glibc_banner_version(b"GNU C Library without a version"),
            None
        );
        let musl = "musl libc (aarch64)\nVersion 1.2.4\nDynamic Program Loader\n";
        assert_eq!(musl_loader_version(musl), Some((1, 2)));
        assert_eq!(musl_loader_version("ld.so: unknown option"), None);
        // This machine is classified (the test machines are Linux with glibc or musl).
        if cfg!(target_os = "linux") {
            assert!(Host::detect().libc.is_some());
        }
    }
}
