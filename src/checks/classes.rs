//! Conformity of classes: every class code in the slice maps to an RDL class. Unmapped codes
//! are counted, for the report's list of codes to add to the class map.

use polars::prelude::*;

use super::{Failure, Scorer};
use crate::columns::{CLASS, ID, ROW_COLUMN, origin_of, shown};
use crate::mapping::ClassSource;
use crate::quality::{Dimension, Tally};

impl Scorer<'_> {
    /// Every class code in the slice is mapped to an RDL class.
    pub(super) fn class_conformity(
        &mut self,
        rows: &DataFrame,
        entities: &DataFrame,
        failures: &mut Vec<LazyFrame>,
    ) -> PolarsResult<()> {
        let ClassSource::Column {
            column,
            values,
            trim,
            ..
        } = &self.mapping.class
        else {
            return Ok(());
        };
        let mut code = col(column.as_str()).cast(DataType::String);
        if *trim {
            code = code.str().strip_chars(lit(NULL));
        }
        let known = Series::new("known".into(), values.keys().cloned().collect::<Vec<_>>());
        let coded = rows
            .clone()
            .lazy()
            .select(
                [col(ROW_COLUMN), code.alias("code")]
                    .into_iter()
                    .chain(origin_of(column).map(col))
                    .collect::<Vec<_>>(),
            )
            .filter(col("code").is_not_null())
            .with_column(
                col("code")
                    .is_in(lit(known).implode(false), false)
                    .alias("mapped"),
            )
            .collect()?;
        let checked = coded.height() as u64;
        let unmapped = coded.lazy().filter(col("mapped").not());
        let counts = unmapped
            .clone()
            .group_by([col("code")])
            .agg([len().alias("count")])
            .collect()?;
        let codes = counts.column("code")?.str()?.clone();
        let numbers = counts.column("count")?.cast(&DataType::UInt64)?;
        let mut missing = 0;
        for (code, count) in codes.iter().zip(numbers.u64()?.iter()) {
            if let (Some(code), Some(count)) = (code, count) {
                missing += count;
                let key = (
                    CLASS.to_string(),
                    shown(column).to_string(),
                    code.to_string(),
                );
                *self.unmapped.entry(key).or_default() += count;
            }
        }
        self.conformance.tally(
            Dimension::Conformity,
            CLASS,
            Tally {
                checked,
                passed: checked - missing,
            },
        );
        // A row without a class is quarantined, unless the mapping gives it a fallback class
        // or keeps it without one (`unmapped`): then its failure names the thing.
        let unmapped = unmapped.join(
            entities.clone().lazy().select([col(ROW_COLUMN), col(ID)]),
            [col(ROW_COLUMN)],
            [col(ROW_COLUMN)],
            JoinArgs::new(JoinType::Left),
        );
        let failure = Failure {
            dimension: Dimension::Conformity,
            id: col(ID),
            property: CLASS.to_string(),
            value: col("code"),
            rule: lit(format!("no RDL class for this `{}` code", shown(column))),
            // A code read through a link sits in the target's row.
            origin: match origin_of(column) {
                Some(at) => col(at),
                None => self.origin.cell_expr(column),
            },
        };
        failures.push(failure.rows(unmapped));
        Ok(())
    }
}
