//! Chunks parsed into pieces of columns (on every core), and pieces put back together, in
//! file order, into batches of exactly the rows a single reader would have made: the same
//! rows, lines and batch boundaries, so the same output bytes.

use std::borrow::Cow;

use polars::prelude::*;
use rayon::prelude::*;

use super::chunks::Chunk;
use crate::source::cells::{Inferred, TextColumn, finish_text};
use crate::source::{Encoding, Source, SourceError};

/// What every chunk's parse needs to know about the file.
pub(super) struct Layout<'a> {
    pub(super) source: &'a Source,
    pub(super) headers: Vec<String>,
    pub(super) header_line: u64,
    /// Which columns are kept (the others are only checked to be text).
    pub(super) keep: Vec<bool>,
}

/// What a pass wants from each chunk.
#[derive(Debug, Clone, Copy)]
pub(super) enum Want {
    /// The kept columns as text; with `infer`, also what their values would all be.
    Columns { infer: bool },
    /// Only what the kept columns' values would all be.
    Types,
}

/// A chunk's rows: their lines and their kept columns as text.
pub(super) struct Piece {
    pub(super) rows: Vec<u64>,
    pub(super) texts: Vec<StringChunked>,
    pub(super) kinds: Vec<Inferred>,
}

impl Layout<'_> {
    fn kept_names(&self) -> impl Iterator<Item = &str> {
        self.headers
            .iter()
            .zip(&self.keep)
            .filter(|(_, keep)| **keep)
            .map(|(name, _)| name.as_str())
    }

    /// Parses one chunk; the first error in it, in row order, if any.
    pub(super) fn parse(&self, chunk: &Chunk, want: Want) -> Result<Piece, SourceError> {
        let source = self.source;
        let mut reader = ::csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .delimiter(source.options.delimiter)
            .quote(source.options.quote)
            .from_reader(chunk.bytes.as_slice());
        let mut lines = ChunkLines {
            bytes: &chunk.bytes,
            counted: 0,
            line: chunk.first_line,
        };
        let (infer, build) = match want {
            Want::Columns { infer } => (infer, true),
            Want::Types => (false, false),
        };
        let mut columns: Vec<TextColumn> = if build {
            self.kept_names()
                .map(|name| TextColumn::new(name, infer))
                .collect()
        } else {
            Vec::new()
        };
        let mut kinds = vec![Inferred::default(); self.kept_names().count()];
        let mut rows = Vec::new();
        let mut record = ::csv::ByteRecord::new();
        // Fields are cut at ASCII bytes, so in a chunk that is UTF-8 as a whole every field
        // is: one check of the chunk stands for the unkept columns' fields. A chunk with a
        // bad byte is checked field by field, to say which field of which line.
        let utf8 = source.options.encoding == Encoding::Utf8;
        let unkept_checked = utf8 && std::str::from_utf8(&chunk.bytes).is_ok();
        loop {
            let more = reader
                .read_byte_record(&mut record)
                .map_err(|e| super::csv_error(source, e, chunk.first_line.saturating_sub(1)))?;
            if !more {
                break;
            }
            let line = lines.line_of(record.position().map_or(0, |p| p.byte()));
            self.check_width(&record, line)?;
            let mut kept = 0;
            for (index, keep) in self.keep.iter().enumerate() {
                let raw = record.get(index).unwrap_or_default();
                if !keep {
                    // Every byte is a character of Windows-1252.
                    if utf8 && !unkept_checked {
                        super::decode(source, raw, line, index)?;
                    }
                    continue;
                }
                let text = super::decode(source, raw, line, index)?;
                let value = (!source.is_null_text(&text)).then_some(text);
                if build {
                    columns[kept].push(value.as_deref());
                } else if let Some(text) = value {
                    kinds[kept].see(&text);
                }
                kept += 1;
            }
            rows.push(line);
        }
        let texts = columns
            .into_iter()
            .zip(kinds.iter_mut())
            .map(|(column, kind)| {
                let (text, seen) = column.into_parts();
                *kind = seen;
                text
            })
            .collect();
        Ok(Piece { rows, texts, kinds })
    }

    /// Trailing empty fields (`a;b;c;;`, as spreadsheet exports write them) are not values;
    /// any other difference in width means the row was split or merged wrongly.
    pub(super) fn check_width(
        &self,
        record: &::csv::ByteRecord,
        line: u64,
    ) -> Result<(), SourceError> {
        let width = self.headers.len();
        let used = record
            .iter()
            .rposition(|f| !f.is_empty())
            .map_or(0, |last| last + 1);
        if record.len() < width || used > width {
            return Err(SourceError::Ragged {
                id: self.source.id.clone(),
                path: self.source.display.clone(),
                line,
                found: record.len(),
                expected: width,
                header_line: self.header_line,
                delimiter: char::from(self.source.options.delimiter),
            });
        }
        Ok(())
    }
}

