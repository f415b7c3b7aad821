//! A run spread over shards (`run --shard K/N`) and their merge (`thinslice merge`). Each
//! shard keeps, beside its outputs, its state in `out/shards/K/shard/`: each slice's row
//! accounts and its share of the checks ([`Partial`]: tallies, failures, things and link
//! targets). `merge` sums what was counted row by row and checks what needs every shard
//! (uniqueness, links) over all of them with the same code as a single run, so its reports
//! are a single run's.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use polars::prelude::*;
use serde::{Deserialize, Serialize};

use super::{Execution, Job, Reported};
use crate::checks::digitalisation;
use crate::checks::{Partial, Scorer, resume_all};
use crate::error::Result;
use crate::lint::lint;
use crate::manifest::FileDigest;
use crate::mapping::{Absent, MappingError};
use crate::output::{OutputError, write_atomic, write_text};
use crate::progress::Progress;
use crate::report::{SliceAccount, SliceRun};
use crate::shard::{MergeError, SHARDS_DIR};
use crate::slice::RowAccount;
use crate::workspace::Workspace;

/// The folder of a shard's state, in its output folder.
const STATE_DIR: &str = "shard";
const STATE_FILE: &str = "shard.json";

/// A shard's share of one mapped slice's checks.
pub struct ShardSlice {
    pub slice: String,
    pub columns: Vec<String>,
    pub absent: Vec<Absent>,
    pub partial: Partial,
}

/// What `merge` reads of a shard: `shard.json`, and a Parquet file per frame of a partial.
#[derive(Debug, Serialize, Deserialize)]
struct ShardState {
    index: u32,
    count: u32,
    /// The files the shard read (workspace, sources, RDL, slices, mappings): every shard of
    /// one run read the same.
    inputs: Vec<FileDigest>,
    slices: Vec<SliceState>,
}

#[derive(Debug, Serialize, Deserialize)]
struct SliceState {
    slice: String,
    source: String,
    read: u64,
    in_slice: u64,
    outside: u64,
    rows_output: Option<String>,
    things: Option<u64>,
    quarantined: Option<u64>,
    failed_values: Option<u64>,
    entities: Option<String>,
    triples: Option<u64>,
    columns: Vec<String>,
    absent: Vec<Absent>,
    partial: Option<Partial>,
}

fn state_error(path: &Path, reason: impl ToString) -> MergeError {
    MergeError::Unreadable {
        path: path.display().to_string(),
        reason: reason.to_string(),
    }
}

/// A shard sees its part of every slice: a slice that reads another's rows (a lookup
/// through a link, attributes) would miss those in other shards, unless both are read whole
/// by shard 1 (workbooks).
pub(super) fn refuse_split_joins(checked: &crate::lint::Linted) -> Result<()> {
    let workspace = checked.plan.workspace;
    if workspace.shard.is_none_or(|p| p.count < 2) {
        return Ok(());
    }
    let whole = |slice: &str| {
        let source = (checked.plan.slices.iter()).find(|s| s.name == slice);
        source
            .and_then(|s| workspace.sources.get(&s.source))
            .is_some_and(|s| s.format == crate::source::SourceFormat::Workbook)
    };
    for (slice, mapping) in &checked.mappings {
        let lookups = (mapping.lookups.iter()).map(|l| (l.slice.as_str(), "through a lookup"));
        let attributes = (mapping.attributes.iter()).map(|a| (a.slice.as_str(), "as attributes"));
        for (other, how) in lookups.chain(attributes) {
            if !(whole(slice) && whole(other)) {
                let split = if whole(slice) { other } else { slice.as_str() };
                return Err(crate::shard::ShardError::Joined {
                    slice: slice.clone(),
                    other: other.to_string(),
                    how,
                    split: split.to_string(),
                }
                .into());
            }
        }
    }
    Ok(())
}

/// Writes a shard's state beside its outputs; returns the digests of the inputs it read.
pub(super) fn write_state(workspace: &Workspace, execution: &Execution) -> Result<Vec<FileDigest>> {
    let Some(part) = workspace.shard else {
        return Ok(Vec::new());
    };
    let dir = workspace.output_dir.join(STATE_DIR);
    let by_slice: BTreeMap<&str, &ShardSlice> = (execution.shard.iter())
        .map(|s| (s.slice.as_str(), s))
        .collect();
    let mut slices = Vec::new();
    for run in &execution.runs {
        let name = run.account.slice.as_str();
        let shard = by_slice.get(name);
        if let Some(shard) = shard {
            let partial = &shard.partial;
            for (frame, kind) in [
                (&partial.failures, "failures"),
                (&partial.things, "things"),
                (&partial.links, "links"),
            ] {
                write_frame(&dir.join(format!("{name}.{kind}.parquet")), frame)?;
            }
        }
        slices.push(SliceState {
            slice: name.to_string(),
            source: run.account.source.clone(),
            read: run.account.rows_read,
            in_slice: run.account.rows_in_slice,
            outside: run.account.rows_outside,
            rows_output: run.account.output.clone(),
            things: run.things,
            quarantined: run.quarantined,
            failed_values: run.failed_values,
            entities: run.entities.clone(),
            triples: run.triples,
            columns: shard.map_or_else(Vec::new, |s| s.columns.clone()),
            absent: shard.map_or_else(Vec::new, |s| s.absent.clone()),
            partial: shard.map(|s| s.partial.clone()),
        });
    }
    let state = ShardState {
        index: part.index,
        count: part.count,
        inputs: match &execution.inputs {
            Some(taken) => taken.clone(),
            None => crate::manifest::inputs(workspace).map_err(|e| OutputError::Write {
                path: workspace.display_path(&dir.join(STATE_FILE)),
                source: e.into(),
            })?,
        },
        slices,
    };
    let text = serde_json::to_string_pretty(&state).unwrap_or_default();
    write_text(&dir.join(STATE_FILE), &text)?;
    Ok(state.inputs)
}

