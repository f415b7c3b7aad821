//! Source values turned into RDL values, as polars expressions: text normalised, codes
//! mapped, yes/no read, dates parsed (from cells, Excel serials or text in the mapping's
//! formats), numbers split from the units written after them and converted to the
//! property's unit.

use polars::prelude::*;

use super::ValueMap;
use super::compile::{Stage, lookup_exprs, written};
use super::dates::{ISO_DATE, date_expr, datetime_expr, year_expr};
use super::{Case, PropertyRule, ValueSource};
use crate::diag::Term;
use crate::rdl::{Datatype, Property, Rdl};

/// The value as it stood in the source, as text: what a failure report quotes.
pub(super) fn raw_text(rule: &PropertyRule, schema: &Schema) -> Expr {
    match &rule.source {
        ValueSource::Column(c) if schema.get(c.as_str()).is_some() => {
            written(schema, c).cast(DataType::String)
        }
        ValueSource::Column(_) => lit(NULL).cast(DataType::String),
        ValueSource::Constant(v) => lit(v.clone()),
    }
}

/// The source value, with the rule's default for a missing one (a placeholder is missing).
pub(super) fn source_value(rule: &PropertyRule, schema: &Schema) -> Expr {
    let value = match &rule.source {
        ValueSource::Column(c) => col(c.as_str()),
        ValueSource::Constant(v) => lit(v.clone()),
    };
    with_default(rule, without_placeholders(rule, schema, value))
}

/// The source value as written (a number's text as the source had it), with the rule's
/// default for a missing one: what text is read from.
pub(super) fn source_text(rule: &PropertyRule, schema: &Schema) -> Expr {
    let value = match &rule.source {
        ValueSource::Column(c) => written(schema, c),
        ValueSource::Constant(v) => lit(v.clone()),
    };
    with_default(rule, without_placeholders(rule, schema, value))
}

/// The value, or no value where the source wrote one of the rule's `nulls` (`0001-01-01`,
/// `n/a`: placeholders a register uses for "unknown"), compared as written and trimmed.
fn without_placeholders(rule: &PropertyRule, schema: &Schema, value: Expr) -> Expr {
    let ValueSource::Column(column) = &rule.source else {
        return value;
    };
    if rule.nulls.is_empty() || schema.get(column.as_str()).is_none() {
        return value;
    }
    let text = super::text::trimmed(written(schema, column));
    let nulls = Series::new("nulls".into(), rule.nulls.clone());
    when(text.is_in(lit(nulls).implode(false), false))
        .then(lit(NULL))
        .otherwise(value)
}

fn with_default(rule: &PropertyRule, value: Expr) -> Expr {
    match &rule.default {
        Some(default) => value.cast(DataType::String).fill_null(lit(default.clone())),
        None => value,
    }
}

/// Text normalised as the rule says: trimmed, case folded, empty as null. What a value map's
/// codes are matched against, in the mapping and in the report of what patterns matched.
pub fn normalised_text(rule: &PropertyRule, value: Expr) -> Expr {
    // Case folding leaves an empty text empty: nulls first, on the text as read.
    let text = super::text::trimmed_or_null(value, rule.trim);
    match rule.case {
        Some(Case::Lower) => text.str().to_lowercase(),
        Some(Case::Upper) => text.str().to_uppercase(),
        None => text,
    }
}

/// A value map's code written as the values it is matched against are: trimmed and case
/// folded as the rule says.
pub(super) fn normalise_key(trim: bool, case: Option<Case>, key: &str) -> String {
    let key = if trim { key.trim() } else { key };
    match case {
        Some(Case::Lower) => key.to_lowercase(),
        Some(Case::Upper) => key.to_uppercase(),
        None => key.to_string(),
    }
}

