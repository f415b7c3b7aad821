//! Delimited text files: any delimiter and quote, UTF-8 (with or without a byte-order mark)
//! or Windows-1252, a header on any line, null sentinels. A row's origin is its first line.

use std::borrow::Cow;
use std::fs::File;
use std::io::Read;

use super::columns::{TextColumn, is_reserved, name_headers, table};
use super::{Encoding, OriginKind, Source, SourceError, Table};
use crate::progress::Progress;

const BOM: &[u8] = b"\xEF\xBB\xBF";

/// Line numbers of records. The csv crate's own positions lag behind (they point before the
/// previous record's line terminator and any blank lines), so a record's first line is
/// found from the bytes: skip terminators from the reported offset, count newlines before.
struct Lines<'a> {
    bytes: &'a [u8],
    counted_to: usize,
    newlines: u64,
}

impl<'a> Lines<'a> {
    fn new(bytes: &'a [u8]) -> Self {
        Self {
            bytes,
            counted_to: 0,
            newlines: 0,
        }
    }

    /// The 1-based line on which the record reported at `offset` starts. Offsets must not
    /// decrease between calls.
    fn line_of(&mut self, offset: u64) -> u64 {
        let mut start = usize::try_from(offset)
            .unwrap_or(usize::MAX)
            .min(self.bytes.len());
        while start < self.bytes.len() && matches!(self.bytes[start], b'\r' | b'\n') {
            start += 1;
        }
        if start > self.counted_to {
            let newlines = self.bytes[self.counted_to..start]
                .iter()
                .filter(|b| **b == b'\n')
                .count();
            self.newlines += newlines as u64;
            self.counted_to = start;
        }
        self.newlines + 1
    }

    fn total(&self) -> u64 {
        let newlines = self.bytes.iter().filter(|b| **b == b'\n').count() as u64;
        if self.bytes.last() == Some(&b'\n') {
            newlines
        } else {
            newlines + 1
        }
    }
}

/// A CSV file's bytes, without a UTF-8 byte-order mark.
fn load_bytes(source: &Source, limit: Option<u64>) -> Result<(Vec<u8>, bool), SourceError> {
    let file = File::open(&source.path).map_err(|e| source.open_error(e.to_string()))?;
    let size = file.metadata().map(|m| m.len()).unwrap_or(0);
    if size == 0 {
        return Err(empty_error(source));
    }
    let wanted = limit.map_or(size, |l| l.min(size));
    let mut bytes = Vec::with_capacity(usize::try_from(wanted).unwrap_or(0));
    file.take(wanted)
        .read_to_end(&mut bytes)
        .map_err(|e| source.open_error(e.to_string()))?;
    if bytes.starts_with(BOM) {
        bytes.drain(..BOM.len());
    }
    Ok((bytes, wanted < size))
}

/// A CSV reader positioned after the header, and the header.
struct Scan<'a> {
    source: &'a Source,
    reader: ::csv::Reader<&'a [u8]>,
    lines: Lines<'a>,
    header_line: u64,
    headers: Vec<String>,
}

impl<'a> Scan<'a> {
    fn open(source: &'a Source, bytes: &'a [u8]) -> Result<Self, SourceError> {
        if bytes.iter().all(u8::is_ascii_whitespace) {
            return Err(empty_error(source));
        }
        let reader = ::csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .delimiter(source.options.delimiter)
            .quote(source.options.quote)
            .from_reader(bytes);
        let mut scan = Self {
            source,
            reader,
            lines: Lines::new(bytes),
            header_line: 0,
            headers: Vec::new(),
        };
        scan.find_header()?;
        Ok(scan)
    }

    /// The next record and the line it starts on.
    fn next(&mut self, record: &mut ::csv::ByteRecord) -> Result<Option<u64>, SourceError> {
        let more = self
            .reader
            .read_byte_record(record)
            .map_err(|e| csv_error(self.source, &e))?;
        if !more {
            return Ok(None);
        }
        let offset = record.position().map_or(0, |p| p.byte());
        Ok(Some(self.lines.line_of(offset)))
    }

    fn find_header(&mut self) -> Result<(), SourceError> {
        let wanted = u64::from(self.source.header_row());
        let mut record = ::csv::ByteRecord::new();
        loop {
            let Some(line) = self.next(&mut record)? else {
                return Err(self.no_header_line());
            };
            if line < wanted {
                continue;
            }
            if line > wanted {
                return Err(self.no_header_line());
            }
            let mut raw = Vec::with_capacity(record.len());
            for (index, field) in record.iter().enumerate() {
                raw.push(self.decode(field, line, index)?.into_owned());
            }
            // Trailing empty header cells come from trailing delimiters, not columns.
            while raw.last().is_some_and(|h| h.trim().is_empty()) && raw.len() > 1 {
                raw.pop();
            }
            self.headers = name_headers(&raw, |i| format!("column {}", i + 1));
            if let Some(reserved) = self.headers.iter().find(|h| is_reserved(h)) {
                return Err(SourceError::ReservedColumn {
                    location: format!("{}:{line}", self.source.display),
                    name: reserved.clone(),
                });
            }
            self.header_line = line;
            return Ok(());
        }
    }

