//! Parquet files, read with polars. A row's origin is its 1-based position in the file.

use std::fs::File;

use polars::prelude::*;

use super::columns::is_reserved;
use super::{Origin, OriginKind, ROW_COLUMN, Source, SourceError, Table};

fn open(source: &Source) -> Result<ParquetReader<File>, SourceError> {
    let file = File::open(&source.path).map_err(|e| source.open_error(e.to_string()))?;
    let empty = file.metadata().map(|m| m.len() == 0).unwrap_or(false);
    if empty {
        return Err(SourceError::Empty {
            id: source.id.clone(),
            path: source.display.clone(),
            src: source.config.src.clone(),
            span: source.config.path,
        });
    }
    Ok(ParquetReader::new(file))
}

fn not_parquet(source: &Source, err: &PolarsError) -> SourceError {
    SourceError::NotParquet {
        path: source.display.clone(),
        reason: err.to_string(),
        src: source.config.src.clone(),
        span: source.config.path,
    }
}

fn check_names(source: &Source, names: &[String]) -> Result<(), SourceError> {
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
    let schema = reader.schema().map_err(|e| not_parquet(source, &e))?;
    let names: Vec<String> = schema.iter_names().map(|n| n.trim().to_string()).collect();
    check_names(source, &names)?;
    Ok(names)
}

pub(super) fn read(source: &Source) -> Result<Table, SourceError> {
    let mut frame = open(source)?
        .finish()
        .map_err(|e| not_parquet(source, &e))?;
    let names: Vec<String> = frame
        .get_column_names()
        .iter()
        .map(|n| n.trim().to_string())
        .collect();
    check_names(source, &names)?;
    frame
        .set_column_names(&names)
        .map_err(|e| not_parquet(source, &e))?;
    let frame = frame
        .lazy()
        .with_row_index(ROW_COLUMN, Some(1))
        .with_column(col(ROW_COLUMN).cast(DataType::UInt64))
        .collect()
        .map_err(|e| not_parquet(source, &e))?;
    Ok(Table {
        frame,
        origin: Origin {
            file: source.display.clone(),
            kind: OriginKind::Rows,
        },
    })
}
