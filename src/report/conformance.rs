//! The conformance report of a run, for machines: `report.json` (schema in
//! `docs/report-schema.md`) and `junit.xml` (one test case per slice and dimension).

use std::collections::BTreeMap;

use polars::prelude::*;
use serde::Serialize;

use super::SliceRun;
use super::escape_markup as escape;
use crate::checks::digitalisation::ColumnLevel;
use crate::checks::{Conformance, MatchedCode, Quarantine, UnmappedCode};
use crate::columns::{DIMENSION, FAILURE_ORIGIN, ID, PROPERTY, RULE, VALUE};
use crate::mapping::Absent;
use crate::quality::{Dimension, Status, Tally, Thresholds};

/// Bumped when a field changes meaning or disappears; new fields do not bump it.
pub const SCHEMA_VERSION: u32 = 1;

/// How many located failures per slice `report.json` carries; all of them are in the
/// slice's failures CSV.
pub const FAILURES_IN_REPORT: usize = 100;

#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub schema: u32,
    /// Whether every slice met its `fail` thresholds (a slice's own thresholds override the
    /// workspace's; the overall scores are shown against the workspace's, not judged).
    pub passed: bool,
    pub overall: BTreeMap<Dimension, DimensionScore>,
    pub slices: Vec<SliceReport>,
    /// Per source, the level each of its columns reached in its best slice.
    pub sources: BTreeMap<String, Vec<ColumnLevel>>,
    /// The handling marking of the workspace's outputs, when it has one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub marking: Option<crate::marking::Marking>,
}

#[derive(Debug, Clone, Serialize)]
pub struct DimensionScore {
    /// passed / checked, 1 when nothing was checked.
    pub score: f64,
    pub checked: u64,
    pub passed: u64,
    /// The threshold, if the workspace sets one for this dimension.
    pub min: Option<f64>,
    /// `pass`, `warn` (below a warn threshold) or `fail` (below a fail threshold).
    pub status: Status,
}

#[derive(Debug, Clone, Serialize)]
pub struct SliceReport {
    pub slice: String,
    /// The slice's handling marking, when it has its own (over the workspace's).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub marking: Option<crate::marking::Marking>,
    pub rows_read: u64,
    pub rows_in_slice: u64,
    pub rows_outside: u64,
    pub things: u64,
    pub quarantined: u64,
    /// The quarantined rows: how many for each reason (and where first), and the first rows.
    pub quarantine: Quarantine,
    pub dimensions: BTreeMap<Dimension, DimensionScore>,
    /// Per property (and `class`, `id`): its scores in the dimensions it was checked in.
    pub properties: BTreeMap<String, BTreeMap<Dimension, DimensionScore>>,
    pub unmapped_codes: Vec<UnmappedCode>,
    /// The codes each pattern of a value map matched.
    pub matched_codes: Vec<MatchedCode>,
    /// The attributes the mapping reads that no attribute row names.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub absent_attributes: Vec<Absent>,
    pub failures_total: u64,
    /// The first failures, in source order.
    pub failures: Vec<FailureRecord>,
    /// The level each slice column reached.
    pub digitalisation: Vec<ColumnLevel>,
    /// The rows the slice holds against its minimum, when `quality` sets one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rows: Option<RowsScore>,
}

/// A slice's rows against the minimum its quality bar sets.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct RowsScore {
    pub min: u64,
    pub status: Status,
}

#[derive(Debug, Clone, Serialize)]
pub struct FailureRecord {
    pub dimension: Dimension,
    pub id: Option<String>,
    pub property: String,
    pub value: Option<String>,
    pub rule: String,
    pub origin: String,
}

fn score(dimension: Dimension, tally: Tally, thresholds: &Thresholds) -> DimensionScore {
    let threshold = thresholds.get(dimension);
    DimensionScore {
        score: tally.score(),
        checked: tally.checked,
        passed: tally.passed,
        min: threshold.map(|t| t.min),
        status: Status::of(tally.score(), threshold),
    }
}

/// Builds the report of a run from each mapped slice's run and conformance;
/// `thresholds` (the workspace's) judge the overall scores.
pub fn build(
    runs: &[SliceRun],
    conformances: &[Conformance],
    thresholds: &Thresholds,
    sources: &BTreeMap<String, Vec<ColumnLevel>>,
) -> PolarsResult<Report> {
    let mut overall: BTreeMap<Dimension, Tally> = BTreeMap::new();
    let mut reports = Vec::new();
    for c in conformances {
        let Some(run) = runs.iter().find(|r| r.account.slice == c.slice) else {
            continue;
        };
        for (dimension, tally) in &c.dimensions {
            overall.entry(*dimension).or_default().add(*tally);
        }
        reports.push(slice_report(run, c)?);
    }
    let overall: BTreeMap<Dimension, DimensionScore> = Dimension::ALL
        .iter()
        .map(|d| {
            let tally = overall.get(d).copied().unwrap_or_default();
            (*d, score(*d, tally, thresholds))
        })
        .collect();
    let passed = reports.iter().all(SliceReport::passed);
    Ok(Report {
        schema: SCHEMA_VERSION,
        passed,
        overall,
        slices: reports,
        sources: sources.clone(),
        marking: None,
    })
}

