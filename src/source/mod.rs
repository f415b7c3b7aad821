//! Sources: the datasets a workspace reads. Each reader yields a polars frame whose rows keep
//! their origin (file and line, sheet and row, or Parquet row), in the [`ROW_COLUMN`] column.

mod cell;
mod cells;
mod csv;
mod error;
mod guard;
mod limits;
mod merges;
mod parquet;
mod sheets;
mod workbook;
mod xls;

pub use error::SourceError;

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use miette::SourceSpan;
use polars::prelude::*;
use serde::Deserialize;

use crate::columns::{DATA_ROW, ROW_COLUMN, data_columns, text_of};
use crate::diag::ConfigSpan;
use crate::progress::Progress;

/// How many rows a source read in batches hands over at a time.
pub const BATCH_ROWS: usize = 1 << 18;

/// Which reader a source needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SourceFormat {
    Csv,
    /// Excel (`.xlsx`, `.xlsm`, `.xlsb`, `.xls`) and OpenDocument (`.ods`), through calamine.
    Workbook,
    Parquet,
}

impl SourceFormat {
    pub fn from_path(path: &Path) -> Option<Self> {
        let ext = path.extension()?.to_str()?.to_ascii_lowercase();
        match ext.as_str() {
            "csv" | "tsv" | "txt" => Some(Self::Csv),
            "xlsx" | "xlsm" | "xlsb" | "xls" | "ods" => Some(Self::Workbook),
            "parquet" | "pq" => Some(Self::Parquet),
            _ => None,
        }
    }
}

impl fmt::Display for SourceFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Csv => "a CSV file",
            Self::Workbook => "a workbook",
            Self::Parquet => "a Parquet file",
        })
    }
}

/// Text encodings a CSV file may be in. A UTF-8 byte-order mark is accepted either way.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
pub enum Encoding {
    #[default]
    #[serde(rename = "utf-8", alias = "utf8", alias = "UTF-8")]
    Utf8,
    #[serde(
        rename = "windows-1252",
        alias = "cp1252",
        alias = "latin1",
        alias = "iso-8859-1"
    )]
    Windows1252,
}

/// One of N parts of every source, for a run spread over machines (`run --shard K/N`): a
/// CSV file's K-th byte range, cut at record boundaries; a Parquet file's K-th range of rows;
/// a workbook whole in part 1 (a sheet is not cut).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Part {
    /// 1-based.
    pub index: u32,
    pub count: u32,
}

impl Part {
    /// Where part `index` of `0..len` starts (`index - 1`) or ends (`index`).
    pub fn bound(&self, index: u32, len: u64) -> u64 {
        let scaled = u128::from(len) * u128::from(index) / u128::from(self.count.max(1));
        u64::try_from(scaled).unwrap_or(len)
    }
}

/// Reader options, resolved from `thinslice.yaml` with their defaults.
#[derive(Debug, Clone)]
pub struct SourceOptions {
    /// Workbooks: the sheet and where it is named in `thinslice.yaml`. None: the first sheet.
    pub sheet: Option<(String, SourceSpan)>,
    /// 1-based line (CSV) or row (workbook) of the header, and where it is set.
    pub header_row: Option<(u32, SourceSpan)>,
    pub delimiter: u8,
    pub quote: u8,
    pub encoding: Encoding,
    /// Cell texts that mean "no value", compared after trimming.
    pub nulls: Vec<String>,
    pub whitespace_is_null: bool,
    /// Whether text columns whose every value is a number become numeric columns.
    pub infer_types: bool,
    /// Workbooks: how large a sheet may be.
    pub limits: SheetLimits,
}

/// How large a workbook sheet may be before it is refused, with a message, instead of
/// taking all the memory: a sheet is held in memory whole while it is read (about 40 bytes
/// a cell, plus its text), and a workbook is a zip file whose parts can inflate a
/// thousandfold.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SheetLimits {
    /// Cells with a value, and cells of the table the sheet makes (rows × columns).
    pub cells: u64,
    /// Bytes any one part of the workbook (a sheet, the shared texts) inflates to.
    pub inflated_bytes: u64,
}

