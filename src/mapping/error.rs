//! What can be wrong with a mapping file, or with running it.

use miette::{Diagnostic, SourceSpan};
use thiserror::Error;

use super::Mapping;
use crate::diag::{SourceText, Term, YamlError};
use crate::rdl::Datatype;

impl MappingError {
    /// The check `index` of `mapping` failed on the data: said at its condition, with the
    /// first line of polars' reason (the rest repeats it).
    pub fn check_run(mapping: &Mapping, index: usize, source: &polars::error::PolarsError) -> Self {
        let check = &mapping.checks[index];
        let reason = source.to_string();
        Self::CheckRun {
            check: check.name.clone(),
            reason: reason.lines().next().unwrap_or_default().trim().to_string(),
            src: mapping.file.source(),
            span: check.span,
        }
    }

    /// A polars failure while running `mapping` over a batch.
    pub fn run(mapping: &Mapping, source: polars::error::PolarsError) -> Self {
        Self::Run {
            mapping: mapping.file.name.clone(),
            source,
        }
    }
}

#[derive(Debug, Error, Diagnostic)]
pub enum MappingError {
    #[error(transparent)]
    #[diagnostic(transparent)]
    Yaml(#[from] YamlError),

    #[error("unknown {kind} `{name}`")]
    #[diagnostic(code(thinslice::mapping::unknown), help("{help}"))]
    Unknown {
        kind: Term,
        name: String,
        help: String,
        #[source_code]
        src: SourceText,
        #[label("not found")]
        span: SourceSpan,
    },

    #[error("`{name}` is more than one {kind} of the RDL")]
    #[diagnostic(code(thinslice::mapping::ambiguous), help("{help}"))]
    Ambiguous {
        kind: Term,
        name: String,
        help: String,
        #[source_code]
        src: SourceText,
        #[label("names terms of several layers")]
        span: SourceSpan,
    },

    #[error("the constant `{value}` of `{property}` would fail for every thing: {reason}")]
    #[diagnostic(
        code(thinslice::mapping::constant),
        help("write the value as the property's datatype reads it")
    )]
    BadConstant {
        value: String,
        property: String,
        reason: String,
        #[source_code]
        src: SourceText,
        #[label("this value")]
        span: SourceSpan,
    },

    #[error("the default `{value}` of `{property}` cannot fill a missing value: {reason}")]
    #[diagnostic(
        code(thinslice::mapping::default),
        help(
            "write the default as the property's datatype reads it; a missing value would otherwise stay missing without a word"
        )
    )]
    BadDefault {
        value: String,
        property: String,
        reason: String,
        #[source_code]
        src: SourceText,
        #[label("this default")]
        span: SourceSpan,
    },

    #[error("an empty `split` separator would split each value into its characters")]
    #[diagnostic(
        code(thinslice::mapping::separator),
        help("write the text between values, such as `\",\"` or `\";\"`")
    )]
    EmptySeparator {
        #[source_code]
        src: SourceText,
        #[label("empty")]
        span: SourceSpan,
    },

    #[error("`{format}` is not a date format")]
    #[diagnostic(
        code(thinslice::mapping::format),
        help(
            "formats are chrono strftime patterns: `%d/%m/%Y`, `%Y-%m-%d %H:%M`; see https://docs.rs/chrono/latest/chrono/format/strftime/"
        )
    )]
    BadFormat {
        format: String,
        #[source_code]
        src: SourceText,
        #[label("not a pattern")]
        span: SourceSpan,
    },

    #[error(
        "the property `{property}` cannot be mapped: its name is a column every entities table has"
    )]
    #[diagnostic(
        code(thinslice::mapping::taken_name),
        help(
            "`id`, `class`, `label` and `_origin` are the thing's identifier, class, label and origin; name the RDL property otherwise (`assetLabel`)"
        )
    )]
    TakenName {
        property: String,
        #[source_code]
        src: SourceText,
        #[label("taken")]
        span: SourceSpan,
    },

    #[error("`{value}` is not an allowed value of `{property}`")]
    #[diagnostic(code(thinslice::mapping::not_allowed), help("{help}"))]
    NotAllowed {
        value: String,
        property: String,
        help: String,
        #[source_code]
        src: SourceText,
        #[label("not in the RDL's code list")]
        span: SourceSpan,
    },

    #[error(
        "unit `{unit}` measures {quantity}, but `{property}` is in {target}, which measures {target_quantity}"
    )]
    #[diagnostic(
        code(thinslice::mapping::quantity),
        help("name the unit the source values are in; it must measure {target_quantity}")
    )]
    WrongQuantity {
        unit: String,
        quantity: String,
        property: String,
        target: String,
        target_quantity: String,
        #[source_code]
        src: SourceText,
        #[label("wrong kind of unit")]
        span: SourceSpan,
    },

    #[error("`{property}` has no unit in the RDL, so its values cannot be converted")]
    #[diagnostic(
        code(thinslice::mapping::unitless),
        help("remove `unit`, or give the property a unit in the RDL")
    )]
    UnitlessProperty {
        property: String,
        #[source_code]
        src: SourceText,
        #[label("nothing to convert to")]
        span: SourceSpan,
    },

    #[error("`{key}` does not fit `{property}`, a {datatype} property")]
    #[diagnostic(
        code(thinslice::mapping::misfit),
        help("`formats` are for dates, `unit` and `unit_in_value` for quantities")
    )]
    Misfit {
        key: String,
        property: String,
        datatype: Datatype,
        #[source_code]
        src: SourceText,
        #[label("not for this datatype")]
        span: SourceSpan,
    },

    #[error("`{property}` is a link: map it under `links`, with its target slice")]
    #[diagnostic(code(thinslice::mapping::link_as_property))]
    LinkAsProperty {
        property: String,
        #[source_code]
        src: SourceText,
        #[label("a link")]
        span: SourceSpan,
    },

    #[error("`{property}` is a {datatype} property, not a link")]
    #[diagnostic(
        code(thinslice::mapping::not_a_link),
        help("map it under `properties`")
    )]
    NotALink {
        property: String,
        datatype: Datatype,
        #[source_code]
        src: SourceText,
        #[label("not a link")]
        span: SourceSpan,
    },

    #[error("`{property}` needs one of `from: column`, `value: constant` or `attribute: name`")]
    #[diagnostic(code(thinslice::mapping::from_or_value))]
    FromOrValue {
        property: String,
        #[source_code]
        src: SourceText,
        #[label("one of the two")]
        span: SourceSpan,
    },

    #[error("`decimal` is `.` or `,`, not `{value}`")]
    #[diagnostic(code(thinslice::mapping::decimal))]
    Decimal {
        value: String,
        #[source_code]
        src: SourceText,
        #[label("here")]
        span: SourceSpan,
    },

    #[error("`split` on a link needs an identifier template with exactly one column")]
    #[diagnostic(
        code(thinslice::mapping::split),
        help("the column holding several targets is the one the template reads")
    )]
    SplitTemplate {
        #[source_code]
        src: SourceText,
        #[label("which column holds the targets?")]
        span: SourceSpan,
    },

    #[error("the check's condition does not parse: {reason}")]
    #[diagnostic(
        code(thinslice::mapping::check),
        help("write a SQL condition over the slice's columns, as in a slice's `where`")
    )]
    Check {
        reason: String,
        #[source_code]
        src: SourceText,
        #[label("in this condition")]
        span: SourceSpan,
    },

    #[error("the check `{check}` cannot be run on the data: {reason}")]
    #[diagnostic(
        code(thinslice::mapping::check_run),
        help(
            "the condition parses, but not for the slice's values: compare a text column with a text ('5'), or a number column with a number"
        )
    )]
    CheckRun {
        check: String,
        reason: String,
        #[source_code]
        src: SourceText,
        #[label("this condition")]
        span: SourceSpan,
    },

    #[error("mapping {mapping} could not be run")]
    #[diagnostic(code(thinslice::mapping::run))]
    Run {
        mapping: String,
        #[source]
        source: polars::error::PolarsError,
    },

    #[error("the identifier template does not make an IRI: {reason}")]
    #[diagnostic(
        code(thinslice::mapping::not_an_iri),
        help(
            "start it with a scheme and an authority: `https://data.example.org/asset/{{Asset ID}}`"
        )
    )]
    NotAnIri {
        reason: String,
        #[source_code]
        src: SourceText,
        #[label("here")]
        span: SourceSpan,
    },

    #[error("bad {what} template: {reason}")]
    #[diagnostic(
        code(thinslice::mapping::template),
        help(
            "write column names in braces, as in `https://data.example.org/asset/{{Asset ID}}` or `{{Name}} ({{Asset ID}})`; `{{{{` for a literal brace"
        )
    )]
    Template {
        /// `identifier` or `label`.
        what: &'static str,
        reason: String,
        #[source_code]
        src: SourceText,
        #[label("here")]
        span: SourceSpan,
    },

    #[error("{reason}")]
    #[diagnostic(code(thinslice::mapping::lookup), help("{help}"))]
    Lookup {
        reason: String,
        help: String,
        #[source_code]
        src: SourceText,
        #[label("here")]
        span: SourceSpan,
    },
}
