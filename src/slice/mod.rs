//! Slices (`slices/NAME.yaml`): which source, which rows (a SQL condition run by polars' SQL
//! engine), which columns (optionally renamed), which key. Checked against the source's
//! headers before any data is read; evaluated lazily over the source's frame.

mod condition;
mod error;
mod yaml;

use std::collections::BTreeMap;
use std::path::Path;

use miette::SourceSpan;
use polars::prelude::*;

pub use condition::compile_condition;
pub use error::SliceError;

use crate::columns::{DATA_ROW, ORIGIN_COLUMN, REASON, ROW_COLUMN, data_columns, text_of};
use crate::diag::{self, YamlFile};
use crate::quality::{self, Thresholds};
use crate::source::{Source, Table};
use yaml::SliceYaml;

/// A column the slice keeps: its name in the source and in the slice.
#[derive(Debug, Clone)]
pub struct Pick {
    pub from: String,
    pub to: String,
    span: SourceSpan,
}

/// A slice definition, parsed but not yet checked against its source.
#[derive(Debug, Clone)]
pub struct Slice {
    pub name: String,
    pub file: YamlFile,
    pub source: String,
    source_span: SourceSpan,
    /// The SQL condition as written, and where.
    pub condition: Option<(String, SourceSpan)>,
    /// The columns kept, in order; `None` keeps all of them under their own names.
    pub columns: Option<Vec<Pick>>,
    /// The columns that identify a row, as named in the slice.
    pub key: Vec<String>,
    key_span: Option<SourceSpan>,
    /// This slice's handling marking, over the workspace's.
    pub marking: Option<crate::marking::Marking>,
    /// This slice's thresholds, overriding the workspace's.
    pub thresholds: Thresholds,
}

/// How the rows of a source divide between a slice and the rest.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RowAccount {
    pub read: u64,
    pub in_slice: u64,
    pub outside: u64,
}

/// The rows of a slice: [`ROW_COLUMN`] and the slice's columns.
#[derive(Debug, Clone)]
pub struct SlicedRows {
    pub frame: DataFrame,
    pub account: RowAccount,
}

impl SlicedRows {
    /// The slice's columns, as named in the slice, without [`ROW_COLUMN`].
    pub fn columns(&self) -> Vec<String> {
        data_columns(&self.frame)
    }
}

impl Slice {
    /// Loads every `*.yaml` / `*.yml` in `dir`, sorted by name. All problems are returned
    /// together.
    pub fn load_dir(dir: &Path, root: &Path) -> Result<Vec<Slice>, Vec<SliceError>> {
        let mut slices = Vec::new();
        let mut problems = Vec::new();
        let paths = match diag::yaml_files(dir) {
            Ok(paths) => paths,
            Err(source) => {
                return Err(vec![SliceError::Folder {
                    dir: diag::relative(root, dir),
                    source,
                }]);
            }
        };
        for path in paths {
            match Slice::load(&path, diag::relative(root, &path)) {
                Ok(slice) => slices.push(slice),
                Err(errors) => problems.extend(errors),
            }
        }
        if problems.is_empty() {
            Ok(slices)
        } else {
            Err(problems)
        }
    }

    /// Loads one slice file; every problem of the file is returned.
    pub fn load(path: &Path, display: String) -> Result<Slice, Vec<SliceError>> {
        let file = YamlFile::read(path, display).map_err(|e| vec![e.into()])?;
        let name = path
            .file_stem()
            .and_then(|s| s.to_str())
            .unwrap_or_default()
            .to_string();
        Self::from_file(name, file)
    }

    pub fn from_file(name: String, file: YamlFile) -> Result<Slice, Vec<SliceError>> {
        if !is_valid_name(&name) {
            return Err(vec![SliceError::BadName {
                name,
                file: file.name.clone(),
            }]);
        }
        let yaml: SliceYaml = file.load().map_err(|e| vec![e.into()])?;
        let columns = yaml.columns.map(|picks| {
            picks
                .into_iter()
                .map(|pick| Pick {
                    span: file.span(&pick.referenced),
                    from: pick.value.from.trim().to_string(),
                    to: pick.value.to.trim().to_string(),
                })
                .collect()
        });
        let quality = quality::thresholds(&file, yaml.quality).map_err(|problems| {
            problems
                .into_iter()
                .map(SliceError::from)
                .collect::<Vec<_>>()
        })?;
        let (key, key_span) = match yaml.key {
            Some(keys) => (keys.value.0, Some(file.span(&keys.referenced))),
            None => (Vec::new(), None),
        };
        Ok(Slice {
            name,
            source: yaml.source.value,
            source_span: file.span(&yaml.source.referenced),
            condition: yaml.condition.map(|c| (c.value, file.span(&c.referenced))),
            columns,
            key,
            key_span,
            thresholds: quality,
            marking: yaml.marking,
            file,
        })
    }

