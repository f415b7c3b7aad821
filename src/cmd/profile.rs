//! `thinslice profile SOURCE`: per column, the inferred type, the share of nulls, the number
//! of distinct values, the most frequent values and where an example sits.

use super::{Context, Outcome, print, print_json};
use crate::cli::OutputFormat;
use crate::diag;
use crate::error::{Error, Result};
use crate::profile::{SourceProfile, profile};
use crate::report::TextTable;

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
        OutputFormat::Text => print(&render(&report))?,
    }
    Ok(Outcome::Conformant)
}

fn render(report: &SourceProfile) -> String {
    let mut table = TextTable::new(&[
        ("column", false),
        ("type", false),
        ("nulls", true),
        ("distinct", true),
        ("most frequent", false),
        ("example at", false),
    ]);
    for c in &report.columns {
        let top: Vec<String> = c
            .top
            .iter()
            .map(|v| format!("{} ({})", shorten(&v.value, 24), v.count))
            .collect();
        table.row(vec![
            c.name.clone(),
            c.kind.clone(),
            format!("{:.1}%", c.null_share * 100.0),
            c.distinct.to_string(),
            top.join(", "),
            c.example.as_ref().map(|e| e.at.clone()).unwrap_or_default(),
        ]);
    }
    format!(
        "source {}: {}, {} rows, {} columns\n\n{}",
        report.source,
        report.path,
        report.rows,
        report.columns.len(),
        table.render()
    )
}

/// Long free-text values would push the table off the screen.
fn shorten(value: &str, max: usize) -> String {
    let value = value.replace(['\n', '\r'], " ");
    if value.chars().count() <= max {
        value
    } else {
        let cut: String = value.chars().take(max - 1).collect();
        format!("{cut}…")
    }
}