/// Line numbers of a chunk's records, counted from the bytes as the header's are
/// ([`super::breaks_before_record`]).
struct ChunkLines<'a> {
    bytes: &'a [u8],
    counted: usize,
    line: u64,
}

impl ChunkLines<'_> {
    /// The line on which the record reported at `offset` starts; offsets do not decrease.
    fn line_of(&mut self, offset: u64) -> u64 {
        let at = usize::try_from(offset).unwrap_or(usize::MAX);
        self.line += super::breaks_before_record(self.bytes, at, &mut self.counted);
        self.line
    }
}

/// Pieces gathered in file order until they make a batch.
pub(super) struct Batcher {
    rows: Vec<u64>,
    texts: Vec<StringChunked>,
    /// The kept columns' types: given, or merged from the pieces' (inference), or none.
    kinds: Vec<Inferred>,
}

impl Batcher {
    pub(super) fn new(layout: &Layout, kinds: Option<&[Inferred]>) -> Self {
        let texts: Vec<StringChunked> = layout
            .kept_names()
            .map(|name| StringChunked::full_null(PlSmallStr::from(name), 0))
            .collect();
        let kinds = kinds.map_or_else(|| vec![Inferred::default(); texts.len()], <[_]>::to_vec);
        Self {
            rows: Vec::new(),
            texts,
            kinds,
        }
    }

    pub(super) fn rows(&self) -> usize {
        self.rows.len()
    }

    pub(super) fn push(&mut self, piece: Piece) -> Result<(), PolarsError> {
        self.rows.extend(piece.rows);
        for (text, more) in self.texts.iter_mut().zip(piece.texts) {
            text.append_owned(more)?;
        }
        for (kind, seen) in self.kinds.iter_mut().zip(piece.kinds) {
            kind.absorb(seen);
        }
        Ok(())
    }

    /// The first `n` rows gathered (all when fewer), with their columns finished as their
    /// types say.
    pub(super) fn take(&mut self, n: usize) -> (Vec<u64>, Vec<Column>) {
        let n = n.min(self.rows.len());
        let rest = self.rows.split_off(n);
        let rows = std::mem::replace(&mut self.rows, rest);
        let offset = i64::try_from(n).unwrap_or(i64::MAX);
        let heads: Vec<StringChunked> = self
            .texts
            .iter_mut()
            .map(|text| {
                let (head, tail) = text.split_at(offset);
                *text = tail;
                head
            })
            .collect();
        let columns = heads
            .into_par_iter()
            .zip(self.kinds.par_iter())
            .map(|(text, kind)| {
                let text = match text.rechunk() {
                    Cow::Borrowed(one) => one.clone(),
                    Cow::Owned(joined) => joined,
                };
                finish_text(text, *kind)
            })
            .collect::<Vec<_>>()
            .into_iter()
            .flatten()
            .collect();
        (rows, columns)
    }
}
