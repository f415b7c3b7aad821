//! Delimited text files: any delimiter and quote, UTF-8 (with or without a byte-order mark)
//! or Windows-1252, a header on any line, null sentinels. A row's origin is its first line.

use std::borrow::Cow;
use std::cell::RefCell;
use std::fs::File;
use std::io::{Chain, Cursor, Read};
use std::rc::Rc;

use super::cells::name_headers;
use super::{Encoding, Source, SourceError, Table};
use crate::columns::is_reserved;
use crate::progress::Progress;

mod chunks;
mod pieces;
mod reading;

use pieces::Layout;
use reading::{Pass, Reading, Start, kept};

const BOM: &[u8] = b"\xEF\xBB\xBF";

/// The bytes the CSV reader has taken from the file that [`Lines`] has not yet passed. The
/// file is streamed, never held whole: the window is about one reader buffer long.
#[derive(Debug, Default)]
struct Window {
    /// The file offset (after any byte-order mark) of `bytes[0]`.
    base: u64,
    bytes: Vec<u8>,
    /// How much of `bytes` has been counted.
    counted: usize,
}

/// A reader that copies what it reads into the shared [`Window`].
struct Tap<R> {
    inner: R,
    window: Rc<RefCell<Window>>,
}

impl<R: Read> Read for Tap<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.window.borrow_mut().bytes.extend_from_slice(&buf[..n]);
        Ok(n)
    }
}

/// Line numbers of records. The csv crate's own positions lag behind (they point before the
/// previous record's line terminator and any blank lines), so a record's first line is
/// found from the bytes: skip terminators from the reported offset, count newlines before.
struct Lines {
    window: Rc<RefCell<Window>>,
    newlines: u64,
}

impl Lines {
    /// The 1-based line on which the record reported at `offset` starts. Offsets must not
    /// decrease between calls.
    fn line_of(&mut self, offset: u64) -> u64 {
        let mut window = self.window.borrow_mut();
        let window = &mut *window;
        let at = usize::try_from(offset.saturating_sub(window.base)).unwrap_or(usize::MAX);
        self.newlines += breaks_before_record(&window.bytes, at, &mut window.counted);
        // Counted bytes are dropped now and then, not on every record.
        if window.counted > 1 << 20 {
            window.bytes.drain(..window.counted);
            window.base += window.counted as u64;
            window.counted = 0;
        }
        self.newlines + 1
    }
}

/// The line breaks in `bytes[*counted..]` up to the start of the record the csv crate
/// reports at `offset` (its positions point before the previous record's terminator and any
/// blank lines, so terminators are skipped first); `counted` moves there.
fn breaks_before_record(bytes: &[u8], offset: usize, counted: &mut usize) -> u64 {
    let mut start = offset.min(bytes.len());
    while start < bytes.len() && matches!(bytes[start], b'\r' | b'\n') {
        start += 1;
    }
    if start <= *counted {
        return 0;
    }
    let breaks = line_breaks(&bytes[*counted..start]);
    *counted = start;
    breaks
}

/// The line breaks in `bytes`: LF, CRLF and a lone CR each end a line, as the CSV reader
/// takes them. `bytes` must not end inside a CRLF.
fn line_breaks(bytes: &[u8]) -> u64 {
    // memchr's vectorised search: this runs over every byte of every CSV file read.
    let lone_cr = memchr::memchr_iter(b'\r', bytes)
        .filter(|at| bytes.get(at + 1) != Some(&b'\n'))
        .count();
    let lf = memchr::memchr_iter(b'\n', bytes).count();
    (lone_cr + lf) as u64
}

/// The file, streamed without its UTF-8 byte-order mark.
type Input = Chain<Cursor<Vec<u8>>, File>;

fn open_input(source: &Source) -> Result<Input, SourceError> {
    let mut file = File::open(&source.path).map_err(|e| source.open_error(e))?;
    let size = file.metadata().map(|m| m.len()).unwrap_or(0);
    if size == 0 {
        return Err(empty_error(source));
    }
    let mut head = Vec::with_capacity(BOM.len());
    (&mut file)
        .take(BOM.len() as u64)
        .read_to_end(&mut head)
        .map_err(|e| source.open_error(e))?;
    if head == BOM {
        head.clear();
    }
    Ok(Cursor::new(head).chain(file))
}

