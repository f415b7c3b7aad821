//! `thinslice check`: slice, map and check, and write the conformance reports (and the
//! quarantine), but not the slices, entities or RDF. Exit 1 below a `fail` threshold.

use super::{Context, Outcome};
use crate::error::Result;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Only this slice (repeatable). Default: every slice in the workspace.
    #[arg(long = "slice", short = 's', value_name = "NAME")]
    pub slices: Vec<String>,
}

pub fn run(args: &Args, ctx: &Context) -> Result<Outcome> {
    super::run::run_and_report(&args.slices, ctx, super::map::Writes::Reports)
}
