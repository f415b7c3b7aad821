//! One slice carried through the job batch by batch: its rows cut from each batch of its
//! source are written, mapped, checked and their things written as they come, so memory
//! holds a batch and the identifiers seen, never the whole slice.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use polars::prelude::*;

use crate::checks::{Checker, Things};
use crate::error::{Error, Result};
use crate::mapping::{self, Compiled, MappedRows, Mapping, MappingError};
use crate::output::{AtomicFile, OutputError, RdfSink, TableSink};
use crate::pipeline::{ORIGIN_COLUMN, Plan, slice_table};
use crate::progress::{Progress, Task};
use crate::rdl::Rdl;
use crate::slice::{RowAccount, Slice, SlicedRows};
use crate::source::{Origin, ROW_COLUMN, data_columns};
use crate::workspace::Outputs;

/// Which files the streams of a job write, and where.
#[derive(Debug, Clone, Copy)]
pub struct Files<'a> {
    pub output_dir: &'a Path,
    /// The formats of the tables and the RDF.
    pub outputs: Outputs,
    /// `slices/NAME.parquet` (when `outputs` has Parquet).
    pub slices: bool,
    /// `quarantine/NAME.*`.
    pub quarantine: bool,
    /// `entities/NAME.*` and `rdf/NAME.*`.
    pub things: bool,
}

impl Files<'_> {
    fn path(&self, folder: &str, slice: &str, extension: &str) -> PathBuf {
        self.output_dir
            .join(folder)
            .join(format!("{slice}.{extension}"))
    }

    /// The Parquet and CSV paths of a table in `folder`, as `outputs` asks.
    fn table(&self, folder: &str, slice: &str) -> (Option<PathBuf>, Option<PathBuf>) {
        (
            self.outputs
                .parquet
                .then(|| self.path(folder, slice, "parquet")),
            self.outputs.csv.then(|| self.path(folder, slice, "csv")),
        )
    }
}

/// What mapping a slice needs.
pub struct Mapped<'a> {
    pub mapping: &'a Mapping,
    pub rdl: &'a Rdl,
    /// Whether a slice has a mapping (so things a link can point at).
    pub is_mapped: &'a (dyn Fn(&str) -> bool + Sync),
}

/// A slice being streamed.
pub struct SliceStream<'a> {
    slice: &'a Slice,
    files: Files<'a>,
    progress: &'a dyn Progress,
    account: RowAccount,
    /// The slice's columns, known from its first batch.
    columns: Vec<String>,
    rows_sink: Option<TableSink>,
    mapped: Option<MappedStream<'a>>,
}

/// The mapping side of a stream.
struct MappedStream<'a> {
    with: Mapped<'a>,
    /// Compiled against the first batch's columns; every batch has the same.
    compiled: Option<Compiled>,
    checker: Option<Checker<'a>>,
    entities: Option<TableSink>,
    quarantine: Option<TableSink>,
    rdf: Option<RdfSink<'a>>,
    things: u64,
    quarantined: u64,
    failed_values: u64,
}

/// A slice whose every batch went through: its files are written (and wait in
/// [`Streamed::written`] to be put in place), its conformance waits for the links to slices
/// read after it.
pub struct Streamed<'a> {
    pub slice: &'a Slice,
    pub account: RowAccount,
    pub columns: Vec<String>,
    /// `slices/NAME.parquet`, when written.
    pub rows_path: Option<PathBuf>,
    pub mapped: Option<MappedEnd<'a>>,
    /// The files written, to be put in place once the whole run has succeeded.
    pub written: Vec<AtomicFile>,
}

/// What a mapped slice's stream made.
pub struct MappedEnd<'a> {
    pub mapping: &'a Mapping,
    pub checker: Checker<'a>,
    pub things: u64,
    pub quarantined: u64,
    pub failed_values: u64,
    /// The entities table written (Parquet, else CSV), if any.
    pub entities: Option<PathBuf>,
    /// None when no RDF was made (`check`).
    pub triples: Option<u64>,
}

impl<'a> SliceStream<'a> {
    pub fn new(
        slice: &'a Slice,
        mapped: Option<Mapped<'a>>,
        files: Files<'a>,
        progress: &'a dyn Progress,
    ) -> Self {
        Self {
            slice,
            files,
            progress,
            account: RowAccount {
                read: 0,
                in_slice: 0,
                outside: 0,
            },
            columns: Vec::new(),
            rows_sink: None,
            mapped: mapped.map(|with| MappedStream {
                with,
                compiled: None,
                checker: None,
                entities: None,
                quarantine: None,
                rdf: None,
                things: 0,
                quarantined: 0,
                failed_values: 0,
            }),
        }
    }

