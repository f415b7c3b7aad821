//! One slice carried through the job batch by batch: its rows cut from each batch of its
//! source are written, mapped, checked and their things written as they come, so memory
//! holds a batch and the identifiers seen, never the whole slice.

use std::path::{Path, PathBuf};

use polars::prelude::*;

use crate::checks::{Identities, ScoreError, Scorer};
use crate::columns::{ORIGIN_COLUMN, REASON, data_columns};
use crate::error::{Error, Result};
use crate::mapping::{self, Compiled, Joined, Kept, MappedRows, Mapping, MappingError};
use crate::output::{
    AtomicFile, Behind, FileFormat, Folder, Formats, OutputError, RdfFiles, RdfSettings, RdfSink,
    SliceRdf, TableSink, data_path,
};
use crate::pipeline::Plan;
use crate::progress::{Progress, Task};
use crate::rdl::Rdl;
use crate::share::Withheld;
use crate::slice::{RowAccount, Slice, SlicedRows};
use crate::source::Origin;

/// What the slices of a run share as they stream: the identifiers of their things (for
/// uniqueness and links) and the rows other slices look into.
#[derive(Debug, Default)]
pub struct Shared {
    pub identities: Identities,
    pub kept: Kept,
}

/// Which files the streams of a job write, and where.
#[derive(Debug, Clone, Copy)]
pub struct Files<'a> {
    pub output_dir: &'a Path,
    /// The formats of the tables and the RDF.
    pub formats: Formats,
    /// `slices/NAME.parquet` (when `formats` has Parquet: slices are written as Parquet
    /// only).
    pub slices: bool,
    /// `quarantine/NAME.*`.
    pub quarantine: bool,
    /// `entities/NAME.*` and `rdf/NAME.*`.
    pub things: bool,
    /// How the RDF is written.
    pub rdf: &'a RdfSettings,
    /// The workspace's handling marking (a slice's own is over it).
    pub marking: Option<&'a crate::marking::Marking>,
}

impl Files<'_> {
    /// The formats of `folder`'s files.
    fn formats(&self, folder: Folder) -> Formats {
        match folder {
            Folder::Slices if self.formats.contains(FileFormat::Parquet) => {
                Formats::NONE.with(FileFormat::Parquet)
            }
            Folder::Slices => Formats::NONE,
            Folder::Entities | Folder::Quarantine | Folder::Rdf => self.formats,
        }
    }

    /// The path of the table in `folder` a report names: the Parquet file, else the CSV.
    fn shown(&self, folder: Folder, slice: &str) -> Option<PathBuf> {
        let format = self.formats(folder).tables().next()?;
        Some(data_path(self.output_dir, folder, slice, format.into()))
    }
}

/// What mapping a slice needs.
pub struct SliceMapping<'a> {
    pub mapping: &'a Mapping,
    pub rdl: &'a Rdl,
    /// Whether a slice has a mapping (so things a link can point at).
    pub has_mapping: &'a (dyn Fn(&str) -> bool + Sync),
    /// What its shared outputs withhold, when anything.
    pub withheld: Option<&'a Withheld>,
}

/// A slice being streamed.
pub struct SliceStream<'a> {
    slice: &'a Slice,
    files: Files<'a>,
    progress: &'a dyn Progress,
    account: RowAccount,
    /// The slice's columns, known from its first batch.
    columns: Vec<String>,
    rows_sink: Option<Behind<TableSink>>,
    mapped: Option<MappingStream<'a>>,
}

/// The mapping side of a stream.
struct MappingStream<'a> {
    slice: &'a Slice,
    files: Files<'a>,
    progress: &'a dyn Progress,
    with: SliceMapping<'a>,
    /// Compiled against the first batch's columns; every batch has the same.
    compiled: Option<Compiled>,
    /// The rows of other slices joined to each batch, made at the first batch.
    joined: Option<Vec<Joined>>,
    scorer: Option<Scorer<'a>>,
    entities: Option<Behind<TableSink>>,
    quarantine: Option<Behind<TableSink>>,
    rdf: Option<Behind<RdfSink>>,
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
    pub mapped: Option<MappedSlice<'a>>,
    /// The files written, to be put in place once the whole run has succeeded.
    pub written: Vec<AtomicFile>,
}

