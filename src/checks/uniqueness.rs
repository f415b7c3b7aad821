//! Uniqueness: every identifier names one thing, within a slice and across the slices of a
//! run. The identifiers of every slice's things are kept across its batches in the run's
//! [`Identities`], shared by the slices as they are read (side by side), and handed to the
//! slices whose links point at them.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Mutex, PoisonError, RwLock, RwLockReadGuard};

use polars::prelude::*;

use super::{Failure, Scorer};
use crate::columns::{ID, ROW_COLUMN};
use crate::quality::{Dimension, Tally};

/// The identifiers of one slice's things. Kept as 128-bit hashes, 16 bytes a thing
/// whatever the identifier's length, so the things of a slice larger than memory fit; two
/// different identifiers share a hash with a probability of about n²/2¹²⁹ (10⁻²⁵ for ten
/// million things).
#[derive(Debug, Default)]
pub(super) struct Identifiers {
    seen: PlHashMap<u128, Seen>,
}

/// The first thing that used an identifier, and how many did.
#[derive(Debug, Clone, Copy)]
struct Seen {
    first_row: u64,
    uses: u64,
}

fn key(id: &str) -> u128 {
    xxhash_rust::xxh3::xxh3_128(id.as_bytes())
}

impl Identifiers {
    /// Whether a thing has this identifier.
    pub(super) fn contains(&self, id: &str) -> bool {
        self.seen.contains_key(&key(id))
    }

    /// Records the thing of `row`; true when no earlier thing used its identifier.
    fn add(&mut self, key: u128, row: u64) -> bool {
        let seen = self.seen.entry(key).or_insert(Seen {
            first_row: row,
            uses: 0,
        });
        seen.uses += 1;
        seen.uses == 1
    }

    fn get(&self, id: &str) -> Option<Seen> {
        self.seen.get(&key(id)).copied()
    }

    /// How many things were recorded.
    fn things(&self) -> u64 {
        self.seen.values().map(|s| s.uses).sum()
    }
}

/// One slice's identifiers, and whether the slice is read in full.
#[derive(Debug, Default)]
struct Register {
    identifiers: RwLock<Identifiers>,
    complete: AtomicBool,
}

impl Register {
    fn read(&self) -> RwLockReadGuard<'_, Identifiers> {
        // A slice whose thread panicked left its identifiers whole: each change is one add.
        self.identifiers
            .read()
            .unwrap_or_else(PoisonError::into_inner)
    }
}

/// The identifiers of every mapped slice of a run. A thing whose identifier a thing of
/// another slice uses fails uniqueness (one IRI typed Pump by one slice and Valve by
/// another), unless a mapping says the two slices describe the same things
/// (`same_things_as`). Which things fail does not depend on the order the slices are read
/// in: a slice adds a batch's identifiers to its own, then looks them up in every other
/// slice's, so of two slices that share an identifier at least one sees the other, and
/// notes the things of both.
#[derive(Debug, Default)]
pub struct Identities {
    slices: BTreeMap<String, Register>,
    /// Slices that describe the same things, both ways round.
    same: BTreeSet<(String, String)>,
    /// Things whose identifier a thing of another slice uses: slice → row → identifier.
    crossed: Mutex<BTreeMap<String, BTreeMap<u64, String>>>,
    /// A shard's identities: the other shards' are not known, so no slice is ever read in
    /// full and every link waits for `merge`.
    partial: bool,
}

