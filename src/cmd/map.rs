//! `thinslice map`: check everything, cut the slices, and refactor each mapped slice into
//! things in the RDL's terms, written as entity tables.

use serde::Serialize;

use super::{Context, Outcome, print, print_json};
use crate::cli::OutputFormat;
use crate::error::Result;
use crate::lint::lint;
use crate::pipeline::{check_names, map_slice};
use crate::report::{SliceAccount, TextTable};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Only this slice (repeatable). Default: every slice in the workspace.
    #[arg(long = "slice", short = 's', value_name = "NAME")]
    pub slices: Vec<String>,
}

/// One slice's journey: rows read, in the slice, things made, rows quarantined, values failed.
#[derive(Debug, Serialize)]
pub struct SliceRun {
    #[serde(flatten)]
    pub account: SliceAccount,
    /// None for a slice without a mapping.
    pub things: Option<u64>,
    pub quarantined: Option<u64>,
    pub failed_values: Option<u64>,
    pub entities: Option<String>,
    pub triples: Option<u64>,
}

#[derive(Serialize)]
struct MapReport {
    slices: Vec<SliceRun>,
}

/// Slices, maps and writes; shared by `map` and `run`.
pub fn execute(slices: &[String], ctx: &Context) -> Result<Vec<SliceRun>> {
    let workspace = ctx.workspace()?;
    let checked = lint(&workspace)?;
    let plan = &checked.plan;
    check_names(&plan.slices, slices)?;
    let mut runs = Vec::new();
    for outcome in plan.cut(ctx.progress.as_ref())? {
        if !slices.is_empty() && !slices.contains(&outcome.slice) {
            continue;
        }
        let slice_path = plan.write_slice(&outcome)?;
        let account = SliceAccount::new(
            &outcome.slice,
            &outcome.source,
            outcome.account(),
            Some(workspace.display_path(&slice_path)),
        );
        let mut run = SliceRun {
            account,
            things: None,
            quarantined: None,
            failed_values: None,
            entities: None,
            triples: None,
        };
        if let (Some(mapping), Some(rdl)) = (checked.mappings.get(&outcome.slice), &checked.rdl) {
            let mapped = map_slice(mapping, rdl, &outcome)?;
            let path = mapped.write(&workspace.output_dir)?;
            let rdf = mapped.write_rdf(mapping, rdl, &workspace.output_dir)?;
            run.triples = Some(rdf.triples);
            run.things = Some(mapped.mapped.entities.height() as u64);
            run.quarantined = Some(mapped.mapped.quarantine.height() as u64);
            run.failed_values = Some(mapped.mapped.failures.height() as u64);
            run.entities = Some(workspace.display_path(&path));
        }
        runs.push(run);
    }
    Ok(runs)
}

pub fn render(runs: &[SliceRun]) -> String {
    let mut table = TextTable::new(&[
        ("slice", false),
        ("read", true),
        ("in slice", true),
        ("outside", true),
        ("things", true),
        ("quarantined", true),
        ("failed values", true),
        ("triples", true),
        ("entities", false),
    ]);
    let or_dash = |n: Option<u64>| n.map_or_else(|| "-".to_string(), |n| n.to_string());
    for r in runs {
        table.row(vec![
            r.account.slice.clone(),
            r.account.rows_read.to_string(),
            r.account.rows_in_slice.to_string(),
            r.account.rows_outside.to_string(),
            or_dash(r.things),
            or_dash(r.quarantined),
            or_dash(r.failed_values),
            or_dash(r.triples),
            r.entities.clone().unwrap_or_else(|| "(no mapping)".into()),
        ]);
    }
    let mut text = table.render();
    text.push_str(
        "\nread = in slice + outside; in slice = things + quarantined. A failed value is left out of its thing.\n",
    );
    text
}

pub fn run(args: &Args, ctx: &Context) -> Result<Outcome> {
    let runs = execute(&args.slices, ctx)?;
    match ctx.format {
        OutputFormat::Json => print_json(&MapReport { slices: runs })?,
        OutputFormat::Text => print(&render(&runs))?,
    }
    Ok(Outcome::Conformant)
}
