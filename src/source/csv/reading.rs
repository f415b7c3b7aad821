//! Passes over a CSV file's data rows: chunks cut on one thread, parsed on every core, put
//! back in order into batches (see [`super::read`]).

use std::io::Read;

use rayon::prelude::*;

use super::chunks::{self, Boundaries, Chunk, Chunker};
use super::pieces::{Batcher, Layout, Piece, Want};
use super::{file_size, open_input, skip};
use crate::columns::DATA_ROW;
use crate::progress::Progress;
use crate::source::cells::{Inferred, table};
use crate::source::{OriginKind, SourceError, Table};

/// How a pass over the file ended.
pub(super) enum Pass {
    Done,
    /// The file is longer than a batch, and its columns' types are not known yet.
    NeedsTypes,
}

/// Whether a pass goes on after a piece.
#[derive(PartialEq, Eq)]
enum Flow {
    Go,
    Stop,
}

/// Which columns are kept: those named in `wanted`, or all.
pub(super) fn kept(headers: &[String], wanted: Option<&[String]>) -> Vec<bool> {
    headers
        .iter()
        .map(|name| wanted.is_none_or(|w| w.iter().any(|c| c == name)))
        .collect()
}

/// Where the data rows start: the offset (after any byte-order mark) from which the rest of
/// the file is data, and the line there.
#[derive(Debug, Clone, Copy)]
pub(super) struct Start {
    pub(super) offset: u64,
    pub(super) line: u64,
}

/// Passes over a file's data rows.
pub(super) struct Reading<'a> {
    pub(super) layout: &'a Layout<'a>,
    pub(super) start: Start,
    pub(super) chunk_bytes: usize,
    /// The part of the data read (a shard); None: all of it.
    pub(super) part: Option<chunks::Span>,
}

impl Reading<'_> {
    /// One pass over the rows, in tables of at most `batch` rows. `types` are the kept
    /// columns' types when already known; without them and with inference, a file longer
    /// than a batch stops the pass.
    pub(super) fn columns<E: From<SourceError>>(
        &self,
        batch: Option<usize>,
        types: Option<&[Inferred]>,
        task: &dyn crate::progress::Task,
        each: &mut dyn FnMut(Table) -> Result<(), E>,
    ) -> Result<Pass, E> {
        let source = self.layout.source;
        let infer = source.options.infer_types && types.is_none();
        let mut batcher = Batcher::new(self.layout, types);
        let mut batches = 0;
        let mut numbered = 0;
        let flow = self.pieces(Want::Columns { infer }, &mut |piece,
                                                               end|
         -> Result<Flow, E> {
            batcher.push(piece).map_err(|e| source.frame_error(e))?;
            task.set_position(end);
            if infer {
                let longer = batch.is_some_and(|b| batcher.rows() > b);
                return Ok(if longer { Flow::Stop } else { Flow::Go });
            }
            while let Some(b) = batch.filter(|b| batcher.rows() >= *b) {
                let (rows, columns) = batcher.take(b);
                each(self.table(rows, columns, &mut numbered)?)?;
                batches += 1;
            }
            Ok(Flow::Go)
        })?;
        if flow == Flow::Stop {
            return Ok(Pass::NeedsTypes);
        }
        // The last rows, or the empty table of a file without rows (its columns still count).
        if batcher.rows() > 0 || batches == 0 {
            let (rows, columns) = batcher.take(usize::MAX);
            each(self.table(rows, columns, &mut numbered)?)?;
        }
        Ok(Pass::Done)
    }

    /// A table of rows read; in a part of the file, numbered among all the file's data rows
    /// (`numbered` of the part's rows came before).
    fn table(
        &self,
        rows: Vec<u64>,
        columns: Vec<polars::prelude::Column>,
        numbered: &mut u64,
    ) -> Result<Table, SourceError> {
        let source = self.layout.source;
        let mut table = table(source, rows, columns, OriginKind::Lines)?;
        if let Some(span) = self.part {
            let height = table.frame.height() as u64;
            let first = span.records + *numbered + 1;
            let data_rows: Vec<u64> = (first..first + height).collect();
            (table.frame)
                .with_column(polars::prelude::Column::new(DATA_ROW.into(), data_rows))
                .map_err(|e| source.frame_error(e))?;
            *numbered += height;
        }
        Ok(table)
    }

    /// The types of the kept columns, from every row of the file; nothing else is kept.
    pub(super) fn types(&self, progress: &dyn Progress) -> Result<Vec<Inferred>, SourceError> {
        let source = self.layout.source;
        let task = progress.task(
            &format!("inferring types {}", source.id),
            Some(file_size(source)),
        );
        let kept = self.layout.keep.iter().filter(|keep| **keep).count();
        let mut kinds = vec![Inferred::default(); kept];
        self.pieces(Want::Types, &mut |piece, end| {
            for (kind, seen) in kinds.iter_mut().zip(piece.kinds) {
                kind.absorb(seen);
            }
            task.set_position(end);
            Ok::<_, SourceError>(Flow::Go)
        })?;
        task.finish();
        Ok(kinds)
    }

    /// Cuts the data rows into chunks on one thread while the chunks already cut are parsed
    /// on every core, a round at a time, and hands the pieces in file order to `each` (with
    /// the offset after them) until it says stop.
    fn pieces<E: From<SourceError>>(
        &self,
        want: Want,
        each: &mut dyn FnMut(Piece, u64) -> Result<Flow, E>,
    ) -> Result<Flow, E> {
        let source = self.layout.source;
        let mut input = open_input(source)?;
        skip(&mut input, self.start.offset).map_err(|e| source.open_error(e))?;
        let input = input.take(self.part.map_or(u64::MAX, |p| p.end - p.begin));
        let round = rayon::current_num_threads().max(1) * 2;
        std::thread::scope(|scope| {
            let (send, receive) = std::sync::mpsc::sync_channel(round);
            let options = &source.options;
            let mut chunker = Chunker::new(
                input,
                Boundaries::new(options.delimiter, options.quote),
                self.chunk_bytes,
                self.start.line,
                self.start.offset,
            );
            scope.spawn(move || {
                loop {
                    let next = chunker.next_chunk().transpose();
                    let last = !matches!(next, Some(Ok(_)));
                    // A closed channel means the pass stopped; it says why.
                    if next.is_none_or(|chunk| send.send(chunk).is_err()) || last {
                        return;
                    }
                }
            });
            let mut chunks = receive.iter();
            loop {
                let cut: Vec<Chunk> = chunks
                    .by_ref()
                    .take(round)
                    .collect::<std::io::Result<_>>()
                    .map_err(|e| source.open_error(e))?;
                if cut.is_empty() {
                    return Ok(Flow::Go);
                }
                let pieces: Vec<Result<Piece, SourceError>> = cut
                    .par_iter()
                    .map(|chunk| self.layout.parse(chunk, want))
                    .collect();
                for (piece, chunk) in pieces.into_iter().zip(&cut) {
                    if each(piece?, chunk.end)? == Flow::Stop {
                        return Ok(Flow::Stop);
                    }
                }
            }
        })
    }
}
