//! The one launcher for the `pyvet` binary. A [`Sandbox`] is a temporary directory holding the
//! child's inputs (`in/`), working directory (`cwd/`), home (`home/`, with its config under
//! `home/.config`), cache (`cache/`) and temporary directory (`tmp/`); [`Sandbox::pyvet`] runs
//! the binary with a cleared environment so no `PIP_*`, `UV_*`, `PYVET_*`, netrc, proxy or
//! home setting of the machine reaches it, and a test can check it wrote nowhere else.
//! [`run_bounded`] waits for a child with a hang guard (a bound against hangs, never a speed
//! check).

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitStatus, Output, Stdio};
use std::time::{Duration, Instant};

use super::sha256;

/// How long a child may run before [`run_bounded`] kills it: a guard against hangs, generous
/// enough that a loaded two-core machine never reaches it.
pub const HANG_GUARD: Duration = Duration::from_secs(300);

/// A temporary root for one test's run of the binary (removed on drop).
pub struct Sandbox {
    root: tempfile::TempDir,
}

impl Sandbox {
    pub fn new() -> Sandbox {
        let root = tempfile::Builder::new()
            .prefix("pyvet-test-")
            .tempdir()
            .expect("create sandbox");
        for d in ["in", "cwd", "home/.config", "cache", "tmp"] {
            std::fs::create_dir_all(root.path().join(d)).expect("create sandbox dir");
        }
        Sandbox { root }
    }

    pub fn path(&self) -> &Path {
        self.root.path()
    }
    pub fn input_dir(&self) -> PathBuf {
        self.path().join("in")
    }
    pub fn cwd(&self) -> PathBuf {
        self.path().join("cwd")
    }
    pub fn home(&self) -> PathBuf {
        self.path().join("home")
    }
    pub fn cache(&self) -> PathBuf {
        self.path().join("cache")
    }
    /// The child's `TMPDIR`.
    pub fn tmp(&self) -> PathBuf {
        self.path().join("tmp")
    }

    /// Write an input file (under `in/`) and return its path.
    pub fn write(&self, name: &str, bytes: impl AsRef<[u8]>) -> PathBuf {
        write_file(&self.input_dir().join(name), bytes.as_ref())
    }

    /// Write a file into the child's working directory and return its path.
    pub fn write_cwd(&self, name: &str, bytes: impl AsRef<[u8]>) -> PathBuf {
        write_file(&self.cwd().join(name), bytes.as_ref())
    }

    /// A `pyvet` command confined to the sandbox: working directory `cwd/`, cache `cache/`
    /// (through `PYVET_CACHE_DIR`, so a test may still pass `--cache-dir`), home and config
    /// here, no colour, and nothing else from the environment but `PATH`.
    pub fn pyvet(&self) -> Command {
        self.confine(Command::new(env!("CARGO_BIN_EXE_pyvet")))
    }

    /// `pyvet ARGS`, run to completion.
    pub fn run(&self, args: &[&str]) -> Output {
        self.pyvet().args(args).output().expect("run pyvet")
    }

    /// [`Sandbox::pyvet`] with its address space capped at `kib` KiB (`ulimit -v`), for inputs
    /// that could make a buggy pyvet allocate without bound on a shared machine.
    pub fn pyvet_capped(&self, kib: u64) -> Command {
        let mut cmd = self.command("sh");
        cmd.arg("-c")
            .arg(format!("ulimit -v {kib} && exec \"$0\" \"$@\""))
            .arg(env!("CARGO_BIN_EXE_pyvet"));
        cmd
    }

    /// Another program (a shell running pyvet, say) in the same confinement, with `$PYVET`
    /// naming the binary.
    pub fn command(&self, program: &str) -> Command {
        let mut cmd = self.confine(Command::new(program));
        cmd.env("PYVET", env!("CARGO_BIN_EXE_pyvet"));
        cmd
    }

    fn confine(&self, cmd: Command) -> Command {
        confine(cmd, &self.cwd(), &self.home(), &self.tmp(), &self.cache())
    }

    /// Assert pyvet wrote nothing outside the cache: the working directory, home and temporary
    /// directory hold no file, and the cache holds no half-written (temporary) one.
    pub fn assert_clean(&self) {
        for (what, dir) in [
            ("its working directory", self.cwd()),
            ("HOME", self.home()),
            ("TMPDIR", self.tmp()),
        ] {
            let files = list_files(&dir);
            assert!(files.is_empty(), "pyvet wrote into {what}: {files:?}");
        }
        let half: Vec<PathBuf> = list_files(&self.cache())
            .into_iter()
            .filter(|p| is_temporary(p))
            .collect();
        assert!(
            half.is_empty(),
            "half-written files left in the cache: {half:?}"
        );
    }
}

/// The one place a child's environment is decided: cleared, then `PATH`, a home with its own
/// config dirs, `TMPDIR`, the cache (`PYVET_CACHE_DIR`), no pip/uv configuration, no netrc, no
/// colour.
fn confine(mut cmd: Command, cwd: &Path, home: &Path, tmp: &Path, cache: &Path) -> Command {
    cmd.current_dir(cwd)
        .env_clear()
        .env(
            "PATH",
            std::env::var_os("PATH").unwrap_or_else(|| "/usr/bin:/bin".into()),
        )
        .env("HOME", home)
        .env("XDG_CONFIG_HOME", home.join(".config"))
        .env("XDG_CACHE_HOME", home.join(".cache"))
        .env("XDG_DATA_HOME", home.join(".local/share"))
        .env("TMPDIR", tmp)
        .env("PYVET_CACHE_DIR", cache)
        .env("PIP_CONFIG_FILE", "/dev/null")
        .env("UV_CONFIG_FILE", "/dev/null")
        .env("NETRC", home.join(".netrc"))
        .env("NO_COLOR", "1");
    cmd
}

