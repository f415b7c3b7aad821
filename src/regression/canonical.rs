//! A slice's outputs in canonical form, as a run writes them and as `expected/SLICE/` keeps
//! them: the things as CSV sorted by id (without origins, which move when rows move), the
//! RDF as sorted N-Triples, and the conformance scores as a baseline.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use miette::Diagnostic;
use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::columns::ORIGIN_COLUMN;
use crate::output::{self, Cause, OutputError};
use crate::quality::{Dimension, Tally};

/// One slice's outputs in canonical form.
#[derive(Debug, Clone, PartialEq)]
pub struct Canonical {
    /// The header, without `_origin`.
    pub header: Vec<String>,
    /// id → the rows of the things with that id (the id first, without `_origin`), sorted:
    /// two things sharing an id are both kept.
    pub things: BTreeMap<String, Vec<Vec<String>>>,
    pub triples: BTreeSet<String>,
    pub scores: BTreeMap<Dimension, Baseline>,
}

/// A dimension's score as the baseline keeps it.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Baseline {
    pub score: f64,
    pub checked: u64,
    pub passed: u64,
}

impl From<Tally> for Baseline {
    fn from(t: Tally) -> Self {
        Self {
            score: t.score(),
            checked: t.checked,
            passed: t.passed,
        }
    }
}

#[derive(Debug, Error, Diagnostic)]
pub enum RegressionError {
    #[error("cannot read {path}")]
    #[diagnostic(
        code(thinslice::test::read),
        help("regenerate the expectations with `thinslice test --bless` and review the diff")
    )]
    Read {
        path: String,
        #[source]
        source: std::io::Error,
    },

    #[error("{path} is not a CSV of things")]
    #[diagnostic(
        code(thinslice::test::things),
        help("regenerate the expectations with `thinslice test --bless` and review the diff")
    )]
    Things {
        path: String,
        #[source]
        source: ::csv::Error,
    },

    #[error("{path} is not a scores baseline")]
    #[diagnostic(
        code(thinslice::test::scores),
        help("regenerate the expectations with `thinslice test --bless` and review the diff")
    )]
    Scores {
        path: String,
        #[source]
        source: serde_json::Error,
    },
}

fn read(path: &Path) -> Result<Vec<u8>, RegressionError> {
    std::fs::read(path).map_err(|source| RegressionError::Read {
        path: path.display().to_string(),
        source,
    })
}

fn lines(bytes: &[u8]) -> BTreeSet<String> {
    String::from_utf8_lossy(bytes)
        .lines()
        .filter(|l| !l.is_empty())
        .map(str::to_string)
        .collect()
}

impl Canonical {
    /// A slice's outputs of a run (`entities/SLICE.csv`, `rdf/SLICE.nt`) and its scores.
    pub fn from_outputs(
        output_dir: &Path,
        slice: &str,
        scores: &BTreeMap<Dimension, Tally>,
    ) -> Result<Self, RegressionError> {
        let csv_path = output_dir.join("entities").join(format!("{slice}.csv"));
        let (header, things) = parse_csv(&csv_path, &read(&csv_path)?)?;
        let nt = read(&output_dir.join("rdf").join(format!("{slice}.nt")))?;
        Ok(Self {
            header,
            things,
            triples: lines(&nt),
            scores: scores
                .iter()
                .map(|(d, t)| (*d, Baseline::from(*t)))
                .collect(),
        })
    }

    /// A slice's committed expectations, if there are any.
    pub fn read_expected(dir: &Path) -> Result<Option<Self>, RegressionError> {
        if !dir.is_dir() {
            return Ok(None);
        }
        let csv_path = dir.join("entities.csv");
        let (header, things) = parse_csv(&csv_path, &read(&csv_path)?)?;
        let scores_path = dir.join("scores.json");
        let scores = serde_json::from_slice(&read(&scores_path)?).map_err(|source| {
            RegressionError::Scores {
                path: scores_path.display().to_string(),
                source,
            }
        })?;
        Ok(Some(Self {
            header,
            things,
            triples: lines(&read(&dir.join("triples.nt"))?),
            scores,
        }))
    }

