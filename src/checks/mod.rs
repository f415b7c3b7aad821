//! Conformance: how far each slice is from the quality bar, by dimension. Every check is
//! derived from the RDL and the mapping; each score is checks passed / checks made (the
//! ISO 8000-8 way), and every failure is located at its cell. One file per kind of check;
//! the [`Scorer`] here carries a slice's tallies and failures across its batches.

mod classes;
mod completeness;
mod custom;
pub mod digitalisation;
mod integrity;
mod partial;
pub mod quarantine;
mod uniqueness;
mod values;

use std::collections::BTreeMap;

use polars::prelude::*;
use serde::Serialize;

pub use partial::{Partial, resume_all};
pub use quarantine::Quarantine;
pub use uniqueness::Identities;

use crate::columns::{
    DIMENSION, FAILURE_COLUMNS, FAILURE_ORIGIN, ID, PROPERTY, ROW_COLUMN, RULE, VALUE,
};
use crate::mapping::{Absent, MappedRows, Mapping};
use crate::quality::{Dimension, Tally};
use crate::rdl::Rdl;
use crate::source::Origin;

/// A source code with no RDL term, and how often it occurs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct UnmappedCode {
    /// What the code was meant to give: `class`, or a code property.
    pub property: String,
    /// The source column it was read from (empty for a constant).
    pub column: String,
    pub code: String,
    pub count: u64,
    /// Where it was first met: its cell, or its row.
    pub first: String,
}

/// How often an unmapped code was met, and where first.
#[derive(Debug, Clone)]
struct Unmet {
    count: u64,
    first: String,
}

/// Source codes a pattern of a value map matched (`Door*` matched `Door-Single-900`), so
/// a person sees what a pattern took in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MatchedCode {
    pub property: String,
    pub column: String,
    pub pattern: String,
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
    /// The codes each pattern of a value map matched.
    pub matched_codes: Vec<MatchedCode>,
    /// The attributes the mapping reads that no attribute row names.
    pub absent_attributes: Vec<Absent>,
    /// The rows that became no thing: how many for each reason, and the first ones.
    pub quarantine: Quarantine,
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
            matched_codes: Vec::new(),
            absent_attributes: Vec::new(),
            quarantine: Quarantine::default(),
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
            lit(self.dimension.as_str()).alias(DIMENSION),
            self.id.alias(ID),
            lit(self.property).alias(PROPERTY),
            self.value.alias(VALUE),
            self.rule.alias(RULE),
            self.origin.alias(FAILURE_ORIGIN),
        ])
    }
}

/// Why a batch could not be scored.
#[derive(Debug)]
pub enum ScoreError {
    /// The mapping's check `index` could not be run on the data (a condition comparing a
    /// text column with a number, say).
    Check {
        index: usize,
        source: PolarsError,
    },
    Polars(PolarsError),
}

impl From<PolarsError> for ScoreError {
    fn from(source: PolarsError) -> Self {
        Self::Polars(source)
    }
}

/// A text that is null, for a failure without a value.
fn no_text() -> Expr {
    lit(NULL).cast(DataType::String)
}

/// Scores one mapped slice batch by batch, carrying what spans batches: the tallies, the
/// repeated identifiers, and the links whose target slice was still being read. Values that
/// break a rule of the RDL (min, max, pattern) are taken out of each batch's things: a thing
/// is written without a value that is not valid.
pub struct Scorer<'a> {
    mapping: &'a Mapping,
    rdl: &'a Rdl,
    origin: Origin,
    conformance: Conformance,
    /// Per link rule: whether its target slice has a mapping, so things to link to.
    linkable: Vec<bool>,
    /// Things whose identifier an earlier thing used: (row, id).
    repeats: Vec<(u64, String)>,
    /// Links whose target slice was not fully read yet: (link rule, its targets), checked
    /// by [`Scorer::finish`].
    deferred: Vec<(usize, DataFrame)>,
    /// Codes without an RDL term: (property, column, code) → how often.
    unmapped: BTreeMap<(String, String, String), Unmet>,
    /// Codes a pattern matched: (property, column, pattern, code) → how often.
    matched: BTreeMap<(String, String, String, String), u64>,
    failures: Vec<DataFrame>,
    /// A shard's things, (row, identifier) in row order, for `merge`'s uniqueness.
    things: Vec<(u64, String)>,
}

