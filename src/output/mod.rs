//! Writers. Every file is written under a temporary name in its final folder and renamed
//! into place, so a crash never leaves a half-written file that looks complete.

use std::fs::{self, File};
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use miette::Diagnostic;
use polars::prelude::*;
use thiserror::Error;

mod rdf;
pub use rdf::{RdfStats, write_rdf};

#[derive(Debug, Error, Diagnostic)]
pub enum OutputError {
    #[error("cannot write {path}: {reason}")]
    #[diagnostic(
        code(thinslice::output::write),
        help("check that the output folder is writable and the disk has room")
    )]
    Write { path: String, reason: String },
}

/// Writes `path` atomically: `write` fills a temporary file beside it, which is flushed,
/// synced and renamed over `path` only when `write` succeeded.
pub fn write_atomic<F>(path: &Path, write: F) -> Result<(), OutputError>
where
    F: FnOnce(&mut BufWriter<File>) -> Result<(), String>,
{
    let fail = |reason: String| OutputError::Write {
        path: path.display().to_string(),
        reason,
    };
    let parent = path.parent().unwrap_or(Path::new("."));
    fs::create_dir_all(parent).map_err(|e| fail(e.to_string()))?;
    let temporary = temporary_name(path);
    let result = (|| {
        let file = File::create(&temporary).map_err(|e| e.to_string())?;
        let mut writer = BufWriter::new(file);
        write(&mut writer)?;
        let file = writer.into_inner().map_err(|e| e.error().to_string())?;
        file.sync_all().map_err(|e| e.to_string())?;
        fs::rename(&temporary, path).map_err(|e| e.to_string())
    })();
    if let Err(reason) = result {
        // Best effort: the temporary file is useless now, and its name says so.
        let _ = fs::remove_file(&temporary);
        return Err(fail(reason));
    }
    Ok(())
}

fn temporary_name(path: &Path) -> PathBuf {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    path.with_file_name(format!(".{name}.{}.partial", std::process::id()))
}

/// Writes a text file, atomically.
pub fn write_text(path: &Path, text: &str) -> Result<(), OutputError> {
    write_atomic(path, |writer| {
        writer.write_all(text.as_bytes()).map_err(|e| e.to_string())
    })
}

/// Writes a frame as Parquet, atomically.
pub fn write_parquet(frame: &mut DataFrame, path: &Path) -> Result<(), OutputError> {
    write_atomic(path, |writer| {
        ParquetWriter::new(&mut *writer)
            .finish(frame)
            .map(|_| ())
            .map_err(|e| e.to_string())?;
        writer.flush().map_err(|e| e.to_string())
    })
}

/// A text that a spreadsheet would take for a formula, made inert with a leading `'`.
fn guard(text: Expr) -> Expr {
    when(text.clone().str().contains(lit(r"^[=+\-@\t\r]"), false))
        .then(concat_str([lit("'"), text.clone()], "", false))
        .otherwise(text)
}

/// Writes a frame as CSV, atomically. Text cells that a spreadsheet would run as a formula
/// (starting with `=`, `+`, `-`, `@`, a tab or a carriage return) get a leading `'`, so the
/// file is safe to open; numbers are never formulas and stay as they are.
pub fn write_csv(frame: &DataFrame, path: &Path) -> Result<(), OutputError> {
    let fail = |e: PolarsError| OutputError::Write {
        path: path.display().to_string(),
        reason: e.to_string(),
    };
    let guarded: Vec<Expr> = frame
        .columns()
        .iter()
        .map(|column| {
            let name = column.name().as_str();
            match column.dtype() {
                // Several values in one cell: joined with `|`, then guarded like any text.
                DataType::List(_) => guard(
                    col(name)
                        .list()
                        .eval(element().cast(DataType::String))
                        .list()
                        .join(lit("|"), true),
                )
                .alias(name),
                DataType::String => guard(col(name)).alias(name),
                _ => col(name),
            }
        })
        .collect();
    let mut safe = frame
        .clone()
        .lazy()
        .select(guarded)
        .collect()
        .map_err(fail)?;
    write_atomic(path, |writer| {
        CsvWriter::new(&mut *writer)
            .include_header(true)
            .finish(&mut safe)
            .map_err(|e| e.to_string())?;
        writer.flush().map_err(|e| e.to_string())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_failed_write_leaves_neither_the_file_nor_its_temporary() {
        let dir = tempfile::tempdir().expect("temporary folder");
        let path = dir.path().join("x.parquet");
        let result = write_atomic(&path, |w| {
            w.write_all(b"half").map_err(|e| e.to_string())?;
            Err("interrupted".into())
        });
        assert!(result.is_err());
        let left: Vec<_> = fs::read_dir(dir.path()).expect("listing").collect();
        assert!(left.is_empty(), "left behind: {left:?}");
    }

    #[test]
    fn a_successful_write_replaces_the_file() {
        let dir = tempfile::tempdir().expect("temporary folder");
        let path = dir.path().join("x.txt");
        fs::write(&path, "old").expect("seed");
        write_atomic(&path, |w| w.write_all(b"new").map_err(|e| e.to_string())).expect("write");
        assert_eq!(fs::read_to_string(&path).expect("read"), "new");
    }
}
