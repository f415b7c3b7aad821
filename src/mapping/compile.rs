//! A checked mapping compiled into polars expressions over its slice's rows: no per-row Rust
//! loop. Each property becomes two expressions, the parsed value in RDL terms and the reason
//! it failed (null when it did not), so failures are recorded, never guessed.

use polars::prelude::*;

use super::joined::{found, link_target};
use super::values::{Input, parse, raw_text, source_text, source_value};
use super::{
    ClassSource, LinkRule, Mapping, PropertyRule, Template, TemplatePart, Unmapped, ValueSource,
};
use crate::columns::{
    CLASS, DATA_ROW, ID, LABEL, ROW_COLUMN, hidden, looked_up, origin_of, shown, text_of,
};
use crate::quality::Dimension;
use crate::rdl::{Datatype, Property, Rdl};

/// How the values of one property (or of the class) can fail, and where they came from.
pub struct FailureRule {
    pub property: String,
    /// `validity` for a value that does not parse or convert; `conformity` for a code that
    /// is not mapped to an RDL term.
    pub dimension: Dimension,
    /// The source column, for locating the failed cell; None for a constant.
    pub column: Option<String>,
    /// The reason, null where the value did not fail.
    pub reason: Expr,
    /// The value as the source wrote it.
    pub raw: Expr,
    /// Where the value sits when it is not in the thing's own row: the cell of a value
    /// read through a link or from an attribute row.
    pub cell: Option<Expr>,
}

/// A mapping ready to run: one expression per output column.
pub struct Compiled {
    /// Intermediate values several expressions share, computed once as hidden columns
    /// before `columns`: one list per level, each level using only the levels before it.
    pub staged: Vec<Vec<(String, Expr)>>,
    /// (column name, expression) for id, class, label, properties and links, in order.
    pub columns: Vec<(String, Expr)>,
    /// How each mapped value can fail.
    pub failures: Vec<FailureRule>,
    /// Why a row cannot become a thing (null when it can).
    pub quarantine: Expr,
}

/// Where a rule's intermediate values are computed. A value several expressions use (the
/// normalised text, a number's parts, the parsed value its failure is judged by) is
/// computed once, as a hidden column, when the rule reads whole columns; inside a list's
/// elements (`split`) no column can hold it, and it stays in place. polars evaluates a
/// repeated subexpression each time it appears.
pub(super) enum Stage<'a> {
    Columns {
        owner: &'a str,
        levels: &'a mut Vec<Vec<(String, Expr)>>,
    },
    InPlace,
}

impl Stage<'_> {
    /// `expr`, computed once at `level` (after the levels below it) as `what` of the owner.
    pub(super) fn share(&mut self, level: usize, what: &str, expr: Expr) -> Expr {
        match self {
            Stage::InPlace => expr,
            Stage::Columns { owner, levels } => {
                let name = hidden(&format!("{what}:{owner}"));
                while levels.len() <= level {
                    levels.push(Vec::new());
                }
                levels[level].push((name.clone(), expr));
                col(name)
            }
        }
    }
}

/// Compiles `mapping` over a slice whose columns have the given types.
pub fn compile(mapping: &Mapping, rdl: &Rdl, schema: &Schema) -> Compiled {
    let mut columns = Vec::new();
    let mut failures = Vec::new();
    let mut staged = Vec::new();

    let id = template_expr(&mapping.id, schema);
    columns.push((ID.to_string(), id.clone()));
    let (class, class_reason) = class_expr(
        mapping,
        &mut Stage::Columns {
            owner: CLASS,
            levels: &mut staged,
        },
    );
    columns.push((CLASS.to_string(), class));
    // Under `unmapped: warn` a row without a class is still a thing; the missing class is
    // recorded as a failure of the `class` column instead of quarantining the row.
    let class_reason = match &mapping.class {
        ClassSource::Column {
            column,
            unmapped: Unmapped::Warn,
            ..
        } => {
            failures.push(FailureRule {
                property: CLASS.to_string(),
                dimension: Dimension::Conformity,
                column: Some(column.clone()),
                reason: class_reason,
                raw: col(column.as_str()).cast(DataType::String),
                cell: origin_of(column).map(col),
            });
            lit(NULL).cast(DataType::String)
        }
        _ => class_reason,
    };
    if let Some(label) = &mapping.label {
        columns.push((LABEL.to_string(), label_expr(label, schema)));
    }
    for rule in &mapping.properties {
        let Some(property) = rdl.properties.get(&rule.property) else {
            continue;
        };
        let (value, failure) = property_expr(rule, property, rdl, schema, &mut staged);
        columns.push((rule.property.clone(), value));
        failures.push(failure);
    }
    for link in &mapping.links {
        // A link read through was rendered once already, to join its target's columns.
        let target = match mapping.lookups.iter().any(|l| l.link == link.name) {
            true => col(link_target(&link.name)),
            false => link_expr(link, schema),
        };
        columns.push((link.property.clone(), target));
    }
    Compiled {
        staged,
        columns,
        failures,
        quarantine: quarantine_expr(&mapping.id, id, class_reason),
    }
}

