//! The library's error: one variant per module's typed error, plus the collection of every
//! static problem of a workspace, reported together.

use miette::Diagnostic;
use thiserror::Error;

use crate::diag::{self, Problems, Where};
use crate::mapping::MappingError;
use crate::output::OutputError;
use crate::rdl::RdlError;
use crate::regression::RegressionError;
use crate::slice::SliceError;
use crate::source::SourceError;
use crate::workspace::WorkspaceError;

#[derive(Debug, Error, Diagnostic)]
pub enum Error {
    #[error(transparent)]
    #[diagnostic(transparent)]
    Workspace(#[from] WorkspaceError),

    #[error(transparent)]
    #[diagnostic(transparent)]
    Source(#[from] SourceError),

    #[error(transparent)]
    #[diagnostic(transparent)]
    Slice(#[from] SliceError),

    #[error(transparent)]
    #[diagnostic(transparent)]
    Output(#[from] OutputError),

    #[error(transparent)]
    #[diagnostic(transparent)]
    Rdl(#[from] RdlError),

    #[error(transparent)]
    #[diagnostic(transparent)]
    Mapping(#[from] MappingError),

    #[error("{mapping} and {other} both map slice `{slice}`")]
    #[diagnostic(
        code(thinslice::mapping::twice),
        help("keep one mapping per slice; a second view of the same rows is a second slice")
    )]
    MappedTwice {
        slice: String,
        mapping: String,
        other: String,
    },

    #[error(
        "rows were lost in slice `{slice}`: {in_slice} rows in the slice, but {things} things + {quarantined} quarantined"
    )]
    #[diagnostic(
        code(thinslice::accounting),
        help(
            "this is a bug in thinslice, not in your data: please report it with the slice and mapping"
        )
    )]
    Accounting {
        slice: String,
        in_slice: u64,
        things: u64,
        quarantined: u64,
    },

    #[error("the conformance report could not be built")]
    #[diagnostic(code(thinslice::report))]
    Report {
        #[source]
        source: polars::error::PolarsError,
    },

