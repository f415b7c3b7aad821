//! What a source holds, column by column: the type the reader inferred, how many values are
//! missing, how many distinct values there are, the most frequent ones, and where to find
//! an example. What an asset owner looks at before writing a mapping.

use polars::prelude::*;
use serde::Serialize;

use crate::columns::ROW_COLUMN;
use crate::report::TextTable;
use crate::source::{OriginKind, Source, SourceError, Table};

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct SourceProfile {
    pub source: String,
    pub path: String,
    pub rows: u64,
    pub columns: Vec<ColumnProfile>,
    /// Merged cells over the data (`B5:B9`): the cells they cover read as blank.
    pub merged_cells: Vec<String>,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct ColumnProfile {
    pub name: String,
    /// integer, decimal, text, boolean, date, datetime (or the polars type for others).
    #[serde(rename = "type")]
    pub kind: String,
    pub nulls: u64,
    /// nulls / rows, 0 for an empty source.
    pub null_share: f64,
    /// Distinct non-null values.
    pub distinct: u64,
    /// The most frequent values, most frequent first, ties in value order.
    pub top: Vec<ValueCount>,
    /// The first non-null value and where it is.
    pub example: Option<Example>,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct ValueCount {
    pub value: String,
    pub count: u64,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Example {
    pub value: String,
    /// File and place: `book.xlsx:Assets!D17`, `file.csv:12`.
    pub origin: String,
    /// The place within the file: `Assets!D17`, `line 12`, `row 5`.
    pub at: String,
}

/// The `top` most frequent values, most frequent first, then in text order. Only those
/// are put in order: a column of 100,000 distinct values is not sorted whole.
fn most_frequent(mut counts: Vec<(u64, &str)>, top: usize) -> Vec<(u64, &str)> {
    let order = |a: &(u64, &str), b: &(u64, &str)| b.0.cmp(&a.0).then_with(|| a.1.cmp(b.1));
    if top == 0 {
        return Vec::new();
    }
    if counts.len() > top {
        counts.select_nth_unstable_by(top - 1, order);
        counts.truncate(top);
    }
    counts.sort_unstable_by(order);
    counts
}

impl SourceProfile {
    /// Profiles a table read from `source`, keeping the `top` most frequent values per
    /// column.
    pub fn of(source: &Source, table: &Table, top: usize) -> Result<Self, SourceError> {
        let frame_error = |e: PolarsError| source.frame_error(e);
        let rows = table.frame.height() as u64;
        let mut columns = Vec::new();
        for name in table.columns() {
            let column = table.frame.column(&name).map_err(frame_error)?;
            let nulls = column.null_count() as u64;
            let text = column.cast(&DataType::String).map_err(frame_error)?;
            let values = DataFrame::new(rows as usize, vec![text.with_name("value".into())])
                .map_err(frame_error)?
                .lazy()
                .drop_nulls(None);
            let counted = values
                .clone()
                .group_by([col("value")])
                .agg([len().alias("count")])
                .collect()
                .map_err(frame_error)?;
            let distinct = counted.height() as u64;
            let value_column = counted
                .column("value")
                .map_err(frame_error)?
                .str()
                .map_err(frame_error)?;
            let count_column = counted
                .column("count")
                .map_err(frame_error)?
                .cast(&DataType::UInt64)
                .map_err(frame_error)?;
            let count_column = count_column.u64().map_err(frame_error)?;
            let counts = value_column.iter().zip(count_column.iter());
            let counts = counts.filter_map(|(v, c)| Some((c?, v?)));
            let top_values = most_frequent(counts.collect(), top)
                .into_iter()
                .map(|(count, value)| ValueCount {
                    value: value.to_string(),
                    count,
                })
                .collect();

            let first = table
                .frame
                .clone()
                .lazy()
                .filter(col(name.as_str()).is_not_null())
                .select([
                    col(ROW_COLUMN),
                    col(name.as_str()).cast(DataType::String).alias("value"),
                ])
                .limit(1)
                .collect()
                .map_err(frame_error)?;
            let example = match (first.column(ROW_COLUMN), first.column("value")) {
                (Ok(row), Ok(value)) if first.height() == 1 => {
                    let row = row.u64().map_err(frame_error)?.get(0);
                    let value = value.str().map_err(frame_error)?.get(0);
                    match (row, value) {
                        (Some(row), Some(value)) => Some(Example {
                            value: value.to_string(),
                            origin: table.origin.cell(row, &name),
                            at: table.origin.locator(row, &name),
                        }),
                        _ => None,
                    }
                }
                _ => None,
            };

            columns.push(ColumnProfile {
                kind: kind_name(column.dtype()),
                nulls,
                null_share: if rows == 0 {
                    0.0
                } else {
                    nulls as f64 / rows as f64
                },
                distinct,
                top: top_values,
                example,
                name,
            });
        }
        Ok(SourceProfile {
            source: source.id.clone(),
            path: source.display.clone(),
            rows,
            columns,
            merged_cells: match &table.origin.kind {
                OriginKind::Sheet { merged, .. } => merged.iter().map(|m| m.range()).collect(),
                _ => Vec::new(),
            },
        })
    }
}

fn kind_name(dtype: &DataType) -> String {
    match dtype {
        DataType::String => "text".into(),
        DataType::Boolean => "boolean".into(),
        DataType::Date => "date".into(),
        DataType::Datetime(_, _) => "datetime".into(),
        DataType::Float32 | DataType::Float64 => "decimal".into(),
        d if d.is_integer() => "integer".into(),
        other => other.to_string(),
    }
}

impl SourceProfile {
    /// The profile for people: a row per column.
    pub fn text(&self) -> String {
        let report = self;
        let mut table = TextTable::new(&[
            ("column", false),
            ("type", false),
            ("nulls", true),
            ("distinct", true),
            ("most frequent", false),
            ("example at", false),
        ]);
        for c in &report.columns {
            let top: Vec<String> = c
                .top
                .iter()
                .map(|v| format!("{} ({})", shorten(&v.value, 24), v.count))
                .collect();
            table.row(vec![
                c.name.clone(),
                c.kind.clone(),
                format!("{:.1}%", c.null_share * 100.0),
                c.distinct.to_string(),
                top.join(", "),
                c.example.as_ref().map(|e| e.at.clone()).unwrap_or_default(),
            ]);
        }
        let mut text = format!(
            "source {}: {}, {} rows, {} columns\n\n{}",
            report.source,
            report.path,
            report.rows,
            report.columns.len(),
            table.render()
        );
        if let Some(first) = report.merged_cells.first() {
            let more = match report.merged_cells.len() {
                1 => String::new(),
                n => format!(" and {} more", n - 1),
            };
            text.push_str(&format!(
                "\nwarning: merged cells over the data ({first}{more}): only the first cell of each holds its value, the others read as blank; unmerge them and fill each cell\n"
            ));
        }
        text
    }
}

/// Long free-text values would push the table off the screen.
fn shorten(value: &str, max: usize) -> String {
    let value = value.replace(['\n', '\r'], " ");
    if value.chars().count() <= max {
        value
    } else {
        let cut: String = value.chars().take(max - 1).collect();
        format!("{cut}…")
    }
}

#[cfg(test)]
mod tests {
    use super::most_frequent;

    #[test]
    fn the_most_frequent_are_those_a_whole_sort_puts_first() {
        let words: Vec<String> = (0..500)
            .map(|i| format!("v{}", (i * 7919) % 1000))
            .collect();
        let counts: Vec<(u64, &str)> = (words.iter().enumerate())
            .map(|(i, w)| (((i * 31) % 13) as u64, w.as_str()))
            .collect();
        let mut sorted = counts.clone();
        sorted.sort_by(|a, b| b.0.cmp(&a.0).then_with(|| a.1.cmp(b.1)));
        for top in [0, 1, 5, 37, 499, 500, 800] {
            let expected: Vec<_> = sorted.iter().take(top).copied().collect();
            assert_eq!(most_frequent(counts.clone(), top), expected, "top {top}");
        }
    }
}