/// One mapped slice's part of the report.
fn slice_report(run: &SliceRun, c: &Conformance) -> PolarsResult<SliceReport> {
    let unjudged = Thresholds::default();
    Ok(SliceReport {
        slice: c.slice.clone(),
        marking: None,
        rows_read: run.account.rows_read,
        rows_in_slice: run.account.rows_in_slice,
        rows_outside: run.account.rows_outside,
        things: run.things.unwrap_or(0),
        quarantined: run.quarantined.unwrap_or(0),
        quarantine: c.quarantine.clone(),
        dimensions: c
            .dimensions
            .iter()
            .map(|(d, t)| (*d, score(*d, *t, &run.thresholds)))
            .collect(),
        properties: c
            .properties
            .iter()
            .map(|(p, dims)| {
                let dims = dims
                    .iter()
                    .map(|(d, t)| (*d, score(*d, *t, &unjudged)))
                    .collect();
                (p.clone(), dims)
            })
            .collect(),
        unmapped_codes: c.unmapped_codes.clone(),
        matched_codes: c.matched_codes.clone(),
        absent_attributes: c.absent_attributes.clone(),
        failures_total: c.failures.height() as u64,
        failures: records(&c.failures, FAILURES_IN_REPORT)?,
        digitalisation: run.levels.clone(),
        rows: run.thresholds.rows.map(|minimum| RowsScore {
            min: minimum.min,
            status: minimum.status(run.account.rows_in_slice),
        }),
    })
}

/// The first `limit` failures of a failures frame.
pub fn records(failures: &DataFrame, limit: usize) -> PolarsResult<Vec<FailureRecord>> {
    if failures.height() == 0 {
        return Ok(Vec::new());
    }
    let head = failures.head(Some(limit));
    let text = |name: &str| -> PolarsResult<Vec<Option<String>>> {
        let column = head.column(name)?.cast(&DataType::String)?;
        Ok(column
            .str()?
            .iter()
            .map(|v| v.map(str::to_string))
            .collect())
    };
    let (dimensions, ids, properties, values, rules, origins) = (
        text(DIMENSION)?,
        text(ID)?,
        text(PROPERTY)?,
        text(VALUE)?,
        text(RULE)?,
        text(FAILURE_ORIGIN)?,
    );
    (0..head.height())
        .map(|i| {
            let dimension = dimensions[i].as_deref().unwrap_or_default();
            Ok(FailureRecord {
                dimension: dimension
                    .parse()
                    .map_err(|_| polars_err!(ComputeError: "no dimension `{dimension}`"))?,
                id: ids[i].clone(),
                property: properties[i].clone().unwrap_or_default(),
                value: values[i].clone(),
                rule: rules[i].clone().unwrap_or_default(),
                origin: origins[i].clone().unwrap_or_default(),
            })
        })
        .collect()
}

/// JUnit XML: a test suite per slice, a test case per dimension; a `fail` threshold not met
/// is a failure, a `warn` one a passing case with a message.
pub fn junit(report: &Report) -> String {
    let cases: Vec<Vec<Case>> = report.slices.iter().map(SliceReport::cases).collect();
    let count = cases.iter().map(Vec::len).sum::<usize>();
    let failed = |cases: &[Case]| cases.iter().filter(|c| c.status == Status::Fail).count();
    let failures: usize = cases.iter().map(|c| failed(c)).sum();
    let mut xml = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    xml.push_str(&format!(
        "<testsuites name=\"thinslice conformance\" tests=\"{count}\" failures=\"{failures}\">\n"
    ));
    for (slice, cases) in report.slices.iter().zip(&cases) {
        xml.push_str(&format!(
            "  <testsuite name=\"{}\" tests=\"{}\" failures=\"{}\">\n",
            escape(&slice.slice),
            cases.len(),
            failed(cases)
        ));
        for case in cases {
            xml.push_str(&format!(
                "    <testcase classname=\"{}\" name=\"{}\">\n",
                escape(&slice.slice),
                case.name
            ));
            match case.status {
                Status::Fail => xml.push_str(&format!(
                    "      <failure message=\"{}\"/>\n",
                    escape(&case.message)
                )),
                Status::Pass | Status::Warn => xml.push_str(&format!(
                    "      <system-out>{}</system-out>\n",
                    escape(&case.message)
                )),
            }
            xml.push_str("    </testcase>\n");
        }
        xml.push_str("  </testsuite>\n");
    }
    xml.push_str("</testsuites>\n");
    xml
}

/// One test case of a slice in JUnit: a dimension, or its row count when a minimum is set.
struct Case {
    name: String,
    message: String,
    status: Status,
}

impl SliceReport {
    fn cases(&self) -> Vec<Case> {
        let mut cases: Vec<Case> = self
            .dimensions
            .iter()
            .map(|(dimension, score)| Case {
                name: dimension.to_string(),
                message: format!(
                    "{dimension}: {:.1}% ({} of {} checks passed){}",
                    score.score * 100.0,
                    score.passed,
                    score.checked,
                    score
                        .min
                        .map(|m| format!(", minimum {:.1}%", m * 100.0))
                        .unwrap_or_default()
                ),
                status: score.status,
            })
            .collect();
        if let Some(rows) = &self.rows {
            cases.push(Case {
                name: "rows".into(),
                message: format!(
                    "rows: {} in the slice, minimum {}",
                    self.rows_in_slice, rows.min
                ),
                status: rows.status,
            });
        }
        cases
    }

    /// Whether the slice met every `fail` threshold.
    fn passed(&self) -> bool {
        self.dimensions.values().all(|d| d.status != Status::Fail)
            && self.rows.is_none_or(|r| r.status != Status::Fail)
    }
}
