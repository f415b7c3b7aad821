//! Each cell of the organisation's table from a thing's value in the RDL's terms: units
//! converted back, codes mapped back, dates formatted, links written as the target's key.
//! A value the table cannot express is a failure with its place, and the cell stays empty:
//! never a wrong value.

use std::borrow::Cow;

use polars::prelude::*;
use rayon::prelude::*;

use super::spec::{Column as ExportColumn, PropertyColumn, Source, Target, UnitChange};
use super::things::SEVERAL;
use crate::columns::{CLASS, ID, LABEL, ORIGIN_COLUMN};
use crate::rdl::Datatype;

/// A cell that could not be written, and why.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Failure {
    /// The table's data row, from 1.
    pub row: usize,
    pub column: String,
    /// The thing's IRI.
    pub thing: String,
    /// Where its row was read, when the things carry it.
    pub origin: Option<String>,
    pub value: String,
    pub reason: String,
}

/// The table as text, column by column, with its failures.
pub struct Table {
    /// Each column's cells, inline up to 24 bytes: a batch's millions of short cells are not
    /// each an allocation.
    pub columns: Vec<(String, Vec<Option<PlSmallStr>>)>,
    /// The things' IRIs and origins, one per row.
    pub things: Vec<String>,
    pub origins: Vec<Option<PlSmallStr>>,
    pub failures: Vec<Failure>,
}

/// A number as a table writes it: no exponent, no noise left by converting (`0.35` stays
/// `0.35`), no `.0` on a whole number, the decimal separator asked for.
pub fn number_text(value: f64, decimal: char) -> Option<String> {
    if !value.is_finite() {
        return None;
    }
    let fixed = format!("{value:.9}");
    let trimmed = fixed.trim_end_matches('0').trim_end_matches('.');
    let text = match trimmed {
        "-0" | "" => "0",
        other => other,
    };
    Some(match decimal {
        '.' => text.to_string(),
        other => text.replace('.', &other.to_string()),
    })
}

/// `%41` back to `A`: the inverse of the escaping in identifier templates.
fn percent_decode(text: &str) -> Cow<'_, str> {
    if !text.contains('%') {
        return Cow::Borrowed(text);
    }
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = bytes
            .get(i + 1..i + 3)
            .and_then(|h| std::str::from_utf8(h).ok());
        match (bytes[i], hex.and_then(|h| u8::from_str_radix(h, 16).ok())) {
            (b'%', Some(byte)) => {
                out.push(byte);
                i += 3;
            }
            (byte, _) => {
                out.push(byte);
                i += 1;
            }
        }
    }
    Cow::Owned(String::from_utf8_lossy(&out).into_owned())
}

fn convert_unit(value: f64, change: &UnitChange) -> f64 {
    let base = value * change.from_factor + change.from_offset;
    (base - change.to_offset) / change.to_factor
}

/// The part of `value` a template's one `{column}` stands for: the text between its prefix
/// and suffix (percent-decoded in an IRI).
fn inside(value: &str, (prefix, suffix): &(String, String), iri: bool) -> Result<String, String> {
    value
        .strip_prefix(prefix.as_str())
        .and_then(|rest| rest.strip_suffix(suffix.as_str()))
        .filter(|part| !part.is_empty())
        .map(|part| match iri {
            true => percent_decode(part).into_owned(),
            false => part.to_string(),
        })
        .ok_or_else(|| format!("`{value}` does not fit the template `{prefix}{{…}}{suffix}`"))
}

/// One value of a property, as the column writes it, or why it cannot be.
fn property_cell(value: &str, column: &PropertyColumn) -> Result<String, String> {
    match column.datatype {
        Datatype::Decimal | Datatype::Integer => {
            let number: f64 =
                (value.trim().parse()).map_err(|_| format!("`{value}` is not a number"))?;
            let number = match &column.unit {
                Some(change) => convert_unit(number, change),
                None => number,
            };
            number_text(number, column.decimal).ok_or_else(|| "not a finite number".to_string())
        }
        Datatype::Date | Datatype::Datetime => {
            let Some(format) = &column.format else {
                return Ok(value.to_string());
            };
            let with_time = column.datatype == Datatype::Datetime;
            let moment = chrono::NaiveDateTime::parse_from_str(value, "%Y-%m-%dT%H:%M:%S")
                .or_else(|_| {
                    chrono::NaiveDate::parse_from_str(value, "%Y-%m-%d")
                        .map(|d| d.and_time(chrono::NaiveTime::MIN))
                })
                .map_err(|_| format!("`{value}` is not an ISO date"))?;
            let formatted = (format.write(moment, with_time)).ok_or_else(|| {
                let format = &format.written;
                format!("the format `{format}` cannot write `{value}`")
            })?;
            Ok(formatted)
        }
        Datatype::Code => match &column.values {
            None => Ok(value.to_string()),
            Some(map) => (map.get(value).cloned())
                .ok_or_else(|| format!("the code `{value}` has no reverse map in `values`")),
        },
        Datatype::Link => match &column.key {
            None => Ok(value.to_string()),
            Some(key) => inside(value, key, true),
        },
        _ => Ok(value.to_string()),
    }
}

