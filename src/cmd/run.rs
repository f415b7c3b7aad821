//! `thinslice run`: the main job. Checks the workspace, cuts every slice, refactors each mapped
//! slice into things, checks their conformance, and writes slices, entity tables, quarantine
//! and RDF. Exit 1 when a slice falls below a `fail` threshold.

use super::map::{Writes, execute, render};
use super::{Context, Outcome, print, print_json};
use crate::checks::{Conformance, DIMENSIONS};
use crate::cli::OutputFormat;
use crate::error::Result;
use crate::output::{self, OutputError};
use crate::report::conformance::{self, Counts, DimensionScore, Report, SliceParts};
use crate::report::{TextTable, html};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Only this slice (repeatable). Default: every slice in the workspace.
    #[arg(long = "slice", short = 's', value_name = "NAME")]
    pub slices: Vec<String>,
}

/// How many located failures the terminal shows.
const TOP_FAILURES: usize = 10;

pub fn run(args: &Args, ctx: &Context) -> Result<Outcome> {
    run_and_report(&args.slices, ctx, Writes::Data)
}

/// The main job, and `check` without its data outputs ([`Writes::Reports`]).
pub fn run_and_report(slices: &[String], ctx: &Context, writes: Writes) -> Result<Outcome> {
    let workspace = ctx.workspace()?;
    let thresholds = workspace.quality.clone();
    let execution = execute(slices, ctx, writes)?;
    let (runs, conformances) = (&execution.runs, &execution.conformances);

    let counted: Vec<SliceParts> = conformances
        .iter()
        .filter_map(|c| {
            let run = runs.iter().find(|r| r.account.slice == c.slice)?;
            Some((
                Counts {
                    rows_read: run.account.rows_read,
                    rows_in_slice: run.account.rows_in_slice,
                    rows_outside: run.account.rows_outside,
                    things: run.things.unwrap_or(0),
                    quarantined: run.quarantined.unwrap_or(0),
                },
                c,
                &run.thresholds,
                run.levels.as_slice(),
            ))
        })
        .collect();
    let report = conformance::build(&counted, &thresholds, &execution.sources).map_err(|e| {
        OutputError::Write {
            path: "report.json".into(),
            reason: e.to_string(),
        }
    })?;
    let out = &workspace.output_dir;
    for c in conformances {
        output::write_csv(
            &c.failures,
            &out.join("failures").join(format!("{}.csv", c.slice)),
        )?;
    }
    let json = serde_json::to_string_pretty(&report).map_err(|e| OutputError::Write {
        path: "report.json".into(),
        reason: e.to_string(),
    })?;
    output::write_text(&out.join("report.json"), &format!("{json}\n"))?;
    output::write_text(&out.join("junit.xml"), &conformance::junit(&report))?;
    output::write_text(&out.join("report.html"), &html::html(&report))?;

    let outcome = if report.passed {
        Outcome::Conformant
    } else {
        Outcome::BelowThreshold
    };
    match ctx.format {
        OutputFormat::Json => print_json(&serde_json::json!({ "slices": runs, "report": report }))?,
        OutputFormat::Text => {
            let mut text = render(runs);
            text.push('\n');
            text.push_str(&conformance_table(&report));
            text.push_str(&failures_text(conformances));
            let unmapped: Vec<String> = conformances
                .iter()
                .flat_map(|c| {
                    c.unmapped_codes.iter().map(move |u| {
                        format!("{} `{}` {} ({})", c.slice, u.column, u.code, u.count)
                    })
                })
                .collect();
            if !unmapped.is_empty() {
                text.push_str(&format!("unmapped codes: {}\n", unmapped.join("; ")));
            }
            for slice in &report.slices {
                for (dimension, score) in &slice.dimensions {
                    let word = match score.status {
                        "fail" => "FAIL",
                        "warn" => "warn",
                        _ => continue,
                    };
                    text.push_str(&format!(
                        "{word}: {} {dimension} is {:.1}%, below the minimum {:.1}%\n",
                        slice.slice,
                        score.score * 100.0,
                        score.min.unwrap_or_default() * 100.0
                    ));
                }
            }
            text.push_str(&format!(
                "\nreports: {}, {}, {}\n",
                workspace.display_path(&out.join("report.html")),
                workspace.display_path(&out.join("report.json")),
                workspace.display_path(&out.join("junit.xml")),
            ));
            print(&text)?;
        }
    }
    Ok(outcome)
}

/// Scores per slice and dimension, and over all slices; `✗` below a `fail` threshold, `!`
/// below a `warn` one.
fn conformance_table(report: &Report) -> String {
    let mut columns = vec![("conformance", false)];
    columns.extend(DIMENSIONS.iter().map(|d| (*d, true)));
    let mut table = TextTable::new(&columns);
    let cell = |score: Option<&DimensionScore>| match score {
        Some(score) => {
            let mark = match score.status {
                "fail" => " ✗",
                "warn" => " !",
                _ => "  ",
            };
            format!("{:.1}%{mark}", score.score * 100.0)
        }
        None => "-".to_string(),
    };
    for slice in &report.slices {
        let mut row = vec![slice.slice.clone()];
        row.extend(DIMENSIONS.iter().map(|d| cell(slice.dimensions.get(d))));
        table.row(row);
    }
    let mut row = vec!["all slices".to_string()];
    row.extend(DIMENSIONS.iter().map(|d| cell(report.overall.get(d))));
    table.row(row);
    table.render()
}

/// The first failures, located.
fn failures_text(conformances: &[Conformance]) -> String {
    let total: usize = conformances.iter().map(|c| c.failures.height()).sum();
    if total == 0 {
        return "\nNo failed checks.\n".to_string();
    }
    let mut table = TextTable::new(&[
        ("slice", false),
        ("dimension", false),
        ("property", false),
        ("value", false),
        ("rule", false),
        ("where", false),
    ]);
    let mut shown = 0;
    'slices: for c in conformances {
        let column = |name: &str| -> Vec<String> {
            c.failures
                .column(name)
                .ok()
                .and_then(|col| col.cast(&polars::prelude::DataType::String).ok())
                .map(|col| {
                    col.str()
                        .map(|s| s.iter().map(|v| v.unwrap_or("").to_string()).collect())
                        .unwrap_or_default()
                })
                .unwrap_or_default()
        };
        let (dimensions, properties, values, rules, origins) = (
            column("dimension"),
            column("property"),
            column("value"),
            column("rule"),
            column("origin"),
        );
        for i in 0..c.failures.height() {
            if shown == TOP_FAILURES {
                break 'slices;
            }
            let get = |v: &Vec<String>| v.get(i).cloned().unwrap_or_default();
            table.row(vec![
                c.slice.clone(),
                get(&dimensions),
                get(&properties),
                get(&values),
                get(&rules),
                get(&origins),
            ]);
            shown += 1;
        }
    }
    format!(
        "\n{total} failed checks; the first {shown}:\n{}",
        table.render()
    )
}