    fn no_header_line(&self) -> SourceError {
        let (header_row, span) = self
            .source
            .options
            .header_row
            .unwrap_or((1, self.source.config.path));
        SourceError::NoHeaderLine {
            path: self.source.display.clone(),
            header_row,
            last: self.lines.total(),
            src: self.source.config.src.clone(),
            span,
        }
    }

    fn decode<'b>(
        &self,
        field: &'b [u8],
        line: u64,
        index: usize,
    ) -> Result<Cow<'b, str>, SourceError> {
        match self.source.options.encoding {
            Encoding::Windows1252 => Ok(encoding_rs::WINDOWS_1252
                .decode_without_bom_handling(field)
                .0),
            Encoding::Utf8 => std::str::from_utf8(field).map(Cow::Borrowed).map_err(|e| {
                let bad = field.get(e.valid_up_to()).copied().unwrap_or(0);
                SourceError::NotUtf8 {
                    id: self.source.id.clone(),
                    path: self.source.display.clone(),
                    line,
                    field: index + 1,
                    byte: bad,
                    src: self.source.config.src.clone(),
                    span: self.source.config.path,
                }
            }),
        }
    }
}

/// How much of a file to read for its header; the whole file is read if the header is not
/// complete within it.
const HEADER_PREFIX: u64 = 1 << 20;

pub(super) fn headers(source: &Source) -> Result<Vec<String>, SourceError> {
    let (bytes, truncated) = load_bytes(source, Some(HEADER_PREFIX))?;
    match Scan::open(source, &bytes) {
        Ok(scan) => Ok(scan.headers),
        Err(_) if truncated => {
            let (bytes, _) = load_bytes(source, None)?;
            Ok(Scan::open(source, &bytes)?.headers)
        }
        Err(err) => Err(err),
    }
}

/// Reads the file; of its columns, only those named in `wanted` (all when None) are kept.
/// Every field is still decoded, so a bad byte is reported wherever it is.
pub(super) fn read(
    source: &Source,
    wanted: Option<&[String]>,
    progress: &dyn Progress,
) -> Result<Table, SourceError> {
    let (bytes, _) = load_bytes(source, None)?;
    let task = progress.task(&format!("reading {}", source.id), Some(bytes.len() as u64));
    let mut scan = Scan::open(source, &bytes)?;
    let width = scan.headers.len();
    let infer = source.options.infer_types;
    let mut columns: Vec<Option<TextColumn>> = scan
        .headers
        .iter()
        .map(|name| {
            let keep = wanted.is_none_or(|w| w.iter().any(|c| c == name));
            keep.then(|| TextColumn::new(name, infer))
        })
        .collect();
    let mut rows: Vec<u64> = Vec::new();
    let mut record = ::csv::ByteRecord::new();
    while let Some(line) = scan.next(&mut record)? {
        // Trailing empty fields (`a;b;c;;`, as spreadsheet exports write them) are not
        // values; any other difference in width means the row was split or merged wrongly.
        let used = record
            .iter()
            .rposition(|f| !f.is_empty())
            .map_or(0, |last| last + 1);
        if record.len() < width || used > width {
            return Err(SourceError::Ragged {
                id: source.id.clone(),
                path: source.display.clone(),
                line,
                found: record.len(),
                expected: width,
                header_line: scan.header_line,
                delimiter: char::from(source.options.delimiter),
            });
        }
        for (index, column) in columns.iter_mut().enumerate() {
            let raw = record.get(index).unwrap_or_default();
            let text = scan.decode(raw, line, index)?;
            if let Some(column) = column {
                column.push((!source.is_null_text(&text)).then_some(&*text));
            }
        }
        rows.push(line);
        if rows.len().is_multiple_of(16_384) {
            task.set_position(record.position().map_or(0, |p| p.byte()));
        }
    }
    task.finish();
    let built = columns
        .into_iter()
        .flatten()
        .map(TextColumn::finish)
        .collect();
    table(source, rows, built, OriginKind::Lines)
}

fn empty_error(source: &Source) -> SourceError {
    SourceError::Empty {
        id: source.id.clone(),
        path: source.display.clone(),
        src: source.config.src.clone(),
        span: source.config.path,
    }
}

fn csv_error(source: &Source, err: &::csv::Error) -> SourceError {
    let line = err.position().map_or(0, |p| p.line());
    match err.kind() {
        ::csv::ErrorKind::Io(io) => source.open_error(io.to_string()),
        _ => SourceError::Csv {
            path: source.display.clone(),
            line,
            reason: err.to_string(),
        },
    }
}