impl Default for SheetLimits {
    fn default() -> Self {
        Self {
            cells: 20_000_000,
            inflated_bytes: 2048 << 20,
        }
    }
}

/// A declared source.
#[derive(Debug, Clone)]
pub struct Source {
    pub id: String,
    pub path: PathBuf,
    /// The path as written in `thinslice.yaml`, for messages.
    pub display: String,
    /// The object's URL when the source is on object storage (`s3://...`); `path` is then
    /// where it is fetched to.
    pub remote: Option<String>,
    /// The part of the source this run reads, when the run is one shard of many.
    pub part: Option<Part>,
    pub format: SourceFormat,
    pub options: SourceOptions,
    pub config: ConfigSpan,
    /// A workbook sheet parsed for its headers, kept for the read that follows.
    pub(crate) loaded: workbook::Loaded,
}

impl Source {
    /// The 1-based header row, defaulting to the first.
    pub fn header_row(&self) -> u32 {
        self.options.header_row.as_ref().map_or(1, |h| h.0)
    }

    /// Reads the column names only: enough to check slices and mappings before data is read.
    pub fn headers(&self) -> Result<Vec<String>, SourceError> {
        match self.format {
            SourceFormat::Csv => csv::headers(self),
            SourceFormat::Workbook => workbook::headers(self),
            SourceFormat::Parquet => parquet::headers(self),
        }
    }

    /// The first `rows` rows of a workbook sheet that hold a value, as texts, each with its
    /// 1-based sheet row: what a person sees above and below the header. The sheet stays
    /// parsed for the next read of this source, or of one that [`Source::shares_read`] it.
    /// Other formats peek at nothing.
    pub fn peek(&self, rows: usize) -> Result<Vec<(u64, Vec<String>)>, SourceError> {
        match self.format {
            SourceFormat::Workbook => sheets::peek(self, rows),
            SourceFormat::Csv | SourceFormat::Parquet => Ok(Vec::new()),
        }
    }

    /// A workbook's sheets, in order (none for other formats).
    pub fn sheet_names(&self) -> Result<Vec<String>, SourceError> {
        match self.format {
            SourceFormat::Workbook => sheets::sheet_names(self),
            SourceFormat::Csv | SourceFormat::Parquet => Ok(Vec::new()),
        }
    }

    /// Reads next what `peeked` (the same file and sheet) parsed, instead of parsing it again.
    pub fn shares_read(&mut self, peeked: &Source) {
        self.loaded = peeked.loaded.clone();
    }

    /// This source, keeping its own copy of the sheet peeked at: a second read of the same
    /// sheet (after the first has used its copy up) without parsing the workbook again.
    pub fn forked(&self) -> Source {
        Source {
            loaded: self.loaded.fork(),
            ..self.clone()
        }
    }

    /// Reads the source, in one table; of its columns, only those named in `wanted` (all
    /// when None).
    pub fn read(
        &self,
        wanted: Option<&[String]>,
        progress: &dyn Progress,
    ) -> Result<Table, SourceError> {
        let mut whole = None;
        self.read_in(wanted, None, progress, &mut |table| {
            whole = Some(table);
            Ok::<(), SourceError>(())
        })?;
        whole.ok_or_else(|| self.frame_error(polars_err!(NoData: "the reader produced no table")))
    }

    /// Reads the source in tables of at most `batch_rows` rows where it can (CSV, Parquet; a
    /// CSV source with type inference is read through once more first, for its types), else
    /// in one table (a workbook sheet), handing each to `each`.
    pub fn read_batches<E: From<SourceError>>(
        &self,
        wanted: Option<&[String]>,
        batch_rows: usize,
        progress: &dyn Progress,
        each: &mut dyn FnMut(Table) -> Result<(), E>,
    ) -> Result<(), E> {
        self.read_in(wanted, Some(batch_rows.max(1)), progress, each)
    }

