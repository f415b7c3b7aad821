//! `thinslice slice`: cut slices out of their sources, write them as Parquet, and account
//! for every row read.

use serde::Serialize;

use super::{Context, Outcome, print, print_json};
use crate::cli::OutputFormat;
use crate::error::Result;
use crate::pipeline::Plan;
use crate::report::{SliceAccount, accounts_table};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Only this slice (repeatable). Default: every slice in the workspace.
    #[arg(long = "slice", short = 's', value_name = "NAME")]
    pub slices: Vec<String>,
}

#[derive(Serialize)]
struct SliceReport {
    slices: Vec<SliceAccount>,
}

pub fn run(args: &Args, ctx: &Context) -> Result<Outcome> {
    let workspace = ctx.workspace()?;
    let plan = Plan::prepare(&workspace, &args.slices)?;
    let outcomes = plan.cut(ctx.progress.as_ref())?;
    let mut accounts = Vec::with_capacity(outcomes.len());
    for outcome in &outcomes {
        let path = plan.write_slice(outcome)?;
        accounts.push(SliceAccount::new(
            &outcome.slice,
            &outcome.source,
            outcome.account(),
            Some(workspace.display_path(&path)),
        ));
    }
    match ctx.format {
        OutputFormat::Json => print_json(&SliceReport { slices: accounts })?,
        OutputFormat::Text => {
            let mut text = accounts_table(&accounts);
            text.push_str("\nEvery row read is in its slice or outside its condition: read = in slice + outside.\n");
            print(&text)?;
        }
    }
    Ok(Outcome::Conformant)
}
