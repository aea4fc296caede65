//! Command-line interface (clap derive). The binary parses `Cli`, and `commands::run` dispatches;
//! every command returns an exit code or an `Error` (which the binary prints and maps to 2).

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::config::Check;
use crate::finding::Severity;
use crate::lockfile::LockKind;
use crate::report::Format;

#[derive(Debug, Parser)]
#[command(
    name = "pyvet",
    version,
    about = "Vet Python dependencies before you install them",
    long_about = "Vet Python dependencies before you install them.\n\n\
pyvet reads a lockfile (requirements.txt, poetry.lock, uv.lock, pylock.toml), fetches exactly the \
artifacts it pins, verifies their hashes, inspects them statically for malicious techniques, checks \
index metadata and known vulnerabilities, and reports. Package code is never executed."
)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Clone, Args)]
pub struct GlobalArgs {
    /// Output format.
    #[arg(long, global = true, value_enum, default_value_t = Format::Table)]
    pub format: Format,
    /// Write the report to FILE instead of standard output.
    #[arg(short = 'o', long = "output", global = true, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Cache directory (default: the platform cache dir + /pyvet).
    #[arg(long, global = true, env = "PYVET_CACHE_DIR", value_name = "DIR")]
    pub cache_dir: Option<PathBuf>,
    /// Use no network at all: everything comes from the cache.
    #[arg(long, global = true, env = "PYVET_OFFLINE")]
    pub offline: bool,
    /// Package index (simple API root). Overrides pip/uv configuration.
    #[arg(long, global = true, env = "PYVET_INDEX_URL", value_name = "URL")]
    pub index_url: Option<String>,
    /// Additional package index; may be repeated.
    #[arg(long, global = true, value_name = "URL")]
    pub extra_index_url: Vec<String>,
    /// Configuration file (default: pyvet.toml or [tool.pyvet] in pyproject.toml, found upwards).
    #[arg(long, global = true, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Less output (no progress bars).
    #[arg(short, long, global = true, conflicts_with = "verbose")]
    pub quiet: bool,
    /// Reserved for diagnostic logging (accepted, repeatable; no effect yet).
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,
    /// When to use colour (NO_COLOR is respected with `auto`).
    #[arg(long, global = true, value_enum, default_value_t = ColorChoice::Auto)]
    pub color: ColorChoice,
    /// Send the `default` entry of ~/.netrc to index hosts that have no `machine` entry of
    /// their own (off by default: it would reach every host a lockfile names).
    #[arg(long, global = true, env = "PYVET_NETRC_DEFAULT")]
    pub netrc_default: bool,
    /// Most inflated archive data held in memory for inspection at once, across every artifact
    /// being read (e.g. 1GiB, 512MiB, 2000000000). A read that collides with others waits; an
    /// artifact that alone does not fit is reported and blocks. Default: 1GiB.
    #[arg(long, global = true, env = "PYVET_MEMORY_BUDGET", value_name = "SIZE", value_parser = crate::config::parse_size)]
    pub memory_budget: Option<u64>,
    /// Seconds (or 500ms, 10s, 2m) allowed to set up a connection [default: 10s; config
    /// `[network] connect-timeout`].
    #[arg(long, global = true, env = "PYVET_CONNECT_TIMEOUT", value_name = "DURATION", value_parser = crate::config::parse_duration)]
    pub connect_timeout: Option<std::time::Duration>,
    /// A request whose response or body stalls this long fails [default: 10s; config
    /// `[network] read-timeout`].
    #[arg(long, global = true, env = "PYVET_READ_TIMEOUT", value_name = "DURATION", value_parser = crate::config::parse_duration)]
    pub read_timeout: Option<std::time::Duration>,
    /// Total time for one download, every retry included [default: 5m; config `[network]
    /// download-deadline`].
    #[arg(long, global = true, env = "PYVET_DOWNLOAD_DEADLINE", value_name = "DURATION", value_parser = crate::config::parse_duration)]
    pub download_deadline: Option<std::time::Duration>,
    /// Extra attempts for transient network failures [default: 2; config `[network] retries`].
    #[arg(long, global = true, env = "PYVET_RETRIES", value_name = "N")]
    pub retries: Option<u32>,
    /// Largest artifact downloaded or read (bytes, or 512MiB, 2GiB) [default: 2GiB; config
    /// `[network] max-artifact-size`].
    #[arg(long, global = true, env = "PYVET_MAX_ARTIFACT_SIZE", value_name = "SIZE", value_parser = crate::config::parse_size)]
    pub max_artifact_size: Option<u64>,
    /// Largest index response read, after decompression [default: 64MiB; config `[network]
    /// max-index-size`].
    #[arg(long, global = true, env = "PYVET_MAX_INDEX_SIZE", value_name = "SIZE", value_parser = crate::config::parse_size)]
    pub max_index_size: Option<u64>,
    /// Pretend the current time is this RFC 3339 timestamp (for reproducible age checks).
    #[arg(long, global = true, hide = true, value_name = "RFC3339")]
    pub now: Option<jiff::Timestamp>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    Auto,
    Always,
    Never,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Audit a lockfile: fetch, verify, inspect, check metadata and vulnerabilities, report.
    Audit(AuditArgs),
    /// Inspect local artifacts (wheels, sdists) or unpacked directories.
    Scan(ScanArgs),
    /// Lockfile commands.
    #[command(subcommand)]
    Lock(LockCommand),
    /// Show what changed between two lockfiles (added, removed, upgraded, source changed).
    Diff(DiffArgs),
    /// Manage the artifact and index cache.
    #[command(subcommand)]
    Cache(CacheCommand),
    /// Manage the vulnerability database.
    #[command(subcommand)]
    Db(DbCommand),
    /// List the rules, or explain one.
    Rules(RulesArgs),
    /// Audit a small demo project shipped with pyvet, offline (no network, no setup).
    Demo,
    /// Print a shell completion script: `pyvet completions bash > ~/.local/share/bash-completion/completions/pyvet`.
    Completions(CompletionsArgs),
    /// Print the man page (roff), or write one page per command into a directory.
    Man(ManArgs),
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Args)]
pub struct TargetArgs {
    /// Target Python version for artifact selection, e.g. 3.12 (default: `python-version` in the
    /// configuration, else a `.python-version` file next to the lockfile, else 3.12).
    #[arg(long, value_name = "X.Y")]
    pub python_version: Option<String>,
    /// Target platform for artifact selection: linux, macos or windows, optionally with an
    /// architecture (linux-x86_64, macos-arm64, windows-amd64). Default: this machine.
    #[arg(long, value_name = "PLATFORM")]
    pub platform: Option<String>,
    /// Fetch and vet every file the lockfile lists, for every platform (and so every package,
    /// as --all-packages).
    #[arg(long)]
    pub all_artifacts: bool,
    /// Vet every package the lockfile lists, not only those an install on the target selects
    /// (packages behind other platforms' markers, extras and groups not requested; for a uv
    /// workspace, a superset of `uv sync --all-packages`).
    #[arg(long, help_heading = "Install set")]
    pub all_packages: bool,
    /// Also install the project's extra NAME (repeatable), as `uv sync --extra`.
    #[arg(long = "extra", value_name = "NAME", help_heading = "Install set")]
    pub extras: Vec<String>,
    /// Install every extra of the project.
    #[arg(long, help_heading = "Install set")]
    pub all_extras: bool,
    /// Also install dependency group NAME (repeatable; Poetry's `--with`). The defaults are
    /// `dev` (or `[tool.uv] default-groups`) for uv, the non-optional groups for Poetry,
    /// `default-groups` for pylock.toml.
    #[arg(
        long = "group",
        visible_alias = "with",
        value_name = "NAME",
        help_heading = "Install set"
    )]
    pub groups: Vec<String>,
    /// Install only dependency group NAME (repeatable), not the project's dependencies
    /// (Poetry's `--only`; `--only-group main` is the project's own dependencies there).
    #[arg(
        long = "only-group",
        visible_alias = "only",
        value_name = "NAME",
        help_heading = "Install set"
    )]
    pub only_groups: Vec<String>,
    /// Install every dependency group.
    #[arg(long, help_heading = "Install set")]
    pub all_groups: bool,
    /// Leave out dependency group NAME (repeatable), even when installed by default (Poetry's
    /// `--without`).
    #[arg(
        long = "no-group",
        visible_alias = "without",
        value_name = "NAME",
        help_heading = "Install set"
    )]
    pub no_groups: Vec<String>,
    /// Leave out the `dev` dependency group.
    #[arg(long, help_heading = "Install set")]
    pub no_dev: bool,
    /// Leave out every dependency group installed by default.
    #[arg(long, help_heading = "Install set")]
    pub no_default_groups: bool,
}