/// A property's values in RDL terms, and how they fail.
fn property_expr(
    rule: &PropertyRule,
    property: &Property,
    rdl: &Rdl,
    schema: &Schema,
    staged: &mut Vec<Vec<(String, Expr)>>,
) -> (Expr, FailureRule) {
    let raw = raw_text(rule, schema);
    let source_dtype = match &rule.source {
        ValueSource::Column(c) => schema.get(c.as_str()).cloned().unwrap_or(DataType::String),
        ValueSource::Constant(_) => DataType::String,
    };
    let (value, reason) = match &rule.split {
        None => parse(
            rule,
            property,
            rdl,
            Input {
                raw: raw.clone(),
                value: source_value(rule, schema),
                written: source_text(rule, schema),
                dtype: &source_dtype,
            },
            &mut Stage::Columns {
                owner: &rule.property,
                levels: staged,
            },
        ),
        Some(separator) => {
            // Several values in one cell: each is parsed on its own; the failed ones are
            // left out and the first failure's reason is recorded.
            let each_value = Input {
                raw: element(),
                value: element(),
                written: element(),
                dtype: &DataType::String,
            };
            let (each, each_reason) = parse(rule, property, rdl, each_value, &mut Stage::InPlace);
            let values = source_text(rule, schema)
                .cast(DataType::String)
                .str()
                .split(lit(separator.clone()));
            (
                values.clone().list().eval(each.drop_nulls()),
                values.list().eval(each_reason.drop_nulls()).list().first(),
            )
        }
    };
    let failure = FailureRule {
        property: rule.property.clone(),
        dimension: if property.datatype == Datatype::Code {
            Dimension::Conformity
        } else {
            Dimension::Validity
        },
        column: match &rule.source {
            ValueSource::Column(c) => Some(c.clone()),
            ValueSource::Constant(_) => None,
        },
        reason,
        raw,
        cell: match &rule.source {
            ValueSource::Column(c) => origin_of(c).map(col),
            ValueSource::Constant(_) => None,
        },
    };
    (value, failure)
}

/// The identifier (or identifiers) a link points at.
fn link_expr(link: &LinkRule, schema: &Schema) -> Expr {
    match (&link.split, link.id.columns().next()) {
        // Several targets in one cell: the template is applied to each.
        (Some(separator), Some(column)) => written(schema, column)
            .cast(DataType::String)
            .str()
            .split(lit(separator.clone()))
            .list()
            .eval(template_with(&link.id, |_| element(), schema).drop_nulls()),
        _ => template_expr(&link.id, schema),
    }
}

/// Why a row cannot become a thing: no identifier, else the class's reason (null when the
/// row can).
fn quarantine_expr(template: &Template, id: Expr, class_reason: Expr) -> Expr {
    let id_columns: Vec<String> = template.columns().map(|c| format!("`{c}`")).collect();
    let not_an_iri = match always_an_iri(template) {
        true => lit(NULL).cast(DataType::String),
        false => iri_problem(id.clone()),
    };
    when(id.clone().is_null())
        .then(lit(format!(
            "no identifier: {} empty",
            id_columns.join(" or ")
        )))
        .when(not_an_iri.clone().is_not_null())
        .then(concat_str(
            [
                lit("identifier `"),
                id,
                lit("` is not an IRI: "),
                not_an_iri,
            ],
            "",
            false,
        ))
        .otherwise(class_reason)
}

/// Whether every identifier `template` makes is an IRI, whatever its data: the text before
/// its first placeholder names a scheme, an authority and the start of a path
/// (`https://data.example.org/asset/`), after which each value is percent-encoded into
/// characters a path allows (a line, a row number and a digest are digits), so the template
/// rendered with a plain value in each placeholder says for all. Saves parsing every
/// identifier of a large slice.
fn always_an_iri(template: &Template) -> bool {
    let Some(TemplatePart::Literal(head)) = template.parts.first() else {
        return false;
    };
    let Some((_, after_scheme)) = head.split_once("://") else {
        return false;
    };
    if after_scheme.find('/').is_none_or(|slash| slash == 0) {
        return false;
    }
    let rendered: String = (template.parts.iter())
        .map(|part| match part {
            TemplatePart::Literal(text) => text.as_str(),
            _ => "x",
        })
        .collect();
    oxrdf::NamedNode::new(rendered).is_ok()
}

