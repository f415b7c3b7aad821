//! The slicing job: check every slice against its source's headers (static errors before
//! data), then read each source once and cut its slices out of it.

use std::collections::BTreeMap;
use std::path::PathBuf;

use polars::prelude::*;
use rayon::prelude::*;

use crate::diag;
use crate::error::{Error, Result};
use crate::mapping::{self, MappedRows, Mapping, MappingError};
use crate::output;
use crate::progress::Progress;
use crate::rdl::Rdl;
use crate::slice::{RowAccount, Slice, SlicedRows};
use crate::source::{Origin, ROW_COLUMN, SourceError, Table};
use crate::workspace::{Outputs, Workspace};

/// The name of the origin column in slice outputs.
pub const ORIGIN_COLUMN: &str = "_origin";

/// Slices checked against their sources, ready to run.
#[derive(Debug)]
pub struct Plan<'w> {
    pub workspace: &'w Workspace,
    pub slices: Vec<Slice>,
    /// Each used source's column names, read before any data.
    pub headers: BTreeMap<String, Vec<String>>,
}

/// One slice cut from its source.
#[derive(Debug)]
pub struct SliceOutcome {
    pub slice: String,
    pub source: String,
    pub key: Vec<String>,
    pub rows: SlicedRows,
    pub origin: Origin,
}

impl SliceOutcome {
    pub fn account(&self) -> RowAccount {
        self.rows.account
    }
}

impl<'w> Plan<'w> {
    /// Loads the slices (all, or those named in `only`) and checks each against its source,
    /// reading headers only. Every problem found is reported together.
    pub fn prepare(workspace: &'w Workspace, only: &[String]) -> Result<Self> {
        let (plan, problems) = Self::survey(workspace, only)?;
        if problems.is_empty() {
            Ok(plan)
        } else {
            Err(Error::from_problems(problems))
        }
    }

    /// Like [`Plan::prepare`], but hands back the problems with the plan so a caller can add
    /// its own before reporting them all. Fails outright only when the slices cannot be
    /// listed or parsed.
    pub fn survey(workspace: &'w Workspace, only: &[String]) -> Result<(Self, Vec<Error>)> {
        let all = Slice::load_dir(&workspace.slices_dir, &workspace.root).map_err(|problems| {
            Error::from_problems(problems.into_iter().map(Error::from).collect())
        })?;
        if all.is_empty() {
            return Err(Error::NoSlices {
                dir: workspace.display_path(&workspace.slices_dir),
            });
        }
        let slices = select(all, only)?;

        let mut problems: Vec<Error> = Vec::new();
        let mut headers: BTreeMap<String, Vec<String>> = BTreeMap::new();
        let mut unreadable: Vec<String> = Vec::new();
        for slice in &slices {
            let Some(source) = workspace.sources.get(&slice.source) else {
                problems.extend(
                    slice
                        .check(&workspace.sources, &[])
                        .into_iter()
                        .map(Error::from),
                );
                continue;
            };
            if unreadable.contains(&source.id) {
                continue;
            }
            if !headers.contains_key(&source.id) {
                match source.headers() {
                    Ok(names) => {
                        headers.insert(source.id.clone(), names);
                    }
                    Err(err) => {
                        unreadable.push(source.id.clone());
                        problems.push(err.into());
                        continue;
                    }
                }
            }
            let names = &headers[&source.id];
            problems.extend(
                slice
                    .check(&workspace.sources, names)
                    .into_iter()
                    .map(Error::from),
            );
        }
        let plan = Self {
            workspace,
            slices,
            headers,
        };
        Ok((plan, problems))
    }

    /// Each slice's columns as named in the slice, for the slices whose source's header
    /// could be read.
    pub fn slice_columns(&self) -> BTreeMap<String, Vec<String>> {
        self.slices
            .iter()
            .filter_map(|slice| {
                let headers = self.headers.get(&slice.source)?;
                Some((slice.name.clone(), slice.output_columns(headers)))
            })
            .collect()
    }

