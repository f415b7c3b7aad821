//! What can be wrong with a slice file.

use miette::{Diagnostic, SourceSpan};
use thiserror::Error;

use crate::diag::{SourceText, YamlError};
use crate::quality::QualityError;

#[derive(Debug, Error, Diagnostic)]
pub enum SliceError {
    #[error(transparent)]
    #[diagnostic(transparent)]
    Yaml(#[from] YamlError),

    #[error(transparent)]
    #[diagnostic(transparent)]
    Quality(#[from] QualityError),

    #[error("cannot list the slices folder {dir}")]
    #[diagnostic(
        code(thinslice::slice::folder),
        help(
            "create it, or set `slices:` in thinslice.yaml to the folder holding the slice files"
        )
    )]
    Folder {
        dir: String,
        #[source]
        source: std::io::Error,
    },

    #[error("{file}: `{name}` is not a usable slice name")]
    #[diagnostic(
        code(thinslice::slice::name),
        help(
            "slice names become file names: use letters, digits, `-`, `_` and `.`, starting with a letter or digit"
        )
    )]
    BadName { name: String, file: String },

    #[error("unknown source `{source_id}`")]
    #[diagnostic(code(thinslice::slice::source), help("{help}"))]
    UnknownSource {
        source_id: String,
        help: String,
        #[source_code]
        src: SourceText,
        #[label("not declared in thinslice.yaml")]
        span: SourceSpan,
    },

    #[error("source `{source_id}` has no column `{column}`")]
    #[diagnostic(code(thinslice::slice::column), help("{help}"))]
    UnknownColumn {
        column: String,
        source_id: String,
        help: String,
        label: String,
        #[source_code]
        src: SourceText,
        #[label("{label}")]
        span: SourceSpan,
    },

    #[error("the key names `{column}`, which is not a column of the slice")]
    #[diagnostic(code(thinslice::slice::key), help("{help}"))]
    UnknownKey {
        column: String,
        help: String,
        #[source_code]
        src: SourceText,
        #[label("not in the slice")]
        span: SourceSpan,
    },

    #[error("the slice has a column named `{column}`, a name thinslice gives a column it writes")]
    #[diagnostic(
        code(thinslice::slice::taken_name),
        help(
            "`_origin` holds where each row came from, `reason` why a row was quarantined: keep the column under another name, `columns: [{{ \"{column}\": source_{column} }}]`"
        )
    )]
    TakenName {
        column: String,
        #[source_code]
        src: SourceText,
        #[label("taken")]
        span: SourceSpan,
    },

    #[error("the slice has two columns named `{column}`")]
    #[diagnostic(
        code(thinslice::slice::duplicate_column),
        help("rename one of them: `- \"source name\": new_name`")
    )]
    DuplicateColumn {
        column: String,
        #[source_code]
        src: SourceText,
        #[label("named twice")]
        span: SourceSpan,
    },

    #[error("the `where` condition does not parse: {reason}")]
    #[diagnostic(
        code(thinslice::slice::condition),
        help(
            "write a SQL condition; quote column names with double quotes (\"Asset Type\") and text with single quotes ('PMP')"
        )
    )]
    Condition {
        reason: String,
        #[source_code]
        src: SourceText,
        #[label("in this condition")]
        span: SourceSpan,
    },

    #[error("slice `{slice}` could not be evaluated")]
    #[diagnostic(
        code(thinslice::slice::evaluate),
        help(
            "a comparison between a text column and a number is the usual cause: compare text with quoted values, or check the column's type with `thinslice profile`"
        )
    )]
    Evaluate {
        slice: String,
        #[source]
        source: polars::error::PolarsError,
        #[source_code]
        src: SourceText,
        #[label("while evaluating this")]
        span: SourceSpan,
    },
}