/// The pyvet binary confined like [`Sandbox::pyvet`], for a test that lays out its own
/// directory: run in `cwd` (also its HOME) with `--cache-dir cache`.
pub fn hermetic_pyvet(cwd: &Path, cache: &Path) -> Command {
    let mut cmd = confine(
        Command::new(env!("CARGO_BIN_EXE_pyvet")),
        cwd,
        cwd,
        &std::env::temp_dir(),
        cache,
    );
    cmd.arg("--cache-dir").arg(cache);
    cmd
}

/// Write `names` (`name<TAB>rank` lines) to `cwd/names.tsv` and import it into `cache` with
/// `pyvet db import`, so the typosquat check compares with those names.
pub fn import_names(cwd: &Path, cache: &Path, names: &str) {
    std::fs::write(cwd.join("names.tsv"), names).expect("write names.tsv");
    let out = hermetic_pyvet(cwd, cache)
        .args(["db", "import", "names.tsv"])
        .output()
        .expect("run pyvet");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// The JSON report a run printed, or a panic showing what it printed instead.
pub fn json_of(out: &Output) -> serde_json::Value {
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "not JSON ({e}):\n{}\nstderr:\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    })
}

fn write_file(p: &Path, bytes: &[u8]) -> PathBuf {
    if let Some(parent) = p.parent() {
        std::fs::create_dir_all(parent).expect("create parent directory");
    }
    std::fs::write(p, bytes).expect("write test file");
    p.to_path_buf()
}

/// What a bounded child run produced.
#[derive(Debug)]
pub struct Run {
    pub status: ExitStatus,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    pub fn code(&self) -> Option<i32> {
        self.status.code()
    }
}

/// Run `cmd` to completion, killing it (and failing the test) if it outlives [`HANG_GUARD`]:
/// a bound against hangs, not a speed goal.
pub fn run_bounded(mut cmd: Command) -> Run {
    let limit = HANG_GUARD;
    cmd.stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let start = Instant::now();
    let mut child = cmd.spawn().expect("spawn child");
    let mut out = child.stdout.take().expect("stdout");
    let mut err = child.stderr.take().expect("stderr");
    let t_out = std::thread::spawn(move || {
        let mut v = Vec::new();
        let _ = out.read_to_end(&mut v);
        v
    });
    let t_err = std::thread::spawn(move || {
        let mut v = Vec::new();
        let _ = err.read_to_end(&mut v);
        v
    });
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait for child") {
            break status;
        }
        if start.elapsed() > limit {
            let _ = child.kill();
            let _ = child.wait();
            let stderr = t_err.join().unwrap_or_default();
            panic!(
                "child ran longer than {limit:?} and was killed: {cmd:?}\nstderr:\n{}",
                tail(&String::from_utf8_lossy(&stderr), 4000)
            );
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let stdout = String::from_utf8_lossy(&t_out.join().unwrap_or_default()).into_owned();
    let stderr = String::from_utf8_lossy(&t_err.join().unwrap_or_default()).into_owned();
    Run {
        status,
        stdout,
        stderr,
    }
}

/// The last `n` bytes of `s` (on a char boundary), for readable failure messages.
pub fn tail(s: &str, n: usize) -> &str {
    if s.len() <= n {
        return s;
    }
    let mut i = s.len() - n;
    while !s.is_char_boundary(i) {
        i += 1;
    }
    &s[i..]
}

/// The JSON on a run's standard output, after checking the run succeeded (exit 0).
pub fn ok_json(out: &Output) -> serde_json::Value {
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    json_of(out)
}

/// Whether a cache file name looks like a write in progress (see `fsutil::temp_path`).
pub fn is_temporary(p: &Path) -> bool {
    let name = p
        .file_name()
        .map(|n| n.to_string_lossy())
        .unwrap_or_default();
    name.ends_with(".tmp") || name.ends_with(".part") || name.ends_with(".partial")
}

/// Every file (not directory) under `dir`, recursively; symlinks are listed, not followed.
pub fn list_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(rd) = std::fs::read_dir(&d) else {
            continue;
        };
        for e in rd.flatten() {
            let p = e.path();
            match e.file_type() {
                Ok(t) if t.is_dir() => stack.push(p),
                _ => out.push(p),
            }
        }
    }
    out.sort();
    out
}

/// Every artifact file in a cache must hash to its name (`artifacts/sha256/ab/cdef...`, or a
/// file named by its full sha256). Returns the number of artifacts checked.
pub fn assert_cache_consistent(cache: &Path) -> usize {
    let mut checked = 0;
    for p in list_files(cache) {
        let rel = p.strip_prefix(cache).unwrap_or(&p);
        let parts: Vec<String> = rel
            .components()
            .map(|c| c.as_os_str().to_string_lossy().into_owned())
            .collect();
        if parts.first().is_none_or(|c| c != "artifacts") {
            continue;
        }
        let n = parts.len();
        let name = if n >= 2 && parts[n - 2].len() == 2 && parts[n - 1].len() == 62 {
            format!("{}{}", parts[n - 2], parts[n - 1])
        } else {
            parts[n - 1].clone()
        };
        assert!(
            name.len() == 64 && name.bytes().all(|b| b.is_ascii_hexdigit()),
            "unexpected file among cached artifacts: {}",
            p.display()
        );
        let data = std::fs::read(&p).expect("read cached artifact");
        assert_eq!(
            sha256(&data),
            name.to_ascii_lowercase(),
            "corrupt cache entry {}",
            p.display()
        );
        checked += 1;
    }
    checked
}
