//! What a slice's quarantine holds, for the report: how many rows each reason sent there
//! (and where first), and the first rows with their origin. The rows themselves are in
//! `quarantine/SLICE.*`.

use polars::prelude::*;
use serde::Serialize;

use crate::mapping::quarantine_reason;
use crate::source::Origin;

/// How many distinct reasons the report lists; the rows of any further reason are counted
/// under [`OTHER_REASONS`].
pub const REASONS_IN_REPORT: usize = 50;

/// How many quarantined rows the report lists, in source order.
pub const ROWS_IN_REPORT: usize = 20;

/// The reason the rows beyond the first [`REASONS_IN_REPORT`] reasons are counted under.
pub const OTHER_REASONS: &str = "other reasons";

/// A reason rows were quarantined for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct QuarantineReason {
    pub reason: String,
    /// How many rows it sent to quarantine.
    pub count: u64,
    /// The first such row's origin.
    pub first: String,
}

/// One quarantined row: where it is, and why it became no thing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct QuarantinedRow {
    pub origin: String,
    pub reason: String,
}

/// A slice's quarantine, summed up.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct Quarantine {
    /// Most rows first; a tie in the order first met.
    pub reasons: Vec<QuarantineReason>,
    /// The first [`ROWS_IN_REPORT`] rows, in source order.
    pub rows: Vec<QuarantinedRow>,
}

impl Quarantine {
    /// Adds a batch's quarantined rows: [`crate::columns::ROW_COLUMN`] and the
    /// [`quarantine_reason`] column, as [`crate::mapping::MappedRows::quarantine`] holds them.
    pub(super) fn add(&mut self, quarantined: &DataFrame, origin: &Origin) -> PolarsResult<()> {
        if quarantined.height() == 0 {
            return Ok(());
        }
        let frame = quarantined
            .clone()
            .lazy()
            .select([
                origin.row_expr().alias("at"),
                col(quarantine_reason()).alias("reason"),
            ])
            .collect()?;
        let counts = frame
            .clone()
            .lazy()
            .group_by_stable([col("reason")])
            .agg([len().alias("count"), col("at").first().alias("at")])
            .collect()?;
        let reasons = counts.column("reason")?.str()?;
        let places = counts.column("at")?.str()?;
        let numbers = counts.column("count")?.cast(&DataType::UInt64)?;
        for ((reason, at), count) in reasons.iter().zip(places.iter()).zip(numbers.u64()?.iter()) {
            let at = at.unwrap_or_default();
            self.count(reason.unwrap_or_default(), count.unwrap_or_default(), at);
        }
        let room = ROWS_IN_REPORT.saturating_sub(self.rows.len());
        let head = frame.head(Some(room));
        let places = head.column("at")?.str()?;
        let reasons = head.column("reason")?.str()?;
        self.rows.extend(
            places
                .iter()
                .zip(reasons.iter())
                .map(|(at, reason)| QuarantinedRow {
                    origin: at.unwrap_or_default().to_string(),
                    reason: reason.unwrap_or_default().to_string(),
                }),
        );
        Ok(())
    }

    /// Counts `count` rows quarantined for `reason`, the first at `at`; a reason beyond the
    /// first [`REASONS_IN_REPORT`] counts under [`OTHER_REASONS`].
    fn count(&mut self, reason: &str, count: u64, at: &str) {
        let find = |reasons: &[QuarantineReason], reason: &str| {
            reasons.iter().position(|r| r.reason == reason)
        };
        let room = self.reasons.len() < REASONS_IN_REPORT;
        let reason = match room || find(&self.reasons, reason).is_some() {
            true => reason,
            false => OTHER_REASONS,
        };
        match find(&self.reasons, reason) {
            Some(index) => self.reasons[index].count += count,
            None => self.reasons.push(QuarantineReason {
                reason: reason.to_string(),
                count,
                first: at.to_string(),
            }),
        }
    }

    /// Takes in another part's quarantine (a later shard's, before either is finished): as
    /// if its batches had followed this part's.
    pub(super) fn absorb(&mut self, later: Quarantine) {
        for reason in later.reasons {
            self.count(&reason.reason, reason.count, &reason.first);
        }
        let room = ROWS_IN_REPORT.saturating_sub(self.rows.len());
        self.rows.extend(later.rows.into_iter().take(room));
    }

    /// Orders the reasons, most rows first, once every batch is in.
    pub(super) fn finish(&mut self) {
        self.reasons.sort_by_key(|r| std::cmp::Reverse(r.count));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::columns::ROW_COLUMN;
    use crate::source::OriginKind;

    fn batch(rows: &[(u64, &str)]) -> DataFrame {
        let numbers: Vec<u64> = rows.iter().map(|(n, _)| *n).collect();
        let reasons: Vec<&str> = rows.iter().map(|(_, r)| *r).collect();
        DataFrame::new(
            rows.len(),
            vec![
                Column::new(ROW_COLUMN.into(), numbers),
                Column::new(quarantine_reason().into(), reasons),
            ],
        )
        .expect("frame")
    }

    fn origin() -> Origin {
        Origin {
            file: "assets.csv".into(),
            kind: OriginKind::Lines,
        }
    }

    #[test]
    fn reasons_are_counted_across_batches_most_rows_first_with_the_first_row() {
        let mut q = Quarantine::default();
        q.add(&batch(&[(3, "no id"), (5, "no class")]), &origin())
            .expect("added");
        q.add(&DataFrame::empty(), &origin()).expect("empty");
        q.add(&batch(&[(9, "no class"), (11, "no class")]), &origin())
            .expect("added");
        q.finish();
        let reason = |reason: &str, count, first: &str| QuarantineReason {
            reason: reason.into(),
            count,
            first: first.into(),
        };
        assert_eq!(
            q.reasons,
            [
                reason("no class", 3, "assets.csv:5"),
                reason("no id", 1, "assets.csv:3")
            ]
        );
        assert_eq!(q.reasons.iter().map(|r| r.count).sum::<u64>(), 4);
        let origins: Vec<&str> = q.rows.iter().map(|r| r.origin.as_str()).collect();
        assert_eq!(
            origins,
            [
                "assets.csv:3",
                "assets.csv:5",
                "assets.csv:9",
                "assets.csv:11"
            ]
        );
        assert_eq!(q.rows[0].reason, "no id");
    }

    #[test]
    fn the_report_keeps_the_first_rows_and_reasons_and_counts_the_rest() {
        let reasons: Vec<String> = (0..REASONS_IN_REPORT + 5)
            .map(|i| format!("reason {i}"))
            .collect();
        let rows: Vec<(u64, &str)> = reasons
            .iter()
            .enumerate()
            .map(|(i, r)| (i as u64 + 2, r.as_str()))
            .collect();
        let mut q = Quarantine::default();
        q.add(&batch(&rows), &origin()).expect("added");
        q.finish();
        assert_eq!(q.rows.len(), ROWS_IN_REPORT);
        assert_eq!(q.reasons.len(), REASONS_IN_REPORT + 1);
        let total: u64 = q.reasons.iter().map(|r| r.count).sum();
        assert_eq!(total, rows.len() as u64, "no row is lost from the counts");
        let other = &q.reasons[0];
        assert_eq!(other.reason, OTHER_REASONS);
        assert_eq!(other.count, 5);
        assert_eq!(other.first, format!("assets.csv:{}", REASONS_IN_REPORT + 2));
    }
}
