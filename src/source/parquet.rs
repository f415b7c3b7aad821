//! Parquet files, read with polars. A row's origin is its 1-based position in the file.

use std::fs::File;

use polars::prelude::*;

use super::cells::name_headers;
use super::{Origin, OriginKind, Source, SourceError, Table};
use crate::columns::{DATA_ROW, ROW_COLUMN, is_reserved};
use crate::progress::Progress;

fn open(source: &Source) -> Result<ParquetReader<File>, SourceError> {
    let file = File::open(&source.path).map_err(|e| source.open_error(e))?;
    let empty = file.metadata().map(|m| m.len() == 0).unwrap_or(false);
    if empty {
        return Err(SourceError::Empty {
            id: source.id.clone(),
            path: source.display.clone(),
            src: source.config.src.clone(),
            span: source.config.span,
        });
    }
    Ok(ParquetReader::new(file))
}

fn not_parquet(source: &Source, err: PolarsError) -> SourceError {
    SourceError::NotParquet {
        path: source.display.clone(),
        source: err,
        src: source.config.src.clone(),
        span: source.config.span,
    }
}

fn refuse_reserved(source: &Source, names: &[String]) -> Result<(), SourceError> {
    match names.iter().find(|n| is_reserved(n)) {
        Some(name) => Err(SourceError::ReservedColumn {
            location: source.display.clone(),
            name: name.clone(),
        }),
        None => Ok(()),
    }
}

pub(super) fn headers(source: &Source) -> Result<Vec<String>, SourceError> {
    let mut reader = open(source)?;
    let schema = reader.schema().map_err(|e| not_parquet(source, e))?;
    let names = column_names(&schema);
    refuse_reserved(source, &names)?;
    Ok(names)
}

/// The names a Parquet file's columns go by, as for a CSV header: trimmed, a blank one named
/// after its position, a repeated one suffixed (` name ` beside `name` is `name (2)`).
fn column_names(schema: &ArrowSchema) -> Vec<String> {
    let raw: Vec<String> = schema.iter_names().map(|n| n.to_string()).collect();
    name_headers(&raw, |i| format!("column {}", i + 1))
}

/// Reads the columns named in `wanted` (all when None) in tables of at most `batch` rows
/// (one table when None), each read from the row groups it spans, so a file larger than
/// memory can be read.
pub(super) fn read<E: From<SourceError>>(
    source: &Source,
    wanted: Option<&[String]>,
    batch: Option<usize>,
    progress: &dyn Progress,
    each: &mut dyn FnMut(Table) -> Result<(), E>,
) -> Result<(), E> {
    let task = progress.task(&format!("reading {}", source.id), None);
    let fail = |e: PolarsError| not_parquet(source, e);
    let mut reader = open(source)?;
    let schema = reader.schema().map_err(fail)?;
    let names = column_names(&schema);
    refuse_reserved(source, &names)?;
    // The file's own names (which may carry spaces) and the names the columns go by.
    let (projection, kept): (Vec<String>, Vec<String>) = schema
        .iter_names()
        .zip(&names)
        .filter(|(_, name)| wanted.is_none_or(|w| w.contains(name)))
        .map(|(original, name)| (original.to_string(), name.clone()))
        .unzip();
    let all = reader.num_rows().map_err(fail)?;
    // A part of the file (a shard): its range of rows.
    let (first, rows) = match source.part {
        Some(part) => (
            part.bound(part.index - 1, all as u64) as usize,
            part.bound(part.index, all as u64) as usize,
        ),
        None => (0, all),
    };
    let step = batch.unwrap_or(rows - first).max(1);
    let mut offset = first;
    loop {
        let len = step.min(rows - offset);
        let read = open(source)?
            .with_columns((!projection.is_empty()).then(|| projection.clone()))
            .with_slice(Some((offset, len)))
            .finish()
            .map_err(fail)?;
        let positions: Vec<u64> = (offset as u64 + 1..=(offset + len) as u64).collect();
        let mut columns = vec![Column::new(PlSmallStr::from(ROW_COLUMN), positions.clone())];
        if source.part.is_some() {
            // A row's position is its place among the data rows.
            columns.push(Column::new(PlSmallStr::from(DATA_ROW), positions));
        }
        for (original, name) in projection.iter().zip(&kept) {
            let column = read.column(original).map_err(fail)?;
            columns.push(column.clone().with_name(PlSmallStr::from(name.as_str())));
        }
        let frame = DataFrame::new(len, columns).map_err(fail)?;
        each(Table {
            frame,
            origin: Origin {
                file: source.display.clone(),
                kind: OriginKind::Rows,
            },
        })?;
        offset += len;
        if offset >= rows || len == 0 {
            break;
        }
    }
    task.finish();
    Ok(())
}
