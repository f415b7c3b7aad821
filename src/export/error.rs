//! What can be wrong with an export mapping, said at its place, and what stops an export.

use miette::{Diagnostic, SourceSpan};
use thiserror::Error;

use crate::diag::{Problems, SourceText, YamlError};

#[derive(Debug, Error, Diagnostic)]
pub enum ExportError {
    #[error(transparent)]
    #[diagnostic(transparent)]
    Yaml(#[from] YamlError),

    #[error(transparent)]
    #[diagnostic(transparent)]
    Problems(Problems<ExportError>),

    #[error("no export mapping `{name}` in {dir}")]
    #[diagnostic(code(thinslice::export::not_found), help("{help}"))]
    NotFound {
        name: String,
        dir: String,
        help: String,
    },

    /// A key or value of the export mapping that cannot be used, at its place.
    #[error("{message}")]
    #[diagnostic(code(thinslice::export::invalid), help("{help}"))]
    Invalid {
        message: String,
        help: String,
        #[source_code]
        src: SourceText,
        #[label("here")]
        span: SourceSpan,
    },

    #[error("no things to export: {path} is not there")]
    #[diagnostic(
        code(thinslice::export::no_input),
        help("run `thinslice run` first: export reads the things a run wrote (out/entities/)")
    )]
    NoEntities { path: String },

    #[error("cannot read {path}")]
    #[diagnostic(code(thinslice::export::unreadable), help("{help}"))]
    Unreadable {
        path: String,
        help: String,
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },

    #[error(transparent)]
    #[diagnostic(transparent)]
    Output(#[from] crate::output::OutputError),

    #[error("the things could not be turned into the table")]
    #[diagnostic(code(thinslice::export::table))]
    Table(#[from] polars::error::PolarsError),

    #[error("export mappings `{first}` and `{second}` both write {file}")]
    #[diagnostic(
        code(thinslice::export::same_file),
        help("give each export mapping a file of its own: the second would replace the first")
    )]
    SameFile {
        file: String,
        first: String,
        second: String,
    },

    #[error("{path} would be written outside the output folder ({real})")]
    #[diagnostic(
        code(thinslice::export::outside),
        help(
            "a folder under the output folder's exports/ is a link to elsewhere: remove the link, exports are written under the output folder only"
        )
    )]
    Outside { path: String, real: String },

    #[error("--rdf reads one file for one export mapping, and {count} would read it")]
    #[diagnostic(
        code(thinslice::export::rdf_for_one),
        help("name the export mapping: `thinslice export NAME --rdf FILE`")
    )]
    RdfForOne { count: usize },
}
