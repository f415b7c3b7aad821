//! The quality vocabulary as types: the dimensions conformance is scored in, what falling
//! below a threshold means, the status a score ends with, and the levels of digitalisation.
//! A leaf: every layer names these, so they depend on nothing but the diagnostics plumbing.

use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

use miette::{Diagnostic, SourceSpan};
use serde::{Deserialize, Serialize};
use serde_saphyr::Spanned;
use thiserror::Error;

use crate::diag::{self, SourceText, YamlFile};

/// A dimension of conformance (ISO 8000-8): every check made counts in one of them.
///
/// The variants are declared in alphabetical order, so that maps keyed by dimension keep
/// the key order reports and baselines have always had; [`Dimension::ALL`] gives the order
/// people read them in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Dimension {
    /// The properties the RDL requires of a thing's class are present.
    Completeness,
    /// Every source code maps to an RDL term.
    Conformity,
    /// Every link resolves to a thing of its target slice.
    Integrity,
    /// Every identifier names one thing.
    Uniqueness,
    /// Values parse, convert and meet the RDL's rules.
    Validity,
}

impl Dimension {
    /// Every dimension, in the order tables show them.
    pub const ALL: [Dimension; 5] = [
        Dimension::Completeness,
        Dimension::Validity,
        Dimension::Conformity,
        Dimension::Uniqueness,
        Dimension::Integrity,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Completeness => "completeness",
            Self::Conformity => "conformity",
            Self::Integrity => "integrity",
            Self::Uniqueness => "uniqueness",
            Self::Validity => "validity",
        }
    }

    /// The names of every dimension, for "did you mean" and help texts.
    pub fn names() -> impl Iterator<Item = &'static str> + Clone {
        Self::ALL.into_iter().map(Self::as_str)
    }
}

impl fmt::Display for Dimension {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Dimension {
    type Err = String;

    fn from_str(name: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|d| d.as_str() == name)
            .ok_or_else(|| diag::suggest(name, Self::names(), "dimensions"))
    }
}

/// What falling below a quality threshold means for the run.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Warn,
    #[default]
    Fail,
}

/// A minimum score for one dimension.
#[derive(Debug, Clone, PartialEq)]
pub struct Threshold {
    pub min: f64,
    pub severity: Severity,
}

/// The thresholds in force, by dimension.
/// The quality bar of a workspace or a slice: a minimum score per dimension, and a minimum
/// number of rows (a slice of no rows scores 100% and proves nothing).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Thresholds {
    pub dimensions: BTreeMap<Dimension, Threshold>,
    pub rows: Option<RowMinimum>,
}

/// The fewest rows a slice may hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RowMinimum {
    pub min: u64,
    pub severity: Severity,
}

impl RowMinimum {
    /// The status of a slice holding `rows` rows.
    pub fn status(&self, rows: u64) -> Status {
        match (rows < self.min, self.severity) {
            (false, _) => Status::Pass,
            (true, Severity::Fail) => Status::Fail,
            (true, Severity::Warn) => Status::Warn,
        }
    }
}

impl Thresholds {
    pub fn get(&self, dimension: Dimension) -> Option<&Threshold> {
        self.dimensions.get(&dimension)
    }

    /// These thresholds, each overridden by `other`'s where it sets one.
    pub fn overridden_by(&self, other: &Thresholds) -> Thresholds {
        let mut dimensions = self.dimensions.clone();
        dimensions.extend(other.dimensions.clone());
        Thresholds {
            dimensions,
            rows: other.rows.or(self.rows),
        }
    }
}

/// The key of `quality:` that sets a minimum number of rows rather than a score.
const ROWS_KEY: &str = "rows";

/// How a score stands against its threshold.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Pass,
    /// Below a `warn` threshold.
    Warn,
    /// Below a `fail` threshold: the run exits 1.
    Fail,
}

impl Status {
    /// The status of `score` against `threshold`, if one is set.
    pub fn of(score: f64, threshold: Option<&Threshold>) -> Self {
        match threshold {
            Some(t) if score < t.min => match t.severity {
                Severity::Fail => Self::Fail,
                Severity::Warn => Self::Warn,
            },
            _ => Self::Pass,
        }
    }
}

/// Checks made and passed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct Tally {
    pub checked: u64,
    pub passed: u64,
}

impl Tally {
    /// Passed / checked; a dimension with nothing to check is fully conformant.
    pub fn score(&self) -> f64 {
        if self.checked == 0 {
            1.0
        } else {
            self.passed as f64 / self.checked as f64
        }
    }

    pub fn add(&mut self, other: Tally) {
        self.checked += other.checked;
        self.passed += other.passed;
    }
}

/// The level of digitalisation a data item reached, lowest first: the top four of the
/// IMF's eight-level scale, the ones a source read by a machine can be at (below them:
/// unknown, in someone's head, on paper, unstructured). A thin slice raises a column from
/// `Syntactic` towards `Grounded`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    /// Read, not mapped.
    Syntactic,
    /// Mapped with failures, or kept as free text.
    Implicit,
    /// Mapped to an RDL property, and conformant.
    Explicit,
    /// Explicit, and the classes reach the top of the RDL.
    Grounded,
}