/// The whole file, for the rare messages that need all of it (how many lines it has).
/// Whether the file holds nothing but whitespace; read only up to its first other byte.
fn only_whitespace(source: &Source) -> bool {
    use std::io::Read;
    let Ok(file) = std::fs::File::open(&source.path) else {
        return false;
    };
    let mut reader = std::io::BufReader::new(file);
    let mut chunk = [0u8; 8192];
    loop {
        match reader.read(&mut chunk) {
            Ok(0) => return true,
            Ok(n) if chunk[..n].iter().all(u8::is_ascii_whitespace) => continue,
            _ => return false,
        }
    }
}

fn whole_file(source: &Source) -> Vec<u8> {
    std::fs::read(&source.path).unwrap_or_default()
}

/// A CSV reader positioned after the header, and the header.
struct Scan<'a> {
    source: &'a Source,
    reader: ::csv::Reader<Tap<Input>>,
    lines: Lines,
    /// Whether any record was found, header or not.
    any_record: bool,
    header_line: u64,
    headers: Vec<String>,
    /// A file without a header (`header_row: 0`): its first record, read to count its
    /// columns, and the line it starts on; the first data row.
    pending: Option<(::csv::ByteRecord, u64)>,
}

impl<'a> Scan<'a> {
    fn open(source: &'a Source) -> Result<Self, SourceError> {
        let window = Rc::new(RefCell::new(Window::default()));
        let input = Tap {
            inner: open_input(source)?,
            window: window.clone(),
        };
        let reader = ::csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .delimiter(source.options.delimiter)
            .quote(source.options.quote)
            .buffer_capacity(1 << 16)
            .from_reader(input);
        let mut scan = Self {
            source,
            reader,
            lines: Lines {
                window,
                newlines: 0,
            },
            any_record: false,
            header_line: 0,
            pending: None,
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
            .map_err(|e| csv_error(self.source, e, 0))?;
        if !more {
            return Ok(None);
        }
        self.any_record = true;
        let offset = record.position().map_or(0, |p| p.byte());
        Ok(Some(self.lines.line_of(offset)))
    }

    fn find_header(&mut self) -> Result<(), SourceError> {
        let wanted = u64::from(self.source.header_row());
        let mut record = ::csv::ByteRecord::new();
        loop {
            let Some(line) = self.next(&mut record)? else {
                // Blank lines are no records: a file of nothing else is empty.
                if !self.any_record {
                    return Err(empty_error(self.source));
                }
                return Err(self.no_header_line());
            };
            // A file of whitespace is empty, though a line of blanks is a record.
            if record.iter().all(|f| f.iter().all(u8::is_ascii_whitespace))
                && only_whitespace(self.source)
            {
                return Err(empty_error(self.source));
            }
            if wanted == 0 {
                // No header: columns are named by their position, and this is data.
                let width = record
                    .iter()
                    .rposition(|f| !f.is_empty())
                    .map_or(1, |l| l + 1);
                self.headers =
                    name_headers(&vec![String::new(); width], |i| format!("column {}", i + 1));
                self.pending = Some((record, line));
                return Ok(());
            }
            if line < wanted {
                continue;
            }
            if line > wanted {
                return Err(self.no_header_line());
            }
            let mut raw = Vec::with_capacity(record.len());
            for (index, field) in record.iter().enumerate() {
                raw.push(decode(self.source, field, line, index)?.into_owned());
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

    /// Where the data rows start: after the header, or at the first record of a file
    /// without one. Only line terminators lie between that offset and the first data row.
    fn data_start(&self) -> Result<Start, SourceError> {
        let offset = match &self.pending {
            Some((first, _)) => first.position().map_or(0, |p| p.byte()),
            None => self.reader.position().byte(),
        };
        let mut head = Vec::new();
        open_input(self.source)?
            .take(offset.saturating_add(1))
            .read_to_end(&mut head)
            .map_err(|e| self.source.open_error(e))?;
        let before = &head[..head
            .len()
            .min(usize::try_from(offset).unwrap_or(usize::MAX))];
        let mut breaks = line_breaks(before);
        // A CRLF across the offset: its LF is counted with the data.
        if before.last() == Some(&b'\r') && head.get(before.len()) == Some(&b'\n') {
            breaks -= 1;
        }
        Ok(Start {
            offset,
            line: breaks + 1,
        })
    }

    fn no_header_line(&self) -> SourceError {
        let (header_row, span) = self
            .source
            .options
            .header_row
            .unwrap_or((1, self.source.config.span));
        SourceError::NoHeaderLine {
            path: self.source.display.clone(),
            header_row,
            last: line_count(&whole_file(self.source)),
            src: self.source.config.src.clone(),
            span,
        }
    }
}

/// A field as text in the source's encoding.
fn decode<'b>(
    source: &Source,
    field: &'b [u8],
    line: u64,
    index: usize,
) -> Result<Cow<'b, str>, SourceError> {
    match source.options.encoding {
        Encoding::Windows1252 => Ok(encoding_rs::WINDOWS_1252
            .decode_without_bom_handling(field)
            .0),
        Encoding::Utf8 => std::str::from_utf8(field).map(Cow::Borrowed).map_err(|e| {
            let bad = field.get(e.valid_up_to()).copied().unwrap_or(0);
            SourceError::NotUtf8 {
                id: source.id.clone(),
                path: source.display.clone(),
                line,
                field: index + 1,
                byte: bad,
                src: source.config.src.clone(),
                span: source.config.span,
            }
        }),
    }
}

pub(super) fn headers(source: &Source) -> Result<Vec<String>, SourceError> {
    Ok(Scan::open(source)?.headers)
}

/// How many bytes of a CSV file one core parses at a time.
const CHUNK_BYTES: usize = 1 << 20;

/// Reads the file; of its columns, only those named in `wanted` (all when None) are kept.
/// Every field is still decoded, so a bad byte is reported wherever it is. The rows come to
/// `each` in tables of at most `batch` rows (all in one table when None), so a caller that
/// keeps only some rows never holds the whole file.
///
/// The file is cut into chunks at record boundaries on one thread and the chunks are parsed
/// on every core, then put back in file order: the rows, their lines, the batches and the
/// first error are those of one reader reading the file from start to end.
///
/// Type inference (`infer_types`) needs every row of a column: a file longer than one batch
/// is first read through for its columns' types alone, keeping nothing, then read in batches
/// of those types. A file within one batch is read once.
pub(super) fn read<E: From<SourceError>>(
    source: &Source,
    wanted: Option<&[String]>,
    batch: Option<usize>,
    progress: &dyn Progress,
    each: &mut dyn FnMut(Table) -> Result<(), E>,
) -> Result<(), E> {
    read_in_chunks(source, wanted, batch, CHUNK_BYTES, progress, each)
}

/// [`read`] with chunks of `chunk_bytes` (tests and fuzzing: many chunks in a small file).
pub(crate) fn read_in_chunks<E: From<SourceError>>(
    source: &Source,
    wanted: Option<&[String]>,
    batch: Option<usize>,
    chunk_bytes: usize,
    progress: &dyn Progress,
    each: &mut dyn FnMut(Table) -> Result<(), E>,
) -> Result<(), E> {
    let task = progress.task(&format!("reading {}", source.id), Some(file_size(source)));
    let scan = Scan::open(source)?;
    let start = scan.data_start()?;
    let layout = Layout {
        source,
        keep: kept(&scan.headers, wanted),
        header_line: scan.header_line,
        headers: scan.headers,
    };
    let whole = Reading {
        layout: &layout,
        start,
        chunk_bytes,
        part: None,
    };
    let Some(part) = source.part else {
        match whole.columns(batch, None, task.as_ref(), each)? {
            Pass::Done => {}
            Pass::NeedsTypes => {
                let types = whole.types(progress)?;
                whole.columns(batch, Some(&types), task.as_ref(), each)?;
            }
        }
        task.finish();
        return Ok(());
    };
    // One part of the file (a shard): its columns have the types of the whole file's.
    let types = match source.options.infer_types {
        true => Some(whole.types(progress)?),
        false => None,
    };
    let mut input = open_input(source)?;
    skip(&mut input, start.offset).map_err(|e| source.open_error(e))?;
    let len = content_len(source)?.saturating_sub(start.offset);
    let options = &source.options;
    let span = chunks::part_span(
        input,
        (options.delimiter, options.quote),
        start.line,
        len,
        part,
    )
    .map_err(|e| source.open_error(e))?;
    let reading = Reading {
        start: Start {
            offset: start.offset + span.begin,
            line: span.line,
        },
        part: Some(span),
        ..whole
    };
    reading.columns(batch, types.as_deref(), task.as_ref(), each)?;
    task.finish();
    Ok(())
}

/// Skips `bytes` of `input`.
fn skip(input: &mut impl Read, bytes: u64) -> std::io::Result<()> {
    std::io::copy(&mut input.take(bytes), &mut std::io::sink()).map(drop)
}

/// The file's length without its byte-order mark.
fn content_len(source: &Source) -> Result<u64, SourceError> {
    // The input starts with the bytes read to look for the mark: none when they were it.
    let input = open_input(source)?;
    let bom = match input.get_ref().0.get_ref().is_empty() {
        true => BOM.len() as u64,
        false => 0,
    };
    Ok(file_size(source).saturating_sub(bom))
}

fn file_size(source: &Source) -> u64 {
    std::fs::metadata(&source.path).map_or(0, |m| m.len())
}

/// How many lines a file has; a last line without a terminator counts.
fn line_count(bytes: &[u8]) -> u64 {
    let breaks = line_breaks(bytes);
    if bytes.is_empty() || matches!(bytes.last(), Some(b'\n' | b'\r')) {
        breaks
    } else {
        breaks + 1
    }
}

fn empty_error(source: &Source) -> SourceError {
    SourceError::Empty {
        id: source.id.clone(),
        path: source.display.clone(),
        src: source.config.src.clone(),
        span: source.config.span,
    }
}

/// A failure of the csv crate; its line counts from `lines_before` + 1.
fn csv_error(source: &Source, err: ::csv::Error, lines_before: u64) -> SourceError {
    let line = err.position().map_or(0, |p| p.line() + lines_before);
    if !err.is_io_error() {
        return SourceError::Csv {
            path: source.display.clone(),
            line,
            source: err,
        };
    }
    match err.into_kind() {
        ::csv::ErrorKind::Io(io) => source.open_error(io),
        // `is_io_error` said it is one.
        other => source.open_error(std::io::Error::other(format!("{other:?}"))),
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use polars::prelude::*;

    use crate::diag::YamlFile;
    use crate::progress::Silent;
    use crate::workspace::Workspace;

    /// The fixture with a quoted line break, a blank line and CRLF, read with `infer`.
    fn source(infer: bool) -> crate::source::Source {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
        let text = format!(
            "nulls: [\"\", N/A, \"#NULL#\"]\nsources:\n  src: {{ path: csv/bom-crlf.csv, infer_types: {infer} }}\n"
        );
        let file = YamlFile::from_text(root.join("thinslice.yaml"), "thinslice.yaml".into(), text);
        let workspace = Workspace::from_file(&root, file).expect("workspace");
        workspace.sources["src"].clone()
    }

    fn read(infer: bool, batch: Option<usize>) -> Vec<DataFrame> {
        read_chunked(&source(infer), batch, super::CHUNK_BYTES).expect("read")
    }

    fn read_chunked(
        source: &crate::source::Source,
        batch: Option<usize>,
        chunk_bytes: usize,
    ) -> Result<Vec<DataFrame>, super::SourceError> {
        let mut tables = Vec::new();
        super::read_in_chunks(source, None, batch, chunk_bytes, &Silent, &mut |table| {
            tables.push(table.frame);
            Ok::<(), super::SourceError>(())
        })?;
        Ok(tables)
    }

    /// A workspace of one CSV source `a.csv` holding `text`, read with `options`.
    fn source_of(text: &[u8], options: &str) -> (tempfile::TempDir, crate::source::Source) {
        let dir = tempfile::tempdir().expect("temporary folder");
        std::fs::write(dir.path().join("a.csv"), text).expect("write");
        let yaml = format!("sources:\n  src: {{ path: a.csv{options} }}\n");
        let file = YamlFile::from_text(
            dir.path().join("thinslice.yaml"),
            "thinslice.yaml".into(),
            yaml,
        );
        let workspace = Workspace::from_file(dir.path(), file).expect("workspace");
        let source = workspace.sources["src"].clone();
        (dir, source)
    }

    #[test]
    fn chunks_of_any_size_read_as_one_reader_does() {
        let fixture = std::fs::read(
            Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/csv/bom-crlf.csv"),
        )
        .expect("fixture");
        let texts: [(&[u8], &str); 4] = [
            (&fixture, ", nulls: [\"\", N/A]"),
            (
                b"id,size,n\n1,5\" pipe,1\n\n2,\"6\"\" \r\nvalve\",2.5\r\n3,x\"y\",3\r4,,7\n",
                "",
            ),
            (
                b"junk \"\nx\"line\nid;v\r\na;1\r\n\r\nb;\"x\n\"\r\n",
                ", header_row: 3, delimiter: \";\"",
            ),
            (b"1,a\n2,b\r\n3,\"c\nd\"\n", ", header_row: 0"),
        ];
        for (text, options) in texts {
            for infer in [false, true] {
                let (_dir, source) = source_of(text, &format!("{options}, infer_types: {infer}"));
                for batch in [None, Some(1), Some(2), Some(3)] {
                    let whole = read_chunked(&source, batch, 1 << 20).expect("read");
                    for size in 1..=text.len() {
                        let chunked = read_chunked(&source, batch, size).expect("read");
                        assert_eq!(chunked.len(), whole.len(), "{options} {batch:?} {size}");
                        for (a, b) in chunked.iter().zip(&whole) {
                            assert_eq!(a.schema(), b.schema(), "{options} {size}");
                            assert!(a.equals_missing(b), "{options} {batch:?} {size}:\n{a}\n{b}");
                        }
                    }
                }
            }
        }
    }

    #[test]
    fn an_error_in_a_later_chunk_is_the_first_in_row_order_with_its_line() {
        let mut text = b"id,v\n".to_vec();
        for i in 0..50 {
            text.extend_from_slice(format!("{i},\"a\nb\"\n").as_bytes());
        }
        text.extend_from_slice(b"x,\xff\n");
        text.extend_from_slice(b"y,1,2\n");
        let (_dir, source) = source_of(&text, "");
        for size in [1, 7, 64, 1 << 20] {
            let err = read_chunked(&source, Some(4), size).expect_err("bad byte");
            assert!(
                matches!(
                    err,
                    super::SourceError::NotUtf8 {
                        line: 102,
                        field: 2,
                        ..
                    }
                ),
                "{size}: {err:?}"
            );
        }
        text.truncate(text.len() - 10);
        text.extend_from_slice(b"y,1,2\nx,\xff\n");
        let (_dir, source) = source_of(&text, "");
        let err = read_chunked(&source, None, 16).expect_err("ragged");
        assert!(
            matches!(
                err,
                super::SourceError::Ragged {
                    line: 102,
                    found: 3,
                    ..
                }
            ),
            "{err:?}"
        );
    }

    /// A chunk is checked to be UTF-8 as a whole, which stands for its fields; one that is
    /// not is checked field by field, so a bad byte in a column no slice keeps is still
    /// found, with its line and field, whatever chunk it falls in.
    #[test]
    fn a_bad_byte_in_a_column_not_kept_is_found_in_any_chunk() {
        let mut text = b"id,note,v\n".to_vec();
        for i in 0..40 {
            text.extend_from_slice(format!("{i},\"café crème\",{i}\n").as_bytes());
        }
        let good = text.clone();
        text.extend_from_slice(b"40,caf\xe9,40\n41,ok,41\n");
        let wanted = ["id".to_string(), "v".to_string()];
        for size in [1, 5, 64, 300, 1 << 20] {
            let read = |text: &[u8]| {
                let (_dir, source) = source_of(text, "");
                let mut rows = 0;
                super::read_in_chunks(&source, Some(&wanted), None, size, &Silent, &mut |t| {
                    rows += t.frame.height();
                    Ok::<(), super::SourceError>(())
                })
                .map(|()| rows)
            };
            assert_eq!(read(&good).expect("valid"), 40, "{size}");
            let err = read(&text).expect_err("bad byte");
            assert!(
                matches!(
                    err,
                    super::SourceError::NotUtf8 {
                        line: 42,
                        field: 2,
                        byte: 0xE9,
                        ..
                    }
                ),
                "{size}: {err:?}"
            );
        }
    }

    /// The lines each record of `text` starts on, read as a source.
    fn lines_of(text: &[u8]) -> Vec<u64> {
        let dir = tempfile::tempdir().expect("temporary folder");
        std::fs::write(dir.path().join("a.csv"), text).expect("write");
        let yaml = "sources:\n  src: { path: a.csv }\n";
        let file = YamlFile::from_text(
            dir.path().join("thinslice.yaml"),
            "thinslice.yaml".into(),
            yaml,
        );
        let workspace = Workspace::from_file(dir.path(), file).expect("workspace");
        let mut lines = Vec::new();
        super::read(
            &workspace.sources["src"],
            None,
            Some(2),
            &Silent,
            &mut |table| {
                let rows = table
                    .frame
                    .column(super::super::ROW_COLUMN)
                    .expect("rows")
                    .clone();
                lines.extend(rows.u64().expect("numbers").iter().flatten());
                Ok::<(), super::SourceError>(())
            },
        )
        .expect("read");
        lines
    }

    #[test]
    fn lines_are_counted_for_lf_crlf_and_a_lone_cr() {
        assert_eq!(lines_of(b"ID,T\nA,1\nB,2\n"), [2, 3]);
        assert_eq!(lines_of(b"ID,T\r\nA,1\r\nB,2\r\n"), [2, 3]);
        assert_eq!(lines_of(b"ID,T\rA,1\rB,2\rC,3"), [2, 3, 4]);
        // Mixed, with a blank line and a quoted line break.
        assert_eq!(lines_of(b"ID,T\rA,1\r\n\nB,\"x\ry\"\nC,3\r"), [2, 4, 6]);
        assert_eq!(super::line_breaks(b"a\rb\r\nc\nd"), 3);
    }

    #[test]
    fn batches_hold_the_same_rows_and_lines_as_one_table() {
        let whole = read(false, None);
        assert_eq!(whole.len(), 1);
        let batches = read(false, Some(2));
        assert_eq!(
            batches.iter().map(DataFrame::height).collect::<Vec<_>>(),
            [2, 2]
        );
        let mut joined = batches[0].clone();
        joined.vstack_mut(&batches[1]).expect("same columns");
        assert!(joined.equals_missing(&whole[0]));
        let lines: Vec<Option<u64>> = whole[0]
            .column(super::super::ROW_COLUMN)
            .expect("rows")
            .u64()
            .expect("numbers")
            .iter()
            .collect();
        // The first record spans lines 2 and 3; a blank line precedes the third.
        assert_eq!(lines, [Some(2), Some(4), Some(6), Some(7)]);
    }

    #[test]
    fn inferred_types_hold_across_batches() {
        let whole = read(true, None);
        let batches = read(true, Some(3));
        assert_eq!(batches.len(), 2);
        for batch in &batches {
            assert_eq!(batch.schema(), whole[0].schema());
        }
        assert_eq!(
            whole[0].column("Rated kW").expect("column").dtype(),
            &DataType::Float64
        );
        let mut joined = batches[0].clone();
        joined.vstack_mut(&batches[1]).expect("same columns");
        assert!(joined.equals_missing(&whole[0]));
    }

    #[test]
    fn an_exact_multiple_of_the_batch_leaves_no_empty_table() {
        assert_eq!(read(false, Some(4)).len(), 1);
        assert_eq!(read(false, Some(1)).len(), 4);
    }
}