/// Why each identifier is not an IRI, null for those that are (and for no identifier). The
/// values in a template are escaped, but a template's data can still make a bad IRI (a
/// scheme or host read from a column): such a thing would vanish from the RDF.
fn iri_problem(id: Expr) -> Expr {
    each_text(id, |id| {
        oxrdf::NamedNode::new(id).err().map(|e| e.to_string())
    })
}

/// A column's values as the source wrote them: its text as written when it was read as a
/// number ([`text_of`]), else the column itself.
pub(super) fn written(schema: &Schema, column: &str) -> Expr {
    let text = text_of(column);
    if schema.contains(&text) {
        col(text)
    } else {
        col(column)
    }
}

/// A placeholder's value: its text, trimmed; an empty value is no value.
fn placeholder(value: Expr) -> Expr {
    super::text::trimmed_or_null(value, true)
}

/// An identifier template as an expression: literals and the columns' text as written,
/// percent-encoded. Null when any column is empty: `…/asset/` is not an identifier.
pub(super) fn template_expr(template: &Template, schema: &Schema) -> Expr {
    template_with(template, |column| written(schema, column), schema)
}

/// An identifier template whose placeholders take their values from `value(column)`.
fn template_with(template: &Template, value: impl Fn(&str) -> Expr, schema: &Schema) -> Expr {
    let parts: Vec<Expr> = template
        .parts
        .iter()
        .map(|part| match part {
            TemplatePart::Literal(text) => lit(text.clone()),
            TemplatePart::Column(column) => percent_encode(placeholder(value(column))),
            other => special_value(other, schema),
        })
        .collect();
    concat_str(parts, "", false)
}

/// The value of a placeholder thinslice fills: the row's line, or the digest of columns.
fn special_value(part: &TemplatePart, schema: &Schema) -> Expr {
    match part {
        TemplatePart::Hash(columns) => {
            let texts: Vec<Expr> = columns
                .iter()
                .map(|c| written(schema, c).cast(DataType::String))
                .collect();
            digest(texts)
        }
        TemplatePart::Row => col(DATA_ROW).cast(DataType::String),
        _ => col(ROW_COLUMN).cast(DataType::String),
    }
}

/// 16 hex digits of the XXH3 of the texts, each followed by a unit separator (so `ab`,`c`
/// and `a`,`bc` differ); an empty text counts as empty. Null when every text is empty.
fn digest(texts: Vec<Expr>) -> Expr {
    map_multiple(
        |columns: &mut [Column]| {
            let texts = columns
                .iter()
                .map(|c| c.str())
                .collect::<PolarsResult<Vec<&StringChunked>>>()?;
            let height = columns.iter().map(Column::len).max().unwrap_or(0);
            let mut joined = String::new();
            let digests: StringChunked = (0..height)
                .map(|row| {
                    joined.clear();
                    let mut any = false;
                    for text in &texts {
                        let value = text.get(row).map(str::trim).unwrap_or_default();
                        any |= !value.is_empty();
                        joined.push_str(value);
                        joined.push('\u{1f}');
                    }
                    any.then(|| format!("{:016x}", xxhash_rust::xxh3::xxh3_64(joined.as_bytes())))
                })
                .collect();
            Ok(digests.with_name(texts[0].name().clone()).into_column())
        },
        texts,
        |_, fields| Ok(Field::new(fields[0].name().clone(), DataType::String)),
    )
}

/// A label template as an expression: the columns' text as written, an empty field left out
/// with the space on one side of it (`{Name} ({ID})` without a name is `(P2)`), no label
/// when every field is empty.
fn label_expr(template: &Template, schema: &Schema) -> Expr {
    let values: Vec<Expr> = template
        .parts
        .iter()
        .filter_map(|part| match part {
            TemplatePart::Literal(_) => None,
            TemplatePart::Column(column) => Some(placeholder(written(schema, column))),
            other => Some(special_value(other, schema)),
        })
        .collect();
    let parts = template.parts.clone();
    map_multiple(
        move |columns: &mut [Column]| {
            let texts = columns
                .iter()
                .map(|c| c.str())
                .collect::<PolarsResult<Vec<&StringChunked>>>()?;
            let height = columns.iter().map(Column::len).max().unwrap_or(0);
            let labels: StringChunked = (0..height)
                .map(|row| render_label(&parts, |i| texts[i].get(row)))
                .collect();
            Ok(labels.into_column())
        },
        values,
        |_, fields| Ok(Field::new(fields[0].name().clone(), DataType::String)),
    )
}