    /// Checks the slice against the workspace's sources and the source's column names,
    /// without reading data. Returns every problem found.
    pub fn check(&self, sources: &BTreeMap<String, Source>, headers: &[String]) -> Vec<SliceError> {
        let mut problems = Vec::new();
        if !sources.contains_key(&self.source) {
            problems.push(SliceError::UnknownSource {
                source_id: self.source.clone(),
                help: diag::suggest(&self.source, sources.keys().map(String::as_str), "sources"),
                src: self.file.source(),
                span: self.source_span,
            });
            return problems;
        }
        let unknown_column =
            |name: &str, span: SourceSpan, label: &str| SliceError::UnknownColumn {
                column: name.to_string(),
                source_id: self.source.clone(),
                help: diag::suggest(name, headers.iter().map(String::as_str), "columns"),
                label: label.to_string(),
                src: self.file.source(),
                span,
            };

        if let Some((text, span)) = &self.condition {
            match compile_condition(text) {
                Ok(expr) => {
                    for name in expr.meta().root_names() {
                        if !headers.iter().any(|h| h == name.as_str()) {
                            let at = self.file.sub_span(*span, name.as_str());
                            problems.push(unknown_column(&name, at, "not a column of the source"));
                        }
                    }
                }
                Err(reason) => problems.push(SliceError::Condition {
                    reason,
                    src: self.file.source(),
                    span: *span,
                }),
            }
        }

        // Sets, not lists: a source can have a hundred thousand columns.
        let known: std::collections::HashSet<&str> = headers.iter().map(String::as_str).collect();
        let mut outputs: std::collections::HashSet<&str> = std::collections::HashSet::new();
        for pick in self.columns.iter().flatten() {
            if !known.contains(pick.from.as_str()) {
                problems.push(unknown_column(
                    &pick.from,
                    pick.span,
                    "not a column of the source",
                ));
            }
            if outputs.contains(&pick.to.as_str()) || pick.to == ROW_COLUMN {
                problems.push(SliceError::DuplicateColumn {
                    column: pick.to.clone(),
                    src: self.file.source(),
                    span: pick.span,
                });
            }
            outputs.insert(&pick.to);
        }
        // The columns thinslice writes beside a slice's own.
        let given = |name: &str| name == ORIGIN_COLUMN || name == REASON;
        match &self.columns {
            Some(picks) => {
                for pick in picks.iter().filter(|p| given(&p.to)) {
                    problems.push(self.taken(&pick.to, pick.span));
                }
            }
            None => {
                for header in headers.iter().filter(|h| given(h)) {
                    problems.push(self.taken(header, self.source_span));
                }
            }
        }

        let span = self.key_span.unwrap_or(self.source_span);
        for key in &self.key {
            if self.resolve_key(key, headers).is_none() {
                let at = self.file.sub_span(span, key);
                let names: Vec<String> = match &self.columns {
                    Some(picks) => picks.iter().map(|p| p.to.clone()).collect(),
                    None => headers.to_vec(),
                };
                problems.push(SliceError::UnknownKey {
                    column: key.clone(),
                    help: diag::suggest(key, names.iter().map(String::as_str), "slice columns"),
                    src: self.file.source(),
                    span: at,
                });
            }
        }
        problems
    }

    fn taken(&self, column: &str, span: SourceSpan) -> SliceError {
        SliceError::TakenName {
            column: column.to_string(),
            src: self.file.source(),
            span,
        }
    }

    /// The slice column a key names: a slice column by its slice name, or by its source name
    /// when it was renamed.
    fn resolve_key(&self, key: &str, headers: &[String]) -> Option<String> {
        match &self.columns {
            None => headers.iter().find(|h| *h == key).cloned(),
            Some(picks) => picks
                .iter()
                .find(|p| p.to == key)
                .or_else(|| picks.iter().find(|p| p.from == key))
                .map(|p| p.to.clone()),
        }
    }

    /// The slice's columns as named in the slice.
    pub fn output_columns(&self, headers: &[String]) -> Vec<String> {
        match &self.columns {
            Some(picks) => picks.iter().map(|p| p.to.clone()).collect(),
            None => headers.to_vec(),
        }
    }

    /// The source columns this slice reads (its condition's and its picks'); None when it
    /// keeps every column.
    pub fn input_columns(&self) -> Option<Vec<String>> {
        let picks = self.columns.as_ref()?;
        let mut names: Vec<String> = picks.iter().map(|p| p.from.clone()).collect();
        if let Some((text, _)) = &self.condition {
            // A condition that does not compile is reported when the slice is evaluated.
            let expr = compile_condition(text).ok()?;
            names.extend(expr.meta().root_names().iter().map(|n| n.to_string()));
        }
        names.sort();
        names.dedup();
        Some(names)
    }

    /// The name a source column goes by in this slice (itself when not renamed or not kept).
    pub fn output_name(&self, column: &str) -> String {
        self.columns
            .iter()
            .flatten()
            .find(|p| p.from == column)
            .map_or_else(|| column.to_string(), |p| p.to.clone())
    }

