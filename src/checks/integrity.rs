//! Integrity: every link points at a thing of its target slice. A link to a slice read
//! earlier is checked as its batch goes by; a link to a slice still being read waits for
//! the end of the run.

use polars::prelude::*;

use super::{Failure, Identities, Scorer};
use crate::columns::{ID, ROW_COLUMN, detached, hidden};
use crate::quality::{Dimension, Tally};

/// The column holding each link's target while links are checked.
fn target_column() -> String {
    hidden("target")
}

impl Scorer<'_> {
    /// Every link points at a thing of its target slice: checked now when the target slice
    /// is read already, else kept for [`Scorer::finish`].
    pub(super) fn integrity(
        &mut self,
        entities: &DataFrame,
        identities: &Identities,
        failures: &mut Vec<LazyFrame>,
    ) -> PolarsResult<()> {
        let target = target_column();
        for (index, link) in self.mapping.links.iter().enumerate() {
            let name = link.property.as_str();
            let mut targets = entities.clone().lazy().select([
                col(ROW_COLUMN),
                col(ID),
                col(name).alias(target.as_str()),
            ]);
            if matches!(entities.column(name)?.dtype(), DataType::List(_)) {
                targets = targets.explode(
                    cols([target.as_str()]),
                    ExplodeOptions {
                        empty_as_null: false,
                        keep_nulls: false,
                    },
                );
            }
            let targets = targets
                .filter(col(target.as_str()).is_not_null())
                .collect()?;
            if self.linkable[index] && !link.slices.iter().all(|s| identities.is_complete(s)) {
                self.deferred.push((index, detached(&targets)?));
                continue;
            }
            failures.push(self.dangling(index, targets, identities)?);
        }
        Ok(())
    }

    /// Tallies the links of rule `index` in `targets`, returning the dangling ones as
    /// failures.
    pub(super) fn dangling(
        &mut self,
        index: usize,
        targets: DataFrame,
        identities: &Identities,
    ) -> PolarsResult<LazyFrame> {
        let link = &self.mapping.links[index];
        let target = target_column();
        // A link that may point into several slices finds its thing in any of them.
        let things: Vec<_> = link.slices.iter().map(|s| identities.of(s)).collect();
        let found: BooleanChunked = targets
            .column(&target)?
            .str()?
            .iter()
            .map(|target| {
                Some(target.is_some_and(|t| {
                    things
                        .iter()
                        .any(|k| k.as_ref().is_some_and(|k| k.contains(t)))
                }))
            })
            .collect();
        let dangling = targets.filter(&!&found)?;
        let checked = targets.height() as u64;
        self.conformance.tally(
            Dimension::Integrity,
            &link.property,
            Tally {
                checked,
                passed: checked - dangling.height() as u64,
            },
        );
        let named: Vec<String> = link.slices.iter().map(|s| format!("`{s}`")).collect();
        let rule = match (self.linkable[index], named.as_slice()) {
            (true, [one]) => format!("no thing with this id in slice {one}"),
            (true, many) => format!("no thing with this id in slices {}", many.join(", ")),
            (false, [one]) => format!("slice {one} has no mapping, so nothing to link to"),
            (false, many) => format!(
                "slices {} have no mapping, so nothing to link to",
                many.join(", ")
            ),
        };
        let failure = Failure::of_things(
            Dimension::Integrity,
            &link.property,
            col(target.as_str()),
            lit(rule),
            self.cell(link.id.columns().next()),
        );
        Ok(failure.rows(dangling.lazy()))
    }
}