    /// Reads each source once and cuts its slices, in slice-name order.
    pub fn cut(&self, progress: &dyn Progress) -> Result<Vec<SliceOutcome>> {
        let mut by_source: BTreeMap<&str, Vec<&Slice>> = BTreeMap::new();
        for slice in &self.slices {
            by_source
                .entry(slice.source.as_str())
                .or_default()
                .push(slice);
        }
        // Sources are independent: each is read and cut on its own thread.
        let cut: Vec<Result<Vec<SliceOutcome>>> = by_source
            .into_par_iter()
            .map(|(source_id, slices)| self.cut_source(source_id, &slices, progress))
            .collect();
        let mut outcomes = Vec::with_capacity(self.slices.len());
        for source in cut {
            outcomes.extend(source?);
        }
        outcomes.sort_by(|a, b| a.slice.cmp(&b.slice));
        Ok(outcomes)
    }

    /// Reads one source and cuts its slices out of it, batch by batch.
    fn cut_source(
        &self,
        source_id: &str,
        slices: &[&Slice],
        progress: &dyn Progress,
    ) -> Result<Vec<SliceOutcome>> {
        let mut outcomes = Vec::with_capacity(slices.len());
        let source = &self.workspace.sources[source_id];
        // Only the columns some slice reads are kept in memory.
        let wanted: Option<Vec<String>> =
            slices
                .iter()
                .map(|s| s.input_columns())
                .try_fold(Vec::new(), |mut all, columns| {
                    all.extend(columns?);
                    Some(all)
                });
        // Each batch of the source is cut at once, so only the slices' rows are kept.
        let mut cut: Vec<Option<SlicedRows>> = slices.iter().map(|_| None).collect();
        let mut origin = None;
        source.read_batches(wanted.as_deref(), progress, &mut |batch: Table| {
            for (slice, rows) in slices.iter().zip(cut.iter_mut()) {
                let more = slice.evaluate(&batch)?;
                match rows {
                    None => *rows = Some(more),
                    Some(rows) => rows.append(more).map_err(|e| source.frame_error(&e))?,
                }
            }
            origin = Some(batch.origin);
            Ok::<(), Error>(())
        })?;
        let Some(origin) = origin else {
            return Ok(outcomes);
        };
        for (slice, rows) in slices.iter().zip(cut) {
            let Some(mut rows) = rows else {
                continue;
            };
            rows.frame.rechunk_mut_par();
            outcomes.push(SliceOutcome {
                slice: slice.name.clone(),
                source: source_id.to_string(),
                key: slice.key_columns(&self.headers[source_id]),
                rows,
                origin: origin.clone(),
            });
        }
        Ok(outcomes)
    }

    /// Where a slice's rows are written.
    pub fn slice_path(&self, slice: &str) -> PathBuf {
        self.workspace
            .output_dir
            .join("slices")
            .join(format!("{slice}.parquet"))
    }

    /// Writes a slice's rows as Parquet: its origin first, then its columns, in source order.
    pub fn write_slice(&self, outcome: &SliceOutcome) -> Result<PathBuf> {
        let mut selection = vec![outcome.origin.row_expr().alias(ORIGIN_COLUMN)];
        selection.extend(
            outcome
                .rows
                .frame
                .get_column_names()
                .into_iter()
                .filter(|n| n.as_str() != ROW_COLUMN)
                .map(|n| col(n.clone())),
        );
        let mut frame = outcome
            .rows
            .frame
            .clone()
            .lazy()
            .select(selection)
            .collect()
            .map_err(|e| SourceError::Frame {
                id: outcome.source.clone(),
                path: outcome.origin.file.clone(),
                reason: e.to_string(),
            })?;
        let path = self.slice_path(&outcome.slice);
        output::write_parquet(&mut frame, &path)?;
        Ok(path)
    }
}

/// One slice refactored into things.
#[derive(Debug)]
pub struct MapOutcome {
    pub slice: String,
    pub mapped: MappedRows,
    pub origin: Origin,
}

/// Runs a slice's mapping over its rows.
pub fn map_slice(mapping: &Mapping, rdl: &Rdl, outcome: &SliceOutcome) -> Result<MapOutcome> {
    let schema = outcome.rows.frame.schema();
    let compiled = mapping::compile(mapping, rdl, schema);
    let mapped = mapping::run(&compiled, &outcome.rows.frame).map_err(|e| MappingError::Run {
        mapping: mapping.file.name.clone(),
        reason: e.to_string(),
    })?;
    Ok(MapOutcome {
        slice: outcome.slice.clone(),
        mapped,
        origin: outcome.origin.clone(),
    })
}

