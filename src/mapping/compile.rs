//! A checked mapping compiled into polars expressions over its slice's rows: no per-row Rust
//! loop. Each property becomes two expressions, the parsed value in RDL terms and the reason
//! it failed (null when it did not), so failures are recorded, never guessed.

use polars::prelude::*;

use super::{
    Case, ClassSource, Mapping, PropertyRule, Template, TemplatePart, Unmapped, ValueSource,
};
use crate::rdl::{Datatype, Property, Rdl};
use crate::source::ROW_COLUMN;

/// The id column of an entities table.
pub const ID: &str = "id";
/// The class column of an entities table: the RDL term.
pub const CLASS: &str = "class";
/// The label column of an entities table.
pub const LABEL: &str = "label";
/// Where a failure reason of property P sits while mapping: `__failure:P`.
const FAILURE_PREFIX: &str = "__failure:";
/// The raw text a failed value came from: `__raw:P`.
const RAW_PREFIX: &str = "__raw:";

/// How the values of one property (or of the class) can fail, and where they came from.
pub struct FailureRule {
    pub property: String,
    /// `validity` for a value that does not parse or convert; `conformity` for a code that
    /// is not mapped to an RDL term.
    pub dimension: &'static str,
    /// The source column, for locating the failed cell; None for a constant.
    pub column: Option<String>,
    /// The reason, null where the value did not fail.
    pub reason: Expr,
    /// The value as the source wrote it.
    pub raw: Expr,
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

/// The start of the hidden columns a mapping computes on the way; a source column may not
/// be named so.
pub(crate) const STAGED_PREFIX: &str = "__thinslice:";

/// Where a rule's intermediate values are computed. A value several expressions use (the
/// normalised text, a number's parts, the parsed value its failure is judged by) is
/// computed once, as a hidden column, when the rule reads whole columns; inside a list's
/// elements (`split`) no column can hold it, and it stays in place. polars evaluates a
/// repeated subexpression each time it appears.
enum Stage<'a> {
    Columns {
        owner: &'a str,
        levels: &'a mut Vec<Vec<(String, Expr)>>,
    },
    InPlace,
}

impl Stage<'_> {
    /// `expr`, computed once at `level` (after the levels below it) as `what` of the owner.
    fn share(&mut self, level: usize, what: &str, expr: Expr) -> Expr {
        match self {
            Stage::InPlace => expr,
            Stage::Columns { owner, levels } => {
                let name = format!("{STAGED_PREFIX}{what}:{owner}");
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

    let id = template_expr(&mapping.id, true);
    columns.push((ID.to_string(), id.clone()));
    let (class, class_reason) = class_expr(
        &mapping.class,
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
                dimension: "conformity",
                column: Some(column.clone()),
                reason: class_reason,
                raw: col(column.as_str()).cast(DataType::String),
            });
            lit(NULL).cast(DataType::String)
        }
        _ => class_reason,
    };
    if let Some(label) = &mapping.label {
        columns.push((LABEL.to_string(), template_expr(label, false)));
    }

    for rule in &mapping.properties {
        let Some(property) = rdl.properties.get(&rule.property) else {
            continue;
        };
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
                raw.clone(),
                source_value(rule),
                &source_dtype,
                &mut Stage::Columns {
                    owner: &rule.property,
                    levels: &mut staged,
                },
            ),
            Some(separator) => {
                // Several values in one cell: each is parsed on its own; the failed ones are
                // left out and the first failure's reason is recorded.
                let (each, each_reason) = parse(
                    rule,
                    property,
                    rdl,
                    element(),
                    element(),
                    &DataType::String,
                    &mut Stage::InPlace,
                );
                let values = source_value(rule)
                    .cast(DataType::String)
                    .str()
                    .split(lit(separator.clone()));
                (
                    values.clone().list().eval(each.drop_nulls()),
                    values.list().eval(each_reason.drop_nulls()).list().first(),
                )
            }
        };
        columns.push((rule.property.clone(), value));
        failures.push(FailureRule {
            property: rule.property.clone(),
            dimension: if property.datatype == Datatype::Code {
                "conformity"
            } else {
                "validity"
            },
            column: match &rule.source {
                ValueSource::Column(c) => Some(c.clone()),
                ValueSource::Constant(_) => None,
            },
            reason,
            raw,
        });
    }

    for link in &mapping.links {
        let target = match (&link.split, link.id.columns().next()) {
            // Several targets in one cell: the template is applied to each.
            (Some(separator), Some(column)) => col(column)
                .cast(DataType::String)
                .str()
                .split(lit(separator.clone()))
                .list()
                .eval(template_with(&link.id, true, |_| element()).drop_nulls()),
            _ => template_expr(&link.id, true),
        };
        columns.push((link.property.clone(), target));
    }

    let id_columns: Vec<String> = mapping.id.columns().map(str::to_string).collect();
    let quarantine = when(id.is_null())
        .then(lit(format!(
            "no identifier: {} empty",
            id_columns
                .iter()
                .map(|c| format!("`{c}`"))
                .collect::<Vec<_>>()
                .join(" or ")
        )))
        .otherwise(class_reason);
    Compiled {
        staged,
        columns,
        failures,
        quarantine,
    }
}