fn write_frame(path: &Path, frame: &DataFrame) -> Result<()> {
    let mut frame = frame.clone();
    write_atomic(path, |writer| {
        ParquetWriter::new(writer).finish(&mut frame)?;
        Ok(())
    })?;
    Ok(())
}

fn read_frame(path: &Path) -> std::result::Result<DataFrame, MergeError> {
    let file = std::fs::File::open(path).map_err(|e| state_error(path, e))?;
    ParquetReader::new(file)
        .finish()
        .map_err(|e| state_error(path, e))
}

/// Every shard's state under `out/shards/`, 1 to N, checked to be one run's.
fn read_states(output_dir: &Path) -> std::result::Result<Vec<(PathBuf, ShardState)>, MergeError> {
    let dir = output_dir.join(SHARDS_DIR);
    let shown = dir.display().to_string();
    let mut found = BTreeMap::new();
    for entry in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
        let path = entry.path().join(STATE_DIR).join(STATE_FILE);
        let Ok(text) = std::fs::read_to_string(&path) else {
            continue;
        };
        let state: ShardState = serde_json::from_str(&text).map_err(|e| state_error(&path, e))?;
        found.insert(state.index, (entry.path().join(STATE_DIR), state));
    }
    let Some(count) = found.values().next().map(|(_, s)| s.count) else {
        return Err(MergeError::NoShards { dir: shown });
    };
    for (index, (_, state)) in &found {
        if state.count != count {
            return Err(MergeError::Mixed {
                index: *index,
                theirs: state.count,
                ours: count,
            });
        }
    }
    let states: Vec<(PathBuf, ShardState)> = found.into_values().collect();
    for index in 1..=count {
        if !states.iter().any(|(_, s)| s.index == index) {
            return Err(MergeError::Missing {
                index,
                count,
                dir: shown,
            });
        }
    }
    let first = &states[0].1;
    let names = |state: &ShardState| -> Vec<String> {
        state.slices.iter().map(|s| s.slice.clone()).collect()
    };
    for (_, state) in &states[1..] {
        if names(state) != names(first) {
            return Err(MergeError::Slices {
                index: state.index,
                theirs: names(state).join(", "),
                first: names(first).join(", "),
            });
        }
        if let Some(input) = first_change(&first.inputs, &state.inputs) {
            return Err(MergeError::Inputs {
                index: state.index,
                input,
            });
        }
    }
    Ok(states)
}

/// The workspace merge runs in must be the one the shards ran: the same files (workspace,
/// sources, RDL, slices, mappings) with the same bytes, else its mappings and thresholds would
/// be applied to what other ones made.
/// Returns the inputs' digests, for the merge's manifest.
fn same_workspace(
    workspace: &Workspace,
    states: &[(PathBuf, ShardState)],
) -> std::result::Result<Vec<FileDigest>, MergeError> {
    let now = crate::manifest::inputs(workspace).map_err(|e| MergeError::Unreadable {
        path: workspace.display_path(&workspace.root),
        reason: e.to_string(),
    })?;
    let first = states.first().map(|(_, state)| state.inputs.as_slice());
    match first.and_then(|then| first_change(then, &now)) {
        Some(input) => Err(MergeError::Changed { input }),
        None => Ok(now),
    }
}

/// The first file that one list of inputs has and the other has not, or with other bytes.
fn first_change(then: &[FileDigest], now: &[FileDigest]) -> Option<String> {
    let by_path = |digests: &[FileDigest]| -> BTreeMap<String, String> {
        (digests.iter())
            .map(|d| (d.path.clone(), d.sha256.clone()))
            .collect()
    };
    let (then, now) = (by_path(then), by_path(now));
    (then.keys().chain(now.keys()))
        .find(|path| then.get(*path) != now.get(*path))
        .cloned()
}

/// A partial as a shard kept it, with its frames.
fn partial_of(
    folder: &Path,
    state: &SliceState,
) -> std::result::Result<Option<Partial>, MergeError> {
    let Some(mut partial) = state.partial.clone() else {
        return Ok(None);
    };
    let frame = |kind: &str| read_frame(&folder.join(format!("{}.{kind}.parquet", state.slice)));
    partial.failures = frame("failures")?;
    partial.things = frame("things")?;
    partial.links = frame("links")?;
    Ok(Some(partial))
}

