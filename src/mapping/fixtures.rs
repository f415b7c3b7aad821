//! A small RDL, mappings and slice rows for the unit tests of the modules that map and check.

use std::collections::BTreeMap;
use std::path::PathBuf;

use polars::prelude::*;

use super::{Mapping, Scope};
use crate::columns::ROW_COLUMN;
use crate::diag::YamlFile;
use crate::rdl::Rdl;

/// Pumps and valves (assets, which require a state; a pump also its power) at sites.
pub(crate) const RDL: &str = "namespace: https://rdl.test/r#
units:
  W: { quantity: power }
  kW: { quantity: power, factor: 1000 }
  m: { quantity: length }
  mm: { quantity: length, factor: 0.001 }
classes:
  Asset: { requires: [state] }
  Pump: { parents: [Asset], requires: [power] }
  Valve: { parents: [Asset] }
  Site: {}
properties:
  name: { datatype: string }
  code: { datatype: string, pattern: \"^[A-Z]+$\" }
  power: { datatype: decimal, unit: W, min: 0 }
  size: { datatype: decimal, unit: m, max: 5 }
  state: { datatype: code, values: [InService, OutOfService] }
  installed: { datatype: date }
  metered: { datatype: boolean }
  tags: { datatype: string }
  site: { datatype: link, range: Site }
";

pub(crate) fn rdl() -> Rdl {
    Rdl::from_file(YamlFile::from_text(
        PathBuf::from("rdl.yaml"),
        "rdl.yaml".into(),
        RDL,
    ))
    .expect("the test RDL loads")
}

/// A mapping of slice `assets`, whose columns are `columns`; slices `assets` and `sites`
/// exist.
pub(crate) fn mapping(rdl: &Rdl, columns: &[&str], yaml: &str) -> Result<Mapping, Vec<String>> {
    let slices: BTreeMap<String, Vec<String>> = [(
        "assets".to_string(),
        columns.iter().map(|c| c.to_string()).collect(),
    )]
    .into_iter()
    .collect();
    let scope = Scope {
        rdl,
        slices: &slices,
        known_slices: &["assets", "sites"],
        tables: None,
    };
    let file = YamlFile::from_text(PathBuf::from("m.yaml"), "mappings/assets.yaml".into(), yaml);
    Mapping::from_file(file, &scope).map_err(|problems| {
        problems
            .iter()
            .map(|p| format!("{p}: {}", help(p)))
            .collect()
    })
}

fn help(problem: &dyn miette::Diagnostic) -> String {
    problem.help().map(|h| h.to_string()).unwrap_or_default()
}

/// Slice rows: text columns (None: an empty cell), numbered from `first_row`.
pub(crate) fn rows(first_row: u64, columns: &[(&str, &[Option<&str>])]) -> DataFrame {
    let height = columns.first().map_or(0, |(_, values)| values.len());
    let mut frame = vec![Column::new(
        ROW_COLUMN.into(),
        (first_row..first_row + height as u64).collect::<Vec<u64>>(),
    )];
    for (name, values) in columns {
        frame.push(Column::new((*name).into(), values.to_vec()));
    }
    DataFrame::new(height, frame).expect("rows")
}

/// A column's values as text.
pub(crate) fn texts(frame: &DataFrame, column: &str) -> Vec<Option<String>> {
    frame
        .column(column)
        .unwrap_or_else(|e| panic!("column {column}: {e}"))
        .cast(&DataType::String)
        .expect("as text")
        .str()
        .expect("text")
        .iter()
        .map(|v| v.map(str::to_string))
        .collect()
}

/// Shorthand for expected texts.
pub(crate) fn some(values: &[&str]) -> Vec<Option<String>> {
    values.iter().map(|v| Some(v.to_string())).collect()
}
