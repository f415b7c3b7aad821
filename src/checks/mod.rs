//! Conformance: how far each slice is from the quality bar, by dimension. Every check is
//! derived from the RDL and the mapping; each score is checks passed / checks made (the
//! ISO 8000-8 way), and every failure is located at its cell.

pub mod digitalisation;

use std::collections::BTreeMap;

use polars::prelude::*;
use serde::Serialize;

use crate::mapping::{CLASS, ClassSource, ID, MappedRows, Mapping, ValueSource};
use crate::rdl::{Datatype, Rdl};
use crate::source::{Origin, ROW_COLUMN};

pub const COMPLETENESS: &str = "completeness";
pub const VALIDITY: &str = "validity";
pub const CONFORMITY: &str = "conformity";
pub const UNIQUENESS: &str = "uniqueness";
pub const INTEGRITY: &str = "integrity";
pub const DIMENSIONS: [&str; 5] = [COMPLETENESS, VALIDITY, CONFORMITY, UNIQUENESS, INTEGRITY];

/// Checks made and passed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Tally {
    pub checked: u64,
    pub passed: u64,
}

impl Tally {
    /// Passed / checked; a dimension with nothing to check is fully conformant.
    pub fn score(&self) -> f64 {
        if self.checked == 0 {
            1.0
        } else {
            self.passed as f64 / self.checked as f64
        }
    }

    pub fn add(&mut self, other: Tally) {
        self.checked += other.checked;
        self.passed += other.passed;
    }
}

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
    /// Every dimension, in [`DIMENSIONS`] order.
    pub dimensions: BTreeMap<&'static str, Tally>,
    /// Per property (and `class`, `id`): the dimensions it was checked in.
    pub properties: BTreeMap<String, BTreeMap<&'static str, Tally>>,
    pub unmapped_codes: Vec<UnmappedCode>,
    /// `dimension`, `id`, `property`, `value`, `rule`, `origin`: one row per failed check,
    /// in source order.
    pub failures: DataFrame,
}

impl Conformance {
    fn new(slice: &str) -> Self {
        Self {
            slice: slice.to_string(),
            dimensions: DIMENSIONS.iter().map(|d| (*d, Tally::default())).collect(),
            properties: BTreeMap::new(),
            unmapped_codes: Vec::new(),
            failures: DataFrame::empty(),
        }
    }

    fn tally(&mut self, dimension: &'static str, property: &str, tally: Tally) {
        if let Some(total) = self.dimensions.get_mut(dimension) {
            total.add(tally);
        }
        self.properties
            .entry(property.to_string())
            .or_default()
            .entry(dimension)
            .or_default()
            .add(tally);
    }
}

/// The identifiers of one slice's things: for its uniqueness, and for the links of other
/// slices. Kept as 128-bit hashes, 16 bytes a thing whatever the identifier's length, so the
/// things of a slice larger than memory fit; two different identifiers share a hash with a
/// probability of about n²/2¹²⁹ (10⁻²⁵ for ten million things).
#[derive(Debug, Default)]
pub struct Things {
    seen: PlHashMap<u128, Seen>,
}

/// The first thing that used an identifier, and how many did.
#[derive(Debug, Clone, Copy)]
struct Seen {
    first_row: u64,
    uses: u64,
}

impl Things {
    fn key(id: &str) -> u128 {
        xxhash_rust::xxh3::xxh3_128(id.as_bytes())
    }

    /// Whether a thing has this identifier.
    pub fn contains(&self, id: &str) -> bool {
        self.seen.contains_key(&Self::key(id))
    }

    /// Records the thing of `row`; true when no earlier thing used its identifier.
    fn add(&mut self, id: &str, row: u64) -> bool {
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
}

/// The columns of a failures frame while it is built; [`ROW_COLUMN`] orders it.
const FAILURE_COLUMNS: [&str; 6] = ["dimension", "id", "property", "value", "rule", "origin"];

/// Checks one mapped slice batch by batch, carrying what spans batches: the tallies, the
/// identifiers seen, and the links whose target slice was still being read. Values that
/// break a rule of the RDL (min, max, pattern) are taken out of each batch's things: a thing
/// is written without a value that is not valid.
pub struct Checker<'a> {
    mapping: &'a Mapping,
    rdl: &'a Rdl,
    origin: Origin,
    conformance: Conformance,
    /// Per link rule: whether its target slice has a mapping, so things to link to.
    linkable: Vec<bool>,
    /// Every identifier of this slice's things, until it is handed over by
    /// [`Checker::take_things`].
    things: Things,
    /// Things whose identifier an earlier thing used: (row, id).
    repeats: Vec<(u64, String)>,
    /// Links whose target slice was not fully read yet: (link rule, [`ROW_COLUMN`], id,
    /// `__target`), checked by [`Checker::finish`].
    deferred: Vec<(usize, DataFrame)>,
    unmapped: BTreeMap<String, u64>,
    failures: Vec<DataFrame>,
}

