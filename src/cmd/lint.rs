//! `thinslice lint`: every static check, no data read beyond headers. Exit 2 on any problem.

use serde::Serialize;

use super::{Context, Outcome, print, print_json};
use crate::cli::OutputFormat;
use crate::error::Result;
use crate::lint::lint;

#[derive(Debug, clap::Args)]
pub struct Args {}

#[derive(Serialize)]
struct LintReport {
    slices: usize,
    mappings: usize,
    classes: usize,
    properties: usize,
    /// Slices without a mapping: they are cut but not yet refactored.
    unmapped_slices: Vec<String>,
}

pub fn run(_args: &Args, ctx: &Context) -> Result<Outcome> {
    let workspace = ctx.workspace()?;
    let checked = lint(&workspace)?;
    let unmapped: Vec<String> = checked
        .plan
        .slices
        .iter()
        .filter(|s| !checked.mappings.contains_key(&s.name))
        .map(|s| s.name.clone())
        .collect();
    let report = LintReport {
        slices: checked.plan.slices.len(),
        mappings: checked.mappings.len(),
        classes: checked.rdl.as_ref().map_or(0, |r| r.classes.len()),
        properties: checked.rdl.as_ref().map_or(0, |r| r.properties.len()),
        unmapped_slices: unmapped,
    };
    match ctx.format {
        OutputFormat::Json => print_json(&report)?,
        OutputFormat::Text => {
            let mut text = format!(
                "ok: {} slices, {} mappings, checked against an RDL of {} classes and {} properties\n",
                report.slices, report.mappings, report.classes, report.properties
            );
            if !report.unmapped_slices.is_empty() {
                text.push_str(&format!(
                    "slices without a mapping: {}\n",
                    report.unmapped_slices.join(", ")
                ));
            }
            print(&text)?;
        }
    }
    Ok(Outcome::Conformant)
}
