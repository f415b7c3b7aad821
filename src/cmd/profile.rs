//! `thinslice profile SOURCE`: per column, the inferred type, the share of nulls, the number
//! of distinct values, the most frequent values and where an example sits.

use super::{Context, Outcome, print, print_json};
use crate::cli::OutputFormat;
use crate::diag;
use crate::error::{Error, Result};
use crate::profile::profile;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The source's id in thinslice.yaml.
    pub source: String,
    /// How many of the most frequent values to show per column.
    #[arg(long, default_value_t = 3)]
    pub top: usize,
}

pub fn run(args: &Args, ctx: &Context) -> Result<Outcome> {
    let workspace = ctx.workspace()?;
    let Some(source) = workspace.sources.get(&args.source) else {
        return Err(Error::UnknownSource {
            name: args.source.clone(),
            help: diag::suggest(
                &args.source,
                workspace.sources.keys().map(String::as_str),
                "sources",
            ),
        });
    };
    let table = source.read(None, ctx.progress.as_ref())?;
    let report = profile(source, &table, args.top)?;
    match ctx.format {
        OutputFormat::Json => print_json(&report)?,
        OutputFormat::Text => print(&report.text())?,
    }
    Ok(Outcome::Conformant)
}
