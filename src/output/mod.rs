//! Writers. Every file is written under a temporary name in its final folder and renamed
//! into place, so a crash never leaves a half-written file that looks complete. Each
//! [`FileFormat`] is written by its sink: tables by [`TableSink`], triples by [`RdfSink`].

use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use miette::Diagnostic;
use polars::prelude::*;
use thiserror::Error;

mod atomic;
mod behind;
mod format;
pub mod log;
mod rdf;
mod written;

pub use atomic::{AtomicFile, commit_all, recover, remove_partials};
pub use behind::{Behind, Sink};
pub use format::{FileFormat, Formats, TableFormat, TripleFormat};
pub use rdf::{
    IES4, Pattern, RdfFiles, RdfSettings, RdfSink, RdfStats, SliceRdf, ThingTriples, class_of,
};
pub use written::{OutputFile, written};

#[derive(Debug, Error, Diagnostic)]
pub enum OutputError {
    #[error("cannot write {path}")]
    #[diagnostic(
        code(thinslice::output::write),
        help("check that the output folder is writable and the disk has room")
    )]
    Write {
        path: String,
        #[source]
        source: Cause,
    },
}

/// Why a file could not be written.
#[derive(Debug, Error)]
pub enum Cause {
    #[error(transparent)]
    Io(#[from] std::io::Error),
    #[error(transparent)]
    Polars(#[from] PolarsError),
    #[error(transparent)]
    Csv(#[from] ::csv::Error),
    #[error(transparent)]
    Json(#[from] serde_json::Error),
    /// A writer's thread stopped before it was done.
    #[error("the {0} writer stopped unexpectedly")]
    Stopped(&'static str),
    /// The device is full, whatever the writer said (Parquet's footer writer says "Invalid
    /// thrift: transport error").
    #[error("no space left on the device")]
    NoSpace(#[source] Box<Cause>),
}

/// Less free space than this on a write's device means the write failed for want of it.
const NEARLY_FULL: u64 = 64 * 1024;

impl Cause {
    /// This cause, said as a full disk when the device holding `path` is (nearly) full.
    fn on_device_of(self, path: &Path) -> Self {
        let existing = path.ancestors().find(|p| p.exists());
        let available = existing.and_then(|p| fs4::available_space(p).ok());
        match available {
            Some(free) if free < NEARLY_FULL => Cause::NoSpace(Box::new(self)),
            _ => self,
        }
    }
}

/// The folders of the output folder that hold a slice's data files.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Folder {
    /// The slice's rows as cut (`slices/NAME.parquet`).
    Slices,
    /// Its things (`entities/NAME.*`).
    Entities,
    /// Its rows that became no thing, with the reason (`quarantine/NAME.*`).
    Quarantine,
    /// Its things as triples (`rdf/NAME.*`).
    Rdf,
}

impl Folder {
    pub const ALL: [Folder; 4] = [Self::Slices, Self::Entities, Self::Quarantine, Self::Rdf];

    fn name(self) -> &'static str {
        match self {
            Self::Slices => "slices",
            Self::Entities => "entities",
            Self::Quarantine => "quarantine",
            Self::Rdf => "rdf",
        }
    }

    /// What writing into it is called in `--timings`: `writing entities pumps`.
    pub fn writing(self) -> &'static str {
        match self {
            Self::Slices => "slice",
            Self::Entities => "entities",
            Self::Quarantine => "quarantine",
            Self::Rdf => "RDF",
        }
    }
}

/// Where `slice`'s file of `format` in `folder` goes: `OUT/entities/NAME.parquet`.
pub fn data_path(output_dir: &Path, folder: Folder, slice: &str, format: FileFormat) -> PathBuf {
    output_dir
        .join(folder.name())
        .join(format!("{slice}.{}", format.extension()))
}

/// A write that failed, said as a full disk when the device is (nearly) full.
pub(crate) fn write_error(path: &Path, cause: impl Into<Cause>) -> OutputError {
    OutputError::Write {
        path: path.display().to_string(),
        source: cause.into().on_device_of(path),
    }
}

/// Writes `path` atomically: `write` fills a temporary file beside it, which is flushed,
/// synced and renamed over `path` only when `write` succeeded.
pub fn write_atomic<F>(path: &Path, write: F) -> Result<(), OutputError>
where
    F: FnOnce(&mut BufWriter<OutputFile>) -> Result<(), Cause>,
{
    let (atomic, file) = AtomicFile::create(path)?;
    let mut writer = BufWriter::new(file);
    write(&mut writer).map_err(|cause| atomic.error(cause))?;
    writer
        .into_inner()
        .map_err(|e| atomic.error(e.into_error()))?;
    atomic.commit()
}

/// Removes the data folders of `output_dir` (slices, entities, quarantine, RDF): what a run
/// whose data now lives elsewhere (in its shards) does with an earlier run's.
pub fn remove_data(output_dir: &Path) -> Result<(), OutputError> {
    for folder in Folder::ALL {
        remove_folder(&output_dir.join(folder.name()))?;
    }
    Ok(())
}

/// Removes a folder and all it holds; one that is not there is no error.
pub fn remove_folder(path: &Path) -> Result<(), OutputError> {
    match std::fs::remove_dir_all(path) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(OutputError::Write {
            path: path.display().to_string(),
            source: e.into(),
        }),
        _ => Ok(()),
    }
}

/// Writes a text file, atomically.
pub fn write_text(path: &Path, text: &str) -> Result<(), OutputError> {
    write_atomic(path, |writer| Ok(writer.write_all(text.as_bytes())?))
}

/// A text that a spreadsheet would take for a formula, made inert with a leading `'`.
fn guard(text: Expr) -> Expr {
    when(text.clone().str().contains(lit(r"^[=+\-@\t\r]"), false))
        .then(concat_str([lit("'"), text.clone()], "", false))
        .otherwise(text)
}

/// The frame as CSV writes it: text cells that a spreadsheet would run as a formula
/// (starting with `=`, `+`, `-`, `@`, a tab or a carriage return) get a leading `'`, so the
/// file is safe to open; numbers are never formulas and stay as they are. Several values in
/// one cell are joined with `|`.
fn spreadsheet_safe(frame: &DataFrame) -> PolarsResult<DataFrame> {
    let guarded: Vec<Expr> = frame
        .columns()
        .iter()
        .map(|column| {
            let name = column.name().as_str();
            match column.dtype() {
                DataType::List(_) => guard(
                    col(name)
                        .list()
                        .eval(element().cast(DataType::String))
                        .list()
                        .join(lit("|"), true),
                )
                .alias(name),
                DataType::String => guard(col(name)).alias(name),
                _ => col(name),
            }
        })
        .collect();
    let mut safe = frame.clone().lazy().select(guarded).collect()?;
    // polars' CSV writer needs the columns' chunks aligned.
    safe.rechunk_mut_par();
    Ok(safe)
}

/// Writes a frame as CSV, atomically, made safe to open in a spreadsheet: a text that
/// would run as a formula gets a leading `'`.
pub fn write_csv(frame: &DataFrame, path: &Path) -> Result<(), OutputError> {
    let mut safe = spreadsheet_safe(frame).map_err(|e| write_error(path, e))?;
    write_atomic(path, |writer| {
        CsvWriter::new(&mut *writer)
            .include_header(true)
            .finish(&mut safe)?;
        Ok(writer.flush()?)
    })
}

/// Rows per Parquet row group written by a [`TableSink`], as polars' own writer groups them.
const ROW_GROUP: usize = 512 * 512;

/// One table file being written batch by batch.
/// Each writer boxed: both are large, and of different sizes.
enum TableFile {
    Parquet(Box<polars::io::parquet::write::BatchedWriter<OutputFile>>),
    /// Written made safe to open in a spreadsheet.
    Csv(Box<polars::io::csv::write::BatchedWriter<OutputFile>>),
}

impl TableFile {
    /// Opens the writer of `format` for a table of `schema`: the one place a table format
    /// meets its writer. Both are written through unbuffered files: polars hands them large
    /// blocks.
    fn open(format: TableFormat, file: OutputFile, schema: &Schema) -> PolarsResult<Self> {
        Ok(match format {
            TableFormat::Parquet => {
                Self::Parquet(Box::new(ParquetWriter::new(file).batched(schema)?))
            }
            TableFormat::Csv => {
                let written = spreadsheet_safe(&DataFrame::empty_with_schema(schema))?;
                Self::Csv(Box::new(
                    CsvWriter::new(file)
                        .include_header(true)
                        .batched(written.schema())?,
                ))
            }
        })
    }

    fn write(&mut self, frame: &DataFrame) -> PolarsResult<()> {
        match self {
            Self::Parquet(writer) => (0..frame.height())
                .step_by(ROW_GROUP)
                .try_for_each(|start| {
                    let mut group = frame.slice(start as i64, ROW_GROUP);
                    group.rechunk_mut_par();
                    writer.write_batch(&group)
                }),
            Self::Csv(writer) => writer.write_batch(&spreadsheet_safe(frame)?),
        }
    }

    /// Ends the file: the Parquet footer, the CSV header of an empty table.
    fn finish(self) -> PolarsResult<()> {
        match self {
            Self::Parquet(writer) => writer.finish().map(|_| ()),
            Self::Csv(mut writer) => writer.finish(),
        }
    }
}

/// A table written batch by batch in the table formats asked for (Parquet, CSV), so a table
/// larger than memory can be written. Each file appears under its name only when it is
/// committed, after [`TableSink::finish`].
pub struct TableSink {
    schema: Schema,
    files: Vec<(AtomicFile, TableFile)>,
}

impl TableSink {
    /// Opens `slice`'s files in `folder`, one per table format of `formats`, for a table of
    /// `schema`.
    pub fn create(
        schema: &Schema,
        output_dir: &Path,
        folder: Folder,
        slice: &str,
        formats: Formats,
    ) -> Result<Self, OutputError> {
        let mut files = Vec::new();
        for format in formats.tables() {
            let path = data_path(output_dir, folder, slice, format.into());
            let (atomic, file) = AtomicFile::create(&path)?;
            match TableFile::open(format, file, schema) {
                Ok(writer) => files.push((atomic, writer)),
                Err(e) => return Err(atomic.error(e)),
            }
        }
        Ok(Self {
            schema: schema.clone(),
            files,
        })
    }

    /// Appends the rows of `frame`, whose columns are those of the sink's schema.
    pub fn write(&mut self, frame: &DataFrame) -> Result<(), OutputError> {
        let Some((first, _)) = self.files.first() else {
            return Ok(());
        };
        let frame = conform(frame, &self.schema).map_err(|e| first.error(e))?;
        for (atomic, writer) in &mut self.files {
            writer.write(&frame).map_err(|e| atomic.error(e))?;
        }
        Ok(())
    }

    /// Ends the files. They are put in place by [`commit_all`], once the whole run has
    /// succeeded.
    pub fn finish(self) -> Result<Vec<AtomicFile>, OutputError> {
        let mut written = Vec::new();
        for (atomic, writer) in self.files {
            writer.finish().map_err(|e| atomic.error(e))?;
            written.push(atomic.close()?);
        }
        Ok(written)
    }
}

/// `frame` with the columns of `schema`, cast where a batch came out with another type (an
/// all-null column, say).
fn conform(frame: &DataFrame, schema: &Schema) -> PolarsResult<DataFrame> {
    if frame.schema().as_ref() == schema {
        return Ok(frame.clone());
    }
    let columns = schema
        .iter()
        .map(|(name, dtype)| frame.column(name)?.cast(dtype))
        .collect::<PolarsResult<Vec<Column>>>()?;
    DataFrame::new(frame.height(), columns)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fs;
    use std::fs::File;

    #[test]
    fn a_failed_write_leaves_neither_the_file_nor_its_temporary() {
        let dir = tempfile::tempdir().expect("temporary folder");
        let path = dir.path().join("x.parquet");
        let result = write_atomic(&path, |w| {
            w.write_all(b"half")?;
            Err(Cause::Stopped("test"))
        });
        assert!(result.is_err());
        let left: Vec<_> = fs::read_dir(dir.path()).expect("listing").collect();
        assert!(left.is_empty(), "left behind: {left:?}");
    }

    /// The whole chain of an error's messages, as a diagnostic shows it.
    fn chain(err: &dyn std::error::Error) -> String {
        let mut text = err.to_string();
        let mut source = err.source();
        while let Some(cause) = source {
            text.push_str(&format!(": {cause}"));
            source = cause.source();
        }
        text
    }

    /// A full disk is said as such, with the file (/dev/full refuses every write with
    /// ENOSPC): Parquet's writer had reported "Invalid thrift: transport error".
    #[cfg(target_os = "linux")]
    #[test]
    fn a_full_disk_is_named_with_the_file() {
        let frame = polars::df!("a" => [1i64, 2, 3]).expect("frame");
        for format in [TableFormat::Parquet, TableFormat::Csv] {
            let full = File::options()
                .write(true)
                .open("/dev/full")
                .expect("/dev/full");
            let (full, _) = written::OutputFile::new(full);
            let path = Path::new("out/entities/pumps.parquet");
            let failed = TableFile::open(format, full, frame.schema())
                .and_then(|mut writer| {
                    writer.write(&frame)?;
                    writer.finish()
                })
                .map_err(|e| write_error(path, e))
                .expect_err("a full disk fails");
            let text = chain(&failed);
            assert!(
                text.contains("cannot write out/entities/pumps.parquet"),
                "{text}"
            );
            assert!(
                text.contains("No space left on device"),
                "{format:?}: {text}"
            );
        }
    }

    #[test]
    fn a_successful_write_replaces_the_file() {
        let dir = tempfile::tempdir().expect("temporary folder");
        let path = dir.path().join("x.txt");
        fs::write(&path, "old").expect("seed");
        write_atomic(&path, |w| Ok(w.write_all(b"new")?)).expect("write");
        assert_eq!(fs::read_to_string(&path).expect("read"), "new");
    }
}
