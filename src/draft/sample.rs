//! The rows `init` reads of a source, column by column: a workbook sheet whole (it is parsed
//! whole anyway), the first [`READ_ROWS`] rows of a CSV or Parquet file; of those, the first
//! [`JUDGED_ROWS`] are judged value by value.

use std::collections::{BTreeSet, HashMap};

use polars::prelude::*;

use super::values::{Distinct, Values};
use crate::columns::ROW_COLUMN;
use crate::progress::Progress;
use crate::source::{Origin, Source, SourceError, SourceFormat};

/// Rows of a CSV or Parquet file read: keys are judged unique and links found on these.
pub const READ_ROWS: usize = 100_000;
/// Rows whose values are judged (numbers, dates, units, codes).
pub const JUDGED_ROWS: usize = 10_000;

/// The type the reader gave a column.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Kind {
    Text,
    Integer,
    Decimal,
    Boolean,
    Date,
    Datetime,
}

#[derive(Debug, Clone)]
pub(super) struct Column {
    pub name: String,
    pub kind: Kind,
    /// Values missing, of the rows read.
    pub nulls: usize,
    /// Every row read has a value, and no two the same.
    pub unique_and_complete: bool,
    /// Distinct values of the rows read (a blank counts as one).
    pub unique: usize,
    /// The first and the last row's text, as read.
    pub first: Option<String>,
    pub last: Option<String>,
    /// The distinct texts of the rows judged, in the order first seen.
    pub distinct: Vec<Distinct>,
    pub values: Values,
}

/// A source's rows as read for drafting.
#[derive(Debug)]
pub(super) struct Sample {
    pub origin: Origin,
    /// Rows read.
    pub rows: usize,
    /// Whether the source has rows past those read.
    pub more: bool,
    pub columns: Vec<Column>,
    /// The first and the last row's place in the source (its line or sheet row).
    pub first_row: Option<u64>,
    pub last_row: Option<u64>,
    frame: DataFrame,
}

/// Why reading stopped.
enum Stop {
    Enough,
    Failed(SourceError),
}

impl From<SourceError> for Stop {
    fn from(e: SourceError) -> Self {
        Stop::Failed(e)
    }
}

/// Reads the rows drafting looks at. CSV files are read as text (their types are judged
/// here), so only the rows read are read.
pub(super) fn read(source: &Source, progress: &dyn Progress) -> Result<Sample, SourceError> {
    let mut source = source.clone();
    source.options.infer_types = source.format != SourceFormat::Csv;
    let mut batches = Vec::new();
    let read = source.read_batches(None, READ_ROWS, progress, &mut |table| {
        batches.push(table);
        Err(Stop::Enough)
    });
    match read {
        Ok(()) | Err(Stop::Enough) => {}
        Err(Stop::Failed(e)) => return Err(e),
    }
    let Some(table) = batches.into_iter().next() else {
        return Err(source.frame_error(polars_err!(NoData: "the reader produced no table")));
    };
    let frame_error = |e: PolarsError| source.frame_error(e);
    let rows = table.frame.height();
    // A whole batch read: there may be more.
    let more = source.format != SourceFormat::Workbook && rows >= READ_ROWS;
    let origin_rows: Vec<u64> = table
        .frame
        .column(ROW_COLUMN)
        .and_then(|c| c.cast(&DataType::UInt64))
        .map_err(frame_error)?
        .u64()
        .map_err(frame_error)?
        .iter()
        .map(|r| r.unwrap_or(0))
        .collect();
    let mut columns = Vec::new();
    for name in table.columns() {
        let column = table.frame.column(&name).map_err(frame_error)?;
        let nulls = column.null_count();
        let unique = column.n_unique().map_err(frame_error)?;
        let text = column.cast(&DataType::String).map_err(frame_error)?;
        let text = text.str().map_err(frame_error)?;
        let mut seen: HashMap<&str, usize> = HashMap::new();
        let mut distinct: Vec<Distinct> = Vec::new();
        for (value, row) in text.iter().zip(&origin_rows).take(JUDGED_ROWS) {
            let Some(value) = value else { continue };
            match seen.get(value) {
                Some(at) => distinct[*at].count += 1,
                None => {
                    seen.insert(value, distinct.len());
                    distinct.push(Distinct {
                        text: value.to_string(),
                        count: 1,
                        first_row: *row,
                    });
                }
            }
        }
        let values = Values::of(&distinct);
        // (polars panics on `get` past the end, not None.)
        let (first, last) = match rows {
            0 => (None, None),
            n => (
                text.get(0).map(str::to_string),
                text.get(n - 1).map(str::to_string),
            ),
        };
        columns.push(Column {
            kind: kind_of(column.dtype()),
            nulls,
            unique_and_complete: rows > 0 && nulls == 0 && unique == rows,
            unique,
            first,
            last,
            distinct,
            values,
            name,
        });
    }
    Ok(Sample {
        origin: table.origin,
        rows,
        more,
        first_row: origin_rows.first().copied(),
        last_row: origin_rows.last().copied(),
        columns,
        frame: table.frame,
    })
}

fn kind_of(dtype: &DataType) -> Kind {
    match dtype {
        DataType::Boolean => Kind::Boolean,
        DataType::Date => Kind::Date,
        DataType::Datetime(_, _) => Kind::Datetime,
        DataType::Float32 | DataType::Float64 => Kind::Decimal,
        d if d.is_integer() => Kind::Integer,
        _ => Kind::Text,
    }
}

impl Sample {
    /// Every text of a column, of all rows read: the keys other slices' links are matched to.
    pub fn texts(&self, name: &str) -> BTreeSet<String> {
        let Ok(column) = self.frame.column(name) else {
            return BTreeSet::new();
        };
        let Ok(text) = column.cast(&DataType::String) else {
            return BTreeSet::new();
        };
        let Ok(text) = text.str() else {
            return BTreeSet::new();
        };
        text.iter().flatten().map(str::to_string).collect()
    }

    /// Judges the values again without the first or the last row's (a row of units, a row
    /// of totals: not data).
    pub fn judge_without(&mut self, first: bool) {
        let Some(row) = (if first { self.first_row } else { self.last_row }) else {
            return;
        };
        for column in &mut self.columns {
            let Some(text) = (if first { &column.first } else { &column.last }) else {
                continue;
            };
            // The row's text was counted where it first came; take one off there.
            if let Some(at) = column.distinct.iter().position(|d| d.text == *text) {
                column.distinct[at].count -= 1;
                if column.distinct[at].count == 0 && column.distinct[at].first_row == row {
                    column.distinct.remove(at);
                }
            }
            column.values = Values::of(&column.distinct);
        }
    }

    /// Where a value of a column is: `Assets!F17`, `line 12`.
    pub fn at(&self, row: u64, column: &str) -> String {
        self.origin.locator(row, column)
    }
}
