//! Excel (`.xlsx`, `.xlsm`, `.xlsb`, `.xls`) and OpenDocument (`.ods`) sheets through
//! calamine. Typed cells stay typed, formulas give their cached values, and every value keeps
//! its cell address.

use calamine::{Data, Range, Reader, open_workbook_auto};
use chrono::{NaiveDate, NaiveDateTime, NaiveTime};

use super::columns::{Cell, assemble, is_reserved, name_headers};
use super::{OriginKind, Source, SourceError, Table, column_letters};
use crate::diag;
use crate::progress::Progress;

/// A sheet loaded from its workbook, with the header located.
struct Sheet {
    name: String,
    range: Range<Data>,
    /// 0-based absolute row of the header.
    header: u32,
    /// 0-based absolute columns, in sheet order, and their names.
    columns: Vec<(u32, String)>,
}

fn load(source: &Source) -> Result<Sheet, SourceError> {
    if !source.path.is_file() {
        return Err(source.open_error("no such file"));
    }
    let not_workbook = |reason: String| SourceError::NotWorkbook {
        path: source.display.clone(),
        reason,
        src: source.config.src.clone(),
        span: source.config.path,
    };
    let mut workbook = open_workbook_auto(&source.path).map_err(|e| not_workbook(e.to_string()))?;
    let names = workbook.sheet_names();
    let (name, sheet_span) = match &source.options.sheet {
        Some((name, span)) => (name.clone(), *span),
        None => match names.first() {
            Some(first) => (first.clone(), source.config.path),
            None => return Err(not_workbook("it has no sheets".into())),
        },
    };
    if !names.contains(&name) {
        let help = diag::suggest(&name, names.iter().map(String::as_str), "sheets");
        return Err(SourceError::NoSheet {
            path: source.display.clone(),
            sheet: name,
            help,
            src: source.config.src.clone(),
            span: sheet_span,
        });
    }
    let range = workbook
        .worksheet_range(&name)
        .map_err(|e| not_workbook(e.to_string()))?;

    let header_row = source.header_row();
    let header_span = source
        .options
        .header_row
        .as_ref()
        .map_or(source.config.path, |h| h.1);
    let header = header_row - 1;
    let (Some(start), Some(end)) = (range.start(), range.end()) else {
        return Err(SourceError::HeaderPastEnd {
            path: source.display.clone(),
            sheet: name,
            header_row,
            last: 0,
            src: source.config.src.clone(),
            span: header_span,
        });
    };
    if header > end.0 {
        return Err(SourceError::HeaderPastEnd {
            path: source.display.clone(),
            sheet: name,
            header_row,
            last: end.0 + 1,
            src: source.config.src.clone(),
            span: header_span,
        });
    }

    let raw: Vec<String> = (start.1..=end.1)
        .map(|c| {
            let cell = range.get_value((header, c)).unwrap_or(&Data::Empty);
            match to_cell(cell, source) {
                Cell::Null => String::new(),
                Cell::Text(s) => s,
                other => render_header(&other),
            }
        })
        .collect();
    if raw.iter().all(|h| h.trim().is_empty()) {
        return Err(SourceError::BlankHeader {
            path: source.display.clone(),
            sheet: name,
            header_row,
            src: source.config.src.clone(),
            span: header_span,
        });
    }
    let named = name_headers(&raw, |i| {
        format!("column {}", column_letters(start.1 + i as u32))
    });
    let mut columns = Vec::with_capacity(named.len());
    for (offset, column) in named.into_iter().enumerate() {
        let c = start.1 + offset as u32;
        if is_reserved(&column) {
            return Err(SourceError::ReservedColumn {
                location: format!(
                    "{}:{}!{}{}",
                    source.display,
                    name,
                    column_letters(c),
                    header_row
                ),
                name: column,
            });
        }
        // A column with no header and no values is layout, not data.
        let blank = raw[offset].trim().is_empty()
            && (header + 1..=end.0).all(|r| {
                matches!(
                    range.get_value((r, c)).map(|d| to_cell(d, source)),
                    None | Some(Cell::Null)
                )
            });
        if !blank {
            columns.push((c, column));
        }
    }
    Ok(Sheet {
        name,
        range,
        header,
        columns,
    })
}

