//! The organisation's table written as the export mapping says (CSV with its delimiter and
//! encoding, an .xlsx sheet, Parquet), atomically, each row with the thing it came from;
//! and the failures beside it.

use std::io::Write;
use std::path::Path;

use polars::prelude::*;

use super::convert::{Failure, Table};
use super::spec::{Column as ExportColumn, Source, TableKind, Target};
use crate::output::{Cause, OutputError, write_atomic, write_error};
use crate::rdl::Datatype;

/// The columns every exported row ends with: the thing's IRI and where its row was read.
pub const THING: &str = "_thing";
pub const ORIGIN: &str = "_origin";

/// Whether a column holds numbers written with a `.`: a number in Parquet and .xlsx.
fn numeric(column: &ExportColumn) -> bool {
    matches!(&column.source, Source::Property(p)
        if matches!(p.datatype, Datatype::Decimal | Datatype::Integer) && p.decimal == '.')
}

/// A text a spreadsheet would take for a formula, made inert with a leading `'`, as the
/// other CSV outputs are; numbers are never formulas.
fn guarded(text: &str) -> std::borrow::Cow<'_, str> {
    match text.starts_with(['=', '+', '-', '@', '\t', '\r']) && text.parse::<f64>().is_err() {
        true => format!("'{text}").into(),
        false => text.into(),
    }
}

/// The column letters of a 0-based column index (`0` is `A`, `26` is `AA`).
pub fn column_letters(mut index: usize) -> String {
    let mut letters = Vec::new();
    loop {
        letters.push(b'A' + (index % 26) as u8);
        if index < 26 {
            break;
        }
        index = index / 26 - 1;
    }
    letters.iter().rev().map(|b| *b as char).collect()
}

/// Where a failure's cell is in the written file.
pub fn place(target: &Target, columns: &[ExportColumn], failure: &Failure) -> String {
    let file = target
        .path
        .rsplit(['/', '\\'])
        .next()
        .unwrap_or(&target.path);
    match target.kind {
        TableKind::Csv => format!("{file}:{}", failure.row + 1),
        TableKind::Parquet => format!("{file}: row {}", failure.row),
        TableKind::Xlsx => {
            let index = columns.iter().position(|c| c.name == failure.column);
            let letters = column_letters(index.unwrap_or(0));
            format!("{file}:{}!{letters}{}", target.sheet, failure.row + 1)
        }
    }
}

fn rows(table: &Table) -> impl Iterator<Item = Vec<Option<&str>>> + '_ {
    (0..table.things.len()).map(move |row| {
        let mut cells: Vec<Option<&str>> = (table.columns.iter())
            .map(|(_, values)| values[row].as_deref())
            .collect();
        cells.push(Some(table.things[row].as_str()));
        cells.push(table.origins[row].as_deref());
        cells
    })
}

/// The next chunk of the table's rows, until there is none.
pub type Chunks<'a> = dyn FnMut() -> Result<Option<Table>, Cause> + 'a;

/// Writes the table at `path` in the target's format, chunk by chunk: a CSV file is
/// streamed, so memory holds one chunk; a workbook or Parquet file is built whole.
pub fn write_table(
    path: &Path,
    target: &Target,
    columns: &[ExportColumn],
    chunks: &mut Chunks<'_>,
) -> Result<(), OutputError> {
    match target.kind {
        TableKind::Csv if !target.windows_1252 => write_atomic(path, |out| {
            let mut csv = csv::WriterBuilder::new()
                .delimiter(target.delimiter)
                .from_writer(out);
            write_csv(&mut csv, columns, chunks)?;
            Ok(csv.flush()?)
        }),
        TableKind::Csv => write_atomic(path, |out| {
            // Every cell was checked to be encodable: a cell that was not is a failure.
            let mut csv = csv::WriterBuilder::new()
                .delimiter(target.delimiter)
                .from_writer(Vec::new());
            write_csv(&mut csv, columns, chunks)?;
            let bytes = csv.into_inner().map_err(|e| Cause::Io(e.into_error()))?;
            let text = String::from_utf8_lossy(&bytes);
            Ok(out.write_all(&encoding_rs::WINDOWS_1252.encode(&text).0)?)
        }),
        TableKind::Parquet | TableKind::Xlsx => {
            let table = whole(columns, chunks).map_err(|e| write_error(path, e))?;
            match target.kind {
                TableKind::Parquet => {
                    let mut frame = frame(&table, columns).map_err(|e| write_error(path, e))?;
                    write_atomic(path, |out| {
                        ParquetWriter::new(out).finish(&mut frame)?;
                        Ok(())
                    })
                }
                _ => {
                    let bytes = workbook(&table, target, columns)
                        .map_err(|e| write_error(path, std::io::Error::other(e)))?;
                    write_atomic(path, |out| Ok(out.write_all(&bytes)?))
                }
            }
        }
    }
}

