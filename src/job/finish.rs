//! A slice's stream finished into its run and conformance, and the digitalisation levels
//! its columns reached, a source's columns by their best slice.

use std::collections::BTreeMap;

use super::{Execution, shards};
use crate::checks::digitalisation::{self, ColumnLevel};
use crate::checks::{Conformance, Identities};
use crate::error::Result;
use crate::lint::Linted;
use crate::mapping::MappingError;
use crate::pipeline::Plan;
use crate::quality::Level;
use crate::rdl::Rdl;
use crate::report::{SliceAccount, SliceRun};
use crate::stream::Streamed;
use crate::workspace::Workspace;

/// A streamed slice's run, and its conformance once every slice's identifiers are known;
/// in a shard, also its share of the checks.
pub(super) type Finished = (SliceRun, Option<Conformance>, Option<shards::ShardSlice>);

pub(super) fn finish(
    stream: Streamed,
    workspace: &Workspace,
    (rdl, withheld): (Option<&Rdl>, Option<&crate::share::Withheld>),
    identities: &Identities,
) -> Result<Finished> {
    let slice = stream.slice;
    let account = SliceAccount::new(
        &slice.name,
        &slice.source,
        stream.account,
        stream.rows_path.map(|p| workspace.display_path(&p)),
    );
    let thresholds = workspace.thresholds.overridden_by(&slice.thresholds);
    let mut run = SliceRun {
        account,
        things: None,
        quarantined: None,
        failed_values: None,
        entities: None,
        triples: None,
        conformance: None,
        levels: Vec::new(),
        thresholds,
    };
    let (Some(mapped), Some(rdl)) = (stream.mapped, rdl) else {
        run.levels = digitalisation::levels(&stream.columns, None, None, None);
        return Ok((run, None, None));
    };
    let mapping = mapped.mapping;
    // A shard keeps its share of the checks before its own view of them is finished.
    let part = match identities.is_partial() {
        true => Some(shards::ShardSlice {
            slice: slice.name.clone(),
            columns: stream.columns.clone(),
            absent: mapped.absent_attributes.clone(),
            partial: (mapped.scorer.partial()).map_err(|e| MappingError::run(mapping, e))?,
        }),
        false => None,
    };
    let mut conformance = mapped
        .scorer
        .finish(identities)
        .map_err(|source| MappingError::run(mapping, source))?;
    conformance.absent_attributes = mapped.absent_attributes;
    if let Some(withheld) = withheld {
        (withheld.conformance(&mut conformance))
            .map_err(|source| MappingError::run(mapping, source))?;
    }
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
    Ok((run, Some(conformance), part))
}

/// A job's execution from its slices' runs and conformances: the levels each source's
/// columns reached, each slice's marking.
pub(super) fn execution(
    checked: &Linted,
    mut runs: Vec<SliceRun>,
    conformances: Vec<Conformance>,
    shard: Vec<shards::ShardSlice>,
) -> Execution {
    credit_read_elsewhere(checked, &conformances, &mut runs);
    let source_levels = source_levels(&checked.plan, &runs);
    let workspace = checked.plan.workspace;
    let base = workspace.marking.clone().unwrap_or_default();
    let markings = (checked.plan.slices.iter())
        .map(|s| (s.name.clone(), base.overridden_by(s.marking.as_ref())))
        .filter(|(_, m)| !m.is_empty())
        .collect();
    Execution {
        runs,
        markings,
        conformances,
        source_levels,
        shard,
        inputs: None,
    }
}

/// A column another slice's mapping read (through a link, or as an attribute) reached the
/// level that mapping raised it to, when that is higher than its own slice's.
fn credit_read_elsewhere(checked: &Linted, conformances: &[Conformance], runs: &mut [SliceRun]) {
    let Some(rdl) = checked.rdl.as_ref() else {
        return;
    };
    for conformance in conformances {
        let Some(mapping) = checked.mapping_of(&conformance.slice) else {
            continue;
        };
        for (slice, column, level, mapped_to) in
            digitalisation::read_elsewhere(mapping, rdl, conformance)
        {
            let levels = runs
                .iter_mut()
                .filter(|r| r.account.slice == slice)
                .flat_map(|r| r.levels.iter_mut());
            for known in levels.filter(|l| l.column == column && l.level < level) {
                known.level = level;
                known.mapped_to = mapped_to.clone();
            }
        }
    }
}

/// Each source column at the best level any slice raised it to; columns no slice reads
/// stay syntactic.
fn source_levels(plan: &Plan, runs: &[SliceRun]) -> BTreeMap<String, Vec<ColumnLevel>> {
    let mut sources = BTreeMap::new();
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
                    .max_by_key(|l| l.level);
                ColumnLevel {
                    column: column.clone(),
                    level: best.map_or(Level::Syntactic, |b| b.level),
                    mapped_to: best.and_then(|b| b.mapped_to.clone()),
                }
            })
            .collect();
        sources.insert(source.clone(), levels);
    }
    sources
}
