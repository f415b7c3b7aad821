//! Turning cells into typed polars columns, shared by the CSV and workbook readers.

use chrono::{NaiveDate, NaiveDateTime};
use polars::prelude::*;

use super::{Origin, OriginKind, Source, SourceError, Table};
use crate::columns::{ROW_COLUMN, text_of};

/// One cell as a reader saw it. Text stays text until the whole column is known.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Cell {
    Null,
    /// Held inline up to 24 bytes: a sheet's millions of short texts are not each a heap
    /// allocation, made and freed (a tenth of reading a workbook was the allocator).
    Text(PlSmallStr),
    Int(i64),
    Float(f64),
    Bool(bool),
    Date(NaiveDate),
    DateTime(NaiveDateTime),
}

impl Cell {
    /// The cell as text, for a column whose cells are of mixed kinds.
    pub(crate) fn render(&self) -> Option<String> {
        match self {
            Cell::Null => None,
            Cell::Text(s) => Some(s.to_string()),
            Cell::Int(i) => Some(i.to_string()),
            // Rust prints 75.0 as "75" and 0.1 as "0.1": the shortest text that reads back.
            Cell::Float(f) => Some(f.to_string()),
            Cell::Bool(b) => Some(b.to_string()),
            Cell::Date(d) => Some(d.format("%Y-%m-%d").to_string()),
            Cell::DateTime(dt) => Some(dt.format("%Y-%m-%dT%H:%M:%S").to_string()),
        }
    }
}

/// The name each column goes by: header text trimmed; a blank header named after its
/// position; a repeated header suffixed ` (2)`, ` (3)` so every column can be addressed.
pub(crate) fn name_headers<F>(raw: &[String], blank_name: F) -> Vec<String>
where
    F: Fn(usize) -> String,
{
    let mut names: Vec<String> = Vec::with_capacity(raw.len());
    // A set beside the list: a sheet can have a hundred thousand columns.
    let mut taken: std::collections::HashSet<String> = std::collections::HashSet::new();
    for (index, header) in raw.iter().enumerate() {
        let base = match header.trim() {
            "" => blank_name(index),
            trimmed => trimmed.to_string(),
        };
        let mut name = base.clone();
        let mut n = 2;
        while taken.contains(&name) {
            name = format!("{base} ({n})");
            n += 1;
        }
        taken.insert(name.clone());
        names.push(name);
    }
    names
}

/// Builds a typed column from its cells. Numbers, booleans and dates stay typed when every
/// value in the column agrees; text that is all numbers becomes numeric when `infer_text`.
/// A numeric column comes with its values as the cells show them ([`text_of`]).
pub(crate) fn build_column(name: &str, cells: Vec<Cell>, infer_text: bool) -> Vec<Column> {
    let kind = column_kind(&cells, infer_text);
    let shown = matches!(kind, Kind::Int | Kind::Float).then(|| {
        let texts: StringChunked = cells.iter().map(|c| c.render()).collect();
        texts.with_name(text_of(name).into()).into_column()
    });
    std::iter::once(typed_column(name, cells, kind))
        .chain(shown)
        .collect()
}

fn typed_column(name: &str, cells: Vec<Cell>, kind: Kind) -> Column {
    let name = PlSmallStr::from(name);
    match kind {
        Kind::Int => {
            let values: Vec<Option<i64>> = cells
                .iter()
                .map(|c| match c {
                    Cell::Int(i) => Some(*i),
                    Cell::Float(f) => Some(*f as i64),
                    Cell::Text(s) => s.trim().parse().ok(),
                    _ => None,
                })
                .collect();
            Column::new(name, values)
        }
        Kind::Float => {
            let values: Vec<Option<f64>> = cells
                .iter()
                .map(|c| match c {
                    Cell::Int(i) => Some(*i as f64),
                    Cell::Float(f) => Some(*f),
                    Cell::Text(s) => s.trim().parse().ok(),
                    _ => None,
                })
                .collect();
            Column::new(name, values)
        }
        Kind::Bool => {
            let values: Vec<Option<bool>> = cells
                .iter()
                .map(|c| match c {
                    Cell::Bool(b) => Some(*b),
                    _ => None,
                })
                .collect();
            Column::new(name, values)
        }
        Kind::Date => {
            let values: Vec<Option<NaiveDate>> = cells
                .iter()
                .map(|c| match c {
                    Cell::Date(d) => Some(*d),
                    Cell::DateTime(dt) => Some(dt.date()),
                    _ => None,
                })
                .collect();
            let days = Int32Chunked::from_iter_options(
                name,
                values.into_iter().map(|d| d.map(date_to_days)),
            );
            days.into_date().into_column()
        }
        Kind::DateTime => {
            let values: Vec<Option<i64>> = cells
                .iter()
                .map(|c| match c {
                    Cell::Date(d) => d
                        .and_hms_opt(0, 0, 0)
                        .map(|dt| dt.and_utc().timestamp_millis()),
                    Cell::DateTime(dt) => Some(dt.and_utc().timestamp_millis()),
                    _ => None,
                })
                .collect();
            Int64Chunked::from_iter_options(name, values.into_iter())
                .into_datetime(TimeUnit::Milliseconds, None)
                .into_column()
        }
        Kind::Text => {
            let mut text = StringChunkedBuilder::new(name, cells.len());
            for cell in cells {
                match cell {
                    Cell::Null => text.append_null(),
                    Cell::Text(s) => text.append_value(s),
                    other => match other.render() {
                        Some(s) => text.append_value(s),
                        None => text.append_null(),
                    },
                }
            }
            text.finish().into_column()
        }
    }
}