    /// A CSV source read as [`Source::read_batches`] does, but parsed in chunks of
    /// `chunk_bytes`: fuzzing holds the chunked read to the whole one.
    #[cfg(feature = "fuzz")]
    pub(crate) fn read_csv_chunked<E: From<SourceError>>(
        &self,
        batch_rows: usize,
        chunk_bytes: usize,
        each: &mut dyn FnMut(Table) -> Result<(), E>,
    ) -> Result<(), E> {
        let silent = crate::progress::Silent;
        csv::read_in_chunks(self, None, Some(batch_rows), chunk_bytes, &silent, each)
    }

    /// Reads the source in tables of at most `batch` rows (CSV and Parquet; workbooks and
    /// None: one table).
    fn read_in<E: From<SourceError>>(
        &self,
        wanted: Option<&[String]>,
        batch: Option<usize>,
        progress: &dyn Progress,
        each: &mut dyn FnMut(Table) -> Result<(), E>,
    ) -> Result<(), E> {
        let mut table = match self.format {
            SourceFormat::Csv => return csv::read(self, wanted, batch, progress, each),
            SourceFormat::Workbook => {
                let mut whole = workbook::read(self, progress)?;
                // A sheet is not cut: it is part 1's, whole; the other parts have its
                // columns and none of its rows.
                if self.part.is_some_and(|p| p.index != 1) {
                    whole.frame = whole.frame.head(Some(0));
                }
                whole
            }
            SourceFormat::Parquet => return parquet::read(self, wanted, batch, progress, each),
        };
        if let Some(wanted) = wanted {
            let schema = table.frame.schema().clone();
            let names: Vec<String> = std::iter::once(ROW_COLUMN.to_string())
                .chain(
                    table
                        .columns()
                        .into_iter()
                        .filter(|c| wanted.contains(c))
                        .flat_map(|c| {
                            let written = text_of(&c);
                            let has_text = schema.contains(&written);
                            std::iter::once(c).chain(has_text.then_some(written))
                        }),
                )
                .collect();
            table.frame = table.frame.select(names).map_err(|e| self.frame_error(e))?;
        }
        each(table)
    }

    /// Whether a text cell is a null by this source's rules.
    pub(crate) fn is_null_text(&self, text: &str) -> bool {
        let trimmed = trim(text);
        (self.options.whitespace_is_null && trimmed.is_empty())
            || self.options.nulls.iter().any(|n| n == trimmed || n == text)
    }

    /// A polars failure while building or querying this source's frame.
    pub(crate) fn frame_error(&self, source: PolarsError) -> SourceError {
        SourceError::Frame {
            id: self.id.clone(),
            path: self.display.clone(),
            source,
        }
    }

    /// The file is no workbook calamine can read, and why.
    fn not_workbook(&self, reason: Box<dyn std::error::Error + Send + Sync>) -> SourceError {
        SourceError::NotWorkbook {
            path: self.display.clone(),
            source: reason,
            src: self.config.src.clone(),
            span: self.config.span,
        }
    }

    fn open_error(&self, source: std::io::Error) -> SourceError {
        SourceError::Open {
            id: self.id.clone(),
            path: self.display.clone(),
            source,
            src: self.config.src.clone(),
            span: self.config.span,
        }
    }
}

/// A source read into memory.
#[derive(Debug, Clone)]
pub struct Table {
    /// [`ROW_COLUMN`] first, then the source's columns in their order.
    pub frame: DataFrame,
    pub origin: Origin,
}

