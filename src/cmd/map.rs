//! `thinslice map`: check everything, cut the slices, and refactor each mapped slice into
//! things in the RDL's terms, written as entity tables.

use std::collections::BTreeMap;

use polars::prelude::DataFrame;
use rayon::prelude::*;
use serde::Serialize;

use super::{Context, Outcome, print, print_json};
use crate::checks::digitalisation::{self, ColumnLevel};
use crate::checks::{self, Conformance, SliceInput, Tally};
use crate::cli::OutputFormat;
use crate::error::{Error, Result};
use crate::lint::Checked;
use crate::lint::lint;
use crate::mapping::Mapping;
use crate::mapping::{ID, MappingError};
use crate::pipeline::{MapOutcome, Plan, SliceOutcome, check_names, map_slice};
use crate::rdl::Rdl;
use crate::report::{SliceAccount, TextTable};
use crate::source::ROW_COLUMN;
use crate::workspace::{Outputs, Threshold, Workspace};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Only this slice (repeatable). Default: every slice in the workspace.
    #[arg(long = "slice", short = 's', value_name = "NAME")]
    pub slices: Vec<String>,
}

/// Which files a command writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Writes {
    /// `check`: the reports and the quarantine only.
    Reports,
    /// `run` and `map`: also the data, in the formats the workspace's `outputs` lists.
    Data,
    /// `test`: the data, always including the entity CSV and N-Triples it compares.
    Regression,
}

impl Writes {
    fn outputs(self, workspace: &Workspace) -> Outputs {
        match self {
            Self::Reports | Self::Data => workspace.outputs,
            Self::Regression => Outputs {
                csv: true,
                ntriples: true,
                ..workspace.outputs
            },
        }
    }
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
    /// Per dimension: checks made and passed. None for a slice without a mapping.
    pub conformance: Option<BTreeMap<&'static str, Tally>>,
    /// The thresholds that apply: the workspace's, overridden by the slice's own.
    #[serde(skip)]
    pub thresholds: BTreeMap<String, Threshold>,
    /// The digitalisation level each slice column reached.
    #[serde(skip)]
    pub levels: Vec<ColumnLevel>,
}

/// What a run produced: per slice its run and (when mapped) its conformance, and per source
/// the level each of its columns reached in its best slice.
pub struct Execution {
    pub runs: Vec<SliceRun>,
    pub conformances: Vec<Conformance>,
    pub sources: BTreeMap<String, Vec<ColumnLevel>>,
}

#[derive(Serialize)]
struct MapReport {
    slices: Vec<SliceRun>,
}

/// Slices, maps, checks and writes; shared by `map` and `run`. Returns each slice's run and
/// its conformance (with its located failures).
pub fn execute(slices: &[String], ctx: &Context, writes: Writes) -> Result<Execution> {
    let workspace = ctx.workspace()?;
    let outputs = writes.outputs(&workspace);
    let checked = lint(&workspace)?;
    let plan = &checked.plan;
    check_names(&plan.slices, slices)?;
    let outcomes = plan.cut(ctx.progress.as_ref())?;

    // Map every mapped slice first: links are checked against the things of other slices.
    // Slices are independent, so each step runs them side by side.
    let mut mapped: BTreeMap<String, MapOutcome> = BTreeMap::new();
    if let Some(rdl) = &checked.rdl {
        let results: Vec<Result<MapOutcome>> = outcomes
            .par_iter()
            .filter_map(|outcome| {
                let mapping = checked.mappings.get(&outcome.slice)?;
                Some(map_one(mapping, rdl, outcome, ctx))
            })
            .collect();
        for result in results {
            let result = result?;
            mapped.insert(result.slice.clone(), result);
        }
    }
    let ids: BTreeMap<String, DataFrame> = mapped
        .iter()
        .map(|(slice, m)| {
            let ids = m.mapped.entities.select([ID]).unwrap_or_default();
            (slice.clone(), ids)
        })
        .collect();

    let work: Vec<(&SliceOutcome, Option<MapOutcome>)> = outcomes
        .iter()
        .filter(|outcome| slices.is_empty() || slices.contains(&outcome.slice))
        .map(|outcome| (outcome, mapped.remove(&outcome.slice)))
        .collect();
    let finished: Vec<Result<(SliceRun, Option<Conformance>)>> = work
        .into_par_iter()
        .map(|(outcome, result)| {
            let step = Step {
                ctx,
                plan,
                checked: &checked,
                ids: &ids,
                write_data: writes != Writes::Reports,
                outputs,
            };
            step.finish(outcome, result)
        })
        .collect();
    let mut runs = Vec::new();
    let mut conformances = Vec::new();
    for result in finished {
        let (run, conformance) = result?;
        runs.push(run);
        conformances.extend(conformance);
    }
    // Each source column at the best level any slice raised it to; columns no slice reads
    // stay syntactic.
    let mut sources: BTreeMap<String, Vec<ColumnLevel>> = BTreeMap::new();
    for (source, headers) in &plan.headers {
        let levels = headers
            .iter()
            .map(|column| {
                let best = runs
                    .iter()
                    .filter(|r| &r.account.source == source)
                    .flat_map(|r| {
                        let renamed = plan
                            .slices
                            .iter()
                            .find(|s| s.name == r.account.slice)
                            .map(|s| s.output_name(column))
                            .unwrap_or_else(|| column.clone());
                        r.levels.iter().filter(move |l| l.column == renamed)
                    })
                    .max_by_key(|l| digitalisation::rank(l.level));
                ColumnLevel {
                    column: column.clone(),
                    level: best.map_or("syntactic", |b| b.level),
                    mapped_to: best.and_then(|b| b.mapped_to.clone()),
                }
            })
            .collect();
        sources.insert(source.clone(), levels);
    }
    Ok(Execution {
        runs,
        conformances,
        sources,
    })
}