impl<'a> Scorer<'a> {
    /// A scorer of `slice`, whose rows come from `origin`. `has_mapping` tells the slices
    /// with a mapping (so things to link to).
    pub fn new(
        slice: &str,
        mapping: &'a Mapping,
        rdl: &'a Rdl,
        origin: Origin,
        has_mapping: &dyn Fn(&str) -> bool,
    ) -> Self {
        Self {
            mapping,
            rdl,
            origin,
            conformance: Conformance::new(slice),
            linkable: mapping
                .links
                .iter()
                .map(|l| l.slices.iter().any(|s| has_mapping(s)))
                .collect(),
            repeats: Vec::new(),
            deferred: Vec::new(),
            unmapped: BTreeMap::new(),
            matched: BTreeMap::new(),
            failures: Vec::new(),
            things: Vec::new(),
        }
    }

    /// The slice scored.
    pub fn slice(&self) -> &str {
        &self.conformance.slice
    }

    /// Checks one batch: `rows` as cut from the source, `mapped` what the mapping made of
    /// them. `identities` holds the identifiers of every slice, for uniqueness and links.
    /// Returns how many values that mapped were left out of their things for breaking a rule
    /// of the RDL.
    pub fn batch(
        &mut self,
        rows: &DataFrame,
        mapped: &mut MappedRows,
        identities: &Identities,
    ) -> Result<u64, ScoreError> {
        self.conformance
            .quarantine
            .add(&mapped.quarantine, &self.origin)?;
        let mut failures: Vec<LazyFrame> = Vec::new();
        let left_out = self.values(mapped, &mut failures)?;
        self.class_conformity(rows, &mapped.entities, &mut failures)?;
        self.property_patterns(rows)?;
        self.completeness(&mapped.entities, &mut failures)?;
        self.identifiers(&mapped.entities, identities)?;
        self.integrity(&mapped.entities, identities, &mut failures)?;
        self.custom_checks(rows, &mapped.entities, &mut failures)?;
        if !failures.is_empty() {
            let frame = concat(failures, UnionArgs::default())?.collect()?;
            if frame.height() > 0 {
                self.failures.push(crate::columns::detached(&frame)?);
            }
        }
        Ok(left_out)
    }

