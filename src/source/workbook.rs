//! Excel (`.xlsx`, `.xlsm`, `.xlsb`, `.xls`) and OpenDocument (`.ods`) sheets through
//! calamine. Typed cells stay typed, formulas give their cached values, and every value keeps
//! its cell address.

use std::sync::{Arc, Mutex};

use calamine::{Data, DataRef, DataType, Reader, Sheets, Xlsx, open_workbook_auto};
use chrono::{NaiveDate, NaiveDateTime, NaiveTime};
use rayon::prelude::*;

use super::cells::{Cell, build_column, name_headers, render_header, table};
use super::guard::{guard_thread, guarded};
use super::limits::{check_compound_file, check_inflated, too_many_cells};
use super::{MergedCells, OriginKind, Source, SourceError, Table, column_letters};
use crate::columns::is_reserved;
use crate::diag;
use crate::progress::Progress;

/// A sheet's used cells, column by column: each column's (row, cell) in row order. Rows and
/// columns are 0-based and absolute.
#[derive(Debug, Clone, Default)]
pub(super) struct Grid {
    /// By absolute column.
    columns: Vec<Vec<(u32, Cell)>>,
    /// The first and last rows with a cell.
    rows: Option<(u32, u32)>,
}

impl Grid {
    /// Adds a cell; cells come in row order.
    fn push(&mut self, row: u32, column: u32, cell: Cell) {
        let index = column as usize;
        if self.columns.len() <= index {
            self.columns.resize_with(index + 1, Vec::new);
        }
        self.columns[index].push((row, cell));
        self.rows = Some(match self.rows {
            None => (row, row),
            Some((first, last)) => (first.min(row), last.max(row)),
        });
    }

    /// The used area: (first row, first column) and (last row, last column).
    pub(super) fn area(&self) -> Option<((u32, u32), (u32, u32))> {
        let (first_row, last_row) = self.rows?;
        let first_column = self.columns.iter().position(|c| !c.is_empty())?;
        let last_column = self.columns.iter().rposition(|c| !c.is_empty())?;
        Some((
            (first_row, first_column as u32),
            (last_row, last_column as u32),
        ))
    }

    fn column(&self, column: u32) -> &[(u32, Cell)] {
        self.columns.get(column as usize).map_or(&[], Vec::as_slice)
    }

    /// The texts of a row's cells in `columns`, blank where there is none.
    pub(super) fn row_texts(
        &self,
        row: u32,
        columns: std::ops::RangeInclusive<u32>,
    ) -> Vec<String> {
        columns
            .map(|c| self.get(row, c).map_or_else(String::new, render_header))
            .collect()
    }

    pub(super) fn get(&self, row: u32, column: u32) -> Option<&Cell> {
        let cells = self.column(column);
        let at = cells.binary_search_by_key(&row, |(r, _)| *r).ok()?;
        Some(&cells[at].1)
    }
}

/// A sheet parsed for its headers (every run checks them before reading data), kept until it
/// is read, so a workbook is parsed once per run, not twice. A sheet only peeked at (`init`
/// looking for its header) is kept as read, before its header is located.
#[derive(Debug, Clone, Default)]
pub(crate) struct Loaded(Arc<Mutex<Option<Kept>>>);

#[derive(Debug)]
enum Kept {
    Read(ReadSheet),
    Located(Sheet),
}

impl Loaded {
    /// Keeps a sheet only peeked at, for the read that follows.
    pub(super) fn keep_read(&self, read: ReadSheet) {
        self.keep(Kept::Read(read));
    }

    /// Another keeper, holding a copy of the sheet this one keeps as read (none when it keeps
    /// none, or keeps it located).
    pub(super) fn fork(&self) -> Loaded {
        let copy = match self.0.lock().ok().as_deref() {
            Some(Some(Kept::Read(read))) => Some(Kept::Read(read.clone())),
            _ => None,
        };
        Loaded(Arc::new(Mutex::new(copy)))
    }

    fn keep(&self, kept: Kept) {
        if let Ok(mut slot) = self.0.lock() {
            *slot = Some(kept);
        }
    }

    fn take(&self) -> Option<Kept> {
        self.0.lock().ok().and_then(|mut slot| slot.take())
    }
}