/// One label: the template's parts, `value(i)` for its i-th placeholder. An empty
/// placeholder takes the whitespace that follows it (or, at the end, precedes it) along.
fn render_label<'a>(
    parts: &[TemplatePart],
    value: impl Fn(usize) -> Option<&'a str>,
) -> Option<String> {
    let mut label = String::new();
    let mut placeholder = 0;
    let mut any = false;
    let mut skip_space = false;
    for part in parts {
        match part {
            TemplatePart::Literal(text) => {
                let text = if skip_space || label.is_empty() {
                    text.trim_start()
                } else {
                    text
                };
                label.push_str(text);
                skip_space = false;
            }
            TemplatePart::Column(_)
            | TemplatePart::Line
            | TemplatePart::Row
            | TemplatePart::Hash(_) => {
                match value(placeholder) {
                    Some(text) => {
                        label.push_str(text);
                        any = true;
                    }
                    None => skip_space = label.ends_with(char::is_whitespace) || label.is_empty(),
                }
                placeholder += 1;
            }
        }
    }
    let label = label.trim();
    (any && !label.is_empty()).then(|| label.to_string())
}

/// `each` over the texts of a text expression, in one pass: null stays null, and so does a
/// text `each` gives nothing for.
pub(super) fn each_text(
    text: Expr,
    each: impl Fn(&str) -> Option<String> + Send + Sync + 'static,
) -> Expr {
    text.map(
        move |column| {
            let texts = column.str()?;
            let out: StringChunked = texts.iter().map(|t| t.and_then(&each)).collect();
            Ok(out.with_name(texts.name().clone()).into_column())
        },
        |_, field| Ok(Field::new(field.name().clone(), DataType::String)),
    )
}

/// Escapes the characters that cannot stand in an IRI path segment (a column with nothing
/// to escape is not copied).
fn percent_encode(text: Expr) -> Expr {
    super::text::where_needed(text, has_escape, escape_segment)
}

fn has_escape(text: &str) -> bool {
    text.chars().any(needs_escape)
}

/// What an IRI path segment cannot hold as it is (RFC 3987 `ipchar`): `%` itself, space,
/// the delimiters, control characters, and the characters that are neither unreserved nor
/// `ucschar` (private use, non-characters).
fn needs_escape(c: char) -> bool {
    if c.is_ascii() {
        return !(c.is_ascii_alphanumeric() || "-._~!$&'()*+,;=:@".contains(c));
    }
    !matches!(
        u32::from(c),
        0xA0..=0xD7FF | 0xF900..=0xFDCF | 0xFDF0..=0xFFEF
    ) && !is_supplementary_ucschar(u32::from(c))
}

/// RFC 3987's `ucschar` beyond the Basic Multilingual Plane: every plane but the last two
/// code points of each.
fn is_supplementary_ucschar(code: u32) -> bool {
    (0x10000..=0xEFFFD).contains(&code) && code & 0xFFFE != 0xFFFE
}

fn escape_segment(text: &str) -> std::borrow::Cow<'_, str> {
    if !has_escape(text) {
        return std::borrow::Cow::Borrowed(text);
    }
    let mut escaped = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if needs_escape(c) {
            let mut utf8 = [0; 4];
            for byte in c.encode_utf8(&mut utf8).bytes() {
                escaped.push_str(&format!("%{byte:02X}"));
            }
        } else {
            escaped.push(c);
        }
    }
    std::borrow::Cow::Owned(escaped)
}

/// The class of each row, and why a row has none.
fn class_expr(mapping: &Mapping, stage: &mut Stage) -> (Expr, Expr) {
    match &mapping.class {
        ClassSource::Fixed(class) => (lit(class.clone()), lit(NULL).cast(DataType::String)),
        ClassSource::Column {
            column,
            values,
            unmapped,
            trim,
        } => {
            let mut code = col(column.as_str()).cast(DataType::String);
            if *trim {
                code = super::text::trimmed(code);
            }
            let code = stage.share(0, "code", code);
            let fallback = match unmapped {
                Unmapped::Quarantine | Unmapped::Warn => lit(NULL).cast(DataType::String),
                Unmapped::Fallback(class) => lit(class.clone()),
            };
            let mapped = stage.share(
                1,
                "class",
                values.terms_of(code.clone()).fill_null(fallback),
            );
            let shown = shown(column);
            // A blank code is unmapped like any other: a fallback class applies to it.
            let reason = when(mapped.clone().is_not_null())
                .then(lit(NULL).cast(DataType::String))
                .when(code.clone().is_null())
                .then(no_code(mapping, column))
                .otherwise(concat_str(
                    [
                        lit(format!("no class: `{shown}` code `")),
                        code,
                        lit("` is not mapped"),
                    ],
                    "",
                    false,
                ));
            (mapped, reason)
        }
    }
}

