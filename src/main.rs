//! The `pyvet` binary: parse arguments, run, map the result to an exit code
//! (0 clean, 1 blocked by policy, 2 tool error).

use std::process::ExitCode;

use clap::Parser;

/// mimalloc instead of the system allocator: inspection allocates many small, short-lived
/// objects (AST nodes, names, folded strings) from several threads at once, where glibc's
/// malloc spent about a fifth of all CPU time.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let cli = match pyvet::cli::Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let code = if e.use_stderr() {
                pyvet::policy::EXIT_ERROR
            } else {
                pyvet::policy::EXIT_OK
            };
            let _ = e.print();
            return ExitCode::from(code);
        }
    };
    match pyvet::commands::run(cli) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {}", pyvet::redact::redact_text(&e.to_string()));
            ExitCode::from(pyvet::policy::EXIT_ERROR)
        }
    }
}