impl Identities {
    /// The identities of a run that maps `slices`; `same` pairs slices that describe the
    /// same things.
    pub fn new<'s>(
        slices: impl IntoIterator<Item = &'s str>,
        same: impl IntoIterator<Item = (&'s str, &'s str)>,
    ) -> Self {
        let same = same
            .into_iter()
            .flat_map(|(a, b)| {
                [
                    (a.to_string(), b.to_string()),
                    (b.to_string(), a.to_string()),
                ]
            })
            .collect();
        Self {
            slices: slices
                .into_iter()
                .map(|s| (s.to_string(), Register::default()))
                .collect(),
            same,
            crossed: Mutex::default(),
            partial: false,
        }
    }

    /// These identities, as a shard's (see [`Identities::is_partial`]).
    pub fn partial(mut self) -> Self {
        self.partial = true;
        self
    }

    /// Whether these are a shard's identities: links are not checked, and each slice's
    /// things are kept for `merge`.
    pub fn is_partial(&self) -> bool {
        self.partial
    }

    /// Notes that `slice` is read in full: its links are checked as they go by from now on.
    pub fn complete(&self, slice: &str) {
        if self.partial {
            return;
        }
        if let Some(register) = self.slices.get(slice) {
            register.complete.store(true, Ordering::SeqCst);
        }
    }

    /// Whether `slice` is read in full.
    pub fn is_complete(&self, slice: &str) -> bool {
        self.slices
            .get(slice)
            .is_some_and(|r| r.complete.load(Ordering::SeqCst))
    }

    /// The identifiers of `slice`'s things, to look many up.
    pub(super) fn of(&self, slice: &str) -> Option<RwLockReadGuard<'_, Identifiers>> {
        self.slices.get(slice).map(Register::read)
    }

    /// Records a batch of `slice`'s things, (identifier, row) in row order. Returns those
    /// whose identifier an earlier thing of the slice used; those whose identifier another
    /// slice uses are noted for [`Identities::crossed`].
    pub(super) fn record(&self, slice: &str, things: &[(&str, u64)]) -> Vec<(u64, String)> {
        let Some(register) = self.slices.get(slice) else {
            return Vec::new();
        };
        let keys: Vec<u128> = things.iter().map(|(id, _)| key(id)).collect();
        let mut repeats = Vec::new();
        {
            let mut own = register
                .identifiers
                .write()
                .unwrap_or_else(PoisonError::into_inner);
            for ((id, row), key) in things.iter().zip(&keys) {
                if !own.add(*key, *row) {
                    repeats.push((*row, id.to_string()));
                }
            }
        }
        // Only now, with this batch's identifiers visible to them, look into the others.
        let mut crossed: Vec<(&str, u64, &str)> = Vec::new();
        for (other, theirs) in &self.slices {
            if other == slice || self.same.contains(&(slice.to_string(), other.clone())) {
                continue;
            }
            let theirs = theirs.read();
            if theirs.seen.is_empty() {
                continue;
            }
            for ((id, row), key) in things.iter().zip(&keys) {
                if let Some(seen) = theirs.seen.get(key) {
                    crossed.push((slice, *row, id));
                    crossed.push((other, seen.first_row, id));
                }
            }
        }
        if !crossed.is_empty() {
            let mut noted = self.crossed.lock().unwrap_or_else(PoisonError::into_inner);
            for (slice, row, id) in crossed {
                noted
                    .entry(slice.to_string())
                    .or_default()
                    .insert(row, id.to_string());
            }
        }
        repeats
    }

    /// The things of `slice` whose identifier a thing of another slice uses: row → id.
    fn crossed(&self, slice: &str) -> BTreeMap<u64, String> {
        let mut noted = self.crossed.lock().unwrap_or_else(PoisonError::into_inner);
        noted.remove(slice).unwrap_or_default()
    }

    /// Why a thing of `slice` with identifier `id` fails uniqueness: how many things use
    /// it, and which other slices.
    fn rule(&self, slice: &str, id: &str) -> String {
        let mut uses = 0;
        let mut others = Vec::new();
        for (name, register) in &self.slices {
            if name != slice && self.same.contains(&(slice.to_string(), name.clone())) {
                continue;
            }
            if let Some(seen) = register.read().get(id) {
                uses += seen.uses;
                if name != slice {
                    others.push(format!("`{name}`"));
                }
            }
        }
        match others.len() {
            0 => format!("identifier used by {uses} things"),
            1 => format!(
                "identifier used by {uses} things, also in slice {}",
                others[0]
            ),
            _ => format!(
                "identifier used by {uses} things, also in slices {}",
                others.join(", ")
            ),
        }
    }
}