impl Table {
    /// Numbers the rows of this batch among the source's data rows, from `next` on (1 for a
    /// source's first batch), in [`DATA_ROW`].
    pub fn number_rows(&mut self, next: &mut u64) -> PolarsResult<()> {
        let height = self.frame.height() as u64;
        // A part of a source is numbered by its reader, which knows where the part starts.
        if self.frame.schema().contains(DATA_ROW) {
            *next += height;
            return Ok(());
        }
        let rows: Vec<u64> = (*next..*next + height).collect();
        self.frame.with_column(Column::new(DATA_ROW.into(), rows))?;
        *next += height;
        Ok(())
    }

    /// The source's column names, without [`ROW_COLUMN`].
    pub fn columns(&self) -> Vec<String> {
        data_columns(&self.frame)
    }
}

/// How to say where a row or a value came from.
#[derive(Debug, Clone, PartialEq)]
pub struct Origin {
    /// The file as written in `thinslice.yaml`.
    pub file: String,
    pub kind: OriginKind,
}

#[derive(Debug, Clone, PartialEq)]
pub enum OriginKind {
    /// Rows are lines of a text file.
    Lines,
    /// Rows are rows of a sheet; each column sits in a sheet column, named by its letters.
    Sheet {
        sheet: String,
        letters: Vec<(String, String)>,
        /// Merged cells over the sheet's data: the cells they cover read as blank.
        merged: Arc<[MergedCells]>,
    },
    /// Rows are numbered from 1 in file order.
    Rows,
}

impl Origin {
    /// Where a whole row came from: `file.csv:12`, `book.xlsx:Assets!A17:I17`, `file.parquet:5`.
    pub fn row(&self, row: u64) -> String {
        match &self.kind {
            OriginKind::Sheet { sheet, letters, .. } => {
                let first = letters.first().map_or("A", |l| l.1.as_str());
                let last = letters.last().map_or("A", |l| l.1.as_str());
                format!(
                    "{}:{}!{first}{row}:{last}{row}",
                    self.file,
                    sheet_ref(sheet)
                )
            }
            OriginKind::Lines | OriginKind::Rows => format!("{}:{row}", self.file),
        }
    }

    /// Where one value came from: `book.xlsx:Assets!D17` for a workbook cell, otherwise the
    /// row's origin (a CSV value is located by its line and its column name).
    pub fn cell(&self, row: u64, column: &str) -> String {
        match &self.kind {
            OriginKind::Sheet { sheet, letters, .. } => {
                match letters.iter().find(|(name, _)| name == column) {
                    Some((_, letter)) => {
                        format!("{}:{}!{letter}{row}", self.file, sheet_ref(sheet))
                    }
                    None => self.row(row),
                }
            }
            OriginKind::Lines | OriginKind::Rows => self.row(row),
        }
    }

    /// Why the value at `origin` (as [`Origin::cell`] writes it) reads as blank, when merged
    /// cells cover it.
    pub fn merged_at(&self, origin: &str) -> Option<String> {
        let OriginKind::Sheet { merged, .. } = &self.kind else {
            return None;
        };
        if merged.is_empty() {
            return None;
        }
        let cell = parse_cell(&origin[origin.rfind('!')? + 1..])?;
        merged
            .iter()
            .find(|m| m.covers(cell))
            .map(|m| m.explain(cell))
    }

    /// The place of a value within its file: `Assets!D17`, `line 12`, `row 5`.
    pub fn locator(&self, row: u64, column: &str) -> String {
        match &self.kind {
            OriginKind::Sheet { sheet, letters, .. } => {
                match letters.iter().find(|(n, _)| n == column) {
                    Some((_, letter)) => format!("{}!{letter}{row}", sheet_ref(sheet)),
                    None => format!("{} row {row}", sheet_ref(sheet)),
                }
            }
            OriginKind::Lines => format!("line {row}"),
            OriginKind::Rows => format!("row {row}"),
        }
    }

