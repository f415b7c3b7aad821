//! Completeness: every thing has the properties the RDL requires of its class and of the
//! class's ancestors.

use polars::prelude::*;

use super::{Failure, Scorer, height, no_text};
use crate::columns::CLASS;
use crate::mapping::ValueSource;
use crate::quality::{Dimension, Tally};

impl Scorer<'_> {
    /// Every thing has the properties the RDL requires of its class (and its ancestors).
    pub(super) fn completeness(
        &mut self,
        entities: &DataFrame,
        failures: &mut Vec<LazyFrame>,
    ) -> PolarsResult<()> {
        for class in self.mapping.classes() {
            let of_class = entities.clone().lazy().filter(col(CLASS).eq(lit(class)));
            let things = height(&of_class)?;
            if things == 0 {
                continue;
            }
            for required in self.rdl.required(class) {
                let has_column = entities.column(&required).is_ok();
                let missing = if has_column {
                    of_class.clone().filter(col(required.as_str()).is_null())
                } else {
                    of_class.clone()
                };
                self.conformance.tally(
                    Dimension::Completeness,
                    &required,
                    Tally {
                        checked: things,
                        passed: things - height(&missing)?,
                    },
                );
                let rule = if has_column {
                    format!("required for {class}")
                } else {
                    format!("required for {class}, and the mapping does not map it")
                };
                let column = self
                    .mapping
                    .properties
                    .iter()
                    .find(|p| p.property == required)
                    .and_then(|p| match &p.source {
                        ValueSource::Column(c) => Some(c.as_str()),
                        ValueSource::Constant(_) => None,
                    });
                let failure = Failure::of_things(
                    Dimension::Completeness,
                    &required,
                    no_text(),
                    lit(rule),
                    self.cell(column),
                );
                failures.push(failure.rows(missing));
            }
        }
        Ok(())
    }
}
