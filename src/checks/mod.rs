//! Conformance: how far each slice is from the quality bar, by dimension. Every check is
//! derived from the RDL and the mapping; each score is checks passed / checks made (the
//! ISO 8000-8 way), and every failure is located at its cell. One file per kind of check;
//! the [`Scorer`] here carries a slice's tallies and failures across its batches.

mod classes;
mod completeness;
mod custom;
pub mod digitalisation;
mod identifiers;
mod integrity;
mod values;

use std::collections::BTreeMap;

use polars::prelude::*;
use serde::Serialize;

pub use identifiers::Identifiers;

use crate::columns::{ID, ROW_COLUMN};
use crate::mapping::{ClassSource, MappedRows, Mapping};
use crate::quality::{Dimension, Tally};
use crate::rdl::Rdl;
use crate::source::Origin;

/// A source code with no RDL term, and how often it occurs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct UnmappedCode {
    pub column: String,
    pub code: String,
    pub count: u64,
}

/// One slice's conformance.
#[derive(Debug, Clone)]
pub struct Conformance {
    pub slice: String,
    /// Every dimension.
    pub dimensions: BTreeMap<Dimension, Tally>,
    /// Per property (and `class`, `id`): the dimensions it was checked in.
    pub properties: BTreeMap<String, BTreeMap<Dimension, Tally>>,
    pub unmapped_codes: Vec<UnmappedCode>,
    /// `dimension`, `id`, `property`, `value`, `rule`, `origin`: one row per failed check,
    /// in source order.
    pub failures: DataFrame,
}

impl Conformance {
    fn new(slice: &str) -> Self {
        Self {
            slice: slice.to_string(),
            dimensions: Dimension::ALL
                .iter()
                .map(|d| (*d, Tally::default()))
                .collect(),
            properties: BTreeMap::new(),
            unmapped_codes: Vec::new(),
            failures: DataFrame::empty(),
        }
    }

    /// Adds checks of `property` in `dimension`.
    fn tally(&mut self, dimension: Dimension, property: &str, tally: Tally) {
        if let Some(total) = self.dimensions.get_mut(&dimension) {
            total.add(tally);
        }
        self.properties
            .entry(property.to_string())
            .or_default()
            .entry(dimension)
            .or_default()
            .add(tally);
    }

    /// Takes back `count` checks of `property` in `dimension` that passed an earlier test
    /// and failed a later one.
    fn unpass(&mut self, dimension: Dimension, property: &str, count: u64) {
        if let Some(tally) = self
            .properties
            .get_mut(property)
            .and_then(|p| p.get_mut(&dimension))
        {
            tally.passed = tally.passed.saturating_sub(count);
        }
        if let Some(total) = self.dimensions.get_mut(&dimension) {
            total.passed = total.passed.saturating_sub(count);
        }
    }
}

/// The columns of a failures frame once it is finished; [`ROW_COLUMN`] orders it while it
/// is built.
const FAILURE_COLUMNS: [&str; 6] = ["dimension", "id", "property", "value", "rule", "origin"];

/// A failed check, as the failure rows of the frame it was found in: each check says what
/// it checked and why a row failed, and this turns the failing rows into failure rows.
struct Failure {
    dimension: Dimension,
    /// The thing's identifier (null for a row that became no thing).
    id: Expr,
    property: String,
    /// The value as it failed, null when there is none.
    value: Expr,
    rule: Expr,
    /// Where the failure sits: a cell, or a row.
    origin: Expr,
}

impl Failure {
    /// A failure of the things in a frame with [`ROW_COLUMN`] and [`ID`].
    fn of_things(
        dimension: Dimension,
        property: &str,
        value: Expr,
        rule: Expr,
        origin: Expr,
    ) -> Self {
        Self {
            dimension,
            id: col(ID),
            property: property.to_string(),
            value,
            rule,
            origin,
        }
    }

    /// The failure rows of the failing rows in `frame`.
    fn rows(self, frame: LazyFrame) -> LazyFrame {
        frame.select([
            col(ROW_COLUMN),
            lit(self.dimension.as_str()).alias("dimension"),
            self.id.alias("id"),
            lit(self.property).alias("property"),
            self.value.alias("value"),
            self.rule.alias("rule"),
            self.origin.alias("origin"),
        ])
    }
}

/// A text that is null, for a failure without a value.
fn no_text() -> Expr {
    lit(NULL).cast(DataType::String)
}

/// Scores one mapped slice batch by batch, carrying what spans batches: the tallies, the
/// identifiers seen, and the links whose target slice was still being read. Values that
/// break a rule of the RDL (min, max, pattern) are taken out of each batch's things: a thing
/// is written without a value that is not valid.
pub struct Scorer<'a> {
    mapping: &'a Mapping,
    rdl: &'a Rdl,
    origin: Origin,
    conformance: Conformance,
    /// Per link rule: whether its target slice has a mapping, so things to link to.
    linkable: Vec<bool>,
    /// Every identifier of this slice's things, until it is handed over by
    /// [`Scorer::take_identifiers`].
    identifiers: Identifiers,
    /// Things whose identifier an earlier thing used: (row, id).
    repeats: Vec<(u64, String)>,
    /// Links whose target slice was not fully read yet: (link rule, its targets), checked
    /// by [`Scorer::finish`].
    deferred: Vec<(usize, DataFrame)>,
    unmapped: BTreeMap<String, u64>,
    failures: Vec<DataFrame>,
}

