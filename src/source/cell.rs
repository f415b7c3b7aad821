//! One cell of a workbook read on its own: what a workbook declares once for the file (a
//! COBie facility's linear units), for a mapping to read when it is checked.

use super::cells::Cell;
use super::workbook::read_sheet;
use super::{Source, SourceFormat, parse_cell};

impl Source {
    /// The text of one cell of this source's workbook (`Facility!K2`, or `K2` on the
    /// source's own sheet), as a column of text would read it; None when it is blank.
    pub fn cell_text(&self, reference: &str) -> Result<Option<String>, String> {
        if self.format != SourceFormat::Workbook {
            return Err(format!(
                "source `{}` is not a workbook, so it has no cell `{reference}`",
                self.id
            ));
        }
        let (sheet, cell) = match reference.rsplit_once('!') {
            Some((sheet, cell)) => {
                let unquoted = sheet
                    .strip_prefix('\'')
                    .and_then(|s| s.strip_suffix('\''))
                    .map(|s| s.replace("''", "'"));
                (Some(unquoted.unwrap_or_else(|| sheet.to_string())), cell)
            }
            None => (None, reference),
        };
        let Some((row, column)) = parse_cell(cell.trim()) else {
            return Err(format!("`{reference}` is not a cell such as `Facility!K2`"));
        };
        let mut source = self.clone();
        if let Some(sheet) = sheet {
            source.options.sheet = Some((sheet, self.config.span));
        }
        let (_, grid, _) = read_sheet(&source).map_err(|e| crate::diag::with_causes(&e))?;
        Ok(grid
            .get(row.saturating_sub(1), column)
            .and_then(Cell::render)
            .map(|text| text.trim().to_string())
            .filter(|text| !text.is_empty()))
    }
}