/// A cell from its value in the things; several values (joined by `|`) each converted.
fn cell(source: &Source, value: Option<&str>) -> Result<Option<String>, (String, String)> {
    let Some(value) = value else {
        return Ok(None);
    };
    match source {
        _ if value.contains(SEVERAL) && !matches!(source, Source::Property(_)) => {
            let shown = value.split(SEVERAL).collect::<Vec<_>>().join(", ");
            Err((
                shown,
                "several values, and the column holds one".to_string(),
            ))
        }
        Source::Id(None) | Source::Label(None) | Source::Class(None) => Ok(Some(value.to_string())),
        Source::Id(Some(key)) => inside(value, key, true)
            .map(Some)
            .map_err(|why| (value.to_string(), why)),
        Source::Label(Some(key)) => inside(value, key, false)
            .map(Some)
            .map_err(|why| (value.to_string(), why)),
        Source::Class(Some(map)) => map.get(value).cloned().map(Some).ok_or_else(|| {
            (
                value.to_string(),
                format!("the class `{value}` has no reverse map in `values`"),
            )
        }),
        Source::Property(column) => {
            if !value.contains(SEVERAL) {
                return property_cell(value, column)
                    .map(Some)
                    .map_err(|why| (value.to_string(), why));
            }
            let values: Vec<&str> = value.split(SEVERAL).collect();
            let Some(separator) = &column.split else {
                let shown = values.join(", ");
                let why = format!(
                    "{} values, and the column holds one: say `split: \"|\"` to write them joined",
                    values.len()
                );
                return Err((shown, why));
            };
            let mut cells = Vec::new();
            for one in values {
                cells.push(property_cell(one, column).map_err(|why| (one.to_string(), why))?);
            }
            Ok(Some(cells.join(separator)))
        }
    }
}

/// The things' column a table column is read from.
fn column_of(source: &Source) -> &str {
    match source {
        Source::Id(_) => ID,
        Source::Label(_) => LABEL,
        Source::Class(_) => CLASS,
        Source::Property(column) => &column.property,
    }
}

/// The rows of `things` as the target's columns; `first` is the table row of its first
/// (rows are numbered from 1 across the chunks a table is written in). The columns are
/// converted side by side, a core each.
pub fn table(
    things: &DataFrame,
    columns: &[ExportColumn],
    target: &Target,
    first: usize,
) -> PolarsResult<Table> {
    let text = |name: &str| -> PolarsResult<Option<&StringChunked>> {
        match things.column(name) {
            Ok(column) => Ok(Some(column.str()?)),
            Err(_) => Ok(None),
        }
    };
    let sources: Vec<Option<&StringChunked>> = (columns.iter())
        .map(|c| text(column_of(&c.source)))
        .collect::<PolarsResult<_>>()?;
    let (ids, origin_column) = (text(ID)?, text(ORIGIN_COLUMN)?);
    let height = things.height();
    let things: Vec<String> = (values(ids, height).into_iter())
        .map(|id| id.unwrap_or_default().to_string())
        .collect();
    let origins: Vec<Option<PlSmallStr>> = (values(origin_column, height).into_iter())
        .map(|origin| origin.map(PlSmallStr::from_str))
        .collect();
    // Each column's cells, and its failures as (row, value, reason).
    type Converted = (Vec<Option<PlSmallStr>>, Vec<(usize, String, String)>);
    let converted: Vec<Converted> = columns
        .par_iter()
        .zip(sources.par_iter())
        .map(|(column, source)| {
            let mut cells = Vec::with_capacity(height);
            let mut failed = Vec::new();
            for (row, value) in values(*source, height).into_iter().enumerate() {
                let written = cell(&column.source, value).and_then(|value| match value {
                    Some(text) if target.windows_1252 && !encodable(&text) => {
                        Err((text, "has characters Windows-1252 cannot write".to_string()))
                    }
                    other => Ok(other),
                });
                match written {
                    Ok(value) => cells.push(value.map(PlSmallStr::from_string)),
                    Err((value, reason)) => {
                        failed.push((row, value, reason));
                        cells.push(None);
                    }
                }
            }
            (cells, failed)
        })
        .collect();
    let mut failures = Vec::new();
    let mut out = Vec::with_capacity(columns.len());
    for (column, (cells, failed)) in columns.iter().zip(converted) {
        for (row, value, reason) in failed {
            failures.push(Failure {
                row: first + row + 1,
                column: column.name.clone(),
                thing: things[row].clone(),
                origin: origins[row].as_deref().map(str::to_string),
                value,
                reason,
            });
        }
        out.push((column.name.clone(), cells));
    }
    // Row by row, then in column order: as a reader of the table meets them.
    failures.sort_by_key(|f| f.row);
    Ok(Table {
        columns: out,
        things,
        origins,
        failures,
    })
}

/// A column's texts, row by row; none where the things have no such column.
fn values(source: Option<&StringChunked>, height: usize) -> Vec<Option<&str>> {
    match source {
        Some(texts) => texts.iter().collect(),
        None => vec![None; height],
    }
}

fn encodable(text: &str) -> bool {
    let (_, _, unmappable) = encoding_rs::WINDOWS_1252.encode(text);
    !unmappable
}

#[cfg(test)]
mod tests {
    use super::{number_text, percent_decode};

    #[test]
    fn numbers_are_written_plainly() {
        assert_eq!(number_text(212.0, '.').as_deref(), Some("212"));
        assert_eq!(
            number_text(0.35000000000000003, '.').as_deref(),
            Some("0.35")
        );
        assert_eq!(number_text(33.0 / 1.0, ',').as_deref(), Some("33"));
        assert_eq!(number_text(0.4, ',').as_deref(), Some("0,4"));
        assert_eq!(number_text(-0.0, '.').as_deref(), Some("0"));
        assert_eq!(number_text(f64::NAN, '.'), None);
    }

    #[test]
    fn escaped_keys_are_read_back() {
        assert_eq!(percent_decode("S%20019"), "S 019");
        assert_eq!(percent_decode("50%25"), "50%");
        assert_eq!(percent_decode("plain"), "plain");
        assert_eq!(percent_decode("%zz"), "%zz");
    }
}