impl MapOutcome {
    /// Writes the rows that could not become things to `quarantine/NAME.parquet` and `.csv`:
    /// where each came from, why, and the row as the slice had it.
    pub fn write_quarantine(
        &self,
        rows: &DataFrame,
        output_dir: &std::path::Path,
        outputs: Outputs,
    ) -> Result<()> {
        if !outputs.parquet && !outputs.csv {
            return Ok(());
        }
        let fail = |e: PolarsError| MappingError::Run {
            mapping: self.slice.clone(),
            reason: e.to_string(),
        };
        let mut selection = vec![self.origin.row_expr().alias(ORIGIN_COLUMN), col("reason")];
        selection.extend(
            rows.get_column_names()
                .into_iter()
                .filter(|n| n.as_str() != ROW_COLUMN)
                .map(|n| col(n.clone())),
        );
        let mut frame = self
            .mapped
            .quarantine
            .clone()
            .lazy()
            .join(
                rows.clone().lazy(),
                [col(ROW_COLUMN)],
                [col(ROW_COLUMN)],
                JoinArgs::new(JoinType::Inner),
            )
            .sort([ROW_COLUMN], SortMultipleOptions::default())
            .select(selection)
            .collect()
            .map_err(fail)?;
        let dir = output_dir.join("quarantine");
        if outputs.parquet {
            output::write_parquet(&mut frame, &dir.join(format!("{}.parquet", self.slice)))?;
        }
        if outputs.csv {
            output::write_csv(&frame, &dir.join(format!("{}.csv", self.slice)))?;
        }
        Ok(())
    }

    /// Writes the things as RDF: `rdf/NAME.nt` and `rdf/NAME.ttl`, as `outputs` asks.
    pub fn write_rdf(
        &self,
        mapping: &Mapping,
        rdl: &Rdl,
        output_dir: &std::path::Path,
        outputs: Outputs,
    ) -> Result<output::RdfStats> {
        let dir = output_dir.join("rdf");
        let nt = dir.join(format!("{}.nt", self.slice));
        let ttl = dir.join(format!("{}.ttl", self.slice));
        Ok(output::write_rdf(
            &self.mapped.entities,
            mapping,
            rdl,
            outputs.ntriples.then_some(nt.as_path()),
            outputs.turtle.then_some(ttl.as_path()),
        )?)
    }

    /// Writes the things as `entities/NAME.parquet` and `.csv`, as `outputs` asks: id, class,
    /// label, properties in RDL units, links, and where each came from. Returns the Parquet
    /// path, else the CSV path; None when neither is written.
    pub fn write(&self, output_dir: &std::path::Path, outputs: Outputs) -> Result<Option<PathBuf>> {
        if !outputs.parquet && !outputs.csv {
            return Ok(None);
        }
        let entities = &self.mapped.entities;
        let mut selection: Vec<Expr> = entities
            .get_column_names()
            .into_iter()
            .filter(|n| n.as_str() != ROW_COLUMN)
            .map(|n| col(n.clone()))
            .collect();
        selection.push(self.origin.row_expr().alias(ORIGIN_COLUMN));
        let mut frame = entities
            .clone()
            .lazy()
            .select(selection)
            .collect()
            .map_err(|e| MappingError::Run {
                mapping: self.slice.clone(),
                reason: e.to_string(),
            })?;
        let dir = output_dir.join("entities");
        let parquet = dir.join(format!("{}.parquet", self.slice));
        let csv = dir.join(format!("{}.csv", self.slice));
        if outputs.csv {
            output::write_csv(&frame, &csv)?;
        }
        if outputs.parquet {
            output::write_parquet(&mut frame, &parquet)?;
            return Ok(Some(parquet));
        }
        Ok(Some(csv))
    }
}

fn select(all: Vec<Slice>, only: &[String]) -> Result<Vec<Slice>> {
    check_names(&all, only)?;
    if only.is_empty() {
        return Ok(all);
    }
    Ok(all.into_iter().filter(|s| only.contains(&s.name)).collect())
}

/// Every name in `only` must be a slice of the workspace.
pub fn check_names(all: &[Slice], only: &[String]) -> Result<()> {
    let problems: Vec<Error> = only
        .iter()
        .filter(|name| !all.iter().any(|s| &s.name == *name))
        .map(|name| Error::UnknownSlice {
            name: name.clone(),
            help: diag::suggest(name, all.iter().map(|s| s.name.as_str()), "slices"),
        })
        .collect();
    if problems.is_empty() {
        Ok(())
    } else {
        Err(Error::from_problems(problems))
    }
}
