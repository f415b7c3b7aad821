//! What can be wrong with `thinslice.yaml`, said at its place.

use miette::{Diagnostic, SourceSpan};
use thiserror::Error;

use super::WORKSPACE_FILE;
use crate::diag::{Problems, SourceText, YamlError};
use crate::quality::QualityError;

#[derive(Debug, Error, Diagnostic)]
pub enum WorkspaceError {
    #[error("no {WORKSPACE_FILE} in {dir}")]
    #[diagnostic(
        code(thinslice::workspace::not_found),
        help(
            "run thinslice in a workspace folder (one holding {WORKSPACE_FILE}), or name one with --workspace DIR"
        )
    )]
    NotFound { dir: String },

    #[error(transparent)]
    #[diagnostic(transparent)]
    Yaml(#[from] YamlError),

    #[error(transparent)]
    #[diagnostic(transparent)]
    Problems(Problems<WorkspaceError>),

    #[error(transparent)]
    #[diagnostic(transparent)]
    Quality(#[from] QualityError),

    #[error("source `{id}` ({path}) lies outside the workspace folder")]
    #[diagnostic(
        code(thinslice::workspace::outside),
        help(
            "sources are read from inside the workspace folder; to read from another folder, name it under `allowed_folders:` in {WORKSPACE_FILE}"
        )
    )]
    OutsideWorkspace {
        id: String,
        path: String,
        #[source_code]
        src: SourceText,
        #[label("outside the workspace")]
        span: SourceSpan,
    },

    #[error("there is no {what} at {path}")]
    #[diagnostic(
        code(thinslice::workspace::missing),
        help("check the path: it is relative to the workspace folder")
    )]
    Missing {
        what: &'static str,
        path: String,
        #[source_code]
        src: SourceText,
        #[label("named here")]
        span: SourceSpan,
    },

    #[error("the RDL table's source `{source_id}` is not among the sources")]
    #[diagnostic(
        code(thinslice::workspace::rdl_table),
        help("{help}; declare it under `sources:` like any source")
    )]
    TableSource {
        source_id: String,
        help: String,
        #[source_code]
        src: SourceText,
        #[label("named here")]
        span: SourceSpan,
    },

    #[error("thinslice cannot tell the format of RDL file {path}")]
    #[diagnostic(
        code(thinslice::workspace::rdl_format),
        help(
            "name it .yaml, .ttl, .nt, .rdf or .owl, or write `{{ path: {path}, format: turtle }}` (yaml, turtle, ntriples, rdfxml)"
        )
    )]
    RdlFormat {
        path: String,
        #[source_code]
        src: SourceText,
        #[label("named here")]
        span: SourceSpan,
    },

    #[error("the output folder `{output}` cannot be written: {reason}")]
    #[diagnostic(
        code(thinslice::workspace::output),
        help(
            "write the outputs to a folder of their own, such as `output: out`: a run replaces what it writes there"
        )
    )]
    UnsafeOutput {
        output: String,
        reason: String,
        #[source_code]
        src: SourceText,
        #[label("here")]
        span: SourceSpan,
    },

    #[error("cannot tell the format of source `{id}` from its file name `{path}`")]
    #[diagnostic(
        code(thinslice::workspace::format),
        help("add `format: csv`, `format: workbook` or `format: parquet` to the source")
    )]
    UnknownFormat {
        id: String,
        path: String,
        #[source_code]
        src: SourceText,
        #[label("which reader for this file?")]
        span: SourceSpan,
    },

    #[error("`{key}` applies to {applies}, but source `{id}` is {format}")]
    #[diagnostic(
        code(thinslice::workspace::misplaced_option),
        help("remove `{key}`, or check the source's path and format")
    )]
    MisplacedOption {
        key: String,
        id: String,
        applies: String,
        format: String,
        #[source_code]
        src: SourceText,
        #[label("not used for this source")]
        span: SourceSpan,
    },

    #[error("`{key}` must be a single ASCII character, not `{value}`")]
    #[diagnostic(
        code(thinslice::workspace::character),
        help("write a tab as \"\\t\" or `tab`")
    )]
    BadCharacter {
        key: String,
        value: String,
        #[source_code]
        src: SourceText,
        #[label("one character expected")]
        span: SourceSpan,
    },

    #[error("`{key}` cannot be `{value}`: it is a line break, or both the delimiter and the quote")]
    #[diagnostic(
        code(thinslice::workspace::clash),
        help(
            "the delimiter separates values on a line, the quote encloses a value holding it: two different characters, neither a line break"
        )
    )]
    ClashingCharacter {
        key: String,
        value: String,
        #[source_code]
        src: SourceText,
        #[label("here")]
        span: SourceSpan,
    },

    #[error("owner `{value}` is not an IRI")]
    #[diagnostic(
        code(thinslice::workspace::owner),
        help(
            "name the organisation whose register the source is by an absolute IRI, such as `https://data.example.org/org/riverbend-water`"
        )
    )]
    BadOwner {
        value: String,
        #[source_code]
        src: SourceText,
        #[label("not an absolute IRI")]
        span: SourceSpan,
    },

    /// A setting of `thinslice.yaml` that cannot be used (`rdf: starts`, `publish:`).
    #[error("`{setting}` {what}")]
    #[diagnostic(code(thinslice::workspace::setting), help("{help}"))]
    BadSetting {
        setting: &'static str,
        what: String,
        help: String,
        #[source_code]
        src: SourceText,
        #[label("here")]
        span: SourceSpan,
    },

    #[error("the key is read from an environment variable or a file: one of them")]
    #[diagnostic(
        code(thinslice::workspace::key),
        help(
            "`key: {{ env: THINSLICE_KEY }}`, or `key: {{ file: /etc/thinslice/key }}` outside the workspace"
        )
    )]
    BadKey {
        #[source_code]
        src: SourceText,
        #[label("here")]
        span: SourceSpan,
    },
}
