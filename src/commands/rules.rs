//! `pyvet rules [ID]`: list every rule, or explain one.

use std::fmt::Write as _;
use std::process::ExitCode;

use crate::catalog;
use crate::cli::{GlobalArgs, RulesArgs};
use crate::error::Error;
use crate::report::Format;

pub fn run(g: &GlobalArgs, args: &RulesArgs) -> Result<ExitCode, Error> {
    let rules = catalog::all();
    let mut out = String::new();
    match &args.id {
        Some(id) => {
            let rule = catalog::find(id).ok_or_else(|| {
                Error::Usage(format!(
                    "unknown rule `{id}`{} (see `pyvet rules`)",
                    crate::suggest::did_you_mean(id, rules.iter().map(|r| r.id))
                ))
            })?;
            if g.format == Format::Json {
                out = serde_json::to_string_pretty(rule).expect("serialisable") + "\n";
            } else {
                let _ = writeln!(
                    out,
                    "{} ({})\n\n{}\n\n{}",
                    rule.id, rule.severity, rule.summary, rule.help
                );
            }
        }
        None if g.format == Format::Json => {
            out = serde_json::to_string_pretty(&rules).expect("serialisable") + "\n";
        }
        None => {
            let width = rules.iter().map(|r| r.id.len()).max().unwrap_or(0);
            for r in &rules {
                let _ = writeln!(
                    out,
                    "{:width$}  {:8}  {}",
                    r.id,
                    r.severity.as_str(),
                    r.summary
                );
            }
        }
    }
    super::emit(g, &out)?;
    Ok(ExitCode::from(crate::policy::EXIT_OK))
}
