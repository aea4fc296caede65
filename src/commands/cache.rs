//! `pyvet cache`.

use std::process::ExitCode;

use crate::cli::{CacheCommand, GlobalArgs};
use crate::error::Error;

pub fn run(g: &GlobalArgs, cmd: CacheCommand) -> Result<ExitCode, Error> {
    let _ = (g, cmd);
    Err(Error::NotYet("pyvet cache"))
}
