//! Reports for people (aligned text tables, HTML) and machines (JSON, JUnit), built from
//! what a run did to each slice ([`SliceRun`]) and the slices' conformance.

pub mod conformance;
pub mod html;
pub mod text;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::checks::Conformance;
use crate::checks::digitalisation::ColumnLevel;
use crate::output::{self, Cause, OutputError};
use crate::quality::{Dimension, Tally, Thresholds};
use crate::slice::RowAccount;
use conformance::Report;

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

/// One slice's journey through a run: rows read, in the slice, things made, rows
/// quarantined, values failed.
#[derive(Debug, Serialize)]
pub struct SliceRun {
    #[serde(flatten)]
    pub account: SliceAccount,
    /// None for a slice without a mapping.
    pub things: Option<u64>,
    pub quarantined: Option<u64>,
    pub failed_values: Option<u64>,
    pub entities: Option<String>,
    pub triples: Option<u64>,
    /// Per dimension: checks made and passed. None for a slice without a mapping.
    pub conformance: Option<BTreeMap<Dimension, Tally>>,
    /// The thresholds that apply: the workspace's, overridden by the slice's own.
    #[serde(skip)]
    pub thresholds: Thresholds,
    /// The digitalisation level each slice column reached.
    #[serde(skip)]
    pub levels: Vec<ColumnLevel>,
}

/// Where a run's reports are.
pub struct ReportFiles {
    pub html: PathBuf,
    pub json: PathBuf,
    pub junit: PathBuf,
}

/// Writes a run's reports into the output folder: `failures/SLICE.csv` (every failed check,
/// located), `report.json`, `junit.xml` and `report.html`.
pub fn write(
    output_dir: &Path,
    report: &Report,
    conformances: &[Conformance],
) -> Result<ReportFiles, OutputError> {
    for c in conformances {
        let path = output_dir.join("failures").join(format!("{}.csv", c.slice));
        output::write_csv(&c.failures, &path)?;
    }
    let files = ReportFiles {
        html: output_dir.join("report.html"),
        json: output_dir.join("report.json"),
        junit: output_dir.join("junit.xml"),
    };
    let json = serde_json::to_string_pretty(report).map_err(|e| OutputError::Write {
        path: files.json.display().to_string(),
        source: Cause::Json(e),
    })?;
    output::write_text(&files.json, &format!("{json}\n"))?;
    output::write_text(&files.junit, &conformance::junit(report))?;
    output::write_text(&files.html, &html::html(report))?;
    Ok(files)
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