impl TargetArgs {
    /// What these flags ask to install (see `crate::installset`).
    pub fn install_request(&self) -> crate::installset::Request {
        crate::installset::Request {
            extras: self.extras.clone(),
            all_extras: self.all_extras,
            groups: self.groups.clone(),
            only_groups: self.only_groups.clone(),
            all_groups: self.all_groups,
            no_groups: self.no_groups.clone(),
            no_dev: self.no_dev,
            no_default_groups: self.no_default_groups,
            all_packages: self.all_packages || self.all_artifacts,
        }
    }
}

#[derive(Debug, Clone, Args)]
pub struct AuditArgs {
    /// Lockfile (default: uv.lock, pylock.toml, poetry.lock or requirements.txt here).
    pub lockfile: Option<PathBuf>,
    /// Lockfile format (default: from the file's name and content).
    #[arg(long, value_enum)]
    pub kind: Option<LockKind>,
    /// Pre-merge mode: only vet what changed since this git revision or lockfile.
    #[arg(long, value_name = "REV|FILE")]
    pub base: Option<String>,
    #[command(flatten)]
    pub target: TargetArgs,
    /// Parallel downloads.
    #[arg(short, long, default_value_t = 8)]
    pub jobs: usize,
    /// Block (exit 1) on findings at or above this severity (default from config, else high).
    #[arg(long, value_name = "SEVERITY")]
    pub fail_on: Option<Severity>,
    /// Checks to run (comma-separated; default: all).
    #[arg(long, value_enum, value_delimiter = ',')]
    pub checks: Vec<Check>,
    /// Do not resolve unpinned input with uv: ranges and bare names stay unvetted and block.
    #[arg(long)]
    pub no_resolve: bool,
}