    /// Takes the slice's rows cut from one batch of its source. `known` holds the things of
    /// the slices already read, for the links.
    pub fn batch(
        &mut self,
        rows: SlicedRows,
        origin: &Origin,
        known: &BTreeMap<String, Things>,
    ) -> Result<()> {
        if self.account.read == 0 {
            self.columns = rows.columns();
        }
        self.account.read += rows.account.read;
        self.account.in_slice += rows.account.in_slice;
        self.account.outside += rows.account.outside;
        if self.files.slices && self.files.outputs.parquet {
            let task = phase(self.progress, "writing slice", &self.slice.name);
            let table = slice_table(&rows, origin).map_err(|e| self.frame_error(origin, &e))?;
            let path = self.files.path("slices", &self.slice.name, "parquet");
            append(&mut self.rows_sink, (Some(path), None), &table)?;
            task.finish();
        }
        if self.mapped.is_some() {
            self.map_batch(&rows, origin, known)?;
        }
        Ok(())
    }

    fn frame_error(&self, origin: &Origin, err: &PolarsError) -> Error {
        crate::source::SourceError::Frame {
            id: self.slice.source.clone(),
            path: origin.file.clone(),
            reason: err.to_string(),
        }
        .into()
    }

    fn map_batch(
        &mut self,
        rows: &SlicedRows,
        origin: &Origin,
        known: &BTreeMap<String, Things>,
    ) -> Result<()> {
        let (slice, files, progress) = (self.slice, self.files, self.progress);
        let task = phase(progress, "mapping", &slice.name);
        let Some(m) = self.mapped.as_mut() else {
            return Ok(());
        };
        let (mapping, rdl) = (m.with.mapping, m.with.rdl);
        let fail = |e: PolarsError| MappingError::Run {
            mapping: mapping.file.name.clone(),
            reason: e.to_string(),
        };
        let compiled = m
            .compiled
            .get_or_insert_with(|| mapping::compile(mapping, rdl, rows.frame.schema()));
        let mut batch = mapping::run(compiled, &rows.frame).map_err(fail)?;
        task.finish();
        m.things += batch.entities.height() as u64;
        m.quarantined += batch.quarantine.height() as u64;
        m.failed_values += batch.failures.height() as u64;
        if m.things + m.quarantined != self.account.in_slice {
            return Err(Error::Accounting {
                slice: slice.name.clone(),
                in_slice: self.account.in_slice,
                things: m.things,
                quarantined: m.quarantined,
            });
        }

        let task = phase(progress, "checking", &slice.name);
        let is_mapped = m.with.is_mapped;
        let checker = m.checker.get_or_insert_with(|| {
            Checker::new(&slice.name, mapping, rdl, origin.clone(), is_mapped)
        });
        checker
            .batch(&rows.frame, &mut batch, known)
            .map_err(fail)?;
        task.finish();

        if files.quarantine {
            let task = phase(progress, "writing quarantine", &slice.name);
            let table = quarantine_table(&batch, rows, origin).map_err(fail)?;
            append(
                &mut m.quarantine,
                files.table("quarantine", &slice.name),
                &table,
            )?;
            task.finish();
        }
        if files.things {
            let task = phase(progress, "writing entities", &slice.name);
            let table = entities_table(&batch, origin).map_err(fail)?;
            append(
                &mut m.entities,
                files.table("entities", &slice.name),
                &table,
            )?;
            task.finish();

            let task = phase(progress, "writing RDF", &slice.name);
            let sink = match &mut m.rdf {
                Some(sink) => sink,
                None => {
                    let nt = files
                        .outputs
                        .ntriples
                        .then(|| files.path("rdf", &slice.name, "nt"));
                    let ttl = files
                        .outputs
                        .turtle
                        .then(|| files.path("rdf", &slice.name, "ttl"));
                    m.rdf.insert(RdfSink::create(
                        mapping,
                        rdl,
                        nt.as_deref(),
                        ttl.as_deref(),
                    )?)
                }
            };
            sink.write(&batch.entities)?;
            task.finish();
        }
        Ok(())
    }

