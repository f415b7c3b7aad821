//! What a file looks like before it is read: a CSV file's encoding and delimiter, and where
//! a table's header sits under the title lines a person put above it.

use std::io::Read;
use std::path::Path;

use crate::source::Encoding;

/// How much of a CSV file is looked at to guess its shape.
const SNIFF_BYTES: u64 = 1 << 16;
/// How many rows from the top are looked at to find the header.
pub(super) const PEEK_ROWS: usize = 30;

/// A CSV file's shape, as guessed from its first bytes.
#[derive(Debug, Clone)]
pub(super) struct CsvShape {
    pub encoding: Encoding,
    pub delimiter: u8,
    /// The first rows, each with the line it starts on.
    pub rows: Vec<(u64, Vec<String>)>,
    /// Why the encoding and delimiter were chosen.
    pub why: String,
}

/// Guesses a CSV file's encoding (UTF-8 unless a byte says otherwise) and delimiter (the
/// one that cuts the first lines into the same number of fields, more than one).
pub(super) fn csv_shape(path: &Path) -> std::io::Result<CsvShape> {
    let mut head = Vec::new();
    std::fs::File::open(path)?
        .take(SNIFF_BYTES)
        .read_to_end(&mut head)?;
    let bytes = head.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(&head);
    // The whole file decides: a byte of Windows-1252 text can first come a million lines in.
    let not_utf8 = first_non_utf8(path)?;
    let (encoding, text) = match (not_utf8, std::str::from_utf8(bytes)) {
        (None, Ok(text)) => (Encoding::Utf8, text.to_string()),
        // Cut short at the end of what was read: still UTF-8.
        (None, Err(e)) => (
            Encoding::Utf8,
            String::from_utf8_lossy(&bytes[..e.valid_up_to()]).into_owned(),
        ),
        (Some(_), _) => (
            Encoding::Windows1252,
            encoding_rs::WINDOWS_1252.decode(bytes).0.into_owned(),
        ),
    };
    // The last line read may be cut short.
    let whole = match (head.len() as u64) < SNIFF_BYTES {
        true => text.as_str(),
        false => text.rfind('\n').map_or(text.as_str(), |end| &text[..end]),
    };
    let mut best: Option<(u8, usize, usize)> = None;
    for delimiter in [b',', b';', b'\t', b'|'] {
        let rows = records(whole, delimiter);
        let (width, count) = modal_width(&rows);
        let better = match best {
            None => true,
            Some((_, w, c)) => (width > 1, count, width) > (w > 1, c, w),
        };
        if better {
            best = Some((delimiter, width, count));
        }
    }
    let (delimiter, width, count) = best.unwrap_or((b',', 1, 0));
    let rows = records(whole, delimiter);
    let name = match delimiter {
        b'\t' => "tab".to_string(),
        d => format!("`{}`", d as char),
    };
    let why = match (not_utf8, width) {
        (Some((byte, line)), _) => format!(
            "not UTF-8 (byte 0x{byte:02X} on line {line}): read as Windows-1252; {name} cuts {count} of the first lines into {width} fields"
        ),
        (_, 1) => "UTF-8; no delimiter cuts the lines into fields: one column".to_string(),
        _ => format!("UTF-8; {name} cuts {count} of the first lines into {width} fields"),
    };
    Ok(CsvShape {
        encoding,
        delimiter: if width > 1 { delimiter } else { b',' },
        rows,
        why,
    })
}

/// Whether a text file is UTF-16, as Excel's "Unicode Text" writes it: it starts with a
/// UTF-16 byte-order mark.
pub(super) fn is_utf16(path: &Path) -> bool {
    let mut start = [0u8; 2];
    std::fs::File::open(path)
        .and_then(|mut f| f.read_exact(&mut start))
        .is_ok_and(|()| start == [0xFF, 0xFE] || start == [0xFE, 0xFF])
}

/// The first byte of a file that is not UTF-8, and its line; None for a UTF-8 file.
fn first_non_utf8(path: &Path) -> std::io::Result<Option<(u8, u64)>> {
    let mut file = std::io::BufReader::with_capacity(1 << 20, std::fs::File::open(path)?);
    let mut chunk = vec![0u8; 1 << 20];
    // Bytes of a character cut at the end of the last chunk, carried into the next.
    let mut carried: Vec<u8> = Vec::new();
    let mut lines = 1u64;
    loop {
        let read = file.read(&mut chunk)?;
        if read == 0 {
            return Ok(carried.first().map(|b| (*b, lines)));
        }
        carried.extend_from_slice(&chunk[..read]);
        match std::str::from_utf8(&carried) {
            Ok(_) => {
                lines += carried.iter().filter(|b| **b == b'\n').count() as u64;
                carried.clear();
            }
            Err(e) => {
                let valid = e.valid_up_to();
                lines += carried[..valid].iter().filter(|b| **b == b'\n').count() as u64;
                if e.error_len().is_some() {
                    return Ok(Some((carried[valid], lines)));
                }
                carried.drain(..valid);
            }
        }
    }
}

