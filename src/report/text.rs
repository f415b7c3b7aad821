//! Reports for people: the tables a terminal shows after a run.

use polars::prelude::*;

use super::conformance::{DimensionScore, Report};
use super::{SliceAccount, SliceRun, TextTable};
use std::collections::BTreeMap;

use crate::checks::{Conformance, UnmappedCode};
use crate::columns::{DIMENSION, FAILURE_ORIGIN, PROPERTY, RULE, VALUE};
use crate::quality::{Dimension, Status};

/// How many located failures the terminal shows.
const TOP_FAILURES: usize = 10;

/// Each slice's row account and what became of its rows: `read = in slice + outside`,
/// `in slice = things + quarantined`.
pub fn runs_table(runs: &[SliceRun]) -> String {
    let mut table = TextTable::new(&[
        ("slice", false),
        ("read", true),
        ("in slice", true),
        ("outside", true),
        ("things", true),
        ("quarantined", true),
        ("failed values", true),
        ("triples", true),
        ("entities", false),
    ]);
    let or_dash = |n: Option<u64>| n.map_or_else(|| "-".to_string(), |n| n.to_string());
    for r in runs {
        table.row(vec![
            r.account.slice.clone(),
            r.account.rows_read.to_string(),
            r.account.rows_in_slice.to_string(),
            r.account.rows_outside.to_string(),
            or_dash(r.things),
            or_dash(r.quarantined),
            or_dash(r.failed_values),
            or_dash(r.triples),
            r.entities.clone().unwrap_or_else(|| {
                if r.things.is_some() {
                    "(not written)"
                } else {
                    "(no mapping)"
                }
                .into()
            }),
        ]);
    }
    let mut text = table.render();
    text.push_str(
        "\nread = in slice + outside; in slice = things + quarantined. A failed value is left out of its thing.\n",
    );
    for r in runs.iter().filter(|r| r.account.rows_in_slice == 0) {
        text.push_str(&format!(
            "warning: slice `{}` holds 0 rows ({} read): its scores check nothing\n",
            r.account.slice, r.account.rows_read
        ));
    }
    text
}

/// How many unmapped codes of one property are named in the terminal; the rest are in the
/// reports.
const UNMAPPED_SHOWN: usize = 5;

/// The codes without an RDL term, by slice and property: the most frequent first, each with
/// its count and where it was first met.
fn unmapped_text(conformances: &[Conformance]) -> String {
    let mut lines = Vec::new();
    for c in conformances {
        let mut by_property: BTreeMap<(&str, &str), Vec<&UnmappedCode>> = BTreeMap::new();
        for code in &c.unmapped_codes {
            by_property
                .entry((code.property.as_str(), code.column.as_str()))
                .or_default()
                .push(code);
        }
        for ((property, column), mut codes) in by_property {
            codes.sort_by(|a, b| b.count.cmp(&a.count).then(a.code.cmp(&b.code)));
            let mut named: Vec<String> = codes
                .iter()
                .take(UNMAPPED_SHOWN)
                .map(|u| format!("`{}` {} ({})", u.code, u.count, u.first))
                .collect();
            if codes.len() > UNMAPPED_SHOWN {
                named.push(format!(
                    "and {} more in report.json",
                    codes.len() - UNMAPPED_SHOWN
                ));
            }
            let from = match column {
                "" => String::new(),
                column => format!(" from `{column}`"),
            };
            lines.push(format!(
                "  {} {property}{from}: {}\n",
                c.slice,
                named.join(", ")
            ));
        }
    }
    match lines.is_empty() {
        true => String::new(),
        false => format!("unmapped codes (count, first at):\n{}", lines.concat()),
    }
}