    /// A polars expression giving the origin of each row's value in `column`, as
    /// [`Origin::cell`] writes it.
    pub fn cell_expr(&self, column: &str) -> Expr {
        match &self.kind {
            OriginKind::Sheet { sheet, letters, .. } => {
                match letters.iter().find(|(name, _)| name == column) {
                    Some((_, letter)) => concat_str(
                        [
                            lit(format!("{}:{}!{letter}", self.file, sheet_ref(sheet))),
                            col(ROW_COLUMN).cast(DataType::String),
                        ],
                        "",
                        false,
                    ),
                    None => self.row_expr(),
                }
            }
            OriginKind::Lines | OriginKind::Rows => self.row_expr(),
        }
    }

    /// A polars expression giving each row's origin as [`Origin::row`] writes it, computed
    /// from [`ROW_COLUMN`] without a per-row loop.
    pub fn row_expr(&self) -> Expr {
        let row = col(ROW_COLUMN).cast(DataType::String);
        match &self.kind {
            OriginKind::Sheet { sheet, letters, .. } => {
                let first = letters.first().map_or("A", |l| l.1.as_str());
                let last = letters.last().map_or("A", |l| l.1.as_str());
                concat_str(
                    [
                        lit(format!("{}:{}!{first}", self.file, sheet_ref(sheet))),
                        row.clone(),
                        lit(format!(":{last}")),
                        row,
                    ],
                    "",
                    false,
                )
            }
            OriginKind::Lines | OriginKind::Rows => {
                concat_str([lit(format!("{}:", self.file)), row], "", false)
            }
        }
    }
}

/// Cells merged into one in a sheet. Only the first (top-left) holds the value; the others
/// read as blank, which a hand-made sheet rarely means. Rows 1-based, columns 0-based.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MergedCells {
    pub first: (u32, u32),
    pub last: (u32, u32),
}

impl MergedCells {
    /// The range as a sheet writes it: `B5:C9`.
    pub fn range(&self) -> String {
        format!("{}:{}", cell_name(self.first), cell_name(self.last))
    }

    /// Whether the cell at `row`, `column` is one of those read as blank.
    pub fn covers(&self, (row, column): (u32, u32)) -> bool {
        (self.first.0..=self.last.0).contains(&row)
            && (self.first.1..=self.last.1).contains(&column)
            && (row, column) != self.first
    }

    /// What a failure at `cell` says of it: why the cell is blank.
    pub fn explain(&self, cell: (u32, u32)) -> String {
        format!(
            "{} is in merged cells {}, read as blank: only {} holds their value",
            cell_name(cell),
            self.range(),
            cell_name(self.first)
        )
    }
}

/// A cell's name: `D34` for row 34, column 3.
fn cell_name((row, column): (u32, u32)) -> String {
    format!("{}{row}", column_letters(column))
}

/// The row (1-based) and column (0-based) a cell name such as `D34` names.
fn parse_cell(name: &str) -> Option<(u32, u32)> {
    let digits = name.find(|c: char| c.is_ascii_digit())?;
    let (letters, row) = name.split_at(digits);
    if letters.is_empty() || !letters.chars().all(|c| c.is_ascii_uppercase()) {
        return None;
    }
    let column = letters.bytes().try_fold(0u32, |n, b| {
        n.checked_mul(26)?.checked_add(u32::from(b - b'A') + 1)
    })?;
    Some((row.parse().ok()?, column.checked_sub(1)?))
}

/// A sheet name as Excel writes it in a reference: quoted when it holds anything but letters,
/// digits and underscores.
fn sheet_ref(sheet: &str) -> String {
    if sheet.chars().all(|c| c.is_alphanumeric() || c == '_') {
        sheet.to_string()
    } else {
        format!("'{}'", sheet.replace('\'', "''"))
    }
}

/// Spreadsheet column letters for a 0-based column index: 0 → A, 25 → Z, 26 → AA.
pub fn column_letters(index: u32) -> String {
    let mut n = index as u64 + 1;
    let mut letters = Vec::new();
    while n > 0 {
        let rem = ((n - 1) % 26) as u8;
        letters.push(b'A' + rem);
        n = (n - 1) / 26;
    }
    letters.reverse();
    String::from_utf8(letters).unwrap_or_default()
}