/// Removes an earlier run's shards from the output folder.
pub(super) fn remove_shards(output_dir: &Path) -> Result<()> {
    Ok(crate::output::remove_folder(&output_dir.join(SHARDS_DIR))?)
}

/// `thinslice merge`: the shards' states under `out/shards/` made into the run's reports in
/// `out/`, as a single run would have written them.
pub fn merge(workspace: &Workspace, progress: &dyn Progress) -> Result<Reported> {
    let started = std::time::SystemTime::now();
    let task = progress.task("merging shards", None);
    let states = read_states(&workspace.output_dir)?;
    let inputs = same_workspace(workspace, &states)?;
    let checked = lint(workspace)?;
    let has_mapping = |slice: &str| checked.mapping_of(slice).is_some();
    let job = Job {
        checked: &checked,
        asked: &[],
        has_mapping: &has_mapping,
    };
    let identities = job.identities();
    let first = &states[0].1;
    let mut scorers = Vec::new();
    let mut runs = Vec::new();
    for slice in &first.slices {
        let parts: Vec<(&Path, &SliceState)> = (states.iter())
            .filter_map(|(folder, s)| {
                let theirs = s.slices.iter().find(|other| other.slice == slice.slice);
                theirs.map(|theirs| (folder.as_path(), theirs))
            })
            .collect();
        runs.push(merged_run(slice, &parts));
        let (Some(mapping), Some(rdl)) = (checked.mapping_of(&slice.slice), checked.rdl.as_ref())
        else {
            continue;
        };
        let mut partials = Vec::new();
        for (folder, state) in &parts {
            partials.extend(partial_of(folder, state)?);
        }
        let Some(place) = partials.first().map(|p| p.place.clone()) else {
            continue;
        };
        let scorer = Scorer::new(&slice.slice, mapping, rdl, place.origin(), &has_mapping);
        scorers.push((scorer, partials));
    }
    let scorers = resume_all(scorers, &identities)
        .map_err(|source| crate::error::Error::Report { source })?;
    let mut conformances = Vec::new();
    for scorer in scorers {
        let slice = scorer.slice().to_string();
        let mapping = checked.mapping_of(&slice);
        let mut conformance = scorer
            .finish(&identities)
            .map_err(|source| crate::error::Error::Report { source })?;
        let state = first.slices.iter().find(|s| s.slice == slice);
        conformance.absent_attributes = state.map_or_else(Vec::new, |s| s.absent.clone());
        if let (Some(withheld), Some(m)) = (checked.withheld.get(&slice), mapping) {
            (withheld.conformance(&mut conformance)).map_err(|e| MappingError::run(m, e))?;
        }
        if let Some(run) = runs.iter_mut().find(|r| r.account.slice == slice) {
            run.conformance = Some(conformance.dimensions.clone());
            let columns = state.map_or(&[][..], |s| s.columns.as_slice());
            run.levels =
                digitalisation::levels(columns, mapping, checked.rdl.as_ref(), Some(&conformance));
        }
        conformances.push(conformance);
    }
    for run in &mut runs {
        let slice = (checked.plan.slices.iter()).find(|s| s.name == run.account.slice);
        run.thresholds = match slice {
            Some(slice) => workspace.thresholds.overridden_by(&slice.thresholds),
            None => workspace.thresholds.clone(),
        };
    }
    task.finish();
    // The run's data is in its shards: an earlier whole run's beside the merged reports
    // would be taken for this run's.
    crate::output::remove_data(&workspace.output_dir)?;
    let mut execution = super::finish::execution(&checked, runs, conformances, Vec::new());
    execution.inputs = Some(inputs);
    super::reported(workspace, execution, started)
}

/// A slice's run over every shard: its rows and things summed; its files said as every
/// shard's (`out/shards/*/...`).
fn merged_run(first: &SliceState, parts: &[(&Path, &SliceState)]) -> SliceRun {
    let sum = |f: &dyn Fn(&SliceState) -> Option<u64>| -> Option<u64> {
        parts.iter().map(|(_, s)| f(s)).sum()
    };
    let every = |path: &Option<String>| {
        path.as_ref()
            .map(|p| p.replacen(&format!("{SHARDS_DIR}/1/"), &format!("{SHARDS_DIR}/*/"), 1))
    };
    let account = RowAccount {
        read: parts.iter().map(|(_, s)| s.read).sum(),
        in_slice: parts.iter().map(|(_, s)| s.in_slice).sum(),
        outside: parts.iter().map(|(_, s)| s.outside).sum(),
    };
    SliceRun {
        account: SliceAccount::new(
            &first.slice,
            &first.source,
            account,
            every(&first.rows_output),
        ),
        things: sum(&|s| s.things),
        quarantined: sum(&|s| s.quarantined),
        failed_values: sum(&|s| s.failed_values),
        entities: every(&first.entities),
        triples: sum(&|s| s.triples),
        conformance: None,
        levels: Vec::new(),
        thresholds: Default::default(),
    }
}
