//! Reports for people (aligned text tables, HTML) and machines (JSON, JUnit).

pub mod conformance;
pub mod html;

use serde::Serialize;

use crate::slice::RowAccount;

/// Text made safe inside XML and HTML elements and attribute values.
pub(crate) fn escape_markup(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&apos;")
}

/// A plain text table: a header, rows, columns padded to their widest cell. Numbers are
/// right-aligned so their digits line up.
#[derive(Debug, Default)]
pub struct TextTable {
    header: Vec<String>,
    right: Vec<bool>,
    rows: Vec<Vec<String>>,
}

impl TextTable {
    /// `columns`: each name and whether its cells are right-aligned.
    pub fn new(columns: &[(&str, bool)]) -> Self {
        Self {
            header: columns.iter().map(|(n, _)| n.to_string()).collect(),
            right: columns.iter().map(|(_, r)| *r).collect(),
            rows: Vec::new(),
        }
    }

    pub fn row(&mut self, cells: Vec<String>) {
        self.rows.push(cells);
    }

    pub fn render(&self) -> String {
        let widths: Vec<usize> = (0..self.header.len())
            .map(|i| {
                std::iter::once(&self.header)
                    .chain(&self.rows)
                    .map(|r| r.get(i).map_or(0, |c| c.chars().count()))
                    .max()
                    .unwrap_or(0)
            })
            .collect();
        let mut out = String::new();
        for row in std::iter::once(&self.header).chain(&self.rows) {
            let mut line = String::new();
            for (i, width) in widths.iter().enumerate() {
                let cell = row.get(i).map_or("", String::as_str);
                let pad = width - cell.chars().count();
                if i > 0 {
                    line.push_str("  ");
                }
                if self.right.get(i).copied().unwrap_or(false) {
                    line.push_str(&" ".repeat(pad));
                    line.push_str(cell);
                } else {
                    line.push_str(cell);
                    line.push_str(&" ".repeat(pad));
                }
            }
            out.push_str(line.trim_end());
            out.push('\n');
        }
        out
    }
}

/// One slice's row account, as the JSON reports write it.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct SliceAccount {
    pub slice: String,
    pub source: String,
    pub rows_read: u64,
    pub rows_in_slice: u64,
    pub rows_outside: u64,
    /// The slice's rows as written, relative to the workspace.
    pub output: Option<String>,
}

impl SliceAccount {
    pub fn new(slice: &str, source: &str, account: RowAccount, output: Option<String>) -> Self {
        Self {
            slice: slice.to_string(),
            source: source.to_string(),
            rows_read: account.read,
            rows_in_slice: account.in_slice,
            rows_outside: account.outside,
            output,
        }
    }
}

/// The row accounts of a slicing run as a table: `read = in slice + outside` per slice.
pub fn accounts_table(accounts: &[SliceAccount]) -> String {
    let mut table = TextTable::new(&[
        ("slice", false),
        ("source", false),
        ("read", true),
        ("in slice", true),
        ("outside", true),
        ("written to", false),
    ]);
    for a in accounts {
        table.row(vec![
            a.slice.clone(),
            a.source.clone(),
            a.rows_read.to_string(),
            a.rows_in_slice.to_string(),
            a.rows_outside.to_string(),
            a.output.clone().unwrap_or_default(),
        ]);
    }
    table.render()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tables_align_text_left_and_numbers_right() {
        let mut t = TextTable::new(&[("name", false), ("n", true)]);
        t.row(vec!["pumps".into(), "5".into()]);
        t.row(vec!["a".into(), "120".into()]);
        assert_eq!(t.render(), "name     n\npumps    5\na      120\n");
    }
}