/// Maps one slice and checks that every row in it is accounted for.
fn map_one(
    mapping: &Mapping,
    rdl: &Rdl,
    outcome: &SliceOutcome,
    ctx: &Context,
) -> Result<MapOutcome> {
    let task = ctx
        .progress
        .task(&format!("mapping {}", outcome.slice), None);
    let result = map_slice(mapping, rdl, outcome)?;
    task.finish();
    let account = outcome.account();
    let accounted = result.mapped.entities.height() + result.mapped.quarantine.height();
    if accounted as u64 != account.in_slice {
        return Err(Error::Accounting {
            slice: outcome.slice.clone(),
            in_slice: account.in_slice,
            things: result.mapped.entities.height() as u64,
            quarantined: result.mapped.quarantine.height() as u64,
        });
    }
    Ok(result)
}

/// What finishing a slice needs from the run around it.
struct Step<'a, 'w> {
    ctx: &'a Context,
    plan: &'a Plan<'w>,
    checked: &'a Checked<'w>,
    ids: &'a BTreeMap<String, DataFrame>,
    /// Whether slices, things and triples are written (not by `check`).
    write_data: bool,
    outputs: Outputs,
}

impl Step<'_, '_> {
    /// Checks a cut (and mapped) slice and writes its outputs.
    fn finish(
        &self,
        outcome: &SliceOutcome,
        mut result: Option<MapOutcome>,
    ) -> Result<(SliceRun, Option<Conformance>)> {
        let (ctx, plan, workspace) = (self.ctx, self.plan, self.plan.workspace);
        let slice_path = match self.write_data && self.outputs.parquet {
            true => {
                let task = ctx
                    .progress
                    .task(&format!("writing slice {}", outcome.slice), None);
                let path = plan.write_slice(outcome)?;
                task.finish();
                Some(workspace.display_path(&path))
            }
            false => None,
        };
        let account = SliceAccount::new(
            &outcome.slice,
            &outcome.source,
            outcome.account(),
            slice_path,
        );
        let mut run = SliceRun {
            account,
            things: None,
            quarantined: None,
            failed_values: None,
            entities: None,
            triples: None,
            conformance: None,
            levels: Vec::new(),
            thresholds: {
                let mut merged = workspace.quality.clone();
                if let Some(slice) = plan.slices.iter().find(|s| s.name == outcome.slice) {
                    merged.extend(slice.quality.clone());
                }
                merged
            },
        };
        let columns: Vec<String> = outcome
            .rows
            .frame
            .get_column_names()
            .iter()
            .filter(|n| n.as_str() != ROW_COLUMN)
            .map(|n| n.to_string())
            .collect();
        let (Some(result), Some(mapping), Some(rdl)) = (
            result.as_mut(),
            self.checked.mappings.get(&outcome.slice),
            &self.checked.rdl,
        ) else {
            run.levels = digitalisation::levels(&columns, None, None, None);
            return Ok((run, None));
        };
        let input = SliceInput {
            slice: &outcome.slice,
            mapping,
            rows: &outcome.rows.frame,
            origin: &outcome.origin,
        };
        let task = ctx
            .progress
            .task(&format!("checking {}", outcome.slice), None);
        let conformance =
            checks::check(&input, &mut result.mapped, rdl, self.ids).map_err(|e| {
                MappingError::Run {
                    mapping: mapping.file.name.clone(),
                    reason: e.to_string(),
                }
            })?;
        task.finish();
        let task = ctx
            .progress
            .task(&format!("writing quarantine {}", outcome.slice), None);
        result.write_quarantine(&outcome.rows.frame, &workspace.output_dir, self.outputs)?;
        task.finish();
        if self.write_data {
            let task = ctx
                .progress
                .task(&format!("writing entities {}", outcome.slice), None);
            let path = result.write(&workspace.output_dir, self.outputs)?;
            task.finish();
            let task = ctx
                .progress
                .task(&format!("writing RDF {}", outcome.slice), None);
            let rdf = result.write_rdf(mapping, rdl, &workspace.output_dir, self.outputs)?;
            task.finish();
            run.triples = Some(rdf.triples);
            run.entities = path.map(|p| workspace.display_path(&p));
        }
        run.things = Some(result.mapped.entities.height() as u64);
        run.quarantined = Some(result.mapped.quarantine.height() as u64);
        run.failed_values = Some(result.mapped.failures.height() as u64);
        run.conformance = Some(conformance.dimensions.clone());
        run.levels = digitalisation::levels(&columns, Some(mapping), Some(rdl), Some(&conformance));
        Ok((run, Some(conformance)))
    }
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
            r.entities.clone().unwrap_or_else(|| {
                if r.things.is_some() {
                    "(not written)"
                } else {
                    "(no mapping)"
                }
                .into()
            }),
        ]);
    }
    let mut text = table.render();
    text.push_str(
        "\nread = in slice + outside; in slice = things + quarantined. A failed value is left out of its thing.\n",
    );
    text
}

pub fn run(args: &Args, ctx: &Context) -> Result<Outcome> {
    let runs = execute(&args.slices, ctx, Writes::Data)?.runs;
    match ctx.format {
        OutputFormat::Json => print_json(&MapReport { slices: runs })?,
        OutputFormat::Text => print(&render(&runs))?,
    }
    Ok(Outcome::Conformant)
}
