//! `thinslice slice`: cut slices out of their sources, write them as Parquet, and account
//! for every row read.

use std::collections::BTreeMap;

use serde::Serialize;

use super::{Context, Outcome, print, print_json};
use crate::cli::OutputFormat;
use crate::error::Result;
use crate::output;
use crate::pipeline::Plan;
use crate::report::{SliceAccount, accounts_table};
use crate::stream::{Files, SliceStream, Streamed, side_by_side, stream_source};
use crate::workspace::Outputs;

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
    let files = Files {
        output_dir: &workspace.output_dir,
        outputs: Outputs {
            parquet: true,
            csv: false,
            ntriples: false,
            turtle: false,
        },
        slices: true,
        quarantine: false,
        things: false,
    };
    let progress = ctx.progress.as_ref();
    let known = BTreeMap::new();
    // Sources are independent: each is read on its own thread.
    let streamed: Vec<Result<Vec<Streamed>>> =
        side_by_side(plan.by_source(), |(source, slices)| {
            let streams = slices
                .into_iter()
                .map(|slice| SliceStream::new(slice, None, files, progress))
                .collect();
            stream_source(&plan, source, streams, &known, progress)
        });
    let mut accounts = Vec::with_capacity(plan.slices.len());
    let mut written = Vec::new();
    for source in streamed {
        for mut slice in source? {
            written.append(&mut slice.written);
            accounts.push(SliceAccount::new(
                &slice.slice.name,
                &slice.slice.source,
                slice.account,
                slice.rows_path.map(|p| workspace.display_path(&p)),
            ));
        }
    }
    output::commit_all(written)?;
    accounts.sort_by(|a, b| a.slice.cmp(&b.slice));
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