/// A template as an expression: literals and the columns' text, percent-encoded in IRIs.
/// Null when any column is null, so a thing without its identifier is noticed.
fn template_expr(template: &Template, iri: bool) -> Expr {
    template_with(template, iri, |column| col(column))
}

/// A template whose placeholders take their values from `value(column)`.
fn template_with(template: &Template, iri: bool, value: impl Fn(&str) -> Expr) -> Expr {
    let parts: Vec<Expr> = template
        .parts
        .iter()
        .map(|part| match part {
            TemplatePart::Literal(text) => lit(text.clone()),
            TemplatePart::Column(column) => {
                let text = value(column.as_str())
                    .cast(DataType::String)
                    .str()
                    .strip_chars(lit(NULL));
                // An empty value is no value: `…/asset/` is not an identifier.
                let text = when(text.clone().eq(lit("")))
                    .then(lit(NULL))
                    .otherwise(text);
                if iri { percent_encode(text) } else { text }
            }
        })
        .collect();
    concat_str(parts, "", false)
}

/// Escapes the characters that cannot stand in an IRI path segment, in one pass over each
/// value (a value with nothing to escape is not copied).
fn percent_encode(text: Expr) -> Expr {
    text.map(
        |column| Ok(column.str()?.apply_values(escape_segment).into_column()),
        |_, field| Ok(Field::new(field.name().clone(), DataType::String)),
    )
}

/// What an IRI path segment cannot hold as it is: `%` itself, space, and the delimiters and
/// unsafe characters of RFC 3987.
fn needs_escape(c: char) -> bool {
    matches!(
        c,
        '%' | ' ' | '"' | '#' | '/' | '<' | '>' | '?' | '\\' | '^' | '`' | '{' | '|' | '}'
    )
}

fn escape_segment(text: &str) -> std::borrow::Cow<'_, str> {
    if !text.chars().any(needs_escape) {
        return std::borrow::Cow::Borrowed(text);
    }
    let mut escaped = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if needs_escape(c) {
            escaped.push_str(&format!("%{:02X}", c as u32));
        } else {
            escaped.push(c);
        }
    }
    std::borrow::Cow::Owned(escaped)
}

/// The class of each row, and why a row has none.
fn class_expr(class: &ClassSource, stage: &mut Stage) -> (Expr, Expr) {
    match class {
        ClassSource::Fixed(class) => (lit(class.clone()), lit(NULL).cast(DataType::String)),
        ClassSource::Column {
            column,
            values,
            unmapped,
            trim,
        } => {
            let mut code = col(column.as_str()).cast(DataType::String);
            if *trim {
                code = code.str().strip_chars(lit(NULL));
            }
            let code = stage.share(0, "code", code);
            let fallback = match unmapped {
                Unmapped::Quarantine | Unmapped::Warn => lit(NULL).cast(DataType::String),
                Unmapped::Fallback(class) => lit(class.clone()),
            };
            let mapped = stage.share(
                1,
                "class",
                lookup(
                    code.clone(),
                    values.iter().map(|(k, v)| (k.clone(), v.clone())),
                    fallback,
                ),
            );
            let reason = when(code.clone().is_null())
                .then(lit(format!("no class: `{column}` is empty")))
                .when(mapped.clone().is_null())
                .then(concat_str(
                    [
                        lit(format!("no class: `{column}` code `")),
                        code,
                        lit("` is not mapped"),
                    ],
                    "",
                    false,
                ))
                .otherwise(lit(NULL).cast(DataType::String));
            (mapped, reason)
        }
    }
}