/// What a mapped slice's stream made.
pub struct MappedSlice<'a> {
    pub mapping: &'a Mapping,
    pub scorer: Scorer<'a>,
    pub things: u64,
    pub quarantined: u64,
    pub failed_values: u64,
    /// The entities table written (Parquet, else CSV), if any.
    pub entities: Option<PathBuf>,
    /// None when no RDF was made (`check`).
    pub triples: Option<u64>,
    /// The attributes the mapping reads that no attribute row names.
    pub absent_attributes: Vec<mapping::Absent>,
}

impl<'a> SliceStream<'a> {
    pub fn new(
        slice: &'a Slice,
        mapped: Option<SliceMapping<'a>>,
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
            mapped: mapped.map(|with| MappingStream {
                slice,
                files,
                progress,
                with,
                compiled: None,
                joined: None,
                scorer: None,
                entities: None,
                quarantine: None,
                rdf: None,
                things: 0,
                quarantined: 0,
                failed_values: 0,
            }),
        }
    }

    /// Takes the slice's rows cut from one batch of its source. `shared` holds the
    /// identifiers of every slice, for uniqueness and links, and the rows kept for lookups.
    pub fn batch(&mut self, rows: SlicedRows, origin: &Origin, shared: &Shared) -> Result<()> {
        if self.account.read == 0 {
            self.columns = rows.columns();
        }
        self.account.read += rows.account.read;
        self.account.in_slice += rows.account.in_slice;
        self.account.outside += rows.account.outside;
        if self.files.slices && self.files.formats(Folder::Slices) != Formats::NONE {
            let table = slice_table(&rows, origin)
                .map_err(|e| frame_error(&self.slice.source, origin, e))?;
            append(
                &mut self.rows_sink,
                &self.files,
                Folder::Slices,
                &self.slice.name,
                table,
            )?;
        }
        let (slice, source) = (self.slice, &self.slice.source);
        let kept = |things: Option<&DataFrame>| -> Result<()> {
            shared
                .kept
                .keep(&slice.name, &rows.frame, things, origin)
                .map_err(|e| frame_error(source, origin, e))
        };
        match self.mapped.as_mut() {
            Some(mapped) => {
                let (batch, joined) = mapped.map(&rows, self.account.in_slice, &shared.kept)?;
                kept(Some(&batch.entities))?;
                mapped.check_and_write(batch, &joined, origin, &shared.identities)?;
            }
            None => kept(None)?,
        }
        Ok(())
    }

    /// Ends the slice's files, which [`Streamed::written`] holds until they are put in place.
    pub fn end(self) -> Result<Streamed<'a>> {
        let mut written = Vec::new();
        let rows_path = match self.rows_sink {
            Some(sink) => {
                written.extend(sink.end(self.progress)?);
                self.files.shown(Folder::Slices, &self.slice.name)
            }
            None => None,
        };
        let mapped = match self.mapped {
            Some(m) => m.end(&mut written)?,
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

impl<'a> MappingStream<'a> {
    /// Maps one batch of the slice's rows, checking that every row in the slice so far
    /// became a thing or was quarantined. Returns what it made, and the rows with the
    /// columns of other slices they read joined to them.
    fn map(
        &mut self,
        rows: &SlicedRows,
        in_slice: u64,
        kept: &Kept,
    ) -> Result<(MappedRows, DataFrame)> {
        let slice = self.slice;
        let task = phase(self.progress, "mapping", &slice.name);
        let (mapping, rdl) = (self.with.mapping, self.with.rdl);
        let fail = |e| MappingError::run(mapping, e);
        let joined = match &mut self.joined {
            Some(joined) => joined,
            None => self
                .joined
                .insert(kept.joined(mapping, rows.frame.schema()).map_err(fail)?),
        };
        let frame = match joined.is_empty() {
            true => rows.frame.clone(),
            false => mapping::join(&rows.frame, joined).map_err(fail)?,
        };
        // Compiled against the columns joined too: they are read like the slice's own.
        let compiled = self
            .compiled
            .get_or_insert_with(|| mapping::compile(mapping, rdl, frame.schema()));
        let batch = mapping::apply(compiled, &frame).map_err(fail)?;
        task.finish();
        self.things += batch.entities.height() as u64;
        self.quarantined += batch.quarantine.height() as u64;
        self.failed_values += batch.failed_values.height() as u64;
        if self.things + self.quarantined != in_slice {
            return Err(Error::Accounting {
                slice: slice.name.clone(),
                in_slice,
                things: self.things,
                quarantined: self.quarantined,
            });
        }
        Ok((batch, frame))
    }

    /// Checks a mapped batch, then writes its quarantined rows, its things and their
    /// triples (as `files` asks).
    fn check_and_write(
        &mut self,
        mut batch: MappedRows,
        rows: &DataFrame,
        origin: &Origin,
        identities: &Identities,
    ) -> Result<()> {
        let (slice, files, progress) = (self.slice, self.files, self.progress);
        let (mapping, rdl) = (self.with.mapping, self.with.rdl);
        let fail = |e: PolarsError| MappingError::run(mapping, e);
        let task = phase(progress, "checking", &slice.name);
        let has_mapping = self.with.has_mapping;
        let withheld = self.with.withheld;
        // Rows as read are checked by nobody: they are shown as shared from here on.
        if let Some(withheld) = withheld {
            batch.quarantine = withheld.rows(&batch.quarantine).map_err(fail)?;
        }
        let scorer = self.scorer.get_or_insert_with(|| {
            Scorer::new(&slice.name, mapping, rdl, origin.clone(), has_mapping)
        });
        let left_out = scorer
            .batch(rows, &mut batch, identities)
            .map_err(|e| match e {
                ScoreError::Check { index, source } => {
                    MappingError::check_run(mapping, index, &source)
                }
                ScoreError::Polars(source) => fail(source),
            })?;
        self.failed_values += left_out;
        task.finish();

        if files.quarantine {
            let table = quarantine_table(&batch, origin).map_err(fail)?;
            append(
                &mut self.quarantine,
                &files,
                Folder::Quarantine,
                &slice.name,
                table,
            )?;
        }
        if files.things {
            // Checked on the values as read; written as the share policy says.
            if let Some(withheld) = withheld {
                batch.entities = withheld.things(&batch.entities).map_err(fail)?;
            }
            let dropped = withheld.map(Withheld::dropped).unwrap_or_default();
            let table = entities_table(&batch, origin, &dropped).map_err(fail)?;
            append(
                &mut self.entities,
                &files,
                Folder::Entities,
                &slice.name,
                table,
            )?;

            let marking =
                (files.marking.cloned().unwrap_or_default()).overridden_by(slice.marking.as_ref());
            let sink = match &mut self.rdf {
                Some(sink) => sink,
                None => {
                    let sink = RdfSink::create(
                        mapping,
                        rdl,
                        RdfFiles {
                            output_dir: files.output_dir,
                            formats: files.formats(Folder::Rdf),
                            rdf: SliceRdf {
                                slice: &slice.name,
                                settings: files.rdf,
                                key: &slice.key,
                                source: &slice.source,
                                withheld: self.with.withheld,
                                marking: (!marking.is_empty()).then_some(&marking),
                            },
                        },
                    )?;
                    let label = format!("writing {} {}", Folder::Rdf.writing(), slice.name);
                    let shown = data_path(
                        files.output_dir,
                        Folder::Rdf,
                        &slice.name,
                        FileFormat::Ntriples,
                    );
                    self.rdf.insert(Behind::start(sink, label, &shown)?)
                }
            };
            sink.write(batch.entities)?;
        }
        Ok(())
    }

    /// Ends the mapped slice's files (into `written`), and hands over its scorer.
    fn end(self, written: &mut Vec<AtomicFile>) -> Result<Option<MappedSlice<'a>>> {
        let (slice, files, progress) = (self.slice, self.files, self.progress);
        if let Some(sink) = self.quarantine {
            written.extend(sink.end(progress)?);
        }
        let entities = match self.entities {
            Some(sink) => {
                written.extend(sink.end(progress)?);
                files.shown(Folder::Entities, &slice.name)
            }
            None => None,
        };
        let triples = match self.rdf {
            Some(sink) => {
                let (stats, files) = sink.end(progress)?;
                written.extend(files);
                Some(stats.triples)
            }
            None => None,
        };
        let absent_attributes = (self.joined.iter().flatten())
            .flat_map(|j| j.absent.iter().cloned())
            .collect();
        Ok(self.scorer.map(|scorer| MappedSlice {
            mapping: self.with.mapping,
            absent_attributes,
            scorer,
            things: self.things,
            quarantined: self.quarantined,
            failed_values: self.failed_values,
            entities,
            triples,
        }))
    }
}