/// A property's source values, in the forms parsing needs.
pub(super) struct Input<'a> {
    /// The value as the source wrote it, as text: what a failure quotes.
    pub(super) raw: Expr,
    /// The value as read (typed), with the rule's default.
    pub(super) value: Expr,
    /// The value as written (a number's text), with the rule's default: what text is read
    /// from.
    pub(super) written: Expr,
    /// The type the value was read as.
    pub(super) dtype: &'a DataType,
}

/// (parsed value in RDL terms, reason it failed). The reason is null where the source has no
/// value (that is completeness, not validity) and where parsing succeeded.
pub(super) fn parse(
    rule: &PropertyRule,
    property: &Property,
    rdl: &Rdl,
    input: Input,
    stage: &mut Stage,
) -> (Expr, Expr) {
    let Input {
        raw,
        value,
        written,
        dtype: source_dtype,
    } = input;
    let text = stage.share(0, "text", normalised_text(rule, written));
    let (parsed, reason) = match property.datatype {
        Datatype::String => (text.clone(), lit(NULL).cast(DataType::String)),
        Datatype::Code => {
            let allowed = if rule.values.is_empty() {
                ValueMap::exact(
                    written_codes(property)
                        .into_iter()
                        .map(|(k, v)| (normalise_key(rule.trim, rule.case, &k), v)),
                )
            } else {
                // Trimmed and cased as the values are when the mapping was read.
                rule.values.clone()
            };
            (
                allowed.terms_of(text.clone()),
                lit(format!(
                    "not mapped to an allowed value of `{}`",
                    rule.property
                )),
            )
        }
        Datatype::Boolean => (boolean_expr(text.clone()), lit("not a yes/no value")),
        Datatype::Date => (
            date_expr(rule, value.clone(), text.clone(), source_dtype),
            lit(format!(
                "not a date in {}",
                describe_formats(rule, ISO_DATE)
            )),
        ),
        Datatype::Year => (
            year_expr(rule, value.clone(), text.clone(), source_dtype),
            lit(format!(
                "not a year (`1998`) or a date in {}",
                describe_formats(rule, ISO_DATE)
            )),
        ),
        Datatype::Datetime => (
            datetime_expr(rule, value.clone(), text.clone(), source_dtype),
            lit(format!(
                "not a datetime in {}",
                describe_formats(rule, "ISO 8601")
            )),
        ),
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
            lit("links are mapped under `links`"),
        ),
    };
    let parsed = stage.share(2, "value", parsed);
    let failed = when(
        raw.is_not_null()
            .and(text.is_not_null())
            .and(parsed.clone().is_null()),
    )
    .then(reason)
    .otherwise(lit(NULL).cast(DataType::String));
    (parsed, failed)
}

/// Why a number in a unit per value failed: a unit written that no unit of the quantity is
/// named by is said as such.
fn unit_failure(written_unit: Expr, scale: Expr, units: &str) -> Expr {
    when(written_unit.clone().is_not_null().and(scale.is_null()))
        .then(concat_str(
            [
                lit("unknown unit `"),
                written_unit,
                lit(format!("`: not one of {units}")),
            ],
            "",
            false,
        ))
        .otherwise(lit(format!("not a number in a known unit ({units})")))
}

/// Yes/no values as written in registers: `true`/`false`, `yes`/`no`, `y`/`n`, `1`/`0`.
fn boolean_expr(text: Expr) -> Expr {
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
    lookup_exprs(
        text.str().to_lowercase(),
        truth,
        lit(NULL).cast(DataType::Boolean),
    )
}

/// The formats a date or datetime is read in, as a failure names them.
fn describe_formats(rule: &PropertyRule, last: &str) -> String {
    let mut formats: Vec<String> = rule.formats.iter().map(|f| format!("`{f}`")).collect();
    formats.push(if last.starts_with('%') {
        format!("`{last}`")
    } else {
        last.to_string()
    });
    formats.join(", ")
}