/// `text.trim()`, quickly for the many values that neither start nor end with white space:
/// they are their own trimmed text, and the Unicode-aware trim (a tenth of reading a
/// workbook, once per cell) is skipped.
fn trim(text: &str) -> &str {
    match is_trimmed(text) {
        true => text,
        false => text.trim(),
    }
}

/// Whether `text` neither starts nor ends with white space (as `str::trim` sees it).
pub(crate) fn is_trimmed(text: &str) -> bool {
    // An ASCII byte that is no white space (tab, line feed, vertical tab, form feed,
    // carriage return, space) settles its end without decoding a character.
    let plain = |byte: u8| byte.is_ascii() && byte != b' ' && !(0x09..=0x0D).contains(&byte);
    let (Some(&first), Some(&last)) = (text.as_bytes().first(), text.as_bytes().last()) else {
        return true;
    };
    let starts = plain(first) || !text.starts_with(char::is_whitespace);
    starts && (plain(last) || !text.ends_with(char::is_whitespace))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_quick_trim_is_the_trim() {
        let ends = (0u32..0x3100).filter_map(char::from_u32);
        for end in ends {
            for text in [
                format!("{end}"),
                format!("{end}x"),
                format!("x{end}"),
                format!("{end}N/A{end}"),
                format!("a{end}b"),
            ] {
                assert_eq!(trim(&text), text.trim(), "{:?}", text);
                assert_eq!(is_trimmed(&text), text.trim() == text, "{:?}", text);
            }
        }
        assert_eq!(trim(""), "");
    }

    #[test]
    fn column_letters_follow_the_spreadsheet_convention() {
        assert_eq!(column_letters(0), "A");
        assert_eq!(column_letters(3), "D");
        assert_eq!(column_letters(25), "Z");
        assert_eq!(column_letters(26), "AA");
        assert_eq!(column_letters(701), "ZZ");
        assert_eq!(column_letters(702), "AAA");
    }

    #[test]
    fn origins_name_lines_rows_and_cells() {
        let sheet = Origin {
            file: "book.xlsx".into(),
            kind: OriginKind::Sheet {
                sheet: "Assets".into(),
                letters: vec![
                    ("Asset ID".into(), "B".into()),
                    ("Power".into(), "D".into()),
                ],
                merged: Arc::from([]),
            },
        };
        assert_eq!(sheet.row(17), "book.xlsx:Assets!B17:D17");
        assert_eq!(sheet.cell(17, "Power"), "book.xlsx:Assets!D17");
        let spaced = Origin {
            file: "b.ods".into(),
            kind: OriginKind::Sheet {
                sheet: "Site list".into(),
                letters: vec![("A".into(), "A".into())],
                merged: Arc::from([]),
            },
        };
        assert_eq!(spaced.cell(3, "A"), "b.ods:'Site list'!A3");
        let lines = Origin {
            file: "s.csv".into(),
            kind: OriginKind::Lines,
        };
        assert_eq!(lines.cell(12, "Name"), "s.csv:12");
    }

    #[test]
    fn merged_cells_cover_all_but_their_first() {
        assert_eq!(parse_cell("D34"), Some((34, 3)));
        assert_eq!(parse_cell("AA1"), Some((1, 26)));
        assert_eq!(parse_cell("A17:I17"), None);
        assert_eq!(parse_cell("34"), None);
        let merged = MergedCells {
            first: (30, 3),
            last: (34, 4),
        };
        assert_eq!(merged.range(), "D30:E34");
        assert!(merged.covers((34, 4)) && merged.covers((31, 3)));
        assert!(!merged.covers((30, 3)) && !merged.covers((35, 3)));
        assert_eq!(
            merged.explain((31, 3)),
            "D31 is in merged cells D30:E34, read as blank: only D30 holds their value"
        );
    }
}
