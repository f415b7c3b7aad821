//! What can be wrong with an RDL file.

use miette::{Diagnostic, SourceSpan};
use thiserror::Error;

use super::Datatype;
use crate::diag::{Problems, SourceText, Term, YamlError};

#[derive(Debug, Error, Diagnostic)]
pub enum RdlError {
    #[error(transparent)]
    #[diagnostic(transparent)]
    Yaml(#[from] YamlError),

    #[error(transparent)]
    #[diagnostic(transparent)]
    Problems(Problems<RdlError>),

    /// A table layer's source could not be read.
    #[error(transparent)]
    #[diagnostic(transparent)]
    Source(Box<crate::source::SourceError>),

    #[error("the RDL table has no column `{column}` (source `{source_id}`)")]
    #[diagnostic(code(thinslice::rdl::table_column), help("{help}"))]
    TableColumn {
        column: String,
        source_id: String,
        help: String,
        #[source_code]
        src: SourceText,
        #[label("the table's columns are named here")]
        span: SourceSpan,
    },

    #[error("{place}: `{value}` is not {expected}")]
    #[diagnostic(
        code(thinslice::rdl::table_value),
        help("correct the cell in the table, or the column named for it here")
    )]
    TableValue {
        place: String,
        value: String,
        expected: String,
        #[source_code]
        src: SourceText,
        #[label("the table layer")]
        span: SourceSpan,
    },

    #[error("unknown {kind} `{name}`")]
    #[diagnostic(code(thinslice::rdl::unknown), help("{help}"))]
    Unknown {
        kind: Term,
        name: String,
        help: String,
        #[source_code]
        src: SourceText,
        #[label("not defined in the RDL")]
        span: SourceSpan,
    },

    #[error("`{name}` is more than one {kind}")]
    #[diagnostic(code(thinslice::rdl::ambiguous), help("{help}"))]
    Ambiguous {
        kind: Term,
        name: String,
        help: String,
        #[source_code]
        src: SourceText,
        #[label("names terms of several layers")]
        span: SourceSpan,
    },

    #[error("unknown prefix `{prefix}`")]
    #[diagnostic(
        code(thinslice::rdl::prefix),
        help(
            "known prefixes: {known}; declare it in a layer's file or under `prefixes:` in thinslice.yaml"
        )
    )]
    UnknownPrefix {
        prefix: String,
        known: String,
        #[source_code]
        src: SourceText,
        #[label("no layer declares it")]
        span: SourceSpan,
    },

    #[error("property `{property}` is a {now} here but a {was} in an earlier layer")]
    #[diagnostic(
        code(thinslice::rdl::conflict),
        help("a layer can add to a term of another, not change its datatype")
    )]
    Conflict {
        property: String,
        was: Datatype,
        now: Datatype,
        #[source_code]
        src: SourceText,
        #[label("conflicting datatype")]
        span: SourceSpan,
    },

    #[error("{path} is not valid {format}: {message}")]
    #[diagnostic(code(thinslice::rdl::syntax))]
    Syntax {
        path: String,
        format: &'static str,
        message: String,
        #[source_code]
        src: SourceText,
        #[label("here")]
        span: SourceSpan,
    },

    #[error("a {datatype} property cannot have {what}")]
    #[diagnostic(
        code(thinslice::rdl::misfit),
        help(
            "units go with decimal and integer properties, ranges with links, allowed values with codes"
        )
    )]
    Misfit {
        what: String,
        datatype: Datatype,
        #[source_code]
        src: SourceText,
        #[label("does not fit the datatype")]
        span: SourceSpan,
    },

    #[error("code property `{property}` lists no allowed values")]
    #[diagnostic(code(thinslice::rdl::values), help("add `values: [TermA, TermB]`"))]
    NoValues {
        property: String,
        #[source_code]
        src: SourceText,
        #[label("a code needs its code list")]
        span: SourceSpan,
    },

    #[error("unit `{symbol}` needs a finite, non-zero factor and a finite offset")]
    #[diagnostic(code(thinslice::rdl::unit))]
    BadUnit {
        symbol: String,
        #[source_code]
        src: SourceText,
        #[label("here")]
        span: SourceSpan,
    },

    #[error("`{property}` has a minimum {min} above its maximum {max}: no value could pass")]
    #[diagnostic(
        code(thinslice::rdl::range),
        help("swap them, or correct the one that is wrong")
    )]
    EmptyRange {
        property: String,
        min: super::Bound,
        max: super::Bound,
        #[source_code]
        src: SourceText,
        #[label("below the minimum")]
        span: SourceSpan,
    },

    #[error("the pattern is not a valid regular expression")]
    #[diagnostic(code(thinslice::rdl::pattern))]
    BadPattern {
        #[source]
        source: regex::Error,
        #[source_code]
        src: SourceText,
        #[label("here")]
        span: SourceSpan,
    },

    #[error("{name} does not make an IRI: `{iri}` ({reason})")]
    #[diagnostic(
        code(thinslice::rdl::not_an_iri),
        help(
            "RDL names become IRIs under the namespace: use letters, digits, `-`, `_` and `.`, and a namespace such as `https://rdl.example.org/terms#`"
        )
    )]
    NotAnIri {
        name: String,
        iri: String,
        reason: String,
        #[source_code]
        src: SourceText,
        #[label("here")]
        span: SourceSpan,
    },

    #[error("class `{class}` is its own ancestor")]
    #[diagnostic(code(thinslice::rdl::cycle), help("a class hierarchy cannot loop"))]
    Cycle {
        class: String,
        #[source_code]
        src: SourceText,
        #[label("in a cycle")]
        span: SourceSpan,
    },
}

impl RdlError {
    pub(crate) fn from_source(e: crate::source::SourceError) -> Self {
        Self::Source(Box::new(e))
    }
}
