//! What can go wrong reading a source, said in the user's terms: the file, and the line and
//! field, or the sheet and cell, and what to do.

use miette::{Diagnostic, SourceSpan};
use polars::prelude::PolarsError;
use thiserror::Error;

use crate::diag::SourceText;

#[derive(Debug, Error, Diagnostic)]
pub enum SourceError {
    #[error("cannot read source `{id}` from {path}")]
    #[diagnostic(
        code(thinslice::source::open),
        help("check the path; relative paths are relative to the workspace folder")
    )]
    Open {
        id: String,
        path: String,
        #[source]
        source: std::io::Error,
        #[source_code]
        src: SourceText,
        #[label("declared here")]
        span: SourceSpan,
    },

    #[error("{path} is empty")]
    #[diagnostic(
        code(thinslice::source::empty),
        help("source `{id}` needs at least a header row; check that the export finished")
    )]
    Empty {
        id: String,
        path: String,
        #[source_code]
        src: SourceText,
        #[label("declared here")]
        span: SourceSpan,
    },

    #[error("{path}:{line}, field {field}: byte 0x{byte:02X} is not valid UTF-8")]
    #[diagnostic(
        code(thinslice::source::encoding),
        help(
            "files saved by Excel on Windows are usually Windows-1252: add `encoding: windows-1252` to source `{id}`"
        )
    )]
    NotUtf8 {
        id: String,
        path: String,
        line: u64,
        field: usize,
        byte: u8,
        #[source_code]
        src: SourceText,
        #[label("source `{id}`")]
        span: SourceSpan,
    },

    #[error(
        "{path}:{line}: this row has {found} fields, the header on line {header_line} has {expected}"
    )]
    #[diagnostic(
        code(thinslice::source::ragged),
        help(
            "check the delimiter (source `{id}` uses {delimiter:?}) and the quoting of line {line}: a value holding the delimiter must be quoted"
        )
    )]
    Ragged {
        id: String,
        path: String,
        line: u64,
        found: usize,
        expected: usize,
        header_line: u64,
        delimiter: char,
    },

    #[error("{path}:{line}: the file cannot be read as CSV from here")]
    #[diagnostic(
        code(thinslice::source::csv),
        help("check the quoting on that line and the source's `quote` option")
    )]
    Csv {
        path: String,
        line: u64,
        #[source]
        source: ::csv::Error,
    },

    #[error("{path}: no row starts on line {header_row}, so there is no header there")]
    #[diagnostic(
        code(thinslice::source::header_row),
        help("the file has {last} line(s); set `header_row` to the line holding the column names")
    )]
    NoHeaderLine {
        path: String,
        header_row: u32,
        last: u64,
        #[source_code]
        src: SourceText,
        #[label("header row")]
        span: SourceSpan,
    },

    #[error("{path}: no sheet named `{sheet}`")]
    #[diagnostic(code(thinslice::source::sheet), help("{help}"))]
    NoSheet {
        path: String,
        sheet: String,
        help: String,
        #[source_code]
        src: SourceText,
        #[label("not in the workbook")]
        span: SourceSpan,
    },

    #[error(
        "{path}: header row {header_row} is past the end of sheet `{sheet}`, whose last row is {last}"
    )]
    #[diagnostic(
        code(thinslice::source::header_row),
        help("set `header_row` to the row holding the column names")
    )]
    HeaderPastEnd {
        path: String,
        sheet: String,
        header_row: u32,
        last: u32,
        #[source_code]
        src: SourceText,
        #[label("header row")]
        span: SourceSpan,
    },

    #[error("{path}: header row {header_row} of sheet `{sheet}` is blank")]
    #[diagnostic(
        code(thinslice::source::header_row),
        help("set `header_row` to the row holding the column names")
    )]
    BlankHeader {
        path: String,
        sheet: String,
        header_row: u32,
        #[source_code]
        src: SourceText,
        #[label("header row")]
        span: SourceSpan,
    },

    #[error("{path} is not a workbook thinslice can read")]
    #[diagnostic(
        code(thinslice::source::workbook),
        help(
            "save it as .xlsx, .xls or .ods; if it is really a CSV file, give it a .csv name or `format: csv`"
        )
    )]
    NotWorkbook {
        path: String,
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
        #[source_code]
        src: SourceText,
        #[label("source declared here")]
        span: SourceSpan,
    },

    #[error("{path}: sheet `{sheet}` is larger than {limit} cells ({what})")]
    #[diagnostic(
        code(thinslice::source::too_many_cells),
        help(
            "a sheet is held in memory while it is read, about 40 bytes a cell and its text; if this machine has the memory, raise `max_cells` for source `{id}` (now {limit})"
        )
    )]
    TooManyCells {
        id: String,
        path: String,
        sheet: String,
        limit: u64,
        /// Which count passed the limit.
        what: &'static str,
        #[source_code]
        src: SourceText,
        #[label("source declared here")]
        span: SourceSpan,
    },

    #[error("{path}: its part `{part}` inflates to {size_mb} MB, past the limit of {limit_mb} MB")]
    #[diagnostic(
        code(thinslice::source::inflates),
        help(
            "a workbook is a zip file, and one whose parts inflate this far would take all the memory (a zip bomb does); if the workbook is genuine and this machine has the memory, raise `max_inflated_mb` for source `{id}`"
        )
    )]
    Inflates {
        id: String,
        path: String,
        part: String,
        size_mb: u64,
        limit_mb: u64,
        #[source_code]
        src: SourceText,
        #[label("source declared here")]
        span: SourceSpan,
    },

    #[error("{path} is not a Parquet file thinslice can read")]
    #[diagnostic(
        code(thinslice::source::parquet),
        help("check that the file is complete and really Parquet")
    )]
    NotParquet {
        path: String,
        #[source]
        source: PolarsError,
        #[source_code]
        src: SourceText,
        #[label("source declared here")]
        span: SourceSpan,
    },

    #[error("{location}: the column name `{name}` is reserved by thinslice")]
    #[diagnostic(
        code(thinslice::source::reserved),
        help("rename that column in the source")
    )]
    ReservedColumn { location: String, name: String },

    #[error("source `{id}` ({path}) could not be turned into a table")]
    #[diagnostic(code(thinslice::source::frame))]
    Frame {
        id: String,
        path: String,
        #[source]
        source: PolarsError,
    },
}