impl Level {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Syntactic => "syntactic",
            Self::Implicit => "implicit",
            Self::Explicit => "explicit",
            Self::Grounded => "grounded",
        }
    }
}

impl fmt::Display for Level {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// `{ min: 0.95, severity: fail }`, as written in `thinslice.yaml` or a slice file.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ThresholdYaml {
    min: f64,
    #[serde(default)]
    severity: Severity,
}

/// Checks a `quality:` map: known dimensions, minimums between 0 and 1, and `rows`, a whole
/// number of rows. Every problem is returned.
pub fn thresholds(
    file: &YamlFile,
    yaml: BTreeMap<String, Spanned<ThresholdYaml>>,
) -> Result<Thresholds, Vec<QualityError>> {
    let mut quality = Thresholds::default();
    let mut problems = Vec::new();
    for (name, threshold) in yaml {
        let span = file.span(&threshold.referenced);
        if name == ROWS_KEY {
            let ThresholdYaml { min, severity } = threshold.value;
            if min >= 0.0 && min.fract() == 0.0 && min < 1e15 {
                quality.rows = Some(RowMinimum {
                    min: min as u64,
                    severity,
                });
            } else {
                problems.push(QualityError::BadRowMinimum {
                    min,
                    src: file.source(),
                    span,
                });
            }
            continue;
        }
        let dimension = match name.parse::<Dimension>() {
            Ok(dimension) => dimension,
            Err(_) => {
                let help = diag::suggest(
                    &name,
                    Dimension::names().chain([ROWS_KEY]),
                    "dimensions (or `rows`)",
                );
                problems.push(QualityError::UnknownDimension {
                    dimension: name,
                    help,
                    src: file.source(),
                    span,
                });
                continue;
            }
        };
        let ThresholdYaml { min, severity } = threshold.value;
        if !(0.0..=1.0).contains(&min) {
            problems.push(QualityError::BadThreshold {
                dimension,
                min,
                src: file.source(),
                span,
            });
            continue;
        }
        quality
            .dimensions
            .insert(dimension, Threshold { min, severity });
    }
    if problems.is_empty() {
        Ok(quality)
    } else {
        Err(problems)
    }
}

#[derive(Debug, Error, Diagnostic)]
pub enum QualityError {
    #[error("unknown quality dimension `{dimension}`")]
    #[diagnostic(code(thinslice::workspace::dimension), help("{help}"))]
    UnknownDimension {
        dimension: String,
        help: String,
        #[source_code]
        src: SourceText,
        #[label("not a dimension")]
        span: SourceSpan,
    },

    #[error("the `rows` minimum must be a whole number of rows, not {min}")]
    #[diagnostic(
        code(thinslice::workspace::rows),
        help("`rows: {{ min: 1 }}` fails a slice that holds no row")
    )]
    BadRowMinimum {
        min: f64,
        #[source_code]
        src: SourceText,
        #[label("not a row count")]
        span: SourceSpan,
    },

    #[error("the `{dimension}` threshold must lie between 0 and 1, not {min}")]
    #[diagnostic(
        code(thinslice::workspace::threshold),
        help("a score is the share of checks passed: 0.95 means 95%")
    )]
    BadThreshold {
        dimension: Dimension,
        min: f64,
        #[source_code]
        src: SourceText,
        #[label("out of range")]
        span: SourceSpan,
    },
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dimensions_read_in_table_order_but_sort_by_name() {
        let names: Vec<&str> = Dimension::names().collect();
        assert_eq!(
            names,
            [
                "completeness",
                "validity",
                "conformity",
                "uniqueness",
                "integrity"
            ]
        );
        let mut sorted = Dimension::ALL.to_vec();
        sorted.sort();
        let sorted: Vec<&str> = sorted.into_iter().map(Dimension::as_str).collect();
        let mut by_name = names.clone();
        by_name.sort_unstable();
        assert_eq!(sorted, by_name);
        assert_eq!("validity".parse(), Ok(Dimension::Validity));
        assert_eq!(
            "validty".parse::<Dimension>(),
            Err("did you mean `validity`?".to_string())
        );
    }

    #[test]
    fn levels_are_ordered_and_named_as_serialised() {
        assert!(Level::Grounded > Level::Explicit);
        assert!(Level::Explicit > Level::Implicit);
        assert!(Level::Implicit > Level::Syntactic);
        for level in [
            Level::Syntactic,
            Level::Implicit,
            Level::Explicit,
            Level::Grounded,
        ] {
            let json = serde_json::to_string(&level).expect("JSON");
            assert_eq!(json, format!("\"{level}\""));
        }
    }

    #[test]
    fn a_status_depends_on_the_threshold_and_its_severity() {
        let fail = Threshold {
            min: 0.9,
            severity: Severity::Fail,
        };
        let warn = Threshold {
            min: 0.9,
            severity: Severity::Warn,
        };
        assert_eq!(Status::of(0.89, Some(&fail)), Status::Fail);
        assert_eq!(Status::of(0.89, Some(&warn)), Status::Warn);
        assert_eq!(Status::of(0.9, Some(&fail)), Status::Pass);
        assert_eq!(Status::of(0.0, None), Status::Pass);
    }
}