fn date_to_days(date: NaiveDate) -> i32 {
    const EPOCH_DAYS_FROM_CE: i32 = 719_163;
    chrono::Datelike::num_days_from_ce(&date) - EPOCH_DAYS_FROM_CE
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Kind {
    Int,
    Float,
    Bool,
    Date,
    DateTime,
    Text,
}

fn column_kind(cells: &[Cell], infer_text: bool) -> Kind {
    let mut kind: Option<Kind> = None;
    for cell in cells {
        let this = match cell {
            Cell::Null => continue,
            Cell::Int(_) => Kind::Int,
            Cell::Float(f) if f.fract() == 0.0 && f.abs() < 9.0e15 => Kind::Int,
            Cell::Float(_) => Kind::Float,
            Cell::Bool(_) => Kind::Bool,
            Cell::Date(_) => Kind::Date,
            Cell::DateTime(dt) if dt.time() == chrono::NaiveTime::MIN => Kind::Date,
            Cell::DateTime(_) => Kind::DateTime,
            Cell::Text(s) if infer_text => text_kind(s),
            Cell::Text(_) => Kind::Text,
        };
        match merge(kind, this) {
            Kind::Text => return Kind::Text,
            merged => kind = Some(merged),
        }
    }
    kind.unwrap_or(Kind::Text)
}

/// The kind of a column whose values so far are all `seen` (None: no value yet) once it
/// also holds a value of kind `this`.
fn merge(seen: Option<Kind>, this: Kind) -> Kind {
    match (seen, this) {
        (None, k) => k,
        (Some(a), b) if a == b => a,
        (Some(Kind::Int | Kind::Float), Kind::Int | Kind::Float) => Kind::Float,
        (Some(Kind::Date | Kind::DateTime), Kind::Date | Kind::DateTime) => Kind::DateTime,
        _ => Kind::Text,
    }
}

/// What a text value would be as a number. Codes with leading zeros (`007`) and explicit
/// plus signs stay text: they are identifiers, and a number would lose what they say.
fn text_kind(text: &str) -> Kind {
    let t = text.trim();
    let digits = t.strip_prefix('-').unwrap_or(t);
    if digits.is_empty() || !digits.as_bytes()[0].is_ascii_digit() {
        return Kind::Text;
    }
    let leading_zero = digits.len() > 1 && digits.starts_with('0') && !digits.starts_with("0.");
    if leading_zero {
        return Kind::Text;
    }
    if digits.bytes().all(|b| b.is_ascii_digit()) {
        return if t.parse::<i64>().is_ok() {
            Kind::Int
        } else {
            Kind::Text
        };
    }
    let numeric_chars = digits
        .bytes()
        .all(|b| b.is_ascii_digit() || matches!(b, b'.' | b'e' | b'E' | b'-' | b'+'));
    if numeric_chars && t.parse::<f64>().is_ok_and(f64::is_finite) {
        Kind::Float
    } else {
        Kind::Text
    }
}

/// What every text value of a column seen so far would be (`infer_types`): None until a
/// value is seen.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Inferred(Option<Kind>);

impl Inferred {
    pub(crate) fn see(&mut self, text: &str) {
        if self.0 != Some(Kind::Text) {
            self.0 = Some(merge(self.0, text_kind(text)));
        }
    }

    /// Takes in what `other` saw: the result is what seeing both sets of values would give.
    pub(crate) fn absorb(&mut self, other: Inferred) {
        if let Some(kind) = other.0
            && self.0 != Some(Kind::Text)
        {
            self.0 = Some(merge(self.0, kind));
        }
    }
}

/// A text column built value by value, straight into polars' string storage, noting on the
/// way whether every value is a number (for `infer_types`). Readers of text files use it
/// instead of [`Cell`]s: one copy per value instead of three.
pub(crate) struct TextColumn {
    builder: StringChunkedBuilder,
    /// What the values seen so far would all be, or the type given; None without inference.
    kind: Inferred,
    infer: bool,
}

impl TextColumn {
    pub(crate) fn new(name: &str, infer: bool) -> Self {
        Self {
            builder: StringChunkedBuilder::new(PlSmallStr::from(name), 1024),
            kind: Inferred::default(),
            infer,
        }
    }

    pub(crate) fn push(&mut self, value: Option<&str>) {
        match value {
            None => self.builder.append_null(),
            Some(text) => {
                if self.infer {
                    self.kind.see(text);
                }
                self.builder.append_value(text);
            }
        }
    }

    /// The values as text, and what they would all be (by inference, or as typed).
    pub(crate) fn into_parts(self) -> (StringChunked, Inferred) {
        (self.builder.finish(), self.kind)
    }
}

/// A column of text as its type says: numeric when every value is a number (by inference, or
/// as typed beforehand), else text. A numeric column comes with its text as written
/// ([`text_of`]).
pub(crate) fn finish_text(text: StringChunked, kind: Inferred) -> Vec<Column> {
    let typed = match kind.0 {
        Some(Kind::Int) => parsed::<Int64Type>(&text).into_column(),
        Some(Kind::Float) => parsed::<Float64Type>(&text).into_column(),
        _ => return vec![text.into_column()],
    };
    let written = text.with_name(text_of(typed.name()).into()).into_column();
    vec![typed, written]
}

/// Each (trimmed) text parsed as a number; a text that does not parse is null.
fn parsed<T>(text: &StringChunked) -> ChunkedArray<T>
where
    T: PolarsNumericType,
    T::Native: std::str::FromStr,
{
    ChunkedArray::from_iter_options(
        text.name().clone(),
        text.iter().map(|v| v.and_then(|t| t.trim().parse().ok())),
    )
}

/// A table from its rows' positions and its built columns.
pub(crate) fn table(
    source: &Source,
    rows: Vec<u64>,
    columns: Vec<Column>,
    kind: OriginKind,
) -> Result<Table, SourceError> {
    let height = rows.len();
    let mut frame_columns = vec![Column::new(PlSmallStr::from(ROW_COLUMN), rows)];
    frame_columns.extend(columns);
    let frame = DataFrame::new(height, frame_columns).map_err(|e| source.frame_error(e))?;
    Ok(Table {
        frame,
        origin: Origin {
            file: source.display.clone(),
            kind,
        },
    })
}

/// A cell's text as a header or a person reads it.
pub(super) fn render_header(cell: &Cell) -> String {
    match cell {
        Cell::Int(i) => i.to_string(),
        Cell::Float(f) => f.to_string(),
        Cell::Bool(b) => b.to_string(),
        Cell::Date(d) => d.to_string(),
        Cell::DateTime(dt) => dt.to_string(),
        Cell::Text(s) => s.to_string(),
        Cell::Null => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(values: &[&str]) -> Vec<Cell> {
        values
            .iter()
            .map(|v| {
                if v.is_empty() {
                    Cell::Null
                } else {
                    Cell::Text(PlSmallStr::from_str(v))
                }
            })
            .collect()
    }

    #[test]
    fn numeric_text_becomes_numeric_but_codes_stay_text() {
        assert_eq!(column_kind(&text(&["1", "", "-20"]), true), Kind::Int);
        assert_eq!(column_kind(&text(&["1", "2.5"]), true), Kind::Float);
        assert_eq!(column_kind(&text(&["007", "12"]), true), Kind::Text);
        assert_eq!(column_kind(&text(&["11,5"]), true), Kind::Text);
        assert_eq!(column_kind(&text(&["1", "n"]), true), Kind::Text);
        assert_eq!(column_kind(&text(&["1", "2"]), false), Kind::Text);
        assert_eq!(column_kind(&text(&["inf"]), true), Kind::Text);
        assert_eq!(column_kind(&text(&["0.5"]), true), Kind::Float);
    }

    #[test]
    fn mixed_cells_become_text_with_iso_dates() {
        let date = NaiveDate::from_ymd_opt(2004, 3, 12).expect("valid date");
        let cells = vec![
            Cell::Date(date),
            Cell::Text("12/03/2004".into()),
            Cell::Float(75.0),
        ];
        let column = build_column("Installed", cells, true).remove(0);
        let values: Vec<Option<&str>> = column.str().expect("text").iter().collect();
        assert_eq!(values, [Some("2004-03-12"), Some("12/03/2004"), Some("75")]);
    }

    #[test]
    fn headers_are_trimmed_named_and_disambiguated() {
        let raw = vec![" Status ".to_string(), String::new(), "Status".to_string()];
        let names = name_headers(&raw, |i| format!("column {}", i + 1));
        assert_eq!(names, ["Status", "column 2", "Status (2)"]);
    }
}