/// `value` looked up in a small map of texts, as nested when/then; `otherwise` when it is
/// not there.
fn lookup<I>(value: Expr, entries: I, otherwise: Expr) -> Expr
where
    I: IntoIterator<Item = (String, String)>,
{
    lookup_exprs(
        value,
        entries.into_iter().map(|(k, v)| (k, lit(v))),
        otherwise,
    )
}

fn lookup_exprs<I>(value: Expr, entries: I, otherwise: Expr) -> Expr
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

/// The value as it stood in the source, as text: what a failure report quotes.
fn raw_text(rule: &PropertyRule, schema: &Schema) -> Expr {
    match &rule.source {
        ValueSource::Column(c) if schema.get(c.as_str()).is_some() => {
            col(c.as_str()).cast(DataType::String)
        }
        ValueSource::Column(_) => lit(NULL).cast(DataType::String),
        ValueSource::Constant(v) => lit(v.clone()),
    }
}

/// The source value, with the rule's default for a missing one.
fn source_value(rule: &PropertyRule) -> Expr {
    let value = match &rule.source {
        ValueSource::Column(c) => col(c.as_str()),
        ValueSource::Constant(v) => lit(v.clone()),
    };
    match &rule.default {
        Some(default) => value.cast(DataType::String).fill_null(lit(default.clone())),
        None => value,
    }
}

/// Text normalised as the rule says: trimmed, case folded, empty as null.
fn normalised_text(rule: &PropertyRule, value: Expr) -> Expr {
    let mut text = value.cast(DataType::String);
    if rule.trim {
        text = text.str().strip_chars(lit(NULL));
    }
    text = match rule.case {
        Some(Case::Lower) => text.str().to_lowercase(),
        Some(Case::Upper) => text.str().to_uppercase(),
        None => text,
    };
    when(text.clone().eq(lit("")))
        .then(lit(NULL))
        .otherwise(text)
}

fn normalise_key(rule: &PropertyRule, key: &str) -> String {
    let key = if rule.trim { key.trim() } else { key };
    match rule.case {
        Some(Case::Lower) => key.to_lowercase(),
        Some(Case::Upper) => key.to_uppercase(),
        None => key.to_string(),
    }
}

/// (parsed value in RDL terms, reason it failed). The reason is null where the source has no
/// value (that is completeness, not validity) and where parsing succeeded.
fn parse(
    rule: &PropertyRule,
    property: &Property,
    rdl: &Rdl,
    raw: Expr,
    value: Expr,
    source_dtype: &DataType,
    stage: &mut Stage,
) -> (Expr, Expr) {
    let text = stage.share(0, "text", normalised_text(rule, value.clone()));
    let (parsed, reason) = match property.datatype {
        Datatype::String => (text.clone(), String::new()),
        Datatype::Code => {
            let allowed: Vec<(String, String)> = if rule.values.is_empty() {
                property
                    .values
                    .iter()
                    .map(|(v, _)| (v.clone(), v.clone()))
                    .collect()
            } else {
                rule.values
                    .iter()
                    .map(|(k, v)| (normalise_key(rule, k), v.clone()))
                    .collect()
            };
            (
                lookup(text.clone(), allowed, lit(NULL).cast(DataType::String)),
                format!("not mapped to an allowed value of `{}`", rule.property),
            )
        }
        Datatype::Boolean => {
            let lowered = text.clone().str().to_lowercase();
            let truth = [
                ("true", true),
                ("yes", true),
                ("y", true),
                ("1", true),
                ("false", false),
                ("no", false),
                ("n", false),
                ("0", false),
            ]
            .map(|(k, v)| (k.to_string(), lit(v)));
            (
                lookup_exprs(lowered, truth, lit(NULL).cast(DataType::Boolean)),
                "not a yes/no value".to_string(),
            )
        }
        Datatype::Date | Datatype::Datetime => {
            let parsed = date_expr(
                rule,
                value.clone(),
                text.clone(),
                source_dtype,
                property.datatype,
            );
            (parsed, format!("not a date in {}", describe_formats(rule)))
        }
        Datatype::Decimal | Datatype::Integer => {
            let (number, reason) = number_expr(
                rule,
                property,
                rdl,
                value.clone(),
                text.clone(),
                source_dtype,
                stage,
            );
            let number = if property.datatype == Datatype::Integer {
                number.round(0, RoundMode::HalfToEven).cast(DataType::Int64)
            } else {
                number
            };
            (number, reason)
        }
        Datatype::Link => (
            lit(NULL).cast(DataType::String),
            "links are mapped under `links`".into(),
        ),
    };
    let parsed = stage.share(2, "value", parsed);
    let failed = when(
        raw.is_not_null()
            .and(text.is_not_null())
            .and(parsed.clone().is_null()),
    )
    .then(lit(reason))
    .otherwise(lit(NULL).cast(DataType::String));
    (parsed, failed)
}