/// A polars failure on the rows of source `id`.
fn frame_error(id: &str, origin: &Origin, source: PolarsError) -> Error {
    crate::source::SourceError::Frame {
        id: id.to_string(),
        path: origin.file.clone(),
        source,
    }
    .into()
}

/// A phase of one slice's work, as progress shows it and `--timings` adds it up.
fn phase(progress: &dyn Progress, what: &str, slice: &str) -> Box<dyn Task> {
    progress.task(&format!("{what} {slice}"), None)
}

/// The stack of a source's stream thread.
const STREAM_STACK_BYTES: usize = 256 << 20;

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
            .map(|item| {
                // A slice's condition is compiled on this thread, and polars recurses into
                // it: the stack a deep condition needs to reach its located limit.
                std::thread::Builder::new()
                    .stack_size(STREAM_STACK_BYTES)
                    .spawn_scoped(scope, move || each(item))
            })
            .collect();
        running
            .into_iter()
            .map(|thread| match thread.map(|t| t.join()) {
                Ok(Ok(result)) => result,
                Ok(Err(_)) => Err(Error::Stopped),
                Err(source) => Err(Error::Thread { source }),
            })
            .collect()
    })
}

/// Reads one source once, batch by batch, through the streams of its slices, and ends them.
/// `shared` holds what the slices of the run share.
pub fn stream_source<'a>(
    plan: &Plan,
    source: &str,
    mut streams: Vec<SliceStream<'a>>,
    shared: &Shared,
    progress: &dyn Progress,
) -> Result<Vec<Streamed<'a>>> {
    let slices: Vec<&Slice> = streams.iter().map(|s| s.slice).collect();
    plan.cut_source(source, &slices, progress, &mut |index, rows, origin| {
        streams[index].batch(rows, origin, shared)
    })?;
    streams.into_iter().map(SliceStream::end).collect()
}

