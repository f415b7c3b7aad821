//! A mapping's own checks: a SQL condition over the slice's columns that every thing must
//! satisfy, scored in the dimension the check names.

use polars::prelude::*;

use super::{Failure, ScoreError, Scorer, height, no_text};
use crate::columns::{ID, ROW_COLUMN, hidden};
use crate::quality::Tally;
use crate::slice::compile_condition;

impl Scorer<'_> {
    /// The mapping's own checks: a SQL condition over the slice's columns every thing
    /// satisfies. A condition that is null for a thing (a comparison with an empty cell) is
    /// not satisfied.
    pub(super) fn custom_checks(
        &mut self,
        rows: &DataFrame,
        entities: &DataFrame,
        failures: &mut Vec<LazyFrame>,
    ) -> Result<(), ScoreError> {
        for index in 0..self.mapping.checks.len() {
            self.custom_check(index, rows, entities, failures)
                .map_err(|source| ScoreError::Check { index, source })?;
        }
        Ok(())
    }

    fn custom_check(
        &mut self,
        index: usize,
        rows: &DataFrame,
        entities: &DataFrame,
        failures: &mut Vec<LazyFrame>,
    ) -> PolarsResult<()> {
        let satisfied = hidden("satisfied");
        let check = &self.mapping.checks[index];
        let condition = compile_condition(&check.condition)
            .map_err(|reason| polars_err!(ComputeError: "check `{}`: {reason}", check.name))?;
        let things = entities
            .clone()
            .lazy()
            .select([col(ROW_COLUMN), col(ID)])
            .join(
                rows.clone().lazy(),
                [col(ROW_COLUMN)],
                [col(ROW_COLUMN)],
                JoinArgs::new(JoinType::Inner),
            )
            .with_column(condition.fill_null(lit(false)).alias(satisfied.as_str()));
        let checked = height(&things)?;
        let failing = things.filter(col(satisfied.as_str()).not());
        let failed = height(&failing)?;
        let name = format!("check:{}", check.name);
        self.conformance.tally(
            check.dimension,
            &name,
            Tally {
                checked,
                passed: checked - failed,
            },
        );
        let failure = Failure::of_things(
            check.dimension,
            &name,
            no_text(),
            lit(check.message.clone()),
            self.origin.row_expr(),
        );
        failures.push(failure.rows(failing));
        Ok(())
    }
}
