//! `thinslice merge`: the shards of a run spread over machines (`run --shard K/N`, each
//! under `out/shards/K/`) made into the run's reports in `out/`, with the checks that need
//! every shard (uniqueness, links) made over all of them. Exit codes as for `run`.

use super::{Context, Outcome, print_checked_run};
use crate::error::Result;
use crate::job;

#[derive(Debug, clap::Args)]
pub struct Args {}

pub fn run(_args: &Args, ctx: &Context) -> Result<Outcome> {
    let workspace = ctx.workspace()?;
    // Shards that ran on other machines left their states in the store.
    ctx.fetch_shard_states()?;
    let merged = job::merge(&workspace, ctx.progress.as_ref())?;
    print_checked_run(ctx, &workspace, &merged)
}
