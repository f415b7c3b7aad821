//! A legacy `.xls` looked at before calamine reads it. calamine lays each sheet out as a
//! dense grid spanning its first and last cell, for every sheet at once, when the file is
//! opened: a damaged file with one cell at row 65,535 and column 65,535 asked for billions
//! of cells; and it reserves room for as many cells as a sheet's Dimensions record claims,
//! which a damaged file puts at a trillion. Here the workbook stream's records are scanned
//! for each sheet's extent first.

use std::io::Read;

/// The sheets' names and the number of cells in the area their cells span, as calamine will
/// lay them out; None when the stream cannot be read (calamine then says what is wrong).
pub(super) fn sheet_areas<F: Read + std::io::Seek>(
    file: &mut cfb::CompoundFile<F>,
) -> Option<Vec<(String, u64)>> {
    let name = ["Workbook", "Book"]
        .into_iter()
        .find(|n| file.is_stream(n))?;
    let mut stream = Vec::new();
    file.open_stream(name).ok()?.read_to_end(&mut stream).ok()?;
    let sheets = records(&stream, 0)
        .filter(|(kind, _)| *kind == BOUNDSHEET)
        .filter_map(|(_, data)| {
            let at = usize::try_from(u32::from_le_bytes(data.get(..4)?.try_into().ok()?)).ok()?;
            Some((sheet_name(data), area(&stream, at)))
        })
        .collect();
    Some(sheets)
}

const BOUNDSHEET: u16 = 0x0085;
const BOF: u16 = 0x0809;
const EOF: u16 = 0x000A;

/// The records from `at` on: (type, data), until the stream or a record ends short.
fn records(stream: &[u8], at: usize) -> impl Iterator<Item = (u16, &[u8])> {
    let mut rest = stream.get(at..).unwrap_or_default();
    std::iter::from_fn(move || {
        let kind = u16::from_le_bytes(rest.get(..2)?.try_into().ok()?);
        let len = usize::from(u16::from_le_bytes(rest.get(2..4)?.try_into().ok()?));
        let data = rest.get(4..4 + len)?;
        rest = &rest[4 + len..];
        Some((kind, data))
    })
}

/// The cells of the area spanned by the cell records of the sheet whose substream starts at
/// `at`, read the way calamine reads them (to the sheet's end-of-file record).
fn area(stream: &[u8], at: usize) -> u64 {
    let (mut rows, mut columns) = ((u16::MAX, 0u16), (u16::MAX, 0u16));
    let mut depth = 0usize;
    let mut claimed = 0u64;
    for (kind, data) in records(stream, at) {
        match kind {
            BOF => depth += 1,
            EOF if depth <= 1 => break,
            EOF => depth -= 1,
            DIMENSIONS => claimed = claimed.max(dimensions_area(data)),
            _ => {}
        }
        let Some((row, first, last)) = cell_position(kind, data) else {
            continue;
        };
        rows = (rows.0.min(row), rows.1.max(row));
        columns = (columns.0.min(first), columns.1.max(last));
    }
    if rows.0 > rows.1 {
        return claimed;
    }
    let span = |(low, high): (u16, u16)| u64::from(high.saturating_sub(low)) + 1;
    claimed.max(span(rows) * span(columns))
}

const DIMENSIONS: u16 = 0x0200;

/// The cells calamine reserves room for from a Dimensions record, computed as it does
/// (first and last row and column; a first row past the last wraps around).
fn dimensions_area(data: &[u8]) -> u64 {
    let u16_at = |at: usize| {
        data.get(at..at + 2)
            .map(|b| u32::from(u16::from_le_bytes([b[0], b[1]])))
    };
    let u32_at = |at: usize| {
        data.get(at..at + 4)
            .map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    };
    let read = match data.len() {
        10 => (u16_at(0), u16_at(2), u16_at(4), u16_at(6)),
        14 | 16 => (u32_at(0), u32_at(4), u16_at(8), u16_at(10)),
        _ => return 0,
    };
    let (Some(first_row), Some(last_row), Some(mut first_column), Some(last_column)) = read else {
        return 0;
    };
    if first_column > 0xFF || last_column < first_column {
        first_column = 0;
    }
    if last_row == 0 || last_column == 0 {
        return 1;
    }
    let rows = (last_row - 1).wrapping_sub(first_row).wrapping_add(1);
    let columns = (last_column - 1).wrapping_sub(first_column).wrapping_add(1);
    u64::from(rows).saturating_mul(u64::from(columns))
}

/// The row and the first and last column of a record that holds cells.
fn cell_position(kind: u16, data: &[u8]) -> Option<(u16, u16, u16)> {
    let u16_at = |at: usize| Some(u16::from_le_bytes(data.get(at..at + 2)?.try_into().ok()?));
    match kind {
        // Number, Label, RString, BoolErr, Rk, LabelSst, Formula
        0x0203 | 0x0204 | 0x00D6 | 0x0205 | 0x027E | 0x00FD | 0x0006 => {
            let column = u16_at(2)?;
            Some((u16_at(0)?, column, column))
        }
        // MulRk: the first column, then the last after the values
        0x00BD => Some((u16_at(0)?, u16_at(2)?, u16_at(data.len().checked_sub(2)?)?)),
        _ => None,
    }
}

/// A BoundSheet record's sheet name: a short string after the position, visibility and type.
fn sheet_name(data: &[u8]) -> String {
    let Some(&length) = data.get(6) else {
        return String::new();
    };
    let length = usize::from(length);
    match data.get(7) {
        // BIFF8: a flags byte; bit 0 says two bytes a character.
        Some(flags) if flags & 1 == 1 => {
            let units: Vec<u16> = data
                .get(8..8 + 2 * length)
                .unwrap_or_default()
                .chunks_exact(2)
                .map(|c| u16::from_le_bytes([c[0], c[1]]))
                .collect();
            String::from_utf16_lossy(&units)
        }
        Some(0) => String::from_utf8_lossy(data.get(8..8 + length).unwrap_or_default()).into(),
        _ => String::from_utf8_lossy(data.get(7..7 + length).unwrap_or_default()).into(),
    }
}