    /// Cuts the slice out of its source's table.
    pub fn evaluate(&self, table: &Table) -> Result<SlicedRows, SliceError> {
        let read = table.frame.height() as u64;
        let mut rows = table.frame.clone().lazy();
        if let Some((text, span)) = &self.condition {
            let expr = compile_condition(text).map_err(|reason| SliceError::Condition {
                reason,
                src: self.file.source(),
                span: *span,
            })?;
            rows = rows.filter(expr);
        }
        let mut selection = vec![col(ROW_COLUMN)];
        let schema = table.frame.schema();
        if schema.contains(DATA_ROW) {
            selection.push(col(DATA_ROW));
        }
        let renames: Vec<(String, String)> = match &self.columns {
            Some(picks) => picks
                .iter()
                .map(|p| (p.from.clone(), p.to.clone()))
                .collect(),
            None => table
                .columns()
                .into_iter()
                .map(|c| (c.clone(), c))
                .collect(),
        };
        for (from, to) in renames {
            selection.push(col(from.as_str()).alias(to.as_str()));
            // A numeric column's text as written travels with it, under its new name.
            let written = text_of(&from);
            if schema.contains(&written) {
                selection.push(col(written).alias(text_of(&to)));
            }
        }
        let frame = rows.select(selection).collect().map_err(|e| {
            let (span, src) = match &self.condition {
                Some((_, span)) => (*span, self.file.source()),
                None => (self.source_span, self.file.source()),
            };
            SliceError::Evaluate {
                slice: self.name.clone(),
                source: e,
                src,
                span,
            }
        })?;
        let in_slice = frame.height() as u64;
        Ok(SlicedRows {
            frame,
            account: RowAccount {
                read,
                in_slice,
                outside: read - in_slice,
            },
        })
    }
}

fn is_valid_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphanumeric())
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::{Origin, OriginKind};
    use proptest::prelude::*;
    use std::path::PathBuf;

    fn slice(text: &str) -> Slice {
        let file = YamlFile::from_text(PathBuf::from("s.yaml"), "slices/s.yaml".into(), text);
        Slice::from_file("s".into(), file).expect("valid slice")
    }

    #[test]
    fn conditions_compile_with_polars_sql() {
        assert!(
            compile_condition("\"Asset Type\" IN ('PMP', 'PUMP') AND \"Status\" <> 'x'").is_ok()
        );
        let err = compile_condition("\"Asset Type\" = 'PMP' AND").unwrap_err();
        assert!(!err.is_empty());
        let err = compile_condition("\"Asset Type\" = 'PMP' Status").unwrap_err();
        assert!(err.contains("AND or OR"), "{err}");
    }

    #[test]
    fn renames_and_keys_resolve_by_either_name() {
        let s = slice(
            "source: w\ncolumns: [\"Asset ID\", {\"Power (kW)\": power_kw}]\nkey: Asset ID\n",
        );
        let headers = vec!["Asset ID".to_string(), "Power (kW)".to_string()];
        let resolved = |key: &str| s.resolve_key(key, &headers);
        assert_eq!(resolved("Asset ID").as_deref(), Some("Asset ID"));
        assert_eq!(resolved("power_kw").as_deref(), Some("power_kw"));
        assert_eq!(resolved("Power (kW)").as_deref(), Some("power_kw"));
        assert_eq!(resolved("Status"), None);
        let picks = s.columns.as_ref().expect("columns");
        assert_eq!(
            (picks[1].from.as_str(), picks[1].to.as_str()),
            ("Power (kW)", "power_kw")
        );
    }

    proptest! {
        /// Nothing is lost: every row read is in the slice or outside it, the slice holds
        /// exactly the rows whose condition is true (a null is not), in source order.
        #[test]
        fn rows_read_are_rows_in_the_slice_plus_rows_outside(
            values in prop::collection::vec(prop::option::of(-50i64..50), 0..200),
            threshold in -60i64..60,
        ) {
            let n = values.len();
            let rows: Vec<u64> = (1..=n as u64).collect();
            let frame = DataFrame::new(
                n,
                vec![
                    Column::new(ROW_COLUMN.into(), rows),
                    Column::new("v".into(), values.clone()),
                ],
            )
            .expect("frame");
            let table = Table {
                frame,
                origin: Origin { file: "t.parquet".into(), kind: OriginKind::Rows },
            };
            let sliced = slice(&format!("source: t\nwhere: \"v > {threshold}\"\n"))
                .evaluate(&table)
                .expect("evaluate");
            let expected: Vec<u64> = values
                .iter()
                .enumerate()
                .filter(|(_, v)| v.is_some_and(|v| v > threshold))
                .map(|(i, _)| i as u64 + 1)
                .collect();
            // Counted from the values, not from what the slice kept: a null is outside.
            let outside = values
                .iter()
                .filter(|v| v.is_none_or(|v| v <= threshold))
                .count() as u64;
            let account = sliced.account;
            prop_assert_eq!(account.read, n as u64);
            prop_assert_eq!(account.in_slice, expected.len() as u64);
            prop_assert_eq!(account.outside, outside);
            prop_assert_eq!(account.read, account.in_slice + account.outside);
            let kept: Vec<u64> = sliced
                .frame
                .column(ROW_COLUMN)
                .expect("rows")
                .u64()
                .expect("u64")
                .iter()
                .flatten()
                .collect();
            prop_assert_eq!(kept, expected);
        }
    }
}
