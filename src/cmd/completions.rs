//! `thinslice completions SHELL` and `thinslice man`: clap's own generators, from the same
//! definitions that parse the arguments, so they never drift from the commands.

use clap::CommandFactory;

use super::{Outcome, print};
use crate::cli::Cli;
use crate::error::{Error, Result};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The shell to complete in.
    #[arg(value_enum)]
    pub shell: clap_complete::Shell,
}

pub fn run(args: &Args) -> Result<Outcome> {
    let mut command = Cli::command();
    let mut script = Vec::new();
    clap_complete::generate(args.shell, &mut command, "thinslice", &mut script);
    print(&String::from_utf8_lossy(&script))?;
    Ok(Outcome::Conformant)
}

pub fn man() -> Result<Outcome> {
    let mut page = Vec::new();
    clap_mangen::Man::new(Cli::command())
        .render(&mut page)
        .map_err(|source| Error::Io {
            what: "the manual page".into(),
            source,
        })?;
    print(&String::from_utf8_lossy(&page))?;
    Ok(Outcome::Conformant)
}
