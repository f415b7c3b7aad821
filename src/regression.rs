//! Regression against committed expectations (`expected/SLICE/`): the things as canonical
//! CSV (sorted by id, without origins, which move when rows move), the RDF as sorted
//! N-Triples, and the conformance scores as a baseline. `thinslice test` compares a run with
//! them; `--bless` writes them.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::checks::{DIMENSIONS, Tally};
use crate::output::{self, OutputError};

/// The expectations folder of a workspace.
pub const EXPECTED_DIR: &str = "expected";

/// One slice's outputs in canonical form.
#[derive(Debug, Clone, PartialEq)]
pub struct Canonical {
    /// The header, without `_origin`.
    pub header: Vec<String>,
    /// id → the row's cells (the id first), without `_origin`.
    pub things: BTreeMap<String, Vec<String>>,
    pub triples: BTreeSet<String>,
    pub scores: BTreeMap<String, Baseline>,
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

/// A thing whose properties changed: `(column, old, new)` for each.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ChangedThing {
    pub id: String,
    pub changes: Vec<(String, String, String)>,
}

/// A dimension whose score moved.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ScoreChange {
    pub dimension: String,
    pub old: f64,
    pub new: f64,
    /// Lower than the baseline by more than the tolerance.
    pub regressed: bool,
}

/// How a slice differs from its expectations.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct SliceDiff {
    pub slice: String,
    /// No expectations were committed for this slice.
    pub missing_expectations: bool,
    pub added: Vec<String>,
    pub removed: Vec<String>,
    pub changed: Vec<ChangedThing>,
    pub columns_added: Vec<String>,
    pub columns_removed: Vec<String>,
    pub triples_added: Vec<String>,
    pub triples_removed: Vec<String>,
    pub scores: Vec<ScoreChange>,
}

impl SliceDiff {
    /// Whether the slice fails the test: any difference, or a score below its baseline.
    pub fn failed(&self) -> bool {
        self.missing_expectations
            || !self.added.is_empty()
            || !self.removed.is_empty()
            || !self.changed.is_empty()
            || !self.columns_added.is_empty()
            || !self.columns_removed.is_empty()
            || !self.triples_added.is_empty()
            || !self.triples_removed.is_empty()
            || self.scores.iter().any(|s| s.regressed)
    }
}

/// Reads a slice's outputs of a run (`entities/SLICE.csv`, `rdf/SLICE.nt`) in canonical form.
pub fn from_outputs(
    output_dir: &Path,
    slice: &str,
    scores: &BTreeMap<&'static str, Tally>,
) -> Result<Canonical, String> {
    let csv = std::fs::read(output_dir.join("entities").join(format!("{slice}.csv")))
        .map_err(|e| format!("entities of `{slice}`: {e}"))?;
    let nt = std::fs::read_to_string(output_dir.join("rdf").join(format!("{slice}.nt")))
        .map_err(|e| format!("RDF of `{slice}`: {e}"))?;
    let (header, things) = parse_csv(&csv, true)?;
    Ok(Canonical {
        header,
        things,
        triples: nt
            .lines()
            .filter(|l| !l.is_empty())
            .map(str::to_string)
            .collect(),
        scores: scores
            .iter()
            .map(|(d, t)| (d.to_string(), Baseline::from(*t)))
            .collect(),
    })
}

/// Reads a slice's committed expectations, if there are any.
pub fn read_expected(dir: &Path) -> Result<Option<Canonical>, String> {
    if !dir.is_dir() {
        return Ok(None);
    }
    let read = |name: &str| {
        std::fs::read(dir.join(name)).map_err(|e| format!("{}: {e}", dir.join(name).display()))
    };
    let (header, things) = parse_csv(&read("entities.csv")?, false)?;
    let triples = String::from_utf8_lossy(&read("triples.nt")?)
        .lines()
        .filter(|l| !l.is_empty())
        .map(str::to_string)
        .collect();
    let scores: BTreeMap<String, Baseline> = serde_json::from_slice(&read("scores.json")?)
        .map_err(|e| format!("{}: {e}", dir.join("scores.json").display()))?;
    Ok(Some(Canonical {
        header,
        things,
        triples,
        scores,
    }))
}

/// Writes a slice's expectations: entities.csv, triples.nt (sorted), scores.json.
pub fn write_expected(dir: &Path, canonical: &Canonical) -> Result<(), OutputError> {
    let mut csv = ::csv::Writer::from_writer(Vec::new());
    let io = |e: ::csv::Error| OutputError::Write {
        path: dir.join("entities.csv").display().to_string(),
        reason: e.to_string(),
    };
    csv.write_record(&canonical.header).map_err(io)?;
    for row in canonical.things.values() {
        csv.write_record(row).map_err(io)?;
    }
    let csv = csv.into_inner().map_err(|e| OutputError::Write {
        path: dir.join("entities.csv").display().to_string(),
        reason: e.to_string(),
    })?;
    output::write_atomic(&dir.join("entities.csv"), |w| {
        std::io::Write::write_all(w, &csv).map_err(|e| e.to_string())
    })?;
    let mut nt = canonical
        .triples
        .iter()
        .cloned()
        .collect::<Vec<_>>()
        .join("\n");
    nt.push('\n');
    output::write_text(&dir.join("triples.nt"), &nt)?;
    let scores =
        serde_json::to_string_pretty(&canonical.scores).map_err(|e| OutputError::Write {
            path: dir.join("scores.json").display().to_string(),
            reason: e.to_string(),
        })?;
    output::write_text(&dir.join("scores.json"), &format!("{scores}\n"))
}

/// A header, and rows of things keyed by their id.
type Things = (Vec<String>, BTreeMap<String, Vec<String>>);

