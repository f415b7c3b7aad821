//! `thinslice profile SOURCE`: per column, the inferred type, the share of nulls, the number
//! of distinct values, the most frequent values and where an example sits.

use super::{Context, Outcome, print, print_json};
use crate::cli::OutputFormat;
use crate::error::Result;
use crate::job;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The source's id in thinslice.yaml.
    pub source: String,
    /// How many of the most frequent values to show per column.
    #[arg(long, default_value_t = 3)]
    pub top: usize,
}

pub fn run(args: &Args, ctx: &Context) -> Result<Outcome> {
    let workspace = ctx.workspace()?;
    let report = job::profile(&workspace, &args.source, args.top, ctx.progress.as_ref())?;
    match ctx.format {
        OutputFormat::Json => print_json(&report)?,
        OutputFormat::Text => print(&report.text())?,
    }
    Ok(Outcome::Conformant)
}
