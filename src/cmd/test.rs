//! `thinslice test`: reruns the pipeline and compares each mapped slice with its committed
//! expectations (`expected/SLICE/`): things added, removed and changed, triples added and
//! removed, scores below their baseline. Exit 1 on any of them. `--bless` accepts the run.

use serde::Serialize;

use super::{Context, Outcome, print, print_json};
use crate::cli::OutputFormat;
use crate::error::Result;
use crate::job::{self, Verdict};
use crate::quality::Dimension;
use crate::regression::{self, SliceDiff, Tolerances};

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
    pub tolerance: Vec<(Option<Dimension>, f64)>,
}

fn parse_tolerance(text: &str) -> std::result::Result<(Option<Dimension>, f64), String> {
    let (dimension, value) = match text.split_once('=') {
        Some((d, v)) => match d.parse::<Dimension>() {
            Ok(dimension) => (Some(dimension), v),
            Err(_) => {
                let known: Vec<&str> = Dimension::names().collect();
                return Err(format!(
                    "unknown dimension `{d}`; one of {}",
                    known.join(", ")
                ));
            }
        },
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
fn tolerances(given: &[(Option<Dimension>, f64)]) -> Tolerances {
    let general = given
        .iter()
        .rev()
        .find(|(d, _)| d.is_none())
        .map_or(0.0, |(_, v)| *v);
    Dimension::ALL
        .iter()
        .map(|d| {
            let own = given
                .iter()
                .rev()
                .find(|(name, _)| *name == Some(*d))
                .map(|(_, v)| *v);
            (*d, own.unwrap_or(general))
        })
        .collect()
}

#[derive(Serialize)]
struct TestReport<'a> {
    passed: bool,
    slices: &'a [SliceDiff],
}

pub fn run(args: &Args, ctx: &Context) -> Result<Outcome> {
    let workspace = ctx.workspace()?;
    let verdict = job::test(
        &workspace,
        &args.slices,
        args.bless,
        &tolerances(&args.tolerance),
        ctx.progress.as_ref(),
    )?;
    match &verdict {
        Verdict::Blessed(count) => print(&format!(
            "blessed {count} slice(s): expectations written to {}\n",
            regression::expected_dir(&workspace)
        ))?,
        Verdict::Compared(diffs) => match ctx.format {
            OutputFormat::Json => print_json(&TestReport {
                passed: verdict.passed(),
                slices: diffs,
            })?,
            OutputFormat::Text => print(&regression::render::summary(diffs, args.all))?,
        },
    }
    Ok(if verdict.passed() {
        Outcome::Conformant
    } else {
        Outcome::BelowThreshold
    })
}