/// How the source may write each allowed value of a code property when the mapping maps
/// none itself: its code, and the words that name it alone (a SKOS concept's labels).
fn written_codes(property: &Property) -> Vec<(String, String)> {
    let mut named: std::collections::BTreeMap<&str, Vec<&str>> = Default::default();
    for code in &property.values {
        for alias in &code.aliases {
            named
                .entry(alias.as_str())
                .or_default()
                .push(code.name.as_str());
        }
    }
    let codes: std::collections::BTreeSet<&str> =
        property.values.iter().map(|c| c.name.as_str()).collect();
    let mut written: Vec<(String, String)> = codes
        .iter()
        .map(|c| (c.to_string(), c.to_string()))
        .collect();
    for (alias, names) in named {
        if let ([name], false) = (names.as_slice(), codes.contains(alias)) {
            written.push((alias.to_string(), name.to_string()));
        }
    }
    written
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
) -> (Expr, Expr) {
    let target = property.unit.as_deref();
    let declared = rule.unit.as_deref().or(target);
    let scale_of = |unit: &str| -> Option<(f64, f64)> {
        match target {
            Some(target) => rdl.conversion(unit, target),
            None => Some((1.0, 0.0)),
        }
    };
    let (declared_scale, declared_shift) = declared.and_then(scale_of).unwrap_or((1.0, 0.0));
    let declared_conversion = |number: Expr| {
        if (declared_scale, declared_shift) == (1.0, 0.0) {
            number
        } else {
            converted(
                number,
                lit(declared_scale),
                declared_shift_expr(declared_shift),
            )
        }
    };

    let unit_per_row = rule.unit_in_value || rule.unit_from.is_some();
    if dtype.is_primitive_numeric() && !unit_per_row {
        let number = value.cast(DataType::Float64);
        return (declared_conversion(number), lit("not a number"));
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
    let written_unit = written_unit(rule, text, stage);

    if !unit_per_row {
        // A unit written after the number is not expected: such a value fails.
        let number = when(written_unit.is_null())
            .then(number)
            .otherwise(lit(NULL).cast(DataType::Float64));
        return (declared_conversion(number), lit("not a number"));
    }

    // Convert by the unit written in each value, among the units of the property's quantity.
    let units = units_of_quantity(rdl, target, scale_of);
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
    let shifted = declared_shift != 0.0 || units.iter().any(|(_, s)| s.1 != 0.0);
    let shift = shifted.then(|| by_unit(|s| s.1, declared_shift));
    let units_list = units
        .iter()
        .map(|(s, _)| s.as_str())
        .collect::<Vec<_>>()
        .join(", ");
    let reason = unit_failure(written_unit, scale.clone(), &units_list);
    (converted(number, scale, shift), reason)
}

/// Each value's unit as written: after the number, or in the rule's `unit_from` column (an
/// empty one means the declared unit).
fn written_unit(rule: &PropertyRule, text: Expr, stage: &mut Stage) -> Expr {
    match &rule.unit_from {
        Some(column) => super::text::trimmed_or_null(col(column.as_str()), true),
        None => stage.share(1, "unit", number_part(text, NumberPart::Unit)),
    }
}

/// The units a value may be written in, for a property in unit `target`: every unit of its
/// quantity, by its key and by the symbols that name it alone (`kW` for `KiloW`), with how
/// each converts to the target.
fn units_of_quantity(
    rdl: &Rdl,
    target: Option<&str>,
    scale_of: impl Fn(&str) -> Option<(f64, f64)>,
) -> Vec<(String, (f64, f64))> {
    let quantity = target
        .and_then(|t| rdl.units.get(t))
        .map(|u| u.quantity.clone());
    rdl.units
        .iter()
        .filter(|(_, u)| Some(&u.quantity) == quantity.as_ref())
        .filter_map(|(key, u)| scale_of(key).map(|s| (key, u, s)))
        .flat_map(|(key, u, s)| {
            let aliases = u
                .aliases
                .iter()
                .filter(|a| rdl.resolve(Term::Unit, a) == Ok(key.as_str()));
            std::iter::once(key)
                .chain(aliases)
                .map(move |name| (name.clone(), s))
        })
        .collect()
}

/// Significant digits a converted value keeps: as many as a double holds for certain.
const SIGNIFICANT_DIGITS: i32 = 15;

/// The shift of a conversion declared for a whole column, if it has one.
fn declared_shift_expr(shift: f64) -> Option<Expr> {
    (shift != 0.0).then(|| lit(shift))
}

/// A value converted to another unit (`number × scale + shift`), rounded to the digits a
/// double holds: the conversion's binary arithmetic adds noise past them (350 mm × 0.001 is
/// 0.35000000000000003 m), which the nearest value with 15 significant digits drops
/// (0.35 m). A shift is added after that rounding and the sum rounded again, to the digits
/// of the larger of its two terms (see [`shifted`]).
fn converted(number: Expr, scale: Expr, shift: Option<Expr>) -> Expr {
    let product = (number * scale).round_sig_figs(SIGNIFICANT_DIGITS);
    let Some(shift) = shift else {
        return product;
    };
    map_multiple(
        |columns: &mut [Column]| {
            let products = columns[0].f64()?;
            let shifts = columns[1].cast(&DataType::Float64)?;
            let shifts = shifts.f64()?;
            // A shift declared for the whole column comes as one value.
            let shift_at = |row: usize| shifts.get(if shifts.len() == 1 { 0 } else { row });
            let sums: Float64Chunked = (0..products.len())
                .map(|row| Some(shifted(products.get(row)?, shift_at(row)?)))
                .collect();
            Ok(sums.with_name(products.name().clone()).into_column())
        },
        [product, shift],
        |_, fields| Ok(Field::new(fields[0].name().clone(), DataType::Float64)),
    )
}

/// `product + shift`, rounded to the digits of the larger term: the sum cannot be known to
/// more decimals than its terms are, so the noise of the addition is dropped even where the
/// terms cancel (-263.442464 °C + 273.15 is 9.707536 K, not 9.70753600000001).
fn shifted(product: f64, shift: f64) -> f64 {
    let sum = product + shift;
    let magnitude = product.abs().max(shift.abs());
    if shift == 0.0 || !sum.is_finite() || magnitude == 0.0 {
        return sum;
    }
    // Decimals are whole numbers of a double's exponent range: the cast cannot overflow.
    let decimals = SIGNIFICANT_DIGITS - 1 - magnitude.log10().floor() as i32;
    match usize::try_from(decimals) {
        // Rust writes a double's decimal digits exactly, rounding the last one.
        Ok(decimals) => format!("{sum:.decimals$}").parse().unwrap_or(sum),
        Err(_) => sum,
    }
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
    let body = &text[signed..];
    let starts_number = body.starts_with(|c: char| c.is_ascii_digit())
        || (body.starts_with('.') && body[1..].starts_with(|c: char| c.is_ascii_digit()));
    if !starts_number {
        return None;
    }
    let mut end = body
        .find(|c: char| !(c.is_ascii_digit() || matches!(c, '.' | ',' | '\'' | ' ')))
        .map_or(text.len(), |i| signed + i);
    // An exponent right after the digits (`1e3`, `2.5E-4`), as a CSV reader infers it: the
    // same text is the same number whatever the rest of its column holds.
    if text[..end].ends_with(|c: char| c.is_ascii_digit()) {
        end += exponent_len(&text[end..]);
    }
    let (number, rest) = text.split_at(end);
    let unit = rest.trim();
    match unit.chars().next() {
        None => Some((number, None)),
        Some(c) if c.is_ascii_digit() => None,
        Some(_) => Some((number, Some(unit))),
    }
}

/// The length of an exponent (`e3`, `E-04`) at the start of `text`, 0 if there is none.
fn exponent_len(text: &str) -> usize {
    let Some(rest) = text.strip_prefix(['e', 'E']) else {
        return 0;
    };
    let signed = usize::from(rest.starts_with(['-', '+']));
    match rest[signed..].find(|c: char| !c.is_ascii_digit()) {
        Some(0) => 0,
        Some(digits) => 1 + signed + digits,
        None if rest.len() > signed => rest.len() + 1,
        None => 0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `mantissa / 10^scale`, exactly.
    #[derive(Debug, Clone, Copy)]
    struct Decimal(i128, u32);

    impl Decimal {
        fn parse(text: &str) -> Self {
            let (whole, fraction) = text.split_once('.').unwrap_or((text, ""));
            let digits = format!("{whole}{fraction}");
            Decimal(digits.parse().expect("digits"), fraction.len() as u32)
        }
        fn times(self, other: Self) -> Self {
            Decimal(self.0 * other.0, self.1 + other.1)
        }
        fn plus(self, other: Self) -> Self {
            let scale = self.1.max(other.1);
            let widen = |d: Self| d.0 * 10i128.pow(scale - d.1);
            Decimal(widen(self) + widen(other), scale)
        }
        /// The double nearest to the decimal.
        fn nearest(self) -> f64 {
            format!("{}e-{}", self.0, self.1).parse().expect("a number")
        }
    }

    proptest::proptest! {
        /// A converted value is the double nearest to the exact decimal result: 350 mm is
        /// 0.35 m, not 0.35000000000000003.
        #[test]
        fn unit_conversions_add_no_noise(
            mantissa in -1_000_000_000i64..1_000_000_000,
            scale in 0u32..7,
            unit in 0usize..6,
        ) {
            // (scale, shift) of kW→W, MW→W, mm→m, cm→m, bar→kPa, degC→K, as decimals.
            let units = [
                ("1000", "0"),
                ("1000000", "0"),
                ("0.001", "0"),
                ("0.01", "0"),
                ("100", "0"),
                ("1", "273.15"),
            ];
            let (factor, offset) = units[unit];
            let input = Decimal(mantissa.into(), scale);
            let exact = input.times(Decimal::parse(factor)).plus(Decimal::parse(offset));
            let frame = df!("x" => [input.nearest()]).expect("frame");
            let result = frame
                .lazy()
                .select([converted(
                    col("x"),
                    lit(Decimal::parse(factor).nearest()),
                    declared_shift_expr(Decimal::parse(offset).nearest()),
                )])
                .collect()
                .expect("converted");
            let value = result.column("x").expect("x").f64().expect("f64").get(0);
            proptest::prop_assert_eq!(value, Some(exact.nearest()), "{:?} × {} + {}", input, factor, offset);
        }
    }

    #[test]
    fn numbers_split_from_their_units() {
        assert_eq!(split_number("207 kW"), Some(("207 ", Some("kW"))));
        assert_eq!(split_number("  -1.234,5"), Some(("-1.234,5", None)));
        assert_eq!(split_number("+3'000 W "), Some(("+3'000 ", Some("W"))));
        assert_eq!(split_number("12 5"), Some(("12 5", None)));
        assert_eq!(split_number("7.5kVA"), Some(("7.5", Some("kVA"))));
        assert_eq!(split_number("5 kW extra"), Some(("5 ", Some("kW extra"))));
        assert_eq!(split_number("1e3"), Some(("1e3", None)));
        assert_eq!(split_number("2.5E-4 kW"), Some(("2.5E-4", Some("kW"))));
        assert_eq!(split_number(".5"), Some((".5", None)));
        assert_eq!(split_number("-.5 W"), Some(("-.5 ", Some("W"))));
        assert_eq!(split_number("3E"), Some(("3", Some("E"))));
        assert_eq!(split_number("5 e3"), Some(("5 ", Some("e3"))));
        assert_eq!(split_number("5Em"), Some(("5", Some("Em"))));
        assert_eq!(split_number("."), None);
        assert_eq!(split_number("12\t5"), None);
        assert_eq!(split_number("kW 5"), None);
        assert_eq!(split_number("-"), None);
        assert_eq!(split_number(""), None);
    }
}