    /// Ends the slice's files, which [`Streamed::written`] holds until they are put in place.
    pub fn end(self) -> Result<Streamed<'a>> {
        let mut written = Vec::new();
        let rows_path = match self.rows_sink {
            Some(sink) => {
                written.extend(sink.finish()?);
                Some(self.files.path("slices", &self.slice.name, "parquet"))
            }
            None => None,
        };
        let mapped = match self.mapped {
            Some(m) => {
                if let Some(sink) = m.quarantine {
                    written.extend(sink.finish()?);
                }
                let entities = match m.entities {
                    Some(sink) => {
                        written.extend(sink.finish()?);
                        let (parquet, csv) = self.files.table("entities", &self.slice.name);
                        parquet.or(csv)
                    }
                    None => None,
                };
                let triples = match m.rdf {
                    Some(sink) => {
                        // What is still queued for the disk is part of writing RDF.
                        let task = phase(self.progress, "writing RDF", &self.slice.name);
                        let (stats, files) = sink.finish()?;
                        written.extend(files);
                        task.finish();
                        Some(stats.triples)
                    }
                    None => None,
                };
                m.checker.map(|checker| MappedEnd {
                    mapping: m.with.mapping,
                    checker,
                    things: m.things,
                    quarantined: m.quarantined,
                    failed_values: m.failed_values,
                    entities,
                    triples,
                })
            }
            None => None,
        };
        Ok(Streamed {
            slice: self.slice,
            account: self.account,
            columns: self.columns,
            rows_path,
            mapped,
            written,
        })
    }
}

/// A phase of one slice's work, as progress shows it and `--timings` adds it up.
fn phase(progress: &dyn Progress, what: &str, slice: &str) -> Box<dyn Task> {
    progress.task(&format!("{what} {slice}"), None)
}

/// Runs `each` on every item, each on a thread of its own, and returns the results in
/// order. A source's stream waits on its reader, and its reader may need rayon's workers
/// (polars, the workbook reader): streams on those workers could leave none to run it.
pub fn side_by_side<I, T, F>(items: I, each: F) -> Vec<Result<T>>
where
    I: IntoIterator,
    I::Item: Send,
    T: Send,
    F: Fn(I::Item) -> Result<T> + Sync,
{
    let each = &each;
    std::thread::scope(|scope| {
        let running: Vec<_> = items
            .into_iter()
            .map(|item| scope.spawn(move || each(item)))
            .collect();
        running
            .into_iter()
            .map(|thread| thread.join().unwrap_or(Err(Error::Stopped)))
            .collect()
    })
}

/// Reads one source once, batch by batch, through the streams of its slices, and ends them.
/// `known` holds the things of the slices already read, for the links.
pub fn stream_source<'a>(
    plan: &Plan,
    source: &str,
    mut streams: Vec<SliceStream<'a>>,
    known: &BTreeMap<String, Things>,
    progress: &dyn Progress,
) -> Result<Vec<Streamed<'a>>> {
    let slices: Vec<&Slice> = streams.iter().map(|s| s.slice).collect();
    plan.stream_source(source, &slices, progress, &mut |index, rows, origin| {
        streams[index].batch(rows, origin, known)
    })?;
    streams.into_iter().map(SliceStream::end).collect()
}

/// Appends `table` to a table's files, opening them (Parquet, CSV: each when given) on the
/// first batch, whose columns the table keeps.
fn append(
    sink: &mut Option<TableSink>,
    (parquet, csv): (Option<PathBuf>, Option<PathBuf>),
    table: &DataFrame,
) -> Result<(), OutputError> {
    let sink = match sink {
        Some(sink) => sink,
        None => sink.insert(TableSink::create(
            table.schema(),
            parquet.as_deref(),
            csv.as_deref(),
        )?),
    };
    sink.write(table)
}

/// A batch's quarantined rows as written: where each came from, why, and the row as the
/// slice had it.
fn quarantine_table(
    batch: &MappedRows,
    rows: &SlicedRows,
    origin: &Origin,
) -> PolarsResult<DataFrame> {
    let mut selection = vec![origin.row_expr().alias(ORIGIN_COLUMN), col("reason")];
    selection.extend(rows.columns().into_iter().map(col));
    batch
        .quarantine
        .clone()
        .lazy()
        .join(
            rows.frame.clone().lazy(),
            [col(ROW_COLUMN)],
            [col(ROW_COLUMN)],
            JoinArgs::new(JoinType::Inner),
        )
        .sort([ROW_COLUMN], SortMultipleOptions::default())
        .select(selection)
        .collect()
}

/// A batch's things as written: id, class, label, properties in RDL units, links, and where
/// each came from.
fn entities_table(batch: &MappedRows, origin: &Origin) -> PolarsResult<DataFrame> {
    let mut selection: Vec<Expr> = data_columns(&batch.entities).into_iter().map(col).collect();
    selection.push(origin.row_expr().alias(ORIGIN_COLUMN));
    batch.entities.clone().lazy().select(selection).collect()
}