fn describe_formats(rule: &PropertyRule) -> String {
    let mut formats: Vec<String> = rule.formats.iter().map(|f| format!("`{f}`")).collect();
    formats.push("`%Y-%m-%d`".into());
    formats.join(", ")
}

/// Dates from date cells, Excel serial numbers, or text in the listed formats (ISO dates are
/// always accepted: a workbook reader writes date cells of mixed columns that way).
fn date_expr(
    rule: &PropertyRule,
    value: Expr,
    text: Expr,
    dtype: &DataType,
    target: Datatype,
) -> Expr {
    let date = match dtype {
        DataType::Date => value,
        DataType::Datetime(_, _) => value.cast(DataType::Date),
        d if d.is_primitive_numeric() => {
            // Excel's day 25569 is 1970-01-01; serials before 1900-03-01 are not dates here.
            when(value.clone().gt_eq(lit(61)))
                .then(
                    (value - lit(25569))
                        .floor()
                        .cast(DataType::Int32)
                        .cast(DataType::Date),
                )
                .otherwise(lit(NULL).cast(DataType::Date))
        }
        _ => {
            let mut formats = rule.formats.clone();
            if !formats.iter().any(|f| f == "%Y-%m-%d") {
                formats.push("%Y-%m-%d".into());
            }
            let mut parsed: Option<Expr> = None;
            for format in formats {
                let attempt = text.clone().str().to_date(StrptimeOptions {
                    format: Some(format.into()),
                    strict: false,
                    exact: true,
                    cache: true,
                });
                parsed = Some(match parsed {
                    None => attempt,
                    Some(previous) => previous.fill_null(attempt),
                });
            }
            parsed.unwrap_or_else(|| lit(NULL).cast(DataType::Date))
        }
    };
    match target {
        Datatype::Datetime => date.cast(DataType::Datetime(TimeUnit::Milliseconds, None)),
        _ => date,
    }
}

