//! `pyvet completions SHELL` and `pyvet man`: shell completion scripts and man pages generated
//! from the clap definition in `crate::cli`, so they never drift from the real options.
//! Packagers run them at build time; users run `pyvet completions` once into their shell's
//! completion directory.

use std::process::ExitCode;

use clap::CommandFactory;

use crate::cli::{Cli, CompletionsArgs, GlobalArgs, ManArgs};
use crate::error::Error;

/// The completion script for one shell.
pub fn completion_script(shell: clap_complete::Shell) -> String {
    let mut buf = Vec::new();
    clap_complete::generate(shell, &mut Cli::command(), "pyvet", &mut buf);
    String::from_utf8_lossy(&buf).into_owned()
}

/// The top-level man page, pyvet(1), in roff.
pub fn man_page() -> Result<String, Error> {
    let mut buf = Vec::new();
    clap_mangen::Man::new(Cli::command())
        .render(&mut buf)
        .map_err(|e| Error::io("rendering the man page", e))?;
    Ok(String::from_utf8_lossy(&buf).into_owned())
}

pub fn completions(g: &GlobalArgs, args: &CompletionsArgs) -> Result<ExitCode, Error> {
    super::emit(g, &completion_script(args.shell))?;
    Ok(ExitCode::from(crate::policy::EXIT_OK))
}

pub fn man(g: &GlobalArgs, args: &ManArgs) -> Result<ExitCode, Error> {
    match &args.dir {
        None => super::emit(g, &man_page()?)?,
        Some(dir) => {
            std::fs::create_dir_all(dir)
                .map_err(|e| Error::io(format!("creating {}", dir.display()), e))?;
            // One page per command: pyvet.1, pyvet-audit.1, pyvet-cache-fetch.1, ...
            clap_mangen::generate_to(Cli::command(), dir)
                .map_err(|e| Error::io(format!("writing man pages into {}", dir.display()), e))?;
        }
    }
    Ok(ExitCode::from(crate::policy::EXIT_OK))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every visible subcommand, nested ones as "cache fetch".
    fn subcommands() -> Vec<String> {
        let cmd = Cli::command();
        let mut out = Vec::new();
        for s in cmd.get_subcommands().filter(|s| !s.is_hide_set()) {
            out.push(s.get_name().to_string());
            for n in s.get_subcommands().filter(|n| !n.is_hide_set()) {
                out.push(n.get_name().to_string());
            }
        }
        out
    }

    #[test]
    fn every_shell_completes_every_subcommand() {
        use clap::ValueEnum;
        for shell in clap_complete::Shell::value_variants() {
            let script = completion_script(*shell);
            for sub in subcommands() {
                assert!(script.contains(&sub), "{shell}: no `{sub}` in the script");
            }
            assert!(script.contains("python-version"), "{shell}: no audit flags");
        }
    }

    #[test]
    fn man_page_lists_every_top_level_subcommand() {
        let page = man_page().unwrap();
        assert!(page.contains(".TH pyvet 1"), "{page}");
        assert!(page.contains(".SH SUBCOMMANDS"), "{page}");
        for s in Cli::command()
            .get_subcommands()
            .filter(|s| !s.is_hide_set())
        {
            let entry = format!("pyvet\\-{}(1)", s.get_name());
            assert!(page.contains(&entry), "no {entry} in the man page");
        }
    }
}