    /// The slice's conformance, once every slice is read: `identities` holds the
    /// identifiers of every mapped slice, this one's included.
    pub fn finish(mut self, identities: &Identities) -> PolarsResult<Conformance> {
        let uniqueness = self.uniqueness(identities)?;
        self.failures.extend(uniqueness);
        for (index, targets) in std::mem::take(&mut self.deferred) {
            let dangling = self.dangling(index, targets, identities)?;
            self.failures.push(dangling.collect()?);
        }
        self.conformance.quarantine.finish();
        self.conformance.unmapped_codes = std::mem::take(&mut self.unmapped)
            .into_iter()
            .map(|((property, column, code), unmet)| UnmappedCode {
                property,
                column,
                code,
                count: unmet.count,
                first: unmet.first,
            })
            .collect();
        self.conformance.matched_codes = std::mem::take(&mut self.matched)
            .into_iter()
            .map(|((property, column, pattern, code), count)| MatchedCode {
                property,
                column,
                pattern,
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
                    [ROW_COLUMN, DIMENSION, PROPERTY],
                    SortMultipleOptions::default().with_maintain_order(true),
                )
                .select(FAILURE_COLUMNS.map(col))
                .collect()?
        };
        explain_merged_cells(&self.origin, &mut self.conformance.failures)?;
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

/// A failure at a cell that merged cells cover says so: the cell reads as blank, and
/// the sheet shows a value there.
fn explain_merged_cells(origin: &Origin, failures: &mut DataFrame) -> PolarsResult<()> {
    let origins = failures.column(FAILURE_ORIGIN)?.str()?;
    let rules = failures.column(RULE)?.str()?;
    let mut explained = false;
    let annotated: StringChunked = rules
        .iter()
        .zip(origins.iter())
        .map(|(rule, at)| {
            let why = at.and_then(|at| origin.merged_at(at));
            explained |= why.is_some();
            match (rule, why) {
                (Some(rule), Some(why)) => Some(format!("{rule} ({why})")),
                (rule, _) => rule.map(str::to_string),
            }
        })
        .collect();
    if explained {
        failures.replace(RULE, annotated.with_name(RULE.into()).into_column())?;
    }
    Ok(())
}

/// How many rows a lazy frame (a filter, usually) holds.
fn height(rows: &LazyFrame) -> PolarsResult<u64> {
    Ok(rows.clone().collect()?.height() as u64)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mapping::fixtures::{mapping, rdl, rows, some, texts};
    use crate::mapping::{apply, compile};
    use crate::source::OriginKind;

    const MAPPING: &str = r#"slice: assets
class: { from: Type, values: { PUMP: Pump, VLV: Valve } }
id: "https://data.test/asset/{ID}"
properties:
  power: { from: Power, unit: kW, unit_in_value: true }
  state: { from: Status }
  size: { from: Size, unit: mm }
  code: { from: Code }
links:
  site: { slice: sites, id: "https://data.test/site/{Site}" }
checks:
  coded: { where: "Code IS NOT NULL", message: every asset has a code, dimension: completeness }
"#;

    const COLUMNS: [&str; 7] = ["ID", "Type", "Power", "Status", "Size", "Code", "Site"];

    type Row<'a> = [Option<&'a str>; 7];

    /// Scores batches of rows (each numbered on from the last) against sites S1 only.
    fn score(batches: &[&[Row]]) -> Conformance {
        let rdl = rdl();
        let mapping = mapping(&rdl, &COLUMNS, MAPPING).expect("valid mapping");
        let origin = Origin {
            file: "assets.csv".into(),
            kind: OriginKind::Lines,
        };
        let identities = Identities::new(["sites", "assets"], []);
        identities.record("sites", &[("https://data.test/site/S1", 2)]);
        identities.complete("sites");
        let mut scorer = Scorer::new("assets", &mapping, &rdl, origin, &|_| true);
        let mut first_row = 2;
        for batch in batches {
            let columns: Vec<Vec<Option<&str>>> = (0..COLUMNS.len())
                .map(|c| batch.iter().map(|row| row[c]).collect())
                .collect();
            let named: Vec<(&str, &[Option<&str>])> = COLUMNS
                .iter()
                .zip(&columns)
                .map(|(name, values)| (*name, values.as_slice()))
                .collect();
            let rows = rows(first_row, &named);
            let compiled = compile(&mapping, &rdl, rows.schema());
            let mut mapped = apply(&compiled, &rows).expect("mapped");
            scorer
                .batch(&rows, &mut mapped, &identities)
                .expect("checked");
            first_row += batch.len() as u64;
        }
        identities.complete("assets");
        scorer.finish(&identities).expect("scored")
    }

    /// P1 is good; P2 breaks the RDL's rules and links to a site that does not exist; P3 (a
    /// valve) has no state and no code; P1 again (in the second batch) has a power that is no
    /// number; P7's type has no class.
    fn example() -> Conformance {
        let first: &[Row] = &[
            [
                Some("P1"),
                Some("PUMP"),
                Some("5 kW"),
                Some("InService"),
                Some("100"),
                Some("AB"),
                Some("S1"),
            ],
            [
                Some("P2"),
                Some("PUMP"),
                Some("-3 kW"),
                Some("InService"),
                Some("9000"),
                Some("ab"),
                Some("S9"),
            ],
            [Some("P3"), Some("VLV"), None, None, None, None, Some("S1")],
        ];
        let second: &[Row] = &[
            [
                Some("P1"),
                Some("PUMP"),
                Some("x"),
                Some("InService"),
                None,
                Some("CD"),
                Some("S1"),
            ],
            [Some("P7"), Some("XXX"), None, None, None, None, None],
        ];
        score(&[first, second])
    }

    #[test]
    fn each_dimension_counts_its_checks_across_batches() {
        let conformance = example();
        let tally = |checked, passed| Tally { checked, passed };
        let expected: BTreeMap<Dimension, Tally> = [
            // Class codes 4 of 5 (XXX); state 3 of 3.
            (Dimension::Conformity, tally(8, 7)),
            // Power 1 of 3 (-3 kW below 0, x no number); size 1 of 2 (9 m over 5 m);
            // code 2 of 3 (ab breaks the pattern).
            (Dimension::Validity, tally(8, 4)),
            // Pump power 1 of 3 (a value left out is missing), pump state 3 of 3, valve state
            // 0 of 1, the `coded` check 3 of 4.
            (Dimension::Completeness, tally(11, 7)),
            // Four things, two share P1.
            (Dimension::Uniqueness, tally(4, 2)),
            // S9 is not a site.
            (Dimension::Integrity, tally(4, 3)),
        ]
        .into();
        assert_eq!(conformance.dimensions, expected);
        assert_eq!(
            conformance.properties["power"][&Dimension::Validity],
            tally(3, 1)
        );
        assert_eq!(
            conformance.unmapped_codes,
            [UnmappedCode {
                property: "class".into(),
                column: "Type".into(),
                code: "XXX".into(),
                count: 1,
                first: "assets.csv:6".into(),
            }]
        );
    }

    #[test]
    fn the_quarantine_counts_rows_by_reason_with_their_origin() {
        let quarantine = example().quarantine;
        let reason = "no class: `Type` code `XXX` is not mapped";
        assert_eq!(
            quarantine.reasons,
            [quarantine::QuarantineReason {
                reason: reason.into(),
                count: 1,
                first: "assets.csv:6".into(),
            }]
        );
        assert_eq!(
            quarantine.rows,
            [quarantine::QuarantinedRow {
                origin: "assets.csv:6".into(),
                reason: reason.into(),
            }]
        );
    }

    #[test]
    fn every_failure_is_located_in_source_order() {
        let failures = example().failures;
        let columns = |name| texts(&failures, name);
        let rows: Vec<[Option<String>; 4]> = (0..failures.height())
            .map(|i| ["origin", "dimension", "property", "value"].map(|c| columns(c)[i].clone()))
            .collect();
        let row = |origin: &str, dimension: &str, property: &str, value: Option<&str>| {
            [
                Some(origin.to_string()),
                Some(dimension.to_string()),
                Some(property.to_string()),
                value.map(str::to_string),
            ]
        };
        let p1 = Some("https://data.test/asset/P1");
        assert_eq!(
            rows,
            [
                row("assets.csv:2", "uniqueness", "id", p1),
                row("assets.csv:3", "completeness", "power", None),
                row(
                    "assets.csv:3",
                    "integrity",
                    "site",
                    Some("https://data.test/site/S9")
                ),
                row("assets.csv:3", "validity", "code", Some("ab")),
                row("assets.csv:3", "validity", "power", Some("-3000.0")),
                row("assets.csv:3", "validity", "size", Some("9.0")),
                row("assets.csv:4", "completeness", "check:coded", None),
                row("assets.csv:4", "completeness", "state", None),
                row("assets.csv:5", "completeness", "power", None),
                row("assets.csv:5", "uniqueness", "id", p1),
                row("assets.csv:5", "validity", "power", Some("x")),
                row("assets.csv:6", "conformity", "class", Some("XXX")),
            ]
        );
        assert_eq!(
            columns("rule"),
            some(&[
                "identifier used by 2 things",
                "required for Pump",
                "no thing with this id in slice `sites`",
                "does not match the pattern ^[A-Z]+$",
                "below the minimum 0 W",
                "above the maximum 5 m",
                "every asset has a code",
                "required for Valve",
                "required for Pump",
                "identifier used by 2 things",
                "not a number in a known unit (W, kW)",
                "no RDL class for this `Type` code",
            ])
        );
    }

    #[test]
    fn a_link_to_a_slice_still_being_read_waits_for_its_identifiers() {
        let rdl = rdl();
        let mapping = mapping(&rdl, &COLUMNS, MAPPING).expect("valid mapping");
        let origin = Origin {
            file: "assets.csv".into(),
            kind: OriginKind::Lines,
        };
        let mut scorer = Scorer::new("assets", &mapping, &rdl, origin, &|_| true);
        let values: Vec<(&str, Vec<Option<&str>>)> = COLUMNS
            .iter()
            .map(|c| {
                let value = match *c {
                    "ID" => "P1",
                    "Type" => "PUMP",
                    "Site" => "S2",
                    _ => "",
                };
                (*c, vec![(!value.is_empty()).then_some(value)])
            })
            .collect();
        let named: Vec<(&str, &[Option<&str>])> =
            values.iter().map(|(c, v)| (*c, v.as_slice())).collect();
        let rows = rows(2, &named);
        let mut mapped = apply(&compile(&mapping, &rdl, rows.schema()), &rows).expect("mapped");
        // The sites are not read yet: nothing is known of them.
        let identities = Identities::new(["sites", "assets"], []);
        scorer
            .batch(&rows, &mut mapped, &identities)
            .expect("checked");
        identities.record("sites", &[("https://data.test/site/S2", 9)]);
        identities.complete("sites");
        let conformance = scorer.finish(&identities).expect("scored");
        assert_eq!(
            conformance.dimensions[&Dimension::Integrity],
            Tally {
                checked: 1,
                passed: 1
            }
        );
    }
}