/// Why a row has no class code: its column is empty, or, for a code read through a link,
/// the link is empty or points at no thing to read it from.
fn no_code(mapping: &Mapping, column: &str) -> Expr {
    let empty = lit(format!("no class: `{}` is empty", shown(column)));
    let Some(lookup) = mapping
        .lookups
        .iter()
        .find(|l| looked_up(&l.name()) == column)
    else {
        return empty;
    };
    let target = col(link_target(&lookup.link));
    when(target.clone().is_null())
        .then(lit(format!(
            "no class: the `{}` link is empty",
            lookup.link
        )))
        .when(col(found(&lookup.link)).is_null())
        .then(concat_str(
            [
                lit(format!("no class: `{}` points at `", lookup.link)),
                target,
                lit(format!("`, no thing of slice `{}`", lookup.slice)),
            ],
            "",
            false,
        ))
        .otherwise(empty)
}

/// `value` looked up in a small map of texts, as nested when/then; `otherwise` when it is
/// not there.
pub(super) fn lookup_exprs<I>(value: Expr, entries: I, otherwise: Expr) -> Expr
where
    I: IntoIterator<Item = (String, Expr)>,
{
    let entries: Vec<(String, Expr)> = entries.into_iter().collect();
    entries
        .into_iter()
        .rev()
        .fold(otherwise, |rest, (key, target)| {
            when(value.clone().eq(lit(key)))
                .then(target)
                .otherwise(rest)
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_identifier_is_an_iri_by_construction_only_after_scheme_host_and_slash() {
        let always = |text: &str| {
            let template = super::super::template::Template::parse(text).expect("template");
            super::always_an_iri(&template)
        };
        assert!(always("https://data.example.org/asset/{ID}"));
        assert!(always("https://x.org/a/{A}-{B}#{_line}"));
        assert!(always("https://x.org/a/{_hash(A, B)}/{_row}"));
        assert!(!always("{Scheme}://x.org/{A}"), "the data names the scheme");
        assert!(!always("https://{Host}/a/{A}"), "the data names the host");
        assert!(!always("https://x.org{A}"), "the data starts the path");
        assert!(!always("urn:x:{A}"), "no authority: checked value by value");
        assert!(
            !always("https://x.org/a b/{A}"),
            "a space in the template's own text"
        );
    }

    #[test]
    fn an_empty_field_is_left_out_of_a_label_with_one_space() {
        let template = Template::parse("Valve on {Main} main, {Site} ({ID})").expect("template");
        let label =
            |values: [Option<&'static str>; 3]| render_label(&template.parts, |i| values[i]);
        assert_eq!(
            label([Some("Mill"), Some("S1"), Some("V1")]).as_deref(),
            Some("Valve on Mill main, S1 (V1)")
        );
        assert_eq!(
            label([None, Some("S1"), Some("V1")]).as_deref(),
            Some("Valve on main, S1 (V1)")
        );
        assert_eq!(
            label([Some("Mill"), None, Some("V1")]).as_deref(),
            Some("Valve on Mill main, (V1)")
        );
        assert_eq!(label([None, None, None]), None, "no field, no label");
        let leading = Template::parse("{Name} ({ID})").expect("template");
        assert_eq!(
            render_label(&leading.parts, |i| [None, Some("P2")][i]).as_deref(),
            Some("(P2)")
        );
    }

    #[test]
    fn segments_are_escaped_in_one_pass_and_left_alone_otherwise() {
        assert!(matches!(
            escape_segment("WA-0001"),
            std::borrow::Cow::Borrowed("WA-0001")
        ));
        assert_eq!(escape_segment("50% a/b"), "50%25%20a%2Fb");
        assert_eq!(escape_segment("Müller{1}|\"x\""), "Müller%7B1%7D%7C%22x%22");
        // Control characters, brackets and private use cannot stand in an IRI either.
        assert_eq!(
            escape_segment("a\u{1}b[c]\u{E000}"),
            "a%01b%5Bc%5D%EE%80%80"
        );
        for c in [
            '\u{0}',
            '\n',
            '\u{7F}',
            '\u{85}',
            '\u{FFFE}',
            '\u{1FFFF}',
            '[',
            ' ',
        ] {
            let iri = format!("https://x.test/{}", escape_segment(&c.to_string()));
            assert!(oxrdf::NamedNode::new(&iri).is_ok(), "{c:?}: {iri}");
        }
    }
}
