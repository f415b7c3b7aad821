//! `thinslice slice`: cut slices out of their sources, write them as Parquet, and account
//! for every row read.

use serde::Serialize;

use super::{Context, Outcome, print, print_json};
use crate::cli::OutputFormat;
use crate::error::Result;
use crate::job;
use crate::report::{SliceAccount, text};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Only this slice (repeatable). Default: every slice in the workspace.
    #[arg(long = "slice", short = 's', value_name = "NAME")]
    pub slices: Vec<String>,
}

#[derive(Serialize)]
struct SlicesJson {
    slices: Vec<SliceAccount>,
}

pub fn run(args: &Args, ctx: &Context) -> Result<Outcome> {
    let workspace = ctx.workspace()?;
    let accounts = job::cut(&workspace, &args.slices, ctx.progress.as_ref())?;
    match ctx.format {
        OutputFormat::Json => print_json(&SlicesJson { slices: accounts })?,
        OutputFormat::Text => print(&text::accounts_table(&accounts))?,
    }
    Ok(Outcome::Conformant)
}
