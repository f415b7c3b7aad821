//! `thinslice init PATH...`: drafts a workspace from spreadsheets and files (sources, one
//! slice and one mapping per sheet or file, every guess commented), lints it, and says what
//! to run next.

use std::path::PathBuf;

use super::{Context, Outcome, print, print_json};
use crate::cli::OutputFormat;
use crate::draft::{self, Drafted, InitOptions};
use crate::error::Result;
use crate::report::TextTable;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The files to draft from: CSV files, workbooks (.xlsx, .xls, .ods), Parquet files.
    #[arg(required = true, value_name = "PATH")]
    pub paths: Vec<PathBuf>,
    /// The RDL to draft against (YAML, Turtle, N-Triples, RDF/XML). Default: the example
    /// RDL, copied into the workspace.
    #[arg(long, value_name = "FILE")]
    pub rdl: Option<PathBuf>,
    /// Only this sheet of the workbooks (repeatable). Default: every sheet that holds data.
    #[arg(long = "sheet", value_name = "NAME")]
    pub sheets: Vec<String>,
    /// Overwrite files that exist.
    #[arg(long)]
    pub force: bool,
}

pub fn run(args: &Args, ctx: &Context) -> Result<Outcome> {
    let options = InitOptions {
        paths: args.paths.clone(),
        rdl: args.rdl.clone(),
        sheets: args.sheets.clone(),
        force: args.force,
    };
    let drafted = draft::init(&ctx.workspace_dir, &options, ctx.progress.as_ref())?;
    match ctx.format {
        OutputFormat::Json => print_json(&drafted)?,
        OutputFormat::Text => print(&text(&drafted, ctx))?,
    }
    Ok(Outcome::Conformant)
}

/// The summary for people: per slice, what was mapped and what is left; the next command.
fn text(drafted: &Drafted, ctx: &Context) -> String {
    let mut table = TextTable::new(&[
        ("slice", false),
        ("from", false),
        ("rows read", true),
        ("columns", true),
        ("mapped", true),
        ("left", true),
        ("codes matched", true),
        ("codes left", true),
    ]);
    for s in &drafted.slices {
        table.row(vec![
            s.slice.clone(),
            s.from.clone(),
            s.rows_read.to_string(),
            s.columns.to_string(),
            s.mapped.to_string(),
            s.left.to_string(),
            s.codes_matched.to_string(),
            s.codes_left.to_string(),
        ]);
    }
    let total = |f: fn(&draft::SliceSummary) -> usize| drafted.slices.iter().map(f).sum::<usize>();
    let mut text = format!(
        "drafted {} slices; every guess is a comment in its mapping, what is left is listed at the end of each\n\n{}",
        drafted.slices.len(),
        table.render()
    );
    text.push_str(&format!(
        "\ncolumns: {} mapped, {} left; codes: {} matched to RDL terms, {} left\n",
        total(|s| s.mapped),
        total(|s| s.left),
        total(|s| s.codes_matched),
        total(|s| s.codes_left),
    ));
    for skipped in &drafted.skipped {
        text.push_str(&format!("skipped: {skipped}\n"));
    }
    text.push_str(&format!(
        "\nwrote {} files (thinslice.yaml, slices/, mappings/); lint passes\n",
        drafted.files.len()
    ));
    let workspace = ctx.workspace_dir.display().to_string();
    let next = match workspace.as_str() {
        "." | "" => "thinslice run".to_string(),
        dir => format!("thinslice --workspace {dir} run"),
    };
    text.push_str(&format!(
        "next: {next}   (then edit mappings/*.yaml where the comments doubt, and run again)\n"
    ));
    text
}
