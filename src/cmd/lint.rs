//! `thinslice lint`: every static check, no data read beyond headers. Exit 2 on any problem.

use super::{Context, Outcome, print, print_json};
use crate::cli::OutputFormat;
use crate::error::Result;
use crate::lint::lint;

#[derive(Debug, clap::Args)]
pub struct Args {}

pub fn run(_args: &Args, ctx: &Context) -> Result<Outcome> {
    let workspace = ctx.workspace()?;
    let summary = lint(&workspace)?.summary();
    match ctx.format {
        OutputFormat::Json => print_json(&summary)?,
        OutputFormat::Text => print(&summary.text())?,
    }
    Ok(Outcome::Conformant)
}