#[derive(Debug, Clone, Args)]
pub struct ScanArgs {
    /// Wheels, sdists or directories.
    #[arg(required = true)]
    pub paths: Vec<PathBuf>,
    /// Block (exit 1) on findings at or above this severity.
    #[arg(long, value_name = "SEVERITY")]
    pub fail_on: Option<Severity>,
}

#[derive(Debug, Subcommand)]
pub enum LockCommand {
    /// Show the packages, versions, sources and artifacts a lockfile pins.
    Show(LockShowArgs),
}

#[derive(Debug, Clone, Args)]
pub struct LockShowArgs {
    /// Lockfile (default: detected in the current directory).
    pub lockfile: Option<PathBuf>,
    #[arg(long, value_enum)]
    pub kind: Option<LockKind>,
    /// With any of these flags, also show which packages an install on the target selects
    /// (and so which an audit vets), the artifact chosen for each and their total size.
    #[command(flatten)]
    pub target: TargetArgs,
}

#[derive(Debug, Clone, Args)]
pub struct DiffArgs {
    /// Old lockfile, or a git revision at which NEW's path is read.
    pub old: String,
    /// New lockfile.
    pub new: PathBuf,
}

#[derive(Debug, Subcommand)]
pub enum CacheCommand {
    /// Download and verify everything a lockfile pins, so a later audit can run offline.
    Fetch(CacheFetchArgs),
    /// Show the cache location, size and contents.
    Info,
    /// Remove cache entries (all, or those older than --older-than days).
    Prune(CachePruneArgs),
    /// Write the cache to a tar file to carry to a machine with no network.
    Export(CacheFileArgs),
    /// Load a cache exported with `pyvet cache export`.
    Import(CacheFileArgs),
}

#[derive(Debug, Clone, Args)]
pub struct CacheFetchArgs {
    pub lockfile: Option<PathBuf>,
    #[arg(long, value_enum)]
    pub kind: Option<LockKind>,
    #[command(flatten)]
    pub target: TargetArgs,
    #[arg(short, long, default_value_t = 8)]
    pub jobs: usize,
}

#[derive(Debug, Clone, Args)]
pub struct CachePruneArgs {
    /// Only remove entries not used for this many days.
    #[arg(long, value_name = "DAYS")]
    pub older_than: Option<u64>,
}

#[derive(Debug, Clone, Args)]
pub struct CacheFileArgs {
    pub file: PathBuf,
}

#[derive(Debug, Subcommand)]
pub enum DbCommand {
    /// Import OSV records from a directory (JSON/YAML) or an OSV export zip.
    Import(DbImportArgs),
    /// Download the OSV export for Python packages from URL (or PYVET_OSV_URL).
    Update(DbUpdateArgs),
    /// Show what is loaded and how old it is.
    Info,
}

#[derive(Debug, Clone, Args)]
pub struct DbImportArgs {
    pub path: PathBuf,
}

#[derive(Debug, Clone, Args)]
pub struct DbUpdateArgs {
    /// URL of an OSV export zip.
    #[arg(long, env = "PYVET_OSV_URL")]
    pub url: Option<String>,
}

#[derive(Debug, Clone, Args)]
pub struct CompletionsArgs {
    /// The shell to complete for.
    #[arg(value_enum)]
    pub shell: clap_complete::Shell,
}

#[derive(Debug, Clone, Args)]
pub struct ManArgs {
    /// Write pyvet.1 and one page per subcommand (pyvet-audit.1, ...) into this directory.
    #[arg(long, value_name = "DIR")]
    pub dir: Option<PathBuf>,
}

#[derive(Debug, Clone, Args)]
pub struct RulesArgs {
    /// Explain this rule.
    pub id: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn cli_is_well_formed() {
        Cli::command().debug_assert();
    }
}
