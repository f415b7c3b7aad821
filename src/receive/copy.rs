//! The local copy of what a topic carried: each slice's things and their triples, kept as
//! Parquet (a thing and its N-Triples per row, to apply the next changes to) and written
//! as N-Triples (things in IRI order, each thing's triples sorted: the same copy is the
//! same bytes).

use std::collections::{BTreeMap, BTreeSet};
use std::io::Write;
use std::path::{Path, PathBuf};

use polars::prelude::*;

use super::ReceiveError;
use crate::output::{AtomicFile, write_error};
use crate::publish::patch::Change;

/// What a message did to its thing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Effect {
    Added,
    Changed,
    Retracted,
    Unchanged,
}

/// Each slice's things (by IRI) and their triples: N-Triples lines, sorted, one string per
/// thing (a set of strings per thing took four times the memory).
pub struct Copy {
    dir: PathBuf,
    slices: BTreeMap<String, BTreeMap<String, String>>,
    touched: BTreeSet<String>,
}

impl Copy {
    /// The copies in `dir` (none when it is not there).
    pub fn load(dir: &Path) -> Result<Self, ReceiveError> {
        let mut slices = BTreeMap::new();
        let mut names: Vec<PathBuf> = std::fs::read_dir(dir)
            .into_iter()
            .flatten()
            .flatten()
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|e| e == "parquet"))
            .collect();
        names.sort();
        for path in names {
            let Some(slice) = path.file_stem().map(|s| s.to_string_lossy().into_owned()) else {
                continue;
            };
            let fail = |e: PolarsError| ReceiveError::Copy {
                path: path.display().to_string(),
                why: e.to_string(),
            };
            let file = std::fs::File::open(&path).map_err(|e| ReceiveError::Copy {
                path: path.display().to_string(),
                why: e.to_string(),
            })?;
            let frame = ParquetReader::new(file).finish().map_err(fail)?;
            let text = |name: &str| -> Result<StringChunked, ReceiveError> {
                let column = frame.column(name).map_err(fail)?;
                Ok(column.str().map_err(fail)?.clone())
            };
            let (things, triples) = (text("thing")?, text("triples")?);
            let mut held = BTreeMap::new();
            for (thing, text) in things.iter().zip(triples.iter()) {
                if let (Some(thing), Some(text)) = (thing, text) {
                    held.insert(thing.to_string(), text.to_string());
                }
            }
            slices.insert(slice, held);
        }
        Ok(Self {
            dir: dir.to_path_buf(),
            slices,
            touched: BTreeSet::new(),
        })
    }

    /// Applies a message's changes to thing `key` of `slice`, in order.
    pub fn apply(&mut self, slice: &str, key: &str, changes: &[Change]) -> Effect {
        self.touched.insert(slice.to_string());
        let things = match self.slices.get_mut(slice) {
            Some(things) => things,
            None => self.slices.entry(slice.to_string()).or_default(),
        };
        let held = things.get(key);
        let before: BTreeSet<&str> = held.map(|t| t.lines().collect()).unwrap_or_default();
        let mut after = before.clone();
        for change in changes {
            match change {
                Change::Add(line) => after.insert(line.as_str()),
                Change::Delete(line) => after.remove(line.as_str()),
            };
        }
        let effect = match (before.is_empty(), after.is_empty()) {
            (true, false) => Effect::Added,
            (false, true) => Effect::Retracted,
            _ if before == after => Effect::Unchanged,
            _ => Effect::Changed,
        };
        let text: String = after.iter().flat_map(|line| [*line, "\n"]).collect();
        match text.is_empty() {
            true => things.remove(key),
            false => things.insert(key.to_string(), text),
        };
        effect
    }

    /// Removes thing `key` of `slice` whole (a tombstone).
    pub fn remove(&mut self, slice: &str, key: &str) -> Effect {
        self.touched.insert(slice.to_string());
        let things = self.slices.entry(slice.to_string()).or_default();
        match things.remove(key) {
            Some(_) => Effect::Retracted,
            None => Effect::Unchanged,
        }
    }

    /// Things held, by slice (the slice's own triples are not a thing).
    pub fn counts(&self) -> BTreeMap<String, usize> {
        (self.slices.iter())
            .map(|(slice, things)| {
                let own = (things.keys()).filter(|k| k.starts_with("urn:thinslice:dataset:"));
                (slice.clone(), things.len() - own.count())
            })
            .collect()
    }

    /// Writes the copies of the slices changed: `SLICE.parquet` then `SLICE.nt`, each
    /// atomically. Returns the N-Triples files, all slices'.
    pub fn save(&self) -> Result<Vec<String>, ReceiveError> {
        for slice in &self.touched {
            let Some(things) = self.slices.get(slice) else {
                continue;
            };
            let parquet = self.dir.join(format!("{slice}.parquet"));
            let ids: Vec<&str> = things.keys().map(String::as_str).collect();
            let triples: Vec<&str> = things.values().map(String::as_str).collect();
            let mut frame = DataFrame::new(
                things.len(),
                vec![
                    Column::new("thing".into(), ids),
                    Column::new("triples".into(), triples),
                ],
            )
            .map_err(|e| write_error(&parquet, std::io::Error::other(e)))?;
            let (atomic, file) = AtomicFile::create(&parquet)?;
            ParquetWriter::new(file)
                .finish(&mut frame)
                .map_err(|e| atomic.error(std::io::Error::other(e)))?;
            atomic.commit()?;

            let nt = self.dir.join(format!("{slice}.nt"));
            let (atomic, file) = AtomicFile::create(&nt)?;
            let mut out = std::io::BufWriter::new(file);
            for text in things.values() {
                out.write_all(text.as_bytes())
                    .map_err(|e| atomic.error(e))?;
            }
            out.flush().map_err(|e| atomic.error(e))?;
            drop(out);
            atomic.commit()?;
        }
        Ok(self
            .slices
            .keys()
            .map(|slice| self.dir.join(format!("{slice}.nt")).display().to_string())
            .collect())
    }
}
