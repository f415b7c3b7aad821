//! `thinslice map`: check everything, cut the slices, and refactor each mapped slice into
//! things in the RDL's terms, written as entity tables.

use std::collections::BTreeMap;

use rayon::prelude::*;
use serde::Serialize;

use super::{Context, Outcome, print, print_json};
use crate::checks::digitalisation::{self, ColumnLevel};
use crate::checks::{Conformance, Tally, Things};
use crate::cli::OutputFormat;
use crate::error::Result;
use crate::lint::lint;
use crate::mapping::MappingError;
use crate::output::{self, AtomicFile};
use crate::pipeline::check_names;
use crate::rdl::Rdl;
use crate::report::{SliceAccount, TextTable};
use crate::slice::Slice;
use crate::stream::{Files, Mapped, SliceStream, Streamed, side_by_side, stream_source};
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

/// Slices, maps, checks and writes; shared by `map`, `run`, `check` and `test`. Each source
/// is read once, batch by batch, and each batch goes through all of its slices, so memory
/// holds a batch, not a source. Returns each slice's run and its conformance (with its
/// located failures).
pub fn execute(slices: &[String], ctx: &Context, writes: Writes) -> Result<Execution> {
    let workspace = ctx.workspace()?;
    let checked = lint(&workspace)?;
    let plan = &checked.plan;
    check_names(&plan.slices, slices)?;
    let rdl = checked.rdl.as_ref();
    let mapping_of = |slice: &str| rdl.and(checked.mappings.get(slice));
    let links_of = |slice: &str| -> Vec<&str> {
        mapping_of(slice).map_or_else(Vec::new, |m| {
            m.links.iter().map(|l| l.slice.as_str()).collect()
        })
    };
    let is_mapped = |slice: &str| mapping_of(slice).is_some();
    let asked = |slice: &str| slices.is_empty() || slices.iter().any(|s| s == slice);
    // The slices asked for, and those their links point at: their things are needed.
    let wanted = |slice: &Slice| {
        asked(&slice.name)
            || slices
                .iter()
                .any(|asked| links_of(asked).contains(&slice.name.as_str()))
    };
    let files = Files {
        output_dir: &workspace.output_dir,
        outputs: writes.outputs(&workspace),
        slices: writes != Writes::Reports,
        quarantine: true,
        things: writes != Writes::Reports,
    };
    let by_source = plan.by_source();

    // Sources a wave at a time, so links are checked against slices already read; the
    // sources of a wave are read side by side.
    let mut known: BTreeMap<String, Things> = BTreeMap::new();
    let mut streamed: Vec<Streamed> = Vec::new();
    for wave in plan.waves(&links_of) {
        let results: Vec<Result<Vec<Streamed>>> = side_by_side(&wave, |source| {
            let cut: Vec<&Slice> = by_source[source]
                .iter()
                .copied()
                .filter(|s| wanted(s))
                .collect();
            if cut.is_empty() {
                return Ok(Vec::new());
            }
            let streams: Vec<SliceStream> = cut
                .iter()
                .map(|slice| {
                    // A slice read only for its things writes nothing.
                    let asked = asked(&slice.name);
                    let mapped = mapping_of(&slice.name)
                        .zip(rdl)
                        .map(|(mapping, rdl)| Mapped {
                            mapping,
                            rdl,
                            is_mapped: &is_mapped,
                        });
                    let files = Files {
                        slices: files.slices && asked,
                        quarantine: files.quarantine && asked,
                        things: files.things && asked,
                        ..files
                    };
                    SliceStream::new(slice, mapped, files, ctx.progress.as_ref())
                })
                .collect();
            stream_source(plan, source, streams, &known, ctx.progress.as_ref())
        });
        for result in results {
            for mut stream in result? {
                if let Some(mapped) = &mut stream.mapped {
                    known.insert(stream.slice.name.clone(), mapped.checker.take_things());
                }
                streamed.push(stream);
            }
        }
    }
    streamed.retain(|s| asked(&s.slice.name));
    streamed.sort_by(|a, b| a.slice.name.cmp(&b.slice.name));
    let written: Vec<AtomicFile> = streamed
        .iter_mut()
        .flat_map(|s| std::mem::take(&mut s.written))
        .collect();

    let finished: Vec<Result<(SliceRun, Option<Conformance>)>> = streamed
        .into_par_iter()
        .map(|stream| finish(stream, &workspace, rdl, &known))
        .collect();
    let mut runs = Vec::new();
    let mut conformances = Vec::new();
    for result in finished {
        let (run, conformance) = result?;
        runs.push(run);
        conformances.extend(conformance);
    }
    output::commit_all(written)?;
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

/// A streamed slice's run, and its conformance once every slice's things are known.
fn finish(
    stream: Streamed,
    workspace: &Workspace,
    rdl: Option<&Rdl>,
    known: &BTreeMap<String, Things>,
) -> Result<(SliceRun, Option<Conformance>)> {
    let slice = stream.slice;
    let account = SliceAccount::new(
        &slice.name,
        &slice.source,
        stream.account,
        stream.rows_path.map(|p| workspace.display_path(&p)),
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
            merged.extend(slice.quality.clone());
            merged
        },
    };
    let (Some(mapped), Some(rdl)) = (stream.mapped, rdl) else {
        run.levels = digitalisation::levels(&stream.columns, None, None, None);
        return Ok((run, None));
    };
    let mapping = mapped.mapping;
    let conformance = mapped
        .checker
        .finish(known)
        .map_err(|e| MappingError::Run {
            mapping: mapping.file.name.clone(),
            reason: e.to_string(),
        })?;
    run.things = Some(mapped.things);
    run.quarantined = Some(mapped.quarantined);
    run.failed_values = Some(mapped.failed_values);
    run.entities = mapped.entities.map(|p| workspace.display_path(&p));
    run.triples = mapped.triples;
    run.conformance = Some(conformance.dimensions.clone());
    run.levels = digitalisation::levels(
        &stream.columns,
        Some(mapping),
        Some(rdl),
        Some(&conformance),
    );
    Ok((run, Some(conformance)))
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