fn write_csv<W: Write>(
    csv: &mut csv::Writer<W>,
    columns: &[ExportColumn],
    chunks: &mut Chunks<'_>,
) -> Result<(), Cause> {
    let headers = (columns.iter().map(|c| c.name.as_str())).chain([THING, ORIGIN]);
    csv.write_record(headers)?;
    while let Some(table) = chunks()? {
        for row in rows(&table) {
            for cell in row {
                csv.write_field(guarded(cell.unwrap_or_default()).as_bytes())?;
            }
            csv.write_record(None::<&[u8]>)?;
        }
    }
    Ok(())
}

/// Every chunk as one table.
fn whole(columns: &[ExportColumn], chunks: &mut Chunks<'_>) -> Result<Table, Cause> {
    let mut all: Option<Table> = None;
    while let Some(table) = chunks()? {
        match &mut all {
            None => all = Some(table),
            Some(all) => {
                for ((_, into), (_, from)) in all.columns.iter_mut().zip(table.columns) {
                    into.extend(from);
                }
                all.things.extend(table.things);
                all.origins.extend(table.origins);
            }
        }
    }
    Ok(all.unwrap_or(Table {
        columns: columns
            .iter()
            .map(|c| (c.name.clone(), Vec::new()))
            .collect(),
        things: Vec::new(),
        origins: Vec::new(),
        failures: Vec::new(),
    }))
}

fn texts(values: &[Option<PlSmallStr>]) -> Vec<Option<&str>> {
    values.iter().map(|v| v.as_deref()).collect()
}

/// The table as a frame: numbers as numbers, the rest as text.
fn frame(table: &Table, columns: &[ExportColumn]) -> PolarsResult<DataFrame> {
    let mut out: Vec<Column> = Vec::new();
    for ((name, values), column) in table.columns.iter().zip(columns) {
        let text = Column::new(name.into(), texts(values));
        out.push(match numeric(column) {
            true => text.cast(&DataType::Float64)?,
            false => text,
        });
    }
    out.push(Column::new(THING.into(), table.things.clone()));
    out.push(Column::new(ORIGIN.into(), texts(&table.origins)));
    DataFrame::new(table.things.len(), out)
}

fn workbook(
    table: &Table,
    target: &Target,
    columns: &[ExportColumn],
) -> Result<Vec<u8>, rust_xlsxwriter::XlsxError> {
    let mut book = rust_xlsxwriter::Workbook::new();
    // A fixed creation time, so the same table is the same bytes.
    let created = rust_xlsxwriter::ExcelDateTime::from_ymd(2000, 1, 1)?;
    book.set_properties(&rust_xlsxwriter::DocProperties::new().set_creation_datetime(&created));
    let sheet = book.add_worksheet();
    sheet.set_name(&target.sheet)?;
    let headers = (columns.iter().map(|c| c.name.as_str())).chain([THING, ORIGIN]);
    for (index, header) in headers.enumerate() {
        sheet.write_string(0, index as u16, header)?;
    }
    let numbers: Vec<bool> = columns.iter().map(numeric).collect();
    for (row, cells) in rows(table).enumerate() {
        let at = row as u32 + 1;
        for (index, cell) in cells.iter().enumerate() {
            let Some(text) = cell else { continue };
            match (numbers.get(index), text.parse::<f64>()) {
                (Some(true), Ok(number)) => sheet.write_number(at, index as u16, number)?,
                _ => sheet.write_string(at, index as u16, *text)?,
            };
        }
    }
    book.save_to_buffer()
}

/// The failures, one row each: where the cell is, the column, the thing, its origin, the
/// value that could not be written, and why.
pub fn write_failures(path: &Path, failures: &[(String, &Failure)]) -> Result<(), OutputError> {
    write_atomic(path, |out| {
        let mut csv = csv::Writer::from_writer(out);
        csv.write_record(["place", "column", "thing", "origin", "value", "reason"])?;
        for (place, failure) in failures {
            let origin = failure.origin.as_deref().unwrap_or_default();
            let record = [
                place.as_str(),
                &failure.column,
                &failure.thing,
                origin,
                &failure.value,
                &failure.reason,
            ];
            csv.write_record(record.iter().map(|c| guarded(c).into_owned()))?;
        }
        csv.flush()?;
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use super::{column_letters, guarded};

    #[test]
    fn columns_are_lettered_as_a_spreadsheet_does() {
        assert_eq!(column_letters(0), "A");
        assert_eq!(column_letters(25), "Z");
        assert_eq!(column_letters(26), "AA");
        assert_eq!(column_letters(702), "AAA");
    }

    #[test]
    fn formulas_are_made_inert_and_numbers_are_not() {
        assert_eq!(guarded("=SUM(A1)"), "'=SUM(A1)");
        assert_eq!(guarded("-3.5"), "-3.5");
        assert_eq!(guarded("Pump"), "Pump");
    }
}