/// A sheet loaded from its workbook, with the header located.
#[derive(Debug)]
struct Sheet {
    name: String,
    grid: Grid,
    /// 0-based absolute row of the first data row: the one below the header, or the sheet's
    /// first row with a value when it has no header (`header_row: 0`).
    data_start: u32,
    /// 0-based absolute columns, in sheet order, and their names.
    columns: Vec<(u32, String)>,
    /// Merged cells, 0-based.
    merged: Vec<calamine::Dimensions>,
}

/// Cells handed from the xlsx parser to the thread that keeps them, at a time.
const CELLS_PER_HANDOVER: usize = 1 << 14;

/// Why a sheet's cells could not be read.
enum GridError {
    Xlsx(calamine::XlsxError),
    /// More cells than the source's limit.
    TooManyCells,
    /// A cell past the last row or column a sheet can have: the file is damaged (and the
    /// grid would be sized by it).
    OutOfSheet,
}

/// The rows and columns a sheet can have (Excel's, the largest of the formats read).
const MAX_ROWS: u32 = 1 << 20;
const MAX_COLUMNS: u32 = 1 << 14;

fn in_sheet(row: u32, column: u32) -> bool {
    row < MAX_ROWS && column < MAX_COLUMNS
}

/// Reads an xlsx sheet's cells: calamine parses the XML on one thread while this one turns
/// the cells into ours, so a text is copied once, from the shared strings, and parsing
/// overlaps with the rest of the work. Stops at `limit` cells with a value.
fn xlsx_grid<RS>(
    xlsx: &mut Xlsx<RS>,
    name: &str,
    source: &Source,
    limit: u64,
) -> Result<Grid, GridError>
where
    RS: std::io::Read + std::io::Seek + Send,
{
    let mut reader = xlsx.worksheet_cells_reader(name).map_err(GridError::Xlsx)?;
    std::thread::scope(|scope| {
        let (send, receive) = std::sync::mpsc::sync_channel::<Vec<calamine::Cell<DataRef<'_>>>>(4);
        let parser = scope.spawn(move || -> Result<(), calamine::XlsxError> {
            guard_thread();
            let mut cells = Vec::with_capacity(CELLS_PER_HANDOVER);
            while let Some(cell) = reader.next_cell()? {
                if cell.get_value().is_empty() {
                    continue;
                }
                cells.push(cell);
                if cells.len() == CELLS_PER_HANDOVER {
                    let full =
                        std::mem::replace(&mut cells, Vec::with_capacity(CELLS_PER_HANDOVER));
                    if send.send(full).is_err() {
                        return Ok(());
                    }
                }
            }
            let _ = send.send(cells);
            Ok(())
        });
        let mut grid = Grid::default();
        let mut count: u64 = 0;
        for cells in receive {
            count += cells.len() as u64;
            if count > limit {
                // Dropping the receiver stops the parser at its next handover.
                return Err(GridError::TooManyCells);
            }
            for cell in cells {
                let (row, column) = cell.get_position();
                if !in_sheet(row, column) {
                    return Err(GridError::OutOfSheet);
                }
                grid.push(row, column, ref_cell(cell.get_value(), source));
            }
        }
        parser
            .join()
            .unwrap_or_else(|_| {
                Err(calamine::XlsxError::Io(std::io::Error::other(
                    "the xlsx parser stopped unexpectedly",
                )))
            })
            .map_err(GridError::Xlsx)?;
        Ok(grid)
    })
}

/// Loads the source's sheet and locates its header and its data columns.
fn load(source: &Source) -> Result<Sheet, SourceError> {
    let (name, grid, merged) = match source.loaded.take() {
        Some(Kept::Located(sheet)) => return Ok(sheet),
        Some(Kept::Read(read)) => read,
        None => read_sheet(source)?,
    };
    let (data_start, first_column, raw) = header_cells(source, &name, &grid)?;
    let columns = sheet_columns(source, &name, &grid, data_start, first_column, &raw)?;
    Ok(Sheet {
        name,
        grid,
        data_start,
        columns,
        merged,
    })
}

/// A sheet as read: its name, its cells and its merged cells.
pub(super) type ReadSheet = (String, Grid, Vec<calamine::Dimensions>);

