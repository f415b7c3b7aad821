//! `thinslice test`: reruns the pipeline and compares each mapped slice with its committed
//! expectations (`expected/SLICE/`): things added, removed and changed, triples added and
//! removed, scores below their baseline. Exit 1 on any of them. `--bless` accepts the run.

use crate::report::escape_markup as escape;
use std::collections::BTreeMap;

use serde::Serialize;

use super::map::{Writes, execute};
use super::{Context, Outcome, print, print_json};
use crate::cli::OutputFormat;
use crate::error::{Error, Result};
use crate::output::{self, OutputError};
use crate::regression::{self, EXPECTED_DIR, SliceDiff};
use crate::report::TextTable;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Write (or update) the expectations from this run instead of comparing.
    #[arg(long)]
    pub bless: bool,
    /// Only this slice (repeatable). Default: every mapped slice.
    #[arg(long = "slice", short = 's', value_name = "NAME")]
    pub slices: Vec<String>,
    /// Print every change, not only the first ones.
    #[arg(long)]
    pub all: bool,
    /// How far a score may fall below its baseline before it counts as a regression: a
    /// fraction for every dimension (`0.01`), or per dimension (`validity=0.02`); repeatable.
    #[arg(long, value_name = "[DIMENSION=]FRACTION", value_parser = parse_tolerance)]
    pub tolerance: Vec<(Option<String>, f64)>,
}

fn parse_tolerance(text: &str) -> std::result::Result<(Option<String>, f64), String> {
    let (dimension, value) = match text.split_once('=') {
        Some((d, v)) => {
            if !crate::checks::DIMENSIONS.contains(&d) {
                return Err(format!(
                    "unknown dimension `{d}`; one of {}",
                    crate::checks::DIMENSIONS.join(", ")
                ));
            }
            (Some(d.to_string()), v)
        }
        None => (None, text),
    };
    let value: f64 = value
        .parse()
        .map_err(|_| format!("`{value}` is not a fraction such as 0.01"))?;
    if !(0.0..=1.0).contains(&value) {
        return Err(format!("{value} is not between 0 and 1"));
    }
    Ok((dimension, value))
}

/// The tolerance for each dimension: the last value naming it, else the last general one.
fn tolerances(given: &[(Option<String>, f64)]) -> BTreeMap<String, f64> {
    let general = given
        .iter()
        .rev()
        .find(|(d, _)| d.is_none())
        .map_or(0.0, |(_, v)| *v);
    crate::checks::DIMENSIONS
        .iter()
        .map(|d| {
            let own = given
                .iter()
                .rev()
                .find(|(name, _)| name.as_deref() == Some(*d))
                .map(|(_, v)| *v);
            (d.to_string(), own.unwrap_or(general))
        })
        .collect()
}

/// How many changes the summary prints without `--all`.
const FIRST_CHANGES: usize = 10;

#[derive(Serialize)]
struct TestReport<'a> {
    passed: bool,
    slices: &'a [SliceDiff],
}

pub fn run(args: &Args, ctx: &Context) -> Result<Outcome> {
    let workspace = ctx.workspace()?;
    let execution = execute(&args.slices, ctx, Writes::Regression)?;
    let expected_root = workspace.root.join(EXPECTED_DIR);
    let mut diffs = Vec::new();
    let mut blessed = 0;
    for run in &execution.runs {
        let Some(scores) = &run.conformance else {
            continue;
        };
        let slice = &run.account.slice;
        let actual =
            regression::from_outputs(&workspace.output_dir, slice, scores).map_err(|reason| {
                OutputError::Write {
                    path: slice.clone(),
                    reason,
                }
            })?;
        let dir = expected_root.join(slice);
        if args.bless {
            regression::write_expected(&dir, &actual)?;
            blessed += 1;
            continue;
        }
        let expected =
            regression::read_expected(&dir).map_err(|reason| Error::Expectations { reason })?;
        diffs.push(regression::compare(
            slice,
            expected.as_ref(),
            &actual,
            &tolerances(&args.tolerance),
        ));
    }
    if args.bless {
        print(&format!(
            "blessed {blessed} slice(s): expectations written to {}\n",
            workspace.display_path(&expected_root)
        ))?;
        return Ok(Outcome::Conformant);
    }

    let passed = diffs.iter().all(|d| !d.failed());
    output::write_text(&workspace.output_dir.join("test-junit.xml"), &junit(&diffs))?;
    match ctx.format {
        OutputFormat::Json => print_json(&TestReport {
            passed,
            slices: &diffs,
        })?,
        OutputFormat::Text => print(&summary(&diffs, args.all))?,
    }
    Ok(if passed {
        Outcome::Conformant
    } else {
        Outcome::BelowThreshold
    })
}