/// The first records of a text, each with the line it starts on.
fn records(text: &str, delimiter: u8) -> Vec<(u64, Vec<String>)> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(delimiter)
        .from_reader(text.as_bytes());
    let mut rows = Vec::new();
    for record in reader.records().take(PEEK_ROWS) {
        let Ok(record) = record else { break };
        // The line the record starts on, from its byte offset: the reader's own line count
        // has not yet counted the line break before it.
        let start = record
            .position()
            .map_or(0, |p| p.byte() as usize)
            .min(text.len());
        let skipped = text[start..].len() - text[start..].trim_start_matches(['\r', '\n']).len();
        let line = 1 + text[..start + skipped].matches('\n').count() as u64;
        let cells: Vec<String> = record.iter().map(str::to_string).collect();
        if cells.iter().any(|c| !c.trim().is_empty()) {
            rows.push((line, cells));
        }
    }
    rows
}

/// The most common number of fields (counting trailing empty ones) and how many rows have it.
fn modal_width(rows: &[(u64, Vec<String>)]) -> (usize, usize) {
    let mut counts = std::collections::BTreeMap::new();
    for (_, cells) in rows {
        *counts.entry(cells.len()).or_insert(0usize) += 1;
    }
    counts
        .into_iter()
        .max_by_key(|(width, count)| (*count, *width))
        .unwrap_or((1, 0))
}

/// Where the header is: the first row filled at least half as wide as the widest row, whose
/// filled cells are all distinct words (not numbers or dates). Title lines above it are
/// narrower; data rows below hold numbers and dates. None: no row looks like a header.
pub(super) fn header_row(rows: &[(u64, Vec<String>)]) -> Option<(u64, String)> {
    let filled = |cells: &[String]| cells.iter().filter(|c| !c.trim().is_empty()).count();
    let widest = rows.iter().map(|(_, c)| filled(c)).max()?;
    let wanted = widest.div_ceil(2).max(1);
    let (at, (row, cells)) = rows.iter().enumerate().find(|(_, (_, cells))| {
        let texts: Vec<&str> = cells
            .iter()
            .map(|c| c.trim())
            .filter(|c| !c.is_empty())
            .collect();
        // Names, mostly distinct (a repeated name is read as `Type (2)`); years may head
        // columns of a table by year.
        let distinct: std::collections::BTreeSet<&str> = texts.iter().copied().collect();
        texts.len() >= wanted
            && distinct.len() * 2 >= texts.len()
            && texts.iter().all(|t| is_word(t) || is_year(t))
            && texts.iter().any(|t| is_word(t))
    })?;
    let above = match at {
        0 => String::new(),
        1 => ", under a title line".to_string(),
        n => format!(", under {n} title lines"),
    };
    Some((
        *row,
        format!(
            "the first row with {} of {widest} cells filled, all names{above}",
            filled(cells)
        ),
    ))
}

/// Whether a cell reads as a name rather than a value: it holds a letter, is not a date,
/// and is short (a sentence of notes is no column's name).
fn is_word(text: &str) -> bool {
    text.chars().any(char::is_alphabetic)
        && text.chars().count() <= 80
        && super::values::date_formats_of(text).is_empty()
}

/// A year heading a column: `2023`.
fn is_year(text: &str) -> bool {
    text.len() == 4
        && text
            .parse::<u16>()
            .is_ok_and(|y| (1800..=2200).contains(&y))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rows(lines: &[&[&str]]) -> Vec<(u64, Vec<String>)> {
        lines
            .iter()
            .enumerate()
            .map(|(i, cells)| (i as u64 + 1, cells.iter().map(|c| c.to_string()).collect()))
            .collect()
    }

    #[test]
    fn the_header_is_found_under_title_lines() {
        let found = header_row(&rows(&[
            &["Riverbend Water asset register", "", ""],
            &["Exported 01/11/2026", "", ""],
            &["Asset ID", "Power (kW)", "Installed"],
            &["WA-1", "207", "01/02/2003"],
        ]));
        assert_eq!(found.map(|f| f.0), Some(3));
    }

    #[test]
    fn numbers_and_dates_are_no_header() {
        let found = header_row(&rows(&[&["12", "2003-01-02"], &["13", "2004-01-02"]]));
        assert_eq!(found, None);
        let one = header_row(&rows(&[&["Name"], &["Ashford"]]));
        assert_eq!(one.map(|f| f.0), Some(1));
        let repeated = header_row(&rows(&[
            &["Asset", "Type", "Type", "Site"],
            &["P1", "PMP", "x", "S1"],
        ]));
        assert_eq!(repeated.map(|f| f.0), Some(1));
        let years = header_row(&rows(&[&["Asset", "2021", "2022"], &["P1", "3", "4"]]));
        assert_eq!(years.map(|f| f.0), Some(1));
    }
}