impl Scorer<'_> {
    /// Records each thing's identifier, in row order, noting those an earlier thing used.
    pub(super) fn identifiers(
        &mut self,
        entities: &DataFrame,
        identities: &Identities,
    ) -> PolarsResult<()> {
        let ids = entities.column(ID)?.str()?;
        let rows = entities.column(ROW_COLUMN)?.u64()?;
        let things: Vec<(&str, u64)> = ids
            .iter()
            .zip(rows.iter())
            .filter_map(|(id, row)| Some((id?, row?)))
            .collect();
        let repeats = identities.record(&self.conformance.slice, &things);
        self.repeats.extend(repeats);
        if identities.is_partial() {
            (self.things).extend(things.iter().map(|(id, row)| (*row, id.to_string())));
        }
        Ok(())
    }

    /// Every identifier names one thing: each thing whose identifier another thing uses
    /// fails, the first of them included, whether the other is of this slice or another.
    pub(super) fn uniqueness(
        &mut self,
        identities: &Identities,
    ) -> PolarsResult<Option<DataFrame>> {
        let slice = self.conformance.slice.clone();
        let mut failing = identities.crossed(&slice);
        let things = match identities.slices.get(&slice) {
            Some(register) => {
                let own = register.read();
                for (row, id) in std::mem::take(&mut self.repeats) {
                    if let Some(seen) = own.get(&id) {
                        failing.insert(seen.first_row, id.clone());
                    }
                    failing.insert(row, id);
                }
                own.things()
            }
            None => 0,
        };
        self.conformance.tally(
            Dimension::Uniqueness,
            ID,
            Tally {
                checked: things,
                passed: things - failing.len() as u64,
            },
        );
        if failing.is_empty() {
            return Ok(None);
        }
        let rules: Vec<String> = failing
            .values()
            .map(|id| identities.rule(&slice, id))
            .collect();
        let rule_column = crate::columns::hidden("uniqueness");
        let rows: Vec<u64> = failing.keys().copied().collect();
        let ids: Vec<String> = failing.into_values().collect();
        let repeated = DataFrame::new(
            rows.len(),
            vec![
                Column::new(ROW_COLUMN.into(), rows),
                Column::new(ID.into(), ids),
                Column::new(rule_column.as_str().into(), rules),
            ],
        )?;
        let failure = Failure::of_things(
            Dimension::Uniqueness,
            ID,
            col(ID),
            col(rule_column.as_str()),
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
        let identities = Identities::new(["a"], []);
        let repeats = identities.record("a", &[("x", 3), ("y", 4), ("x", 9)]);
        assert_eq!(repeats, vec![(9, "x".to_string())]);
        let own = identities.of("a").expect("registered");
        assert!(own.contains("x") && !own.contains("z"));
        let x = own.get("x").expect("seen");
        assert_eq!((x.first_row, x.uses), (3, 2));
        assert_eq!(own.things(), 3);
    }

    #[test]
    fn an_identifier_of_two_slices_fails_both_whatever_the_order() {
        for order in [["pumps", "valves"], ["valves", "pumps"]] {
            let identities = Identities::new(["pumps", "valves", "tests"], [("pumps", "tests")]);
            let batches = BTreeMap::from([
                ("pumps", vec![("p1", 2), ("v7", 3)]),
                ("valves", vec![("v7", 5), ("v8", 6)]),
                ("tests", vec![("p1", 4)]),
            ]);
            for slice in order.into_iter().chain(["tests"]) {
                identities.record(slice, &batches[slice]);
            }
            let crossed = |slice| identities.crossed(slice).into_iter().collect::<Vec<_>>();
            assert_eq!(crossed("pumps"), vec![(3, "v7".to_string())], "{order:?}");
            assert_eq!(crossed("valves"), vec![(5, "v7".to_string())]);
            assert_eq!(
                crossed("tests"),
                vec![],
                "pumps and tests describe the same things"
            );
            assert_eq!(
                identities.rule("pumps", "v7"),
                "identifier used by 2 things, also in slice `valves`"
            );
        }
    }
}