pub(super) fn headers(source: &Source) -> Result<Vec<String>, SourceError> {
    Ok(load(source)?.columns.into_iter().map(|(_, n)| n).collect())
}

pub(super) fn read(source: &Source, progress: &dyn Progress) -> Result<Table, SourceError> {
    let task = progress.task(&format!("reading {}", source.id), None);
    let sheet = load(source)?;
    let end_row = sheet.range.end().map_or(sheet.header, |e| e.0);
    let mut cells: Vec<Vec<Cell>> = vec![Vec::new(); sheet.columns.len()];
    let mut rows = Vec::new();
    let mut row_cells = Vec::with_capacity(sheet.columns.len());
    for r in sheet.header + 1..=end_row {
        row_cells.clear();
        row_cells.extend(sheet.columns.iter().map(|(c, _)| {
            to_cell(
                sheet.range.get_value((r, *c)).unwrap_or(&Data::Empty),
                source,
            )
        }));
        // Blank rows separate blocks in hand-made sheets; they are not records.
        if row_cells.iter().all(|c| *c == Cell::Null) {
            continue;
        }
        for (column, cell) in cells.iter_mut().zip(row_cells.drain(..)) {
            column.push(cell);
        }
        rows.push(u64::from(r) + 1);
    }

    let letters = sheet
        .columns
        .iter()
        .map(|(c, name)| (name.clone(), column_letters(*c)))
        .collect();
    let named = sheet
        .columns
        .iter()
        .map(|(_, name)| name.as_str())
        .zip(cells);
    let kind = OriginKind::Sheet {
        sheet: sheet.name.clone(),
        letters,
    };
    let table = assemble(source, rows, named, kind);
    task.finish();
    table
}

fn to_cell(data: &Data, source: &Source) -> Cell {
    match data {
        Data::Empty => Cell::Null,
        Data::Int(i) => Cell::Int(*i),
        Data::Float(f) => Cell::Float(*f),
        Data::Bool(b) => Cell::Bool(*b),
        Data::String(s) | Data::DurationIso(s) => text_cell(s.clone(), source),
        Data::DateTime(dt) if dt.is_datetime() => match dt.as_datetime() {
            Some(value) => datetime_cell(value),
            None => Cell::Float(dt.as_f64()),
        },
        Data::DateTime(dt) => Cell::Float(dt.as_f64()),
        Data::DateTimeIso(s) => iso_cell(s).unwrap_or_else(|| text_cell(s.clone(), source)),
        // An error cell (#N/A, #DIV/0!) is kept as its text: a mapping reports it at its cell,
        // and a workspace can list it among its null sentinels.
        Data::Error(e) => text_cell(e.to_string(), source),
    }
}

fn text_cell(text: String, source: &Source) -> Cell {
    if source.is_null_text(&text) {
        Cell::Null
    } else {
        Cell::Text(text)
    }
}

fn datetime_cell(value: NaiveDateTime) -> Cell {
    if value.time() == NaiveTime::MIN {
        Cell::Date(value.date())
    } else {
        Cell::DateTime(value)
    }
}

fn iso_cell(text: &str) -> Option<Cell> {
    if let Ok(date) = NaiveDate::parse_from_str(text, "%Y-%m-%d") {
        return Some(Cell::Date(date));
    }
    NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M:%S%.f")
        .ok()
        .map(datetime_cell)
}

fn render_header(cell: &Cell) -> String {
    match cell {
        Cell::Int(i) => i.to_string(),
        Cell::Float(f) => f.to_string(),
        Cell::Bool(b) => b.to_string(),
        Cell::Date(d) => d.to_string(),
        Cell::DateTime(dt) => dt.to_string(),
        Cell::Text(s) => s.clone(),
        Cell::Null => String::new(),
    }
}
