//! A compiled mapping applied to a batch of a slice's rows: the things, the values that
//! failed, and the rows that could not become things.

use polars::prelude::*;

use super::Compiled;
use crate::columns::{ID, ROW_COLUMN, hidden};

/// Where a failure reason of property P sits while mapping.
fn failure_column(property: &str) -> String {
    hidden(&format!("failure:{property}"))
}

/// Where the raw text a failed value of property P came from sits while mapping.
fn raw_column(property: &str) -> String {
    hidden(&format!("raw:{property}"))
}

/// A compiled mapping's result over a slice's rows.
#[derive(Debug, Clone)]
pub struct MappedRows {
    /// `__row`, id, class, label, then properties and links in mapping order; only rows that
    /// became things, in source order.
    pub entities: DataFrame,
    /// `__row`, id, property, column, dimension, value, reason: one row per value that
    /// failed to map.
    pub failures: DataFrame,
    /// `__row`, reason: rows that could not become things.
    pub quarantine: DataFrame,
}

/// Applies a compiled mapping to a batch of a slice's rows.
pub fn apply(compiled: &Compiled, rows: &DataFrame) -> PolarsResult<MappedRows> {
    let reason = hidden("quarantine");
    let mut selection = vec![col(ROW_COLUMN)];
    for (name, expr) in &compiled.columns {
        selection.push(expr.clone().alias(name.as_str()));
    }
    for f in &compiled.failures {
        selection.push(f.reason.clone().alias(failure_column(&f.property)));
        selection.push(f.raw.clone().alias(raw_column(&f.property)));
    }
    selection.push(compiled.quarantine.clone().alias(reason.as_str()));
    let mut staged = rows.clone().lazy();
    for level in &compiled.staged {
        staged = staged.with_columns(
            level
                .iter()
                .map(|(name, expr)| expr.clone().alias(name.as_str()))
                .collect::<Vec<_>>(),
        );
    }
    let mapped = staged.select(selection).collect()?;

    let quarantine = mapped
        .clone()
        .lazy()
        .filter(col(reason.as_str()).is_not_null())
        .select([col(ROW_COLUMN), col(reason.as_str()).alias("reason")])
        .collect()?;
    // The rows that became things, filtered once for the failures and the entities.
    let kept = mapped
        .lazy()
        .filter(col(reason.as_str()).is_null())
        .collect()?;
    let failures = failures(compiled, &kept)?;
    let mut keep = vec![col(ROW_COLUMN)];
    keep.extend(compiled.columns.iter().map(|(name, _)| col(name.as_str())));
    // Things stay in source order, so a slice can be mapped batch by batch.
    let entities = kept.lazy().select(keep).collect()?;
    Ok(MappedRows {
        entities,
        failures,
        quarantine,
    })
}

/// One row per value of the things in `kept` that failed to map, in row order.
fn failures(compiled: &Compiled, kept: &DataFrame) -> PolarsResult<DataFrame> {
    let frames: Vec<LazyFrame> = compiled
        .failures
        .iter()
        .map(|f| {
            let reason = failure_column(&f.property);
            kept.clone()
                .lazy()
                .filter(col(reason.as_str()).is_not_null())
                .select([
                    col(ROW_COLUMN),
                    col(ID),
                    lit(f.property.clone()).alias("property"),
                    lit(f.column.clone().unwrap_or_default()).alias("column"),
                    lit(f.dimension.as_str()).alias("dimension"),
                    col(raw_column(&f.property)).alias("value"),
                    col(reason.as_str()).alias("reason"),
                ])
        })
        .collect();
    if frames.is_empty() {
        let text = |name: &str| Column::new_empty(name.into(), &DataType::String);
        return DataFrame::new(
            0,
            vec![
                Column::new_empty(ROW_COLUMN.into(), &DataType::UInt64),
                text(ID),
                text("property"),
                text("column"),
                text("dimension"),
                text("value"),
                text("reason"),
            ],
        );
    }
    concat(frames, UnionArgs::default())?
        .sort([ROW_COLUMN, "property"], SortMultipleOptions::default())
        .collect()
}