    /// Writes a slice's expectations: entities.csv, triples.nt (sorted), scores.json.
    pub fn write_expected(&self, dir: &Path) -> Result<(), OutputError> {
        let csv_path = dir.join("entities.csv");
        let fail = |cause: Cause| OutputError::Write {
            path: csv_path.display().to_string(),
            source: cause,
        };
        let mut csv = ::csv::Writer::from_writer(Vec::new());
        csv.write_record(&self.header).map_err(|e| fail(e.into()))?;
        for row in self.things.values().flatten() {
            csv.write_record(row).map_err(|e| fail(e.into()))?;
        }
        let csv = csv.into_inner().map_err(|e| fail(e.into_error().into()))?;
        output::write_atomic(&csv_path, |w| Ok(std::io::Write::write_all(w, &csv)?))?;
        let mut nt = self.triples.iter().cloned().collect::<Vec<_>>().join("\n");
        nt.push('\n');
        output::write_text(&dir.join("triples.nt"), &nt)?;
        let scores_path: PathBuf = dir.join("scores.json");
        let scores =
            serde_json::to_string_pretty(&self.scores).map_err(|e| OutputError::Write {
                path: scores_path.display().to_string(),
                source: e.into(),
            })?;
        output::write_text(&scores_path, &format!("{scores}\n"))
    }
}

/// A header, and the rows of things by their id.
type Things = (Vec<String>, BTreeMap<String, Vec<Vec<String>>>);

/// A CSV of things keyed by its first column, without `_origin`.
fn parse_csv(path: &Path, bytes: &[u8]) -> Result<Things, RegressionError> {
    let fail = |source| RegressionError::Things {
        path: path.display().to_string(),
        source,
    };
    let mut reader = ::csv::ReaderBuilder::new()
        .has_headers(true)
        .from_reader(bytes);
    let header: Vec<String> = reader
        .headers()
        .map_err(fail)?
        .iter()
        .map(str::to_string)
        .collect();
    let keep: Vec<usize> = (0..header.len())
        .filter(|i| header[*i] != ORIGIN_COLUMN)
        .collect();
    let mut things: BTreeMap<String, Vec<Vec<String>>> = BTreeMap::new();
    for record in reader.records() {
        let record = record.map_err(fail)?;
        let row: Vec<String> = keep
            .iter()
            .map(|i| record.get(*i).unwrap_or_default().to_string())
            .collect();
        let id = row.first().cloned().unwrap_or_default();
        things.entry(id).or_default().push(row);
    }
    // Things sharing an id are kept in an order of their own, not the source's.
    for rows in things.values_mut() {
        rows.sort();
    }
    Ok((keep.iter().map(|i| header[*i].clone()).collect(), things))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn things_sharing_an_id_are_both_kept_and_written_back() {
        let dir = tempfile::tempdir().expect("temporary folder");
        let csv = "id,ratedPower,_origin\nb,2,x.csv:3\na,9,x.csv:4\na,1,x.csv:2\n";
        let (header, things) = parse_csv(Path::new("x.csv"), csv.as_bytes()).expect("CSV");
        assert_eq!(header, ["id", "ratedPower"]);
        assert_eq!(things["a"], [vec!["a", "1"], vec!["a", "9"]]);
        let canonical = Canonical {
            header,
            things,
            triples: BTreeSet::new(),
            scores: BTreeMap::new(),
        };
        canonical.write_expected(dir.path()).expect("write");
        let written = std::fs::read_to_string(dir.path().join("entities.csv")).expect("read");
        assert_eq!(written, "id,ratedPower\na,1\na,9\nb,2\n");
        let back = Canonical::read_expected(dir.path())
            .expect("read back")
            .expect("expectations");
        assert_eq!(back, canonical);
    }
}
