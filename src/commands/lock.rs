//! `pyvet lock show`.

use std::process::ExitCode;

use crate::cli::{GlobalArgs, LockCommand};
use crate::error::Error;

pub fn run(g: &GlobalArgs, cmd: LockCommand) -> Result<ExitCode, Error> {
    let _ = (g, cmd);
    Err(Error::NotYet("pyvet lock show"))
}