fn summary(diffs: &[SliceDiff], all: bool) -> String {
    let mut table = TextTable::new(&[
        ("slice", false),
        ("added", true),
        ("removed", true),
        ("changed", true),
        ("triples +", true),
        ("triples -", true),
        ("scores", false),
    ]);
    for d in diffs {
        let scores: Vec<String> = d
            .scores
            .iter()
            .map(|s| {
                format!(
                    "{} {:.1}% -> {:.1}%{}",
                    s.dimension,
                    s.old * 100.0,
                    s.new * 100.0,
                    if s.regressed { " (below baseline)" } else { "" }
                )
            })
            .collect();
        table.row(vec![
            d.slice.clone(),
            d.added.len().to_string(),
            d.removed.len().to_string(),
            d.changed.len().to_string(),
            d.triples_added.len().to_string(),
            d.triples_removed.len().to_string(),
            if d.missing_expectations {
                "no expectations: run `thinslice test --bless`".to_string()
            } else {
                scores.join("; ")
            },
        ]);
    }
    let mut text = table.render();
    let limit = if all { usize::MAX } else { FIRST_CHANGES };
    let mut lines = Vec::new();
    for d in diffs {
        for c in &d.columns_added {
            lines.push(format!("{}: column added: {c}", d.slice));
        }
        for c in &d.columns_removed {
            lines.push(format!("{}: column removed: {c}", d.slice));
        }
        for id in &d.added {
            lines.push(format!("{}: added {id}", d.slice));
        }
        for id in &d.removed {
            lines.push(format!("{}: removed {id}", d.slice));
        }
        for thing in &d.changed {
            let changes: Vec<String> = thing
                .changes
                .iter()
                .map(|(column, old, new)| format!("{column} {old:?} -> {new:?}"))
                .collect();
            lines.push(format!(
                "{}: changed {}: {}",
                d.slice,
                thing.id,
                changes.join(", ")
            ));
        }
        for t in &d.triples_added {
            lines.push(format!("{}: + {t}", d.slice));
        }
        for t in &d.triples_removed {
            lines.push(format!("{}: - {t}", d.slice));
        }
    }
    if !lines.is_empty() {
        text.push('\n');
        let shown = lines.len().min(limit);
        for line in &lines[..shown] {
            text.push_str(line);
            text.push('\n');
        }
        if shown < lines.len() {
            text.push_str(&format!(
                "... and {} more; `thinslice test --all` prints every one\n",
                lines.len() - shown
            ));
        }
    }
    let failed = diffs.iter().filter(|d| d.failed()).count();
    text.push_str(&if failed == 0 {
        format!("\nok: {} slice(s) match their expectations\n", diffs.len())
    } else {
        format!(
            "\nFAIL: {failed} of {} slice(s) differ from their expectations; if the change is intended, run `thinslice test --bless` and commit expected/\n",
            diffs.len()
        )
    });
    text
}

/// One test case per slice: a failure names what differs.
fn junit(diffs: &[SliceDiff]) -> String {
    let failed = diffs.iter().filter(|d| d.failed()).count();
    let mut xml = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    xml.push_str(&format!(
        "<testsuite name=\"thinslice regression\" tests=\"{}\" failures=\"{failed}\">\n",
        diffs.len()
    ));
    for d in diffs {
        xml.push_str(&format!(
            "  <testcase classname=\"regression\" name=\"{}\">\n",
            escape(&d.slice)
        ));
        if d.failed() {
            let regressed: Vec<&str> = d
                .scores
                .iter()
                .filter(|s| s.regressed)
                .map(|s| s.dimension.as_str())
                .collect();
            let message = format!(
                "{} added, {} removed, {} changed, {} triples added, {} removed{}{}",
                d.added.len(),
                d.removed.len(),
                d.changed.len(),
                d.triples_added.len(),
                d.triples_removed.len(),
                if regressed.is_empty() {
                    String::new()
                } else {
                    format!("; below baseline: {}", regressed.join(", "))
                },
                if d.missing_expectations {
                    "; no expectations"
                } else {
                    ""
                }
            );
            xml.push_str(&format!(
                "    <failure message=\"{}\"/>\n",
                escape(&message)
            ));
        }
        xml.push_str("  </testcase>\n");
    }
    xml.push_str("</testsuite>\n");
    xml
}
