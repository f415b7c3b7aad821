//! Conformity of classes: every class code in the slice maps to an RDL class. Unmapped codes
//! are counted, for the report's list of codes to add to the class map.

use polars::prelude::*;

use super::{Failure, Scorer, Unmet};
use crate::columns::{CLASS, ID, ROW_COLUMN, origin_of, shown};
use crate::mapping::{ClassSource, ValueSource, normalised_text};
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
        let coded = rows
            .clone()
            .lazy()
            .select(
                [
                    col(ROW_COLUMN),
                    code.clone().alias("code"),
                    values.terms_of(code.clone()).is_not_null().alias("mapped"),
                ]
                .into_iter()
                .chain(origin_of(column).map(col))
                .collect::<Vec<_>>(),
            )
            .filter(col("code").is_not_null())
            .collect()?;
        if values.has_patterns() {
            let matched = coded.clone().lazy().select([
                col("code"),
                values.patterns_of(col("code")).alias("pattern"),
            ]);
            self.count_matched(CLASS, shown(column), matched)?;
        }
        let checked = coded.height() as u64;
        let unmapped = coded.lazy().filter(col("mapped").not());
        let origin = match origin_of(column) {
            Some(at) => col(at),
            None => self.origin.cell_expr(column),
        };
        let codes = unmapped
            .clone()
            .select([col("code"), origin.clone().alias("at")]);
        let missing = self.count_unmapped(CLASS, shown(column), codes)?;
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
            origin,
        };
        failures.push(failure.rows(unmapped));
        Ok(())
    }

    /// Counts the codes in `matched` (`code`, and the `pattern` it matched, null when it
    /// was matched exactly or not at all) for the report.
    pub(super) fn count_matched(
        &mut self,
        property: &str,
        column: &str,
        matched: LazyFrame,
    ) -> PolarsResult<()> {
        let counts = matched
            .filter(col("pattern").is_not_null())
            .group_by([col("pattern"), col("code")])
            .agg([len().alias("count")])
            .collect()?;
        let patterns = counts.column("pattern")?.str()?.clone();
        let codes = counts.column("code")?.str()?.clone();
        let numbers = counts.column("count")?.cast(&DataType::UInt64)?;
        for ((pattern, code), count) in patterns.iter().zip(codes.iter()).zip(numbers.u64()?.iter())
        {
            if let (Some(pattern), Some(code), Some(count)) = (pattern, code, count) {
                let key = (
                    property.to_string(),
                    column.to_string(),
                    pattern.to_string(),
                    code.to_string(),
                );
                *self.matched.entry(key).or_default() += count;
            }
        }
        Ok(())
    }

    /// Counts the codes the patterns of the code properties' value maps matched.
    pub(super) fn property_patterns(&mut self, rows: &DataFrame) -> PolarsResult<()> {
        let mapping = self.mapping;
        for rule in &mapping.properties {
            let ValueSource::Column(column) = &rule.source else {
                continue;
            };
            if !rule.values.has_patterns() || rule.split.is_some() {
                continue;
            }
            // The codes as the mapping matched them.
            let code = normalised_text(rule, col(column.as_str()));
            let matched = rows.clone().lazy().select([
                code.clone().alias("code"),
                rule.values.patterns_of(code).alias("pattern"),
            ]);
            self.count_matched(&rule.property, shown(column), matched)?;
        }
        Ok(())
    }

    /// Counts the codes in `codes` (`code`, and `at`: where each sits) that no value map
    /// turned into an RDL term, keeping where each was first met; returns how many.
    pub(super) fn count_unmapped(
        &mut self,
        property: &str,
        column: &str,
        codes: LazyFrame,
    ) -> PolarsResult<u64> {
        let counts = codes
            .group_by_stable([col("code")])
            .agg([len().alias("count"), col("at").first().alias("at")])
            .collect()?;
        let names = counts.column("code")?.str()?.clone();
        let places = counts.column("at")?.str()?.clone();
        let numbers = counts.column("count")?.cast(&DataType::UInt64)?;
        let mut missing = 0;
        for ((code, at), count) in names.iter().zip(places.iter()).zip(numbers.u64()?.iter()) {
            if let (Some(code), Some(count)) = (code, count) {
                missing += count;
                let key = (property.to_string(), column.to_string(), code.to_string());
                let seen = self.unmapped.entry(key).or_insert_with(|| Unmet {
                    count: 0,
                    first: at.unwrap_or_default().to_string(),
                });
                seen.count += count;
            }
        }
        Ok(missing)
    }
}
