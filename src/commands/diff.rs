//! `pyvet diff`.

use std::process::ExitCode;

use crate::cli::GlobalArgs;
use crate::error::Error;

pub fn run(g: &GlobalArgs, args: &crate::cli::DiffArgs) -> Result<ExitCode, Error> {
    let _ = (g, args);
    Err(Error::NotYet("pyvet diff"))
}
