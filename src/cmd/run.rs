//! `thinslice run`: the main job. Checks the workspace, cuts every slice, refactors each mapped
//! slice into things, and writes slices and entity tables. Checks and reports join it next.

use super::map::{execute, render};
use super::{Context, Outcome, print, print_json};
use crate::cli::OutputFormat;
use crate::error::Result;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Only this slice (repeatable). Default: every slice in the workspace.
    #[arg(long = "slice", short = 's', value_name = "NAME")]
    pub slices: Vec<String>,
}

pub fn run(args: &Args, ctx: &Context) -> Result<Outcome> {
    let runs = execute(&args.slices, ctx)?;
    match ctx.format {
        OutputFormat::Json => print_json(&serde_json::json!({ "slices": runs }))?,
        OutputFormat::Text => print(&render(&runs))?,
    }
    Ok(Outcome::Conformant)
}