impl<'a> Scorer<'a> {
    /// A scorer of `slice`, whose rows come from `origin`. `mapped` names every slice with
    /// a mapping.
    pub fn new(
        slice: &str,
        mapping: &'a Mapping,
        rdl: &'a Rdl,
        origin: Origin,
        mapped: &dyn Fn(&str) -> bool,
    ) -> Self {
        Self {
            mapping,
            rdl,
            origin,
            conformance: Conformance::new(slice),
            linkable: mapping.links.iter().map(|l| mapped(&l.slice)).collect(),
            identifiers: Identifiers::default(),
            repeats: Vec::new(),
            deferred: Vec::new(),
            unmapped: BTreeMap::new(),
            failures: Vec::new(),
        }
    }

    /// Checks one batch: `rows` as cut from the source, `mapped` what the mapping made of
    /// them. `known` holds the identifiers of the slices already read, for the links.
    pub fn batch(
        &mut self,
        rows: &DataFrame,
        mapped: &mut MappedRows,
        known: &BTreeMap<String, Identifiers>,
    ) -> PolarsResult<()> {
        let mut failures: Vec<LazyFrame> = Vec::new();
        self.values(mapped, &mut failures)?;
        self.class_conformity(rows, &mut failures)?;
        self.completeness(&mapped.entities, &mut failures)?;
        self.identifiers(&mapped.entities)?;
        self.integrity(&mapped.entities, known, &mut failures)?;
        self.custom_checks(rows, &mapped.entities, &mut failures)?;
        if !failures.is_empty() {
            let frame = concat(failures, UnionArgs::default())?.collect()?;
            if frame.height() > 0 {
                self.failures.push(detached(&frame)?);
            }
        }
        Ok(())
    }

    /// Hands over the identifiers of this slice's things, once all its batches are checked,
    /// so other slices' links can be checked against them.
    pub fn take_identifiers(&mut self) -> Identifiers {
        std::mem::take(&mut self.identifiers)
    }

    /// The slice's conformance, once every slice is read: `known` holds the identifiers of
    /// every mapped slice, this one's included.
    pub fn finish(mut self, known: &BTreeMap<String, Identifiers>) -> PolarsResult<Conformance> {
        let mine = std::mem::take(&mut self.identifiers);
        let own = known.get(&self.conformance.slice).unwrap_or(&mine);
        let uniqueness = self.uniqueness(own)?;
        self.failures.extend(uniqueness);
        for (index, targets) in std::mem::take(&mut self.deferred) {
            let dangling = self.dangling(index, targets, known)?;
            self.failures.push(dangling.collect()?);
        }
        let column = match &self.mapping.class {
            ClassSource::Column { column, .. } => column.clone(),
            ClassSource::Fixed(_) => String::new(),
        };
        self.conformance.unmapped_codes = std::mem::take(&mut self.unmapped)
            .into_iter()
            .map(|(code, count)| UnmappedCode {
                column: column.clone(),
                code,
                count,
            })
            .collect();
        let frames: Vec<LazyFrame> = self.failures.into_iter().map(|f| f.lazy()).collect();
        self.conformance.failures = if frames.is_empty() {
            let text = |name: &&str| Column::new_empty((*name).into(), &DataType::String);
            DataFrame::new(0, FAILURE_COLUMNS.iter().map(text).collect())?
        } else {
            concat(frames, UnionArgs::default())?
                .sort(
                    [ROW_COLUMN, "dimension", "property"],
                    SortMultipleOptions::default().with_maintain_order(true),
                )
                .select(FAILURE_COLUMNS.map(col))
                .collect()?
        };
        Ok(self.conformance)
    }

    /// Where a value of `column` sits: its cell in a workbook, its row otherwise; the row
    /// for a value with no column (a constant).
    fn cell(&self, column: Option<&str>) -> Expr {
        match column {
            Some(column) => self.origin.cell_expr(column),
            None => self.origin.row_expr(),
        }
    }
}

/// A copy of `frame` whose texts own their bytes. polars' text columns are views into
/// shared buffers: a few failed rows kept from a batch would otherwise keep all of that
/// batch's text alive, and memory would grow with every batch.
fn detached(frame: &DataFrame) -> PolarsResult<DataFrame> {
    let columns = frame
        .columns()
        .iter()
        .map(|column| match column.dtype() {
            DataType::String => {
                let texts = column.str()?;
                let copy: StringChunked = texts.iter().collect();
                Ok(copy.with_name(texts.name().clone()).into_column())
            }
            _ => Ok(column.clone()),
        })
        .collect::<PolarsResult<Vec<Column>>>()?;
    DataFrame::new(frame.height(), columns)
}

/// How many rows a lazy frame (a filter, usually) holds.
fn height(rows: &LazyFrame) -> PolarsResult<u64> {
    Ok(rows.clone().collect()?.height() as u64)
}