    #[error(transparent)]
    #[diagnostic(transparent)]
    Regression(#[from] RegressionError),

    #[error(transparent)]
    #[diagnostic(transparent)]
    Export(#[from] crate::export::ExportError),

    #[error(transparent)]
    #[diagnostic(transparent)]
    Share(#[from] crate::share::ShareError),

    #[error(transparent)]
    #[diagnostic(transparent)]
    Broker(#[from] crate::broker::BrokerError),

    #[error(transparent)]
    #[diagnostic(transparent)]
    Remote(#[from] crate::remote::RemoteError),

    #[error(transparent)]
    #[diagnostic(transparent)]
    Shard(#[from] crate::shard::ShardError),

    #[error(transparent)]
    #[diagnostic(transparent)]
    Merge(#[from] crate::shard::MergeError),

    #[error(transparent)]
    #[diagnostic(transparent)]
    Publish(#[from] crate::publish::PublishError),

    #[error(transparent)]
    #[diagnostic(transparent)]
    Receive(#[from] crate::receive::ReceiveError),

    #[error("the workspace has mappings but no RDL to check them against")]
    #[diagnostic(
        code(thinslice::rdl::missing),
        help("add `rdl: rdl/NAME.yaml` to thinslice.yaml")
    )]
    NoRdl,

    #[error(transparent)]
    #[diagnostic(transparent)]
    Problems(Problems<Error>),

    #[error("thinslice cannot tell the format of RDL file {path}")]
    #[diagnostic(
        code(thinslice::rdl::format),
        help("name it .yaml, .ttl, .nt, .rdf or .owl")
    )]
    RdlFormatOf { path: String },

    #[error("no term of the RDL is written `{name}`")]
    #[diagnostic(code(thinslice::rdl::term), help("{help}"))]
    UnknownTerm { name: String, help: String },

    #[error("no slice named `{name}`")]
    #[diagnostic(code(thinslice::slice::unknown), help("{help}"))]
    UnknownSlice { name: String, help: String },

    #[error("no source named `{name}` in thinslice.yaml")]
    #[diagnostic(code(thinslice::source::unknown), help("{help}"))]
    UnknownSource { name: String, help: String },

    #[error("no slices in {dir}")]
    #[diagnostic(
        code(thinslice::slice::none),
        help(
            "add a slice file such as {dir}/pumps.yaml with `source:`, `where:`, `columns:` and `key:`"
        )
    )]
    NoSlices { dir: String },

    #[error("cannot write to {what}")]
    #[diagnostic(code(thinslice::io))]
    Io {
        what: String,
        #[source]
        source: std::io::Error,
    },

    #[error("the result could not be written as JSON")]
    #[diagnostic(code(thinslice::json))]
    Json {
        #[source]
        source: serde_json::Error,
    },

    #[error("a thread could not be started")]
    #[diagnostic(
        code(thinslice::thread),
        help("the machine is short of memory or threads")
    )]
    Thread {
        #[source]
        source: std::io::Error,
    },

    #[error(transparent)]
    #[diagnostic(transparent)]
    Init(#[from] InitError),

    /// A source's reader stopped because the handler of its batches failed (whose error is
    /// the one reported), or the reader thread itself stopped unexpectedly.
    #[error("reading stopped before the end of the source")]
    #[diagnostic(code(thinslice::stopped))]
    Stopped,
}

/// What stops `thinslice init` drafting a workspace. (Its own errors live here, beside the
/// error that carries them, because that error sits below the drafting layer.)
#[derive(Debug, Error, Diagnostic)]
pub enum InitError {
    #[error("{path} {what}")]
    #[diagnostic(
        code(thinslice::init::no_file),
        help("give the path of a CSV file, a workbook (.xlsx, .xls, .ods) or a Parquet file")
    )]
    NoFile { path: String, what: &'static str },

    #[error("{path} {what}")]
    #[diagnostic(
        code(thinslice::init::no_rdl),
        help(
            "give the path of an RDL file: YAML, Turtle (.ttl), N-Triples (.nt) or RDF/XML (.rdf, .owl)"
        )
    )]
    NoRdlFile { path: String, what: &'static str },

    #[error("{path} is UTF-16 text, which thinslice does not read")]
    #[diagnostic(
        code(thinslice::init::utf16),
        help("save it as UTF-8 (in Excel: Save As, \"CSV UTF-8\"), then run init again")
    )]
    Utf16 { path: String },

    #[error("cannot draft from {path}")]
    #[diagnostic(code(thinslice::init::unreadable), help("{help}"))]
    Unreadable {
        path: String,
        help: String,
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },

    #[error("thinslice cannot tell what kind of file {path} is")]
    #[diagnostic(
        code(thinslice::init::format),
        help(
            "init reads .csv, .tsv and .txt files, workbooks (.xlsx, .xlsm, .xlsb, .xls, .ods) and .parquet files; rename the file to say which it is"
        )
    )]
    UnknownFormat { path: String },

    #[error("no workbook given has a sheet named `{sheet}`")]
    #[diagnostic(code(thinslice::init::sheet), help("{help}"))]
    NoSheet { sheet: String, help: String },

    #[error("nothing to draft: {skipped}")]
    #[diagnostic(
        code(thinslice::init::empty),
        help("give a file or sheet that holds a table")
    )]
    Empty { skipped: String },

    #[error("init would overwrite {files}")]
    #[diagnostic(
        code(thinslice::init::exists),
        help("pass --force to overwrite them, or run init in another folder (--workspace DIR)")
    )]
    Exists { files: String },

    #[error("init would leave {files} beside the draft, which need not fit it")]
    #[diagnostic(
        code(thinslice::init::stale),
        help(
            "move them away, or run init in an empty folder (--workspace DIR): --force overwrites files, it never deletes one"
        )
    )]
    Stale { files: String },

    #[error(
        "the drafted workspace in {dir} does not pass lint: this is a bug in `thinslice init`, please report it with the file"
    )]
    #[diagnostic(
        code(thinslice::init::lint),
        help("the files are written; the problem below says what to edit")
    )]
    FailsLint {
        dir: String,
        #[diagnostic_source]
        problem: Box<dyn Diagnostic + Send + Sync>,
    },
}

impl InitError {
    /// A file init could not read: what the reader said, and its advice.
    pub fn unreadable<E>(path: &str, error: E) -> InitError
    where
        E: Diagnostic + Send + Sync + 'static,
    {
        InitError::Unreadable {
            path: path.to_string(),
            help: error.help().map_or_else(
                || {
                    "check that the file is what its extension says, and that it holds a table"
                        .to_string()
                },
                |h| h.to_string(),
            ),
            source: Box::new(error),
        }
    }

    /// What is wrong with a path that names no file: nothing is there, or a folder is.
    pub fn missing(path: &std::path::Path) -> &'static str {
        match path.is_dir() {
            true => "is a folder, not a file",
            false => "does not exist",
        }
    }
}

impl Error {
    /// Many problems become one report; a single one stands alone.
    pub fn from_problems(problems: Vec<Error>) -> Error {
        diag::problems(problems, Where::BeforeData, Error::Problems)
    }

    /// Whether this is the reader of our output going away (`thinslice ... | head`), which
    /// is not an error worth a message.
    pub fn is_broken_pipe(&self) -> bool {
        matches!(self, Error::Io { source, .. } if source.kind() == std::io::ErrorKind::BrokenPipe)
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;