/// Appends `table` to `slice`'s table in `folder`, opening its files on the first batch,
/// whose columns the table keeps.
fn append(
    sink: &mut Option<Behind<TableSink>>,
    files: &Files,
    folder: Folder,
    slice: &str,
    table: DataFrame,
) -> Result<(), OutputError> {
    let sink = match sink {
        Some(sink) => sink,
        None => {
            let formats = files.formats(folder);
            let opened =
                TableSink::create(table.schema(), files.output_dir, folder, slice, formats)?;
            let label = format!("writing {} {slice}", folder.writing());
            let shown = files
                .shown(folder, slice)
                .unwrap_or_else(|| files.output_dir.to_path_buf());
            sink.insert(Behind::start(opened, label, &shown)?)
        }
    };
    sink.write(table)
}

/// A batch of a slice's rows as written to `slices/NAME.parquet`: its origin first, then its
/// columns, in source order.
pub fn slice_table(rows: &SlicedRows, origin: &Origin) -> PolarsResult<DataFrame> {
    let mut selection = vec![origin.row_expr().alias(ORIGIN_COLUMN)];
    selection.extend(rows.columns().into_iter().map(col));
    rows.frame.clone().lazy().select(selection).collect()
}

/// A batch's quarantined rows as written: where each came from, why, and the row as the
/// slice had it.
fn quarantine_table(batch: &MappedRows, origin: &Origin) -> PolarsResult<DataFrame> {
    let mut selection = vec![
        origin.row_expr().alias(ORIGIN_COLUMN),
        col(mapping::quarantine_reason()).alias(REASON),
    ];
    selection.extend(data_columns(&batch.quarantine).into_iter().map(col));
    batch.quarantine.clone().lazy().select(selection).collect()
}

