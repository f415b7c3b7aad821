//! How a run's canonical outputs differ from a slice's expectations: things added, removed
//! and changed, triples added and removed, scores below their baseline.

use std::collections::BTreeMap;

use serde::Serialize;

use super::canonical::Canonical;
use crate::quality::Dimension;

/// A thing whose properties changed: `(column, old, new)` for each.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ChangedThing {
    pub id: String,
    pub changes: Vec<(String, String, String)>,
}

/// A dimension whose score moved.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ScoreChange {
    pub dimension: Dimension,
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

/// How far a score may fall below its baseline, per dimension, before it is a regression.
pub type Tolerances = BTreeMap<Dimension, f64>;

/// Compares a run's canonical outputs with the expectations.
pub fn compare(
    slice: &str,
    expected: Option<&Canonical>,
    actual: &Canonical,
    tolerance: &Tolerances,
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
    let missing_from = |header: &[String], other: &[String]| -> Vec<String> {
        header
            .iter()
            .filter(|h| !other.contains(h))
            .cloned()
            .collect()
    };
    diff.columns_added = missing_from(&actual.header, &expected.header);
    diff.columns_removed = missing_from(&expected.header, &actual.header);
    things(&mut diff, expected, actual);
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
    for dimension in Dimension::ALL {
        let (Some(old), Some(new)) = (
            expected.scores.get(&dimension),
            actual.scores.get(&dimension),
        ) else {
            continue;
        };
        if (old.score - new.score).abs() > f64::EPSILON {
            let allowed = tolerance.get(&dimension).copied().unwrap_or(0.0);
            diff.scores.push(ScoreChange {
                dimension,
                old: old.score,
                new: new.score,
                regressed: new.score < old.score - allowed,
            });
        }
    }
    diff
}

/// Things added, removed and changed. Things sharing an id are compared in their canonical
/// order; an id used by more (or fewer) things than expected adds (or removes) that many.
fn things(diff: &mut SliceDiff, expected: &Canonical, actual: &Canonical) {
    let none = Vec::new();
    let ids: std::collections::BTreeSet<&String> =
        actual.things.keys().chain(expected.things.keys()).collect();
    for id in ids {
        let was = expected.things.get(id).unwrap_or(&none);
        let is = actual.things.get(id).unwrap_or(&none);
        for (old, new) in was.iter().zip(is) {
            let changes = row_changes(&expected.header, old, &actual.header, new);
            if !changes.is_empty() {
                diff.changed.push(ChangedThing {
                    id: id.clone(),
                    changes,
                });
            }
        }
        for _ in was.len()..is.len() {
            diff.added.push(id.clone());
        }
        for _ in is.len()..was.len() {
            diff.removed.push(id.clone());
        }
    }
}

/// `(column, old, new)` for each column both headers have whose cell differs.
fn row_changes(
    old_header: &[String],
    old: &[String],
    new_header: &[String],
    new: &[String],
) -> Vec<(String, String, String)> {
    let cell = |header: &[String], row: &[String], name: &str| {
        header
            .iter()
            .position(|h| h == name)
            .and_then(|i| row.get(i).cloned())
            .unwrap_or_default()
    };
    new_header
        .iter()
        .filter(|h| old_header.contains(h))
        .filter_map(|name| {
            let (was, is) = (cell(old_header, old, name), cell(new_header, new, name));
            (was != is).then(|| (name.clone(), was, is))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::regression::canonical::Baseline;

    fn canonical(rows: &[(&str, &str)], triples: &[&str], validity: f64) -> Canonical {
        let mut things: BTreeMap<String, Vec<Vec<String>>> = BTreeMap::new();
        for (id, power) in rows {
            things
                .entry(id.to_string())
                .or_default()
                .push(vec![id.to_string(), power.to_string()]);
        }
        Canonical {
            header: vec!["id".into(), "ratedPower".into()],
            things,
            triples: triples.iter().map(|t| t.to_string()).collect(),
            scores: [(
                Dimension::Validity,
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
        let none = Tolerances::new();
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
        let validity = [(Dimension::Validity, 0.2)].into_iter().collect();
        let tolerant = compare("s", Some(&old), &same_things, &validity);
        assert!(!tolerant.failed(), "{tolerant:?}");
        // A tolerance for another dimension does not excuse this one.
        let other = [(Dimension::Integrity, 0.2)].into_iter().collect();
        assert!(compare("s", Some(&old), &same_things, &other).failed());
        assert!(!compare("s", Some(&old), &old, &none).failed());
    }

    #[test]
    fn a_second_thing_with_an_id_is_a_difference() {
        let none = Tolerances::new();
        let one = canonical(&[("a", "1"), ("b", "2")], &["t1"], 1.0);
        let twice = canonical(&[("a", "1"), ("a", "7"), ("b", "2")], &["t1"], 1.0);
        let diff = compare("s", Some(&one), &twice, &none);
        assert_eq!(diff.added, ["a"], "{diff:?}");
        assert!(
            diff.removed.is_empty() && diff.changed.is_empty(),
            "{diff:?}"
        );
        assert!(diff.failed());
        let back = compare("s", Some(&twice), &one, &none);
        assert_eq!(back.removed, ["a"], "{back:?}");
        // The same two things, whatever order the source had them in.
        let swapped = canonical(&[("a", "7"), ("a", "1"), ("b", "2")], &["t1"], 1.0);
        let mut sorted = swapped.clone();
        for rows in sorted.things.values_mut() {
            rows.sort();
        }
        assert!(!compare("s", Some(&twice), &sorted, &none).failed());
        // A changed value of one of them is named.
        let changed = canonical(&[("a", "1"), ("a", "8"), ("b", "2")], &["t1"], 1.0);
        let diff = compare("s", Some(&twice), &changed, &none);
        assert_eq!(diff.changed.len(), 1, "{diff:?}");
        assert_eq!(
            diff.changed[0].changes,
            [("ratedPower".into(), "7".into(), "8".into())]
        );
    }
}