/// The source's sheet (the one named, else the first), its cells and its merged cells. A
/// damaged file that makes the reader panic is said to be damaged.
pub(super) fn read_sheet(source: &Source) -> Result<ReadSheet, SourceError> {
    guarded(|| read_sheet_unguarded(source)).unwrap_or_else(|reason| {
        Err(source
            .not_workbook(format!("the file is damaged; the reader stopped: {reason}").into()))
    })
}

fn read_sheet_unguarded(source: &Source) -> Result<ReadSheet, SourceError> {
    match std::fs::metadata(&source.path) {
        Err(e) => return Err(source.open_error(e)),
        Ok(meta) if !meta.is_file() => {
            return Err(source.open_error(std::io::Error::other("it is not a file")));
        }
        Ok(_) => {}
    }
    let not_workbook = |reason| source.not_workbook(reason);
    check_inflated(source)?;
    check_compound_file(source)?;
    let named = source.options.sheet.as_ref().map(|(name, _)| name.as_str());
    let look = super::merges::Look::start(&source.path, named);
    let mut workbook = open_workbook_auto(&source.path).map_err(|e| not_workbook(e.into()))?;
    let names = workbook.sheet_names();
    let (name, sheet_span) = match &source.options.sheet {
        Some((name, span)) => (name.clone(), *span),
        None => match names.first() {
            Some(first) => (first.clone(), source.config.span),
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
    let limit = source.options.limits.cells;
    let too_many = || too_many_cells(source, &name, "cells with a value");
    let out_of_sheet = || {
        not_workbook(
            "the file is damaged: a cell lies past the last row (1048576) or column (XFD) a sheet can have"
                .into(),
        )
    };
    let mut merges_told = None;
    let grid = match &mut workbook {
        Sheets::Xlsx(xlsx) => {
            let grid = xlsx_grid(xlsx, &name, source, limit);
            merges_told = look.and_then(|look| look.told(&name));
            grid.map_err(|e| match e {
                GridError::Xlsx(e) => not_workbook(e.into()),
                GridError::TooManyCells => too_many(),
                GridError::OutOfSheet => out_of_sheet(),
            })?
        }
        other => {
            let range = other
                .worksheet_range(&name)
                .map_err(|e| not_workbook(e.into()))?;
            let (first_row, first_column) = range.start().unwrap_or((0, 0));
            let mut grid = Grid::default();
            for (count, (row, column, data)) in range.used_cells().enumerate() {
                if count as u64 >= limit {
                    return Err(too_many());
                }
                let (row, column) = (first_row + row as u32, first_column + column as u32);
                if !in_sheet(row, column) {
                    return Err(out_of_sheet());
                }
                grid.push(row, column, to_cell(data, source));
            }
            grid
        }
    };
    // Formats that cannot say which cells are merged (OpenDocument, xlsb) are read as they
    // are; a failed look is no reason to refuse the sheet.
    let merged = match &mut workbook {
        Sheets::Xlsx(_) if merges_told == Some(false) => Vec::new(),
        Sheets::Xlsx(xlsx) => xlsx.merge_cells_by_sheet_name(&name).unwrap_or_default(),
        Sheets::Xls(xls) => xls.merge_cells_by_sheet_name(&name).unwrap_or_default(),
        _ => Vec::new(),
    };
    Ok((name, grid, merged))
}

/// The first data row (0-based), the sheet's first column, and the header's text from there
/// to the sheet's last column (empty texts for a sheet without a header, `header_row: 0`).
fn header_cells(
    source: &Source,
    name: &str,
    grid: &Grid,
) -> Result<(u32, u32, Vec<String>), SourceError> {
    let header_row = source.header_row();
    let header_span = source
        .options
        .header_row
        .as_ref()
        .map_or(source.config.span, |h| h.1);
    let Some((start, end)) = grid.area() else {
        return Err(SourceError::HeaderPastEnd {
            path: source.display.clone(),
            sheet: name.to_string(),
            header_row,
            last: 0,
            src: source.config.src.clone(),
            span: header_span,
        });
    };
    if header_row == 0 {
        let width = (end.1 - start.1 + 1) as usize;
        return Ok((start.0, start.1, vec![String::new(); width]));
    }
    let header = header_row - 1;
    if header > end.0 {
        return Err(SourceError::HeaderPastEnd {
            path: source.display.clone(),
            sheet: name.to_string(),
            header_row,
            last: end.0 + 1,
            src: source.config.src.clone(),
            span: header_span,
        });
    }

    let raw = grid.row_texts(header, start.1..=end.1);
    if raw.iter().all(|h| h.trim().is_empty()) {
        return Err(SourceError::BlankHeader {
            path: source.display.clone(),
            sheet: name.to_string(),
            header_row,
            src: source.config.src.clone(),
            span: header_span,
        });
    }
    Ok((header + 1, start.1, raw))
}

/// The sheet's data columns, by their 0-based column and their name. A column with no
/// header and no values is layout, not data.
fn sheet_columns(
    source: &Source,
    name: &str,
    grid: &Grid,
    data_start: u32,
    first_column: u32,
    raw: &[String],
) -> Result<Vec<(u32, String)>, SourceError> {
    // A sheet without a header row names its columns by their letters, as the sheet shows
    // them (`A`, a SQL condition can name unquoted); a blank header in a header row is
    // `column A`.
    let headerless = source.header_row() == 0;
    let named = name_headers(raw, |i| {
        let letters = column_letters(first_column + i as u32);
        match headerless {
            true => letters,
            false => format!("column {letters}"),
        }
    });
    let mut columns = Vec::with_capacity(named.len());
    for (offset, column) in named.into_iter().enumerate() {
        let c = first_column + offset as u32;
        if is_reserved(&column) {
            return Err(SourceError::ReservedColumn {
                location: format!(
                    "{}:{}!{}{}",
                    source.display,
                    name,
                    column_letters(c),
                    data_start
                ),
                name: column,
            });
        }
        let blank = raw[offset].trim().is_empty()
            && grid
                .column(c)
                .iter()
                .all(|(row, cell)| *row < data_start || *cell == Cell::Null);
        if !blank {
            columns.push((c, column));
        }
    }
    Ok(columns)
}

pub(super) fn headers(source: &Source) -> Result<Vec<String>, SourceError> {
    let sheet = load(source)?;
    let names = sheet.columns.iter().map(|(_, n)| n.clone()).collect();
    source.loaded.keep(Kept::Located(sheet));
    Ok(names)
}

pub(super) fn read(source: &Source, progress: &dyn Progress) -> Result<Table, SourceError> {
    let task = progress.task(&format!("reading {}", source.id), None);
    let mut sheet = load(source)?;
    let start = sheet.data_start;
    // Blank rows separate blocks in hand-made sheets; they are not records.
    let last = sheet.grid.rows.map_or(start, |(_, last)| last + 1);
    let mut used = vec![false; last.saturating_sub(start) as usize];
    for (c, _) in &sheet.columns {
        for (row, cell) in sheet.grid.column(*c) {
            if *row >= start && *cell != Cell::Null {
                used[(row - start) as usize] = true;
            }
        }
    }
    let rows: Vec<u32> = (start..last)
        .filter(|row| used[(row - start) as usize])
        .collect();
    // The table is dense: a few cells scattered over many rows and columns make a large one.
    let table_cells = (rows.len() as u64).saturating_mul(sheet.columns.len() as u64);
    if table_cells > source.options.limits.cells {
        return Err(too_many_cells(
            source,
            &sheet.name,
            "rows × columns of its table",
        ));
    }
    // Each column laid out over those rows, and built, side by side.
    let sparse: Vec<(String, Vec<(u32, Cell)>)> = sheet
        .columns
        .iter()
        .map(|(c, name)| {
            let cells = sheet
                .grid
                .columns
                .get_mut(*c as usize)
                .map(std::mem::take)
                .unwrap_or_default();
            (name.clone(), cells)
        })
        .collect();
    let infer = source.options.infer_types;
    let built = sparse
        .into_par_iter()
        .map(|(name, cells)| {
            let mut dense = vec![Cell::Null; rows.len()];
            for (row, cell) in cells {
                if let Ok(at) = rows.binary_search(&row) {
                    dense[at] = cell;
                }
            }
            build_column(&name, dense, infer)
        })
        .flatten()
        .collect();

    let letters = sheet
        .columns
        .iter()
        .map(|(c, name)| (name.clone(), column_letters(*c)))
        .collect();
    let kind = OriginKind::Sheet {
        sheet: sheet.name.clone(),
        letters,
        merged: data_merges(&sheet).into(),
    };
    let rows = rows.into_iter().map(|r| u64::from(r) + 1).collect();
    let table = table(source, rows, built, kind);
    task.finish();
    table
}

/// The merged cells that cover data: below the header, over a column read.
fn data_merges(sheet: &Sheet) -> Vec<MergedCells> {
    let mut merges: Vec<MergedCells> = sheet
        .merged
        .iter()
        .filter(|m| m.end.0 >= sheet.data_start)
        .filter(|m| {
            let columns = m.start.1..=m.end.1;
            sheet.columns.iter().any(|(c, _)| columns.contains(c))
        })
        .map(|m| MergedCells {
            first: (m.start.0 + 1, m.start.1),
            last: (m.end.0 + 1, m.end.1),
        })
        .collect();
    merges.sort_by_key(|m| (m.first, m.last));
    merges
}

/// A cell of the other formats' sheets, read like an xlsx cell.
fn to_cell(data: &Data, source: &Source) -> Cell {
    let data = match data {
        Data::Empty => DataRef::Empty,
        Data::Int(i) => DataRef::Int(*i),
        Data::Float(f) => DataRef::Float(*f),
        Data::Bool(b) => DataRef::Bool(*b),
        Data::String(s) | Data::DurationIso(s) => DataRef::SharedString(s),
        Data::DateTime(dt) => DataRef::DateTime(*dt),
        Data::DateTimeIso(s) => DataRef::DateTimeIso(s.clone()),
        Data::Error(e) => DataRef::Error(e.clone()),
    };
    ref_cell(&data, source)
}

/// A cell as the xlsx parser hands it over, texts still in the shared strings.
fn ref_cell(data: &DataRef<'_>, source: &Source) -> Cell {
    match data {
        DataRef::Empty => Cell::Null,
        DataRef::Int(i) => Cell::Int(*i),
        DataRef::Float(f) => Cell::Float(*f),
        DataRef::Bool(b) => Cell::Bool(*b),
        DataRef::SharedString(s) => text_cell(s, source),
        DataRef::String(s) | DataRef::DurationIso(s) => text_cell(s, source),
        DataRef::DateTime(dt) if dt.is_datetime() => excel_datetime(dt),
        DataRef::DateTime(dt) => Cell::Float(dt.as_f64()),
        DataRef::DateTimeIso(s) => iso_cell(s).unwrap_or_else(|| text_cell(s, source)),
        // An error cell (#N/A, #DIV/0!) is kept as its text: a mapping reports it at its cell,
        // and a workspace can list it among its null sentinels.
        DataRef::Error(e) => text_cell(&e.to_string(), source),
    }
}

/// A cell styled as a date: its date and time, as Excel shows them. A serial that is no date
/// (negative, past 9999, or Excel's 1900-02-29, a day that never was) is kept as the text
/// Excel shows, which no date format reads: the mapping reports it at its cell.
fn excel_datetime(dt: &calamine::ExcelDateTime) -> Cell {
    let serial = dt.as_f64();
    if !(0.0..2_958_466.0).contains(&serial) {
        return Cell::Text(serial.to_string().into());
    }
    let (year, month, day, hour, minute, second, milli) = dt.to_ymd_hms_milli();
    let date = NaiveDate::from_ymd_opt(year.into(), month.into(), day.into());
    let time =
        NaiveTime::from_hms_milli_opt(hour.into(), minute.into(), second.into(), milli.into());
    match (date, time) {
        (Some(date), Some(time)) => datetime_cell(date.and_time(time)),
        _ => Cell::Text(format!("{year:04}-{month:02}-{day:02}").into()),
    }
}

fn text_cell(text: &str, source: &Source) -> Cell {
    if source.is_null_text(text) {
        Cell::Null
    } else {
        Cell::Text(polars::prelude::PlSmallStr::from_str(text))
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
