//! `thinslice map`: check everything, cut the slices, and refactor each mapped slice into
//! things in the RDL's terms, written as entity tables.

use serde::Serialize;

use super::{Context, Outcome, print, print_json};
use crate::cli::OutputFormat;
use crate::error::Result;
use crate::job::{self, Writes};
use crate::report::{SliceRun, text};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Only this slice (repeatable). Default: every slice in the workspace.
    #[arg(long = "slice", short = 's', value_name = "NAME")]
    pub slices: Vec<String>,
}

#[derive(Serialize)]
struct MapReport {
    slices: Vec<SliceRun>,
}

pub fn run(args: &Args, ctx: &Context) -> Result<Outcome> {
    let workspace = ctx.workspace()?;
    let runs = job::execute(
        &workspace,
        &args.slices,
        Writes::Data,
        ctx.progress.as_ref(),
    )?
    .runs;
    match ctx.format {
        OutputFormat::Json => print_json(&MapReport { slices: runs })?,
        OutputFormat::Text => print(&text::runs_table(&runs))?,
    }
    Ok(Outcome::Conformant)
}