/// A batch's things as written: id, class, label, properties in RDL units, links, and where
/// each came from.
fn entities_table(
    batch: &MappedRows,
    origin: &Origin,
    dropped: &[&str],
) -> PolarsResult<DataFrame> {
    let mut selection: Vec<Expr> = (data_columns(&batch.entities).into_iter())
        .filter(|name| !dropped.contains(&name.as_str()))
        .map(col)
        .collect();
    selection.push(origin.row_expr().alias(ORIGIN_COLUMN));
    batch.entities.clone().lazy().select(selection).collect()
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use super::*;
    use crate::diag::YamlFile;
    use crate::mapping::fixtures::{mapping, rdl, rows};
    use crate::progress::Silent;
    use crate::source::OriginKind;

    const MAPPING: &str = "slice: assets\nclass: Pump\nid: \"https://data.test/asset/{ID}\"\nproperties:\n  power: { from: Power, unit: kW }\n";

    /// A batch of the slice `assets`: its rows numbered from `first`, and how many rows of
    /// the source's batch fell outside the slice.
    fn batch(
        first: u64,
        ids: &[Option<&str>],
        powers: &[Option<&str>],
        outside: u64,
    ) -> SlicedRows {
        let frame = rows(first, &[("ID", ids), ("Power", powers)]);
        let in_slice = frame.height() as u64;
        SlicedRows {
            frame,
            account: RowAccount {
                read: in_slice + outside,
                in_slice,
                outside,
            },
        }
    }

    #[test]
    fn a_slice_streamed_in_batches_is_written_once_and_put_in_place_on_commit() {
        let dir = tempfile::tempdir().expect("temporary folder");
        let rdl = rdl();
        let mapping = mapping(&rdl, &["ID", "Power"], MAPPING).expect("valid mapping");
        let slice = Slice::from_file(
            "assets".into(),
            YamlFile::from_text(
                PathBuf::from("s.yaml"),
                "slices/assets.yaml".into(),
                "source: a\n",
            ),
        )
        .expect("slice");
        let files = Files {
            output_dir: dir.path(),
            formats: Formats::NONE
                .with(FileFormat::Csv)
                .with(FileFormat::Ntriples),
            slices: true,
            quarantine: true,
            things: true,
            rdf: &RdfSettings::default(),
            marking: None,
        };
        let has_mapping = |_: &str| true;
        let mapped = SliceMapping {
            mapping: &mapping,
            rdl: &rdl,
            has_mapping: &has_mapping,
            withheld: None,
        };
        let mut stream = SliceStream::new(&slice, Some(mapped), files, &Silent);
        let origin = Origin {
            file: "a.csv".into(),
            kind: OriginKind::Lines,
        };
        let shared = Shared {
            identities: Identities::new(["assets"], []),
            kept: Kept::default(),
        };
        stream
            .batch(
                batch(2, &[Some("P1"), None], &[Some("5"), Some("1")], 1),
                &origin,
                &shared,
            )
            .expect("first batch");
        stream
            .batch(batch(5, &[Some("P3")], &[Some("x")], 0), &origin, &shared)
            .expect("second batch");
        let streamed = stream.end().expect("ended");
        assert_eq!(
            streamed.account,
            RowAccount {
                read: 4,
                in_slice: 3,
                outside: 1
            }
        );
        let end = streamed.mapped.as_ref().expect("mapped");
        assert_eq!((end.things, end.quarantined, end.failed_values), (2, 1, 1));
        // Two things, two triples each (type, power) but P3's power failed: three.
        assert_eq!(end.triples, Some(3));
        // No Parquet asked for: the slice's rows are not written, the entities are CSV.
        assert_eq!(streamed.rows_path, None);
        assert_eq!(end.entities, Some(dir.path().join("entities/assets.csv")));

        let entities = dir.path().join("entities/assets.csv");
        assert!(!entities.exists(), "nothing is in place before the commit");
        crate::output::commit_all(dir.path(), streamed.written).expect("committed");
        assert_eq!(
            std::fs::read_to_string(&entities).expect("entities"),
            "id,class,power,_origin\nhttps://data.test/asset/P1,Pump,5000.0,a.csv:2\nhttps://data.test/asset/P3,Pump,,a.csv:5\n"
        );
        assert_eq!(
            std::fs::read_to_string(dir.path().join("quarantine/assets.csv")).expect("quarantine"),
            "_origin,reason,ID,Power\na.csv:3,no identifier: `ID` empty,,1\n"
        );
        let triples = std::fs::read_to_string(dir.path().join("rdf/assets.nt")).expect("RDF");
        assert_eq!(triples.lines().count(), 3, "{triples}");
        let mut left: Vec<String> = std::fs::read_dir(dir.path().join("entities"))
            .expect("listing")
            .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
            .collect();
        left.sort();
        assert_eq!(left, ["assets.csv"], "no temporary left behind");
    }
}