impl<'a> Checker<'a> {
    /// A checker of `slice`, whose rows come from `origin`. `mapped` names every slice with
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
            things: Things::default(),
            repeats: Vec::new(),
            deferred: Vec::new(),
            unmapped: BTreeMap::new(),
            failures: Vec::new(),
        }
    }

    /// Checks one batch: `rows` as cut from the source, `mapped` what the mapping made of
    /// them. `known` holds the things of the slices already read, for the links.
    pub fn batch(
        &mut self,
        rows: &DataFrame,
        mapped: &mut MappedRows,
        known: &BTreeMap<String, Things>,
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
    pub fn take_things(&mut self) -> Things {
        std::mem::take(&mut self.things)
    }

    /// The slice's conformance, once every slice is read: `known` holds the things of every
    /// mapped slice, this one's included.
    pub fn finish(mut self, known: &BTreeMap<String, Things>) -> PolarsResult<Conformance> {
        let mine = std::mem::take(&mut self.things);
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

    /// Values that did not parse (validity) or codes without a term (conformity), then the
    /// RDL's own rules on the values that parsed: range and pattern.
    fn values(
        &mut self,
        mapped: &mut MappedRows,
        failures: &mut Vec<LazyFrame>,
    ) -> PolarsResult<()> {
        let (rdl, origin) = (self.rdl, &self.origin);
        let entities = mapped.entities.clone();
        for rule in &self.mapping.properties {
            let Some(property) = rdl.properties.get(&rule.property) else {
                continue;
            };
            let dimension = if property.datatype == Datatype::Code {
                CONFORMITY
            } else {
                VALIDITY
            };
            let column = match &rule.source {
                ValueSource::Column(c) => Some(c.as_str()),
                ValueSource::Constant(_) => None,
            };
            let failed = mapped
                .failures
                .clone()
                .lazy()
                .filter(col("property").eq(lit(rule.property.clone())));
            let failed_count = failed.clone().collect()?.height() as u64;
            let present = count_non_null(&entities, &rule.property)?;
            self.conformance.tally(
                dimension,
                &rule.property,
                Tally {
                    checked: present + failed_count,
                    passed: present,
                },
            );
            failures.push(failed.select([
                col(ROW_COLUMN),
                lit(dimension).alias("dimension"),
                col(ID).alias("id"),
                lit(rule.property.clone()).alias("property"),
                col("value"),
                col("reason").alias("rule"),
                cell_origin(origin, column).alias("origin"),
            ]));

            let bounds = [
                (property.min, "below the minimum", true),
                (property.max, "above the maximum", false),
            ];
            let is_list = matches!(
                entities.column(&rule.property).map(|c| c.dtype().clone()),
                Ok(DataType::List(_))
            );
            let mut broken: Vec<(Expr, String)> = Vec::new();
            if !is_list && matches!(property.datatype, Datatype::Decimal | Datatype::Integer) {
                for (bound, words, lower) in bounds {
                    if let Some(bound) = bound {
                        let value = col(rule.property.as_str()).cast(DataType::Float64);
                        let test = if lower {
                            value.lt(lit(bound))
                        } else {
                            value.gt(lit(bound))
                        };
                        let unit = property.unit.clone().unwrap_or_default();
                        broken.push((
                            test,
                            format!("{words} {bound} {unit}").trim_end().to_string(),
                        ));
                    }
                }
            }
            if let (Some(pattern), false) = (&property.pattern, is_list) {
                let test = col(rule.property.as_str())
                    .cast(DataType::String)
                    .str()
                    .contains(lit(pattern.clone()), false)
                    .not();
                broken.push((test, format!("does not match the pattern {pattern}")));
            }
            for (test, words) in broken {
                let rows = entities
                    .clone()
                    .lazy()
                    .filter(col(rule.property.as_str()).is_not_null().and(test.clone()));
                let count = rows.clone().collect()?.height() as u64;
                if let Some(tally) = self
                    .conformance
                    .properties
                    .get_mut(&rule.property)
                    .and_then(|p| p.get_mut(dimension))
                {
                    tally.passed = tally.passed.saturating_sub(count);
                }
                if let Some(total) = self.conformance.dimensions.get_mut(dimension) {
                    total.passed = total.passed.saturating_sub(count);
                }
                failures.push(
                    rows.select([
                        col(ROW_COLUMN),
                        lit(dimension).alias("dimension"),
                        col(ID).alias("id"),
                        lit(rule.property.clone()).alias("property"),
                        col(rule.property.as_str())
                            .cast(DataType::String)
                            .alias("value"),
                        lit(words).alias("rule"),
                        cell_origin(origin, column).alias("origin"),
                    ]),
                );
                mapped.entities = mapped
                    .entities
                    .clone()
                    .lazy()
                    .with_column(
                        when(col(rule.property.as_str()).is_not_null().and(test))
                            .then(lit(NULL))
                            .otherwise(col(rule.property.as_str()))
                            .cast(entities.column(&rule.property)?.dtype().clone())
                            .alias(rule.property.as_str()),
                    )
                    .collect()?;
            }
        }
        Ok(())
    }

    /// Every class code in the slice is mapped to an RDL class.
    fn class_conformity(
        &mut self,
        rows: &DataFrame,
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
            .select([col(ROW_COLUMN), code.alias("code")])
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
        let numbers = numbers.u64()?;
        let mut missing = 0;
        for (code, count) in codes.iter().zip(numbers.iter()) {
            if let (Some(code), Some(count)) = (code, count) {
                missing += count;
                *self.unmapped.entry(code.to_string()).or_default() += count;
            }
        }
        self.conformance.tally(
            CONFORMITY,
            CLASS,
            Tally {
                checked,
                passed: checked - missing,
            },
        );
        failures.push(unmapped.select([
            col(ROW_COLUMN),
            lit(CONFORMITY).alias("dimension"),
            lit(NULL).cast(DataType::String).alias("id"),
            lit(CLASS).alias("property"),
            col("code").alias("value"),
            lit(format!("no RDL class for this `{column}` code")).alias("rule"),
            self.origin.cell_expr(column).alias("origin"),
        ]));
        Ok(())
    }

    /// Every thing has the properties the RDL requires of its class (and its ancestors).
    fn completeness(
        &mut self,
        entities: &DataFrame,
        failures: &mut Vec<LazyFrame>,
    ) -> PolarsResult<()> {
        for class in self.mapping.classes() {
            let of_class = entities.clone().lazy().filter(col(CLASS).eq(lit(class)));
            let things = of_class.clone().collect()?.height() as u64;
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
                let missing_count = missing.clone().collect()?.height() as u64;
                self.conformance.tally(
                    COMPLETENESS,
                    &required,
                    Tally {
                        checked: things,
                        passed: things - missing_count,
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
                failures.push(missing.select([
                    col(ROW_COLUMN),
                    lit(COMPLETENESS).alias("dimension"),
                    col(ID).alias("id"),
                    lit(required.clone()).alias("property"),
                    lit(NULL).cast(DataType::String).alias("value"),
                    lit(rule).alias("rule"),
                    cell_origin(&self.origin, column).alias("origin"),
                ]));
            }
        }
        Ok(())
    }

    /// Records each thing's identifier, in row order, noting those an earlier thing used.
    fn identifiers(&mut self, entities: &DataFrame) -> PolarsResult<()> {
        let ids = entities.column(ID)?.str()?.clone();
        let rows = entities.column(ROW_COLUMN)?.u64()?.clone();
        for (id, row) in ids.iter().zip(rows.iter()) {
            if let (Some(id), Some(row)) = (id, row)
                && !self.things.add(id, row)
            {
                self.repeats.push((row, id.to_string()));
            }
        }
        Ok(())
    }

    /// Every identifier names one thing: each thing whose identifier another thing uses
    /// fails, the first of them included.
    fn uniqueness(&mut self, own: &Things) -> PolarsResult<Option<DataFrame>> {
        let things: u64 = own.seen.values().map(|s| s.uses).sum();
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
            UNIQUENESS,
            ID,
            Tally {
                checked: things,
                passed: things - rows.len() as u64,
            },
        );
        if rows.is_empty() {
            return Ok(None);
        }
        let repeated = df!(
            ROW_COLUMN => rows,
            ID => ids,
            "__uses" => uses,
        )?;
        repeated
            .lazy()
            .select([
                col(ROW_COLUMN),
                lit(UNIQUENESS).alias("dimension"),
                col(ID).alias("id"),
                lit(ID).alias("property"),
                col(ID).alias("value"),
                concat_str(
                    [
                        lit("identifier used by "),
                        col("__uses").cast(DataType::String),
                        lit(" things"),
                    ],
                    "",
                    false,
                )
                .alias("rule"),
                self.origin.row_expr().alias("origin"),
            ])
            .collect()
            .map(Some)
    }

    /// Every link points at a thing of its target slice: checked now when the target slice
    /// is read already, else kept for [`Checker::finish`].
    fn integrity(
        &mut self,
        entities: &DataFrame,
        known: &BTreeMap<String, Things>,
        failures: &mut Vec<LazyFrame>,
    ) -> PolarsResult<()> {
        for (index, link) in self.mapping.links.iter().enumerate() {
            let name = link.property.as_str();
            let mut targets = entities.clone().lazy().select([
                col(ROW_COLUMN),
                col(ID),
                col(name).alias("__target"),
            ]);
            if matches!(entities.column(name)?.dtype(), DataType::List(_)) {
                targets = targets.explode(
                    cols(["__target"]),
                    ExplodeOptions {
                        empty_as_null: false,
                        keep_nulls: false,
                    },
                );
            }
            let targets = targets.filter(col("__target").is_not_null()).collect()?;
            if self.linkable[index] && !known.contains_key(&link.slice) {
                self.deferred.push((index, detached(&targets)?));
                continue;
            }
            failures.push(self.dangling(index, targets, known)?);
        }
        Ok(())
    }

    /// Tallies the links of rule `index` in `targets`, returning the dangling ones as
    /// failures.
    fn dangling(
        &mut self,
        index: usize,
        targets: DataFrame,
        known: &BTreeMap<String, Things>,
    ) -> PolarsResult<LazyFrame> {
        let link = &self.mapping.links[index];
        let things = known.get(&link.slice);
        let found: BooleanChunked = targets
            .column("__target")?
            .str()?
            .iter()
            .map(|target| match (target, things) {
                (Some(target), Some(things)) => Some(things.contains(target)),
                _ => Some(false),
            })
            .collect();
        let dangling = targets.filter(&!&found)?;
        let checked = targets.height() as u64;
        self.conformance.tally(
            INTEGRITY,
            &link.property,
            Tally {
                checked,
                passed: checked - dangling.height() as u64,
            },
        );
        let rule = if self.linkable[index] {
            format!("no thing with this id in slice `{}`", link.slice)
        } else {
            format!(
                "slice `{}` has no mapping, so nothing to link to",
                link.slice
            )
        };
        let column = link.id.columns().next();
        Ok(dangling.lazy().select([
            col(ROW_COLUMN),
            lit(INTEGRITY).alias("dimension"),
            col(ID).alias("id"),
            lit(link.property.clone()).alias("property"),
            col("__target").alias("value"),
            lit(rule).alias("rule"),
            cell_origin(&self.origin, column).alias("origin"),
        ]))
    }

    /// The mapping's own checks: a SQL condition over the slice's columns every thing
    /// satisfies. A condition that is null for a thing (a comparison with an empty cell) is
    /// not satisfied.
    fn custom_checks(
        &mut self,
        rows: &DataFrame,
        entities: &DataFrame,
        failures: &mut Vec<LazyFrame>,
    ) -> PolarsResult<()> {
        for check in &self.mapping.checks {
            let condition = crate::slice::compile_condition(&check.condition)
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
                .with_column(condition.fill_null(lit(false)).alias("__satisfied"));
            let checked = things.clone().collect()?.height() as u64;
            let failing = things.filter(col("__satisfied").not());
            let failed = failing.clone().collect()?.height() as u64;
            let name = format!("check:{}", check.name);
            self.conformance.tally(
                check.dimension,
                &name,
                Tally {
                    checked,
                    passed: checked - failed,
                },
            );
            failures.push(failing.select([
                col(ROW_COLUMN),
                lit(check.dimension).alias("dimension"),
                col(ID).alias("id"),
                lit(name.clone()).alias("property"),
                lit(NULL).cast(DataType::String).alias("value"),
                lit(check.message.clone()).alias("rule"),
                self.origin.row_expr().alias("origin"),
            ]));
        }
        Ok(())
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

fn count_non_null(frame: &DataFrame, column: &str) -> PolarsResult<u64> {
    Ok(match frame.column(column) {
        Ok(c) => (c.len() - c.null_count()) as u64,
        Err(_) => 0,
    })
}

/// Where a value sits: the cell of `column` in a workbook, the row otherwise.
fn cell_origin(origin: &Origin, column: Option<&str>) -> Expr {
    match column {
        Some(column) => origin.cell_expr(column),
        None => origin.row_expr(),
    }
}
