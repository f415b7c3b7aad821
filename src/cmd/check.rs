//! `thinslice check`: slice, map and check, and write the conformance reports (and the
//! quarantine), but not the slices, entities or RDF. Exit 1 below a `fail` threshold.

use super::{Context, Outcome, print_checked_run};
use crate::error::Result;
use crate::job::{self, Writes};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Only this slice (repeatable). Default: every slice in the workspace.
    #[arg(long = "slice", short = 's', value_name = "NAME")]
    pub slices: Vec<String>,
}

pub fn run(args: &Args, ctx: &Context) -> Result<Outcome> {
    let workspace = ctx.workspace()?;
    let run = job::run(
        &workspace,
        &args.slices,
        Writes::Quarantine,
        ctx.progress.as_ref(),
    )?;
    print_checked_run(ctx, &workspace, &run)
}
