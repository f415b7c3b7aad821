//! Uniqueness: every identifier names one thing. The identifiers of a slice's things are
//! kept across its batches, and handed to the slices whose links point at them.

use polars::prelude::*;

use super::{Failure, Scorer};
use crate::columns::{ID, ROW_COLUMN, hidden};
use crate::quality::{Dimension, Tally};

/// The identifiers of one slice's things: for its uniqueness, and for the links of other
/// slices. Kept as 128-bit hashes, 16 bytes a thing whatever the identifier's length, so the
/// things of a slice larger than memory fit; two different identifiers share a hash with a
/// probability of about n²/2¹²⁹ (10⁻²⁵ for ten million things).
#[derive(Debug, Default)]
pub struct Identifiers {
    seen: PlHashMap<u128, Seen>,
}

/// The first thing that used an identifier, and how many did.
#[derive(Debug, Clone, Copy)]
struct Seen {
    first_row: u64,
    uses: u64,
}

impl Identifiers {
    fn key(id: &str) -> u128 {
        xxhash_rust::xxh3::xxh3_128(id.as_bytes())
    }

    /// Whether a thing has this identifier.
    pub fn contains(&self, id: &str) -> bool {
        self.seen.contains_key(&Self::key(id))
    }

    /// Records the thing of `row`; true when no earlier thing used its identifier.
    pub(super) fn add(&mut self, id: &str, row: u64) -> bool {
        let seen = self.seen.entry(Self::key(id)).or_insert(Seen {
            first_row: row,
            uses: 0,
        });
        seen.uses += 1;
        seen.uses == 1
    }

    fn get(&self, id: &str) -> Option<Seen> {
        self.seen.get(&Self::key(id)).copied()
    }

    /// How many things were recorded.
    fn things(&self) -> u64 {
        self.seen.values().map(|s| s.uses).sum()
    }
}

impl Scorer<'_> {
    /// Records each thing's identifier, in row order, noting those an earlier thing used.
    pub(super) fn identifiers(&mut self, entities: &DataFrame) -> PolarsResult<()> {
        let ids = entities.column(ID)?.str()?.clone();
        let rows = entities.column(ROW_COLUMN)?.u64()?.clone();
        for (id, row) in ids.iter().zip(rows.iter()) {
            if let (Some(id), Some(row)) = (id, row)
                && !self.identifiers.add(id, row)
            {
                self.repeats.push((row, id.to_string()));
            }
        }
        Ok(())
    }

    /// Every identifier names one thing: each thing whose identifier another thing uses
    /// fails, the first of them included.
    pub(super) fn uniqueness(&mut self, own: &Identifiers) -> PolarsResult<Option<DataFrame>> {
        let things = own.things();
        let mut rows: Vec<u64> = Vec::new();
        let mut ids: Vec<String> = Vec::new();
        let mut uses: Vec<u64> = Vec::new();
        let mut firsts_added: PlHashSet<u64> = PlHashSet::new();
        for (row, id) in &self.repeats {
            let Some(seen) = own.get(id) else { continue };
            if firsts_added.insert(seen.first_row) {
                rows.push(seen.first_row);
                ids.push(id.clone());
                uses.push(seen.uses);
            }
            rows.push(*row);
            ids.push(id.clone());
            uses.push(seen.uses);
        }
        self.conformance.tally(
            Dimension::Uniqueness,
            ID,
            Tally {
                checked: things,
                passed: things - rows.len() as u64,
            },
        );
        if rows.is_empty() {
            return Ok(None);
        }
        let uses_column = hidden("uses");
        let repeated = DataFrame::new(
            rows.len(),
            vec![
                Column::new(ROW_COLUMN.into(), rows),
                Column::new(ID.into(), ids),
                Column::new(uses_column.as_str().into(), uses),
            ],
        )?;
        let rule = concat_str(
            [
                lit("identifier used by "),
                col(uses_column.as_str()).cast(DataType::String),
                lit(" things"),
            ],
            "",
            false,
        );
        let failure = Failure::of_things(
            Dimension::Uniqueness,
            ID,
            col(ID),
            rule,
            self.origin.row_expr(),
        );
        failure.rows(repeated.lazy()).collect().map(Some)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identifiers_count_their_uses_and_remember_the_first() {
        let mut ids = Identifiers::default();
        assert!(ids.add("a", 3));
        assert!(ids.add("b", 4));
        assert!(!ids.add("a", 9));
        assert!(ids.contains("a") && ids.contains("b") && !ids.contains("c"));
        let a = ids.get("a").expect("seen");
        assert_eq!((a.first_row, a.uses), (3, 2));
        assert_eq!(ids.things(), 3);
    }
}