/// A number in the RDL property's unit, and the reason when it is not one.
fn number_expr(
    rule: &PropertyRule,
    property: &Property,
    rdl: &Rdl,
    value: Expr,
    text: Expr,
    dtype: &DataType,
    stage: &mut Stage,
) -> (Expr, String) {
    let target = property.unit.as_deref();
    let declared = rule.unit.as_deref().or(target);
    let scale_of = |unit: &str| -> Option<(f64, f64)> {
        match target {
            Some(target) => rdl.conversion(unit, target),
            None => Some((1.0, 0.0)),
        }
    };
    let (declared_scale, declared_shift) = declared.and_then(scale_of).unwrap_or((1.0, 0.0));

    if dtype.is_primitive_numeric() && !rule.unit_in_value {
        let number = value.cast(DataType::Float64);
        return (
            number * lit(declared_scale) + lit(declared_shift),
            "not a number".into(),
        );
    }

    // `207 kW`, `1.234,5`, `-15`: the number, then an optional unit.
    let number_text = stage.share(1, "number", number_part(text.clone(), NumberPart::Number));
    let cleaned = match rule.decimal {
        ',' => number_text
            .str()
            .replace_all(lit("."), lit(""), true)
            .str()
            .replace_all(lit(" "), lit(""), true)
            .str()
            .replace_all(lit("'"), lit(""), true)
            .str()
            .replace_all(lit(","), lit("."), true),
        _ => number_text
            .str()
            .replace_all(lit(","), lit(""), true)
            .str()
            .replace_all(lit(" "), lit(""), true)
            .str()
            .replace_all(lit("'"), lit(""), true),
    };
    let number = cleaned.cast(DataType::Float64);
    let written_unit = stage.share(1, "unit", number_part(text, NumberPart::Unit));

    if !rule.unit_in_value {
        // A unit written after the number is not expected: such a value fails.
        let number = when(written_unit.is_null())
            .then(number)
            .otherwise(lit(NULL).cast(DataType::Float64));
        return (
            number * lit(declared_scale) + lit(declared_shift),
            "not a number".into(),
        );
    }

    // Convert by the unit written in each value, among the units of the property's quantity.
    let quantity = target
        .and_then(|t| rdl.units.get(t))
        .map(|u| u.quantity.clone());
    let units: Vec<(&String, (f64, f64))> = rdl
        .units
        .iter()
        .filter(|(_, u)| Some(&u.quantity) == quantity.as_ref())
        .filter_map(|(symbol, _)| scale_of(symbol).map(|s| (symbol, s)))
        .collect();
    let unknown = || lit(NULL).cast(DataType::Float64);
    let by_unit = |pick: fn((f64, f64)) -> f64, declared: f64| {
        let entries = units
            .iter()
            .map(|(symbol, s)| (symbol.to_string(), lit(pick(*s))));
        when(written_unit.clone().is_null())
            .then(lit(declared))
            .otherwise(lookup_exprs(written_unit.clone(), entries, unknown()))
    };
    let scale = by_unit(|s| s.0, declared_scale);
    let shift = by_unit(|s| s.1, declared_shift);
    let units_list = units
        .iter()
        .map(|(s, _)| s.as_str())
        .collect::<Vec<_>>()
        .join(", ");
    (
        number * scale + shift,
        format!("not a number in a known unit ({units_list})"),
    )
}

#[derive(Debug, Clone, Copy)]
enum NumberPart {
    Number,
    Unit,
}

/// One part of each value read as a number followed by a unit (see [`split_number`]); null
/// where the value is not of that shape.
fn number_part(text: Expr, part: NumberPart) -> Expr {
    fn pick(value: &str, part: NumberPart) -> Option<&str> {
        match (split_number(value), part) {
            (Some((number, _)), NumberPart::Number) => Some(number),
            (Some((_, unit)), NumberPart::Unit) => unit,
            (None, _) => None,
        }
    }
    text.map(
        move |column| {
            let values = column.str()?;
            let parts: StringChunked = values
                .iter()
                .map(|value| value.and_then(|v| pick(v, part)))
                .collect();
            Ok(parts.with_name(values.name().clone()).into_column())
        },
        |_, field| Ok(Field::new(field.name().clone(), DataType::String)),
    )
}

/// Splits `207 kW` into the number as written (`207 `: digits with any `.`, `,`, `'` or
/// space between them, after an optional sign) and the unit after it, if any. A value that
/// does not start with a number, or whose number is followed by anything but a unit, is
/// None. One pass, no regular expression: this runs on every value of a quantity column.
fn split_number(value: &str) -> Option<(&str, Option<&str>)> {
    let text = value.trim_start();
    let signed = usize::from(text.starts_with(['-', '+']));
    if !text[signed..].starts_with(|c: char| c.is_ascii_digit()) {
        return None;
    }
    let end = text[signed..]
        .find(|c: char| !(c.is_ascii_digit() || matches!(c, '.' | ',' | '\'' | ' ')))
        .map_or(text.len(), |i| signed + i);
    let (number, rest) = text.split_at(end);
    let unit = rest.trim();
    match unit.chars().next() {
        None => Some((number, None)),
        Some(c) if c.is_ascii_digit() => None,
        Some(_) => Some((number, Some(unit))),
    }
}

/// A compiled mapping's result over a slice's rows.
#[derive(Debug, Clone)]
pub struct MappedRows {
    /// `__row`, id, class, label, then properties and links in mapping order; only rows that
    /// became things, in source order.
    pub entities: DataFrame,
    /// `__row`, id, property, column, dimension, value, reason: one row per value that
    /// failed to map.
    pub failures: DataFrame,
    /// `__row`, reason: rows that could not become things.
    pub quarantine: DataFrame,
}