/// The whole account of a checked run: rows, scores, the first failures, the unmapped codes
/// and the thresholds not met.
pub fn run_summary(runs: &[SliceRun], report: &Report, conformances: &[Conformance]) -> String {
    let mut text = runs_table(runs);
    text.push('\n');
    text.push_str(&conformance_table(report));
    text.push_str(&failures_text(conformances));
    text.push_str(&unmapped_text(conformances));
    for c in conformances {
        for a in &c.absent_attributes {
            let closest = a
                .closest
                .as_ref()
                .map(|name| format!(" (did you mean `{name}`?)"))
                .unwrap_or_default();
            text.push_str(&format!(
                "warning: {} reads attribute `{}`, which no row of slice `{}` names{closest}\n",
                c.slice, a.attribute, a.slice
            ));
        }
    }
    for slice in &report.slices {
        if let Some(rows) = slice.rows.filter(|r| r.status != Status::Pass) {
            text.push_str(&format!(
                "{}: {} holds {} rows, below the minimum {}\n",
                if rows.status == Status::Fail {
                    "FAIL"
                } else {
                    "warn"
                },
                slice.slice,
                slice.rows_in_slice,
                rows.min
            ));
        }
        for (dimension, score) in &slice.dimensions {
            let word = match score.status {
                Status::Fail => "FAIL",
                Status::Warn => "warn",
                Status::Pass => continue,
            };
            text.push_str(&format!(
                "{word}: {} {dimension} is {:.1}%, below the minimum {:.1}%\n",
                slice.slice,
                score.score * 100.0,
                score.min.unwrap_or_default() * 100.0
            ));
        }
    }
    text
}

/// Scores per slice and dimension, and over all slices; `✗` below a `fail` threshold, `!`
/// below a `warn` one.
fn conformance_table(report: &Report) -> String {
    let mut columns = vec![("conformance", false)];
    columns.extend(Dimension::names().map(|d| (d, true)));
    let mut table = TextTable::new(&columns);
    let cell = |score: Option<&DimensionScore>| match score {
        Some(score) => {
            let mark = match score.status {
                Status::Fail => " ✗",
                Status::Warn => " !",
                Status::Pass => "  ",
            };
            format!("{:.1}%{mark}", score.score * 100.0)
        }
        None => "-".to_string(),
    };
    for slice in &report.slices {
        let mut row = vec![slice.slice.clone()];
        row.extend(Dimension::ALL.iter().map(|d| cell(slice.dimensions.get(d))));
        table.row(row);
    }
    let mut row = vec!["all slices".to_string()];
    row.extend(Dimension::ALL.iter().map(|d| cell(report.overall.get(d))));
    table.row(row);
    table.render()
}

/// The first failures, located.
fn failures_text(conformances: &[Conformance]) -> String {
    let total: usize = conformances.iter().map(|c| c.failures.height()).sum();
    if total == 0 {
        return "\nNo failed checks.\n".to_string();
    }
    let mut table = TextTable::new(&[
        ("slice", false),
        ("dimension", false),
        ("property", false),
        ("value", false),
        ("rule", false),
        ("where", false),
    ]);
    let mut shown = 0;
    for c in conformances {
        let rows = (TOP_FAILURES - shown).min(c.failures.height());
        let head = c.failures.head(Some(rows));
        let columns: Vec<Vec<String>> = [DIMENSION, PROPERTY, VALUE, RULE, FAILURE_ORIGIN]
            .iter()
            .map(|name| texts(&head, name))
            .collect();
        for i in 0..rows {
            let mut row = vec![c.slice.clone()];
            row.extend(
                columns
                    .iter()
                    .map(|c| c.get(i).cloned().unwrap_or_default()),
            );
            table.row(row);
        }
        shown += rows;
        if shown == TOP_FAILURES {
            break;
        }
    }
    format!(
        "\n{total} failed checks; the first {shown}:\n{}",
        table.render()
    )
}

/// A column's values as text, nulls as empty text; none when the column is missing.
fn texts(frame: &DataFrame, name: &str) -> Vec<String> {
    frame
        .column(name)
        .ok()
        .and_then(|column| column.cast(&DataType::String).ok())
        .and_then(|column| {
            column
                .str()
                .ok()
                .map(|s| s.iter().map(|v| v.unwrap_or("").to_string()).collect())
        })
        .unwrap_or_default()
}

/// The row accounts of a slicing run as a table: `read = in slice + outside` per slice.
pub fn accounts_table(accounts: &[SliceAccount]) -> String {
    let mut table = TextTable::new(&[
        ("slice", false),
        ("source", false),
        ("read", true),
        ("in slice", true),
        ("outside", true),
        ("written to", false),
    ]);
    for a in accounts {
        table.row(vec![
            a.slice.clone(),
            a.source.clone(),
            a.rows_read.to_string(),
            a.rows_in_slice.to_string(),
            a.rows_outside.to_string(),
            a.output.clone().unwrap_or_default(),
        ]);
    }
    let mut text = table.render();
    text.push_str(
        "\nEvery row read is in its slice or outside its condition: read = in slice + outside.\n",
    );
    text
}
