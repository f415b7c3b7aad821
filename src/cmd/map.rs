//! `thinslice map`: check everything, cut the slices, and refactor each mapped slice into
//! things in the RDL's terms; writes the data (slices, entities, RDF, quarantine) but not the
//! reports.

use serde::Serialize;

use super::{Context, Outcome, print, print_json};
use crate::cli::OutputFormat;
use crate::error::Result;
use crate::job;
use crate::report::{SliceRun, text};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Only this slice (repeatable). Default: every slice in the workspace.
    #[arg(long = "slice", short = 's', value_name = "NAME")]
    pub slices: Vec<String>,
}

#[derive(Serialize)]
struct MapJson {
    slices: Vec<SliceRun>,
}

pub fn run(args: &Args, ctx: &Context) -> Result<Outcome> {
    let workspace = ctx.workspace()?;
    let runs = job::map(&workspace, &args.slices, ctx.progress.as_ref())?;
    match ctx.format {
        OutputFormat::Json => print_json(&MapJson { slices: runs })?,
        OutputFormat::Text => print(&text::runs_table(&runs))?,
    }
    Ok(Outcome::Conformant)
}