/// A CSV of things keyed by its first column; `_origin` dropped when `drop_origin`.
fn parse_csv(bytes: &[u8], drop_origin: bool) -> Result<Things, String> {
    let mut reader = ::csv::ReaderBuilder::new()
        .has_headers(true)
        .from_reader(bytes);
    let header: Vec<String> = reader
        .headers()
        .map_err(|e| e.to_string())?
        .iter()
        .map(str::to_string)
        .collect();
    let keep: Vec<usize> = (0..header.len())
        .filter(|i| !(drop_origin && header[*i] == "_origin"))
        .collect();
    let mut things = BTreeMap::new();
    for record in reader.records() {
        let record = record.map_err(|e| e.to_string())?;
        let row: Vec<String> = keep
            .iter()
            .map(|i| record.get(*i).unwrap_or_default().to_string())
            .collect();
        let id = row.first().cloned().unwrap_or_default();
        things.insert(id, row);
    }
    Ok((keep.iter().map(|i| header[*i].clone()).collect(), things))
}

/// Compares a run's canonical outputs with the expectations; `tolerance` says, per dimension,
/// how far a score may fall below its baseline.
pub fn compare(
    slice: &str,
    expected: Option<&Canonical>,
    actual: &Canonical,
    tolerance: &BTreeMap<String, f64>,
) -> SliceDiff {
    let Some(expected) = expected else {
        return SliceDiff {
            slice: slice.to_string(),
            missing_expectations: true,
            ..SliceDiff::default()
        };
    };
    let mut diff = SliceDiff {
        slice: slice.to_string(),
        ..SliceDiff::default()
    };
    diff.columns_added = actual
        .header
        .iter()
        .filter(|h| !expected.header.contains(h))
        .cloned()
        .collect();
    diff.columns_removed = expected
        .header
        .iter()
        .filter(|h| !actual.header.contains(h))
        .cloned()
        .collect();
    for (id, row) in &actual.things {
        match expected.things.get(id) {
            None => diff.added.push(id.clone()),
            Some(old) => {
                let cell = |header: &[String], row: &[String], name: &str| {
                    header
                        .iter()
                        .position(|h| h == name)
                        .and_then(|i| row.get(i).cloned())
                        .unwrap_or_default()
                };
                let changes: Vec<(String, String, String)> = actual
                    .header
                    .iter()
                    .filter(|h| expected.header.contains(h))
                    .filter_map(|name| {
                        let (was, is) = (
                            cell(&expected.header, old, name),
                            cell(&actual.header, row, name),
                        );
                        (was != is).then(|| (name.clone(), was, is))
                    })
                    .collect();
                if !changes.is_empty() {
                    diff.changed.push(ChangedThing {
                        id: id.clone(),
                        changes,
                    });
                }
            }
        }
    }
    diff.removed = expected
        .things
        .keys()
        .filter(|id| !actual.things.contains_key(*id))
        .cloned()
        .collect();
    diff.triples_added = actual
        .triples
        .difference(&expected.triples)
        .cloned()
        .collect();
    diff.triples_removed = expected
        .triples
        .difference(&actual.triples)
        .cloned()
        .collect();
    for dimension in DIMENSIONS {
        let (Some(old), Some(new)) = (expected.scores.get(dimension), actual.scores.get(dimension))
        else {
            continue;
        };
        if (old.score - new.score).abs() > f64::EPSILON {
            diff.scores.push(ScoreChange {
                dimension: dimension.to_string(),
                old: old.score,
                new: new.score,
                regressed: new.score < old.score - tolerance.get(dimension).copied().unwrap_or(0.0),
            });
        }
    }
    diff
}

#[cfg(test)]
mod tests {
    use super::*;

    fn canonical(rows: &[(&str, &str)], triples: &[&str], validity: f64) -> Canonical {
        Canonical {
            header: vec!["id".into(), "ratedPower".into()],
            things: rows
                .iter()
                .map(|(id, p)| (id.to_string(), vec![id.to_string(), p.to_string()]))
                .collect(),
            triples: triples.iter().map(|t| t.to_string()).collect(),
            scores: [(
                "validity".to_string(),
                Baseline {
                    score: validity,
                    checked: 10,
                    passed: (validity * 10.0) as u64,
                },
            )]
            .into_iter()
            .collect(),
        }
    }

    #[test]
    fn differences_are_named_by_thing_property_and_dimension() {
        let old = canonical(&[("a", "1"), ("b", "2")], &["t1", "t2"], 1.0);
        let new = canonical(&[("a", "5"), ("c", "3")], &["t1", "t3"], 0.9);
        let none = BTreeMap::new();
        let diff = compare("s", Some(&old), &new, &none);
        assert_eq!(diff.added, ["c"]);
        assert_eq!(diff.removed, ["b"]);
        assert_eq!(
            diff.changed,
            [ChangedThing {
                id: "a".into(),
                changes: vec![("ratedPower".into(), "1".into(), "5".into())]
            }]
        );
        assert_eq!(diff.triples_added, ["t3"]);
        assert_eq!(diff.triples_removed, ["t2"]);
        assert!(diff.scores[0].regressed);
        assert!(diff.failed());
        // Within the tolerance, a lower score is no regression.
        let same_things = canonical(&[("a", "1"), ("b", "2")], &["t1", "t2"], 0.9);
        let validity = [("validity".to_string(), 0.2)].into_iter().collect();
        let tolerant = compare("s", Some(&old), &same_things, &validity);
        assert!(!tolerant.failed(), "{tolerant:?}");
        // A tolerance for another dimension does not excuse this one.
        let other = [("integrity".to_string(), 0.2)].into_iter().collect();
        assert!(compare("s", Some(&old), &same_things, &other).failed());
        assert!(!compare("s", Some(&old), &old, &none).failed());
    }
}