/// Runs a compiled mapping over a slice's rows.
pub fn run(compiled: &Compiled, rows: &DataFrame) -> PolarsResult<MappedRows> {
    const REASON: &str = "__quarantine";
    let mut selection = vec![col(ROW_COLUMN)];
    for (name, expr) in &compiled.columns {
        selection.push(expr.clone().alias(name.as_str()));
    }
    for f in &compiled.failures {
        selection.push(
            f.reason
                .clone()
                .alias(format!("{FAILURE_PREFIX}{}", f.property)),
        );
        selection.push(f.raw.clone().alias(format!("{RAW_PREFIX}{}", f.property)));
    }
    selection.push(compiled.quarantine.clone().alias(REASON));
    let mut staged = rows.clone().lazy();
    for level in &compiled.staged {
        staged = staged.with_columns(
            level
                .iter()
                .map(|(name, expr)| expr.clone().alias(name.as_str()))
                .collect::<Vec<_>>(),
        );
    }
    let mapped = staged.select(selection).collect()?;

    let quarantine = mapped
        .clone()
        .lazy()
        .filter(col(REASON).is_not_null())
        .select([col(ROW_COLUMN), col(REASON).alias("reason")])
        .collect()?;
    // The rows that became things, filtered once for the failures and the entities.
    let kept = mapped.lazy().filter(col(REASON).is_null()).collect()?;

    let mut failure_frames = Vec::new();
    for f in &compiled.failures {
        let reason = format!("{FAILURE_PREFIX}{}", f.property);
        failure_frames.push(
            kept.clone()
                .lazy()
                .filter(col(reason.as_str()).is_not_null())
                .select([
                    col(ROW_COLUMN),
                    col(ID),
                    lit(f.property.clone()).alias("property"),
                    lit(f.column.clone().unwrap_or_default()).alias("column"),
                    lit(f.dimension).alias("dimension"),
                    col(format!("{RAW_PREFIX}{}", f.property).as_str()).alias("value"),
                    col(reason.as_str()).alias("reason"),
                ]),
        );
    }
    let failures = if failure_frames.is_empty() {
        DataFrame::new(
            0,
            vec![
                Column::new_empty(ROW_COLUMN.into(), &DataType::UInt64),
                Column::new_empty(ID.into(), &DataType::String),
                Column::new_empty("property".into(), &DataType::String),
                Column::new_empty("column".into(), &DataType::String),
                Column::new_empty("dimension".into(), &DataType::String),
                Column::new_empty("value".into(), &DataType::String),
                Column::new_empty("reason".into(), &DataType::String),
            ],
        )?
    } else {
        concat(failure_frames, UnionArgs::default())?
            .sort([ROW_COLUMN, "property"], SortMultipleOptions::default())
            .collect()?
    };

    let mut keep = vec![col(ROW_COLUMN)];
    keep.extend(compiled.columns.iter().map(|(name, _)| col(name.as_str())));
    // Things stay in source order, so a slice can be mapped batch by batch.
    let entities = kept.lazy().select(keep).collect()?;
    Ok(MappedRows {
        entities,
        failures,
        quarantine,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_split_from_their_units() {
        assert_eq!(split_number("207 kW"), Some(("207 ", Some("kW"))));
        assert_eq!(split_number("  -1.234,5"), Some(("-1.234,5", None)));
        assert_eq!(split_number("+3'000 W "), Some(("+3'000 ", Some("W"))));
        assert_eq!(split_number("12 5"), Some(("12 5", None)));
        assert_eq!(split_number("7.5kVA"), Some(("7.5", Some("kVA"))));
        assert_eq!(split_number("5 kW extra"), Some(("5 ", Some("kW extra"))));
        assert_eq!(split_number("12\t5"), None);
        assert_eq!(split_number("kW 5"), None);
        assert_eq!(split_number("-"), None);
        assert_eq!(split_number(""), None);
    }

    #[test]
    fn segments_are_escaped_in_one_pass_and_left_alone_otherwise() {
        assert!(matches!(
            escape_segment("WA-0001"),
            std::borrow::Cow::Borrowed("WA-0001")
        ));
        assert_eq!(escape_segment("50% a/b"), "50%25%20a%2Fb");
        assert_eq!(escape_segment("Müller{1}|\"x\""), "Müller%7B1%7D%7C%22x%22");
    }
}
