//! `thinslice run`: the main job. For now it slices; mapping and checks join it as they land.

use super::{Context, Outcome};
use crate::error::Result;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Only this slice (repeatable). Default: every slice in the workspace.
    #[arg(long = "slice", short = 's', value_name = "NAME")]
    pub slices: Vec<String>,
}

pub fn run(args: &Args, ctx: &Context) -> Result<Outcome> {
    super::slice::run(
        &super::slice::Args {
            slices: args.slices.clone(),
        },
        ctx,
    )
}
