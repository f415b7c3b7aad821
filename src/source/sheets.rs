//! A look at a workbook before it is read: its sheets, and the first rows of one, for
//! `init` to find the header under the title lines. The sheet parsed stays parsed for the
//! read that follows.

use calamine::{Reader, open_workbook_auto};

use super::guard::guarded;
use super::limits::{check_compound_file, check_inflated};
use super::workbook::read_sheet;
use super::{Source, SourceError};

/// The sheet's first `rows` rows that hold a value: each row's 1-based number and its
/// cells' texts, from the sheet's first used column on. The sheet stays parsed for the read
/// that follows, whatever header row that read is given.
pub(super) fn peek(source: &Source, rows: usize) -> Result<Vec<(u64, Vec<String>)>, SourceError> {
    let read = read_sheet(source)?;
    let grid = &read.1;
    let mut peeked = Vec::new();
    if let Some((start, end)) = grid.area() {
        for row in start.0..=end.0 {
            if peeked.len() >= rows {
                break;
            }
            let cells = grid.row_texts(row, start.1..=end.1);
            if cells.iter().any(|c| !c.trim().is_empty()) {
                peeked.push((u64::from(row) + 1, cells));
            }
        }
    }
    source.loaded.keep_read(read);
    Ok(peeked)
}

/// The names of the workbook's sheets, in the workbook's order.
pub(super) fn sheet_names(source: &Source) -> Result<Vec<String>, SourceError> {
    let not_workbook = |reason| source.not_workbook(reason);
    guarded(|| {
        if let Err(e) = std::fs::metadata(&source.path) {
            return Err(source.open_error(e));
        }
        check_inflated(source)?;
        check_compound_file(source)?;
        let workbook = open_workbook_auto(&source.path).map_err(|e| not_workbook(e.into()))?;
        Ok(workbook.sheet_names())
    })
    .unwrap_or_else(|reason| {
        Err(not_workbook(
            format!("the file is damaged; the reader stopped: {reason}").into(),
        ))
    })
}
