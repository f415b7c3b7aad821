//! Units in a draft: read from a row of units under the header, from the header, or from
//! the values, and said in the rule's comment.

use std::collections::BTreeMap;

use super::matching::{self, Header};
use super::sample::{Column, Sample};
use crate::diag::Term;
use crate::rdl::Rdl;

#[derive(Debug)]
pub(super) struct UnitsRow {
    /// Where it is: its first unit's cell, `Pumps!C5`, or `line 5`.
    pub at: String,
    /// Column → (RDL unit, as written).
    pub units: BTreeMap<String, (String, String)>,
    /// A SQL condition that every row but this one meets.
    pub leave_out: String,
}

/// A rule's unit: where it was read, the units values carry (and which the RDL does not
/// know as written), the RDL's own.
pub(super) fn unit_rule(
    rdl: &Rdl,
    column: &Column,
    header: &Header,
    (unit, in_values): (&str, bool),
    to: &str,
    options: &mut Vec<(String, String)>,
    why: &mut Vec<String>,
) {
    options.push(("unit".to_string(), super::render::quote(unit)));
    match (&header.unit, &header.units_row) {
        (Some((_, written)), Some(at)) => why.push(format!(
            "unit {unit} from `{written}` in the row of units under the header ({at})"
        )),
        (Some((_, written)), None) => {
            why.push(format!("unit {unit} from the header's `{written}`"))
        }
        (None, _) => why.push(format!("unit {unit}, written after the values")),
    }
    if in_values {
        options.push(("unit_in_value".into(), "true".into()));
        let seen: Vec<String> = column
            .values
            .units
            .iter()
            .map(|(written, n)| match rdl.resolve(Term::Unit, written) {
                Ok(_) => format!("`{written}` {n}"),
                Err(_) => format!("`{written}` {n} (no RDL unit is written so: those fail)"),
            })
            .collect();
        why.push(format!(
            "values carry their unit: {}; a value without one is read as {unit}",
            seen.join(", ")
        ));
    }
    if unit != to {
        why.push(format!("the RDL says {to}"));
    }
}

/// A row of units right under the header (a two-row header: names, then `kW`, `mm`): its
/// texts are units, none is a number, and at least one names an RDL unit.
pub(super) fn units_row(rdl: &Rdl, sample: &Sample) -> Option<UnitsRow> {
    let row = sample.first_row?;
    let mut units = BTreeMap::new();
    let mut texts = 0;
    for column in &sample.columns {
        let Some(text) = column.first.as_deref().map(str::trim) else {
            continue;
        };
        texts += 1;
        if text.parse::<f64>().is_ok() {
            return None;
        }
        let bare = text
            .trim_start_matches(['(', '['])
            .trim_end_matches([')', ']']);
        if let Some(key) = matching::unit_named(rdl, bare) {
            units.insert(column.name.clone(), (key, bare.to_string()));
        }
    }
    if units.is_empty() || units.len() * 2 < texts {
        return None;
    }
    let (column, text) = sample.columns.iter().find_map(|c| {
        units
            .contains_key(&c.name)
            .then(|| (c.name.clone(), c.first.clone().unwrap_or_default()))
    })?;
    let leave_out = other_than(&column, &text);
    Some(UnitsRow {
        at: sample.at(row, &column),
        units,
        leave_out,
    })
}

/// The column's unit, and whether values carry it: from the header, else from the values.
pub(super) fn column_unit(rdl: &Rdl, column: &Column, header: &Header) -> Option<(String, bool)> {
    let in_values = column
        .values
        .usual_unit()
        .and_then(|(u, _)| matching::unit_named(rdl, u));
    match (&header.unit, in_values) {
        (Some((unit, _)), found) => Some((unit.clone(), found.is_some())),
        (None, Some(unit)) => Some((unit, true)),
        (None, None) => None,
    }
}

/// A SQL condition every row meets but those whose `column` holds `text`.
pub(super) fn other_than(column: &str, text: &str) -> String {
    let name = format!("\"{}\"", column.replace('"', "\"\""));
    format!("{name} IS NULL OR {name} <> '{}'", text.replace('\'', "''"))
}
