//! `thinslice run`: the main job. Checks the workspace, cuts every slice, refactors each mapped
//! slice into things, checks their conformance, and writes slices, entity tables, quarantine
//! and RDF. Exit 1 when a slice falls below a `fail` threshold.

use super::{Context, Outcome, print_checked_run};
use crate::error::Result;
use crate::job::{self, Writes};
use crate::shard;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Only this slice (repeatable). Default: every slice in the workspace.
    #[arg(long = "slice", short = 's', value_name = "NAME")]
    pub slices: Vec<String>,

    /// Run one shard of many: read the K-th of N parts of every source and write under
    /// out/shards/K/. `auto`: K and N from a Kubernetes Indexed Job, a Slurm array or an AWS
    /// Batch array job (with THINSLICE_SHARD_COUNT where the scheduler does not give N).
    #[arg(long, value_name = "K/N|auto")]
    pub shard: Option<String>,
}

pub fn run(args: &Args, ctx: &Context) -> Result<Outcome> {
    let mut workspace = ctx.workspace()?;
    if let Some(given) = &args.shard {
        let part = shard::parse(given, &|name| std::env::var(name).ok())?;
        shard::apply(&mut workspace, part);
        // A shard uploads its own part only: shards run side by side on one machine share
        // the staged folder, and each writes its part alone.
        if let Some((folder, url)) = ctx.remote_output.borrow_mut().as_mut() {
            let part = format!("{}/{}", shard::SHARDS_DIR, part.index);
            *folder = folder.join(&part);
            *url = format!("{}/{part}", url.trim_end_matches('/'));
        }
    }
    let run = job::run(
        &workspace,
        &args.slices,
        Writes::Data,
        ctx.progress.as_ref(),
    )?;
    print_checked_run(ctx, &workspace, &run)
}
