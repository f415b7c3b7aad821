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

/// What checking one slice needs.
pub struct SliceInput<'a> {
    pub slice: &'a str,
    pub mapping: &'a Mapping,
    /// The slice's rows, as cut from the source.
    pub rows: &'a DataFrame,
    pub origin: &'a Origin,
}

/// Checks a mapped slice. Values that break a rule of the RDL (min, max, pattern) are taken
/// out of `mapped.entities`: a thing is written without a value that is not valid.
pub fn check(
    input: &SliceInput,
    mapped: &mut MappedRows,
    rdl: &Rdl,
    ids: &BTreeMap<String, DataFrame>,
) -> PolarsResult<Conformance> {
    let mut conformance = Conformance::new(input.slice);
    let mut failures: Vec<LazyFrame> = Vec::new();
    let origin = input.origin;
    let entities = mapped.entities.clone();

    // Values that did not parse (validity) or codes without a term (conformity).
    for rule in &input.mapping.properties {
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
        conformance.tally(
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

        // The RDL's own rules on values that parsed: range and pattern.
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
            if let Some(tally) = conformance
                .properties
                .get_mut(&rule.property)
                .and_then(|p| p.get_mut(dimension))
            {
                tally.passed = tally.passed.saturating_sub(count);
            }
            if let Some(total) = conformance.dimensions.get_mut(dimension) {
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

    class_conformity(input, &mut conformance, &mut failures)?;
    completeness(
        input,
        &mapped.entities,
        rdl,
        &mut conformance,
        &mut failures,
    )?;
    uniqueness(&mapped.entities, origin, &mut conformance, &mut failures)?;
    integrity(
        input,
        &mapped.entities,
        ids,
        &mut conformance,
        &mut failures,
    )?;
    custom_checks(input, &mapped.entities, &mut conformance, &mut failures)?;

    conformance.failures = if failures.is_empty() {
        let text = |name: &str| Column::new_empty(name.into(), &DataType::String);
        DataFrame::new(
            0,
            ["dimension", "id", "property", "value", "rule", "origin"]
                .into_iter()
                .map(text)
                .collect(),
        )?
    } else {
        concat(failures, UnionArgs::default())?
            .sort(
                [ROW_COLUMN, "dimension", "property"],
                SortMultipleOptions::default(),
            )
            .select([
                col("dimension"),
                col("id"),
                col("property"),
                col("value"),
                col("rule"),
                col("origin"),
            ])
            .collect()?
    };
    Ok(conformance)
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

/// Every class code in the slice is mapped to an RDL class.
fn class_conformity(
    input: &SliceInput,
    conformance: &mut Conformance,
    failures: &mut Vec<LazyFrame>,
) -> PolarsResult<()> {
    let ClassSource::Column {
        column,
        values,
        trim,
        ..
    } = &input.mapping.class
    else {
        return Ok(());
    };
    let mut code = col(column.as_str()).cast(DataType::String);
    if *trim {
        code = code.str().strip_chars(lit(NULL));
    }
    let known = Series::new("known".into(), values.keys().cloned().collect::<Vec<_>>());
    let coded = input
        .rows
        .clone()
        .lazy()
        .select([col(ROW_COLUMN), code.alias("code")])
        .filter(col("code").is_not_null())
        .with_column(
            col("code")
                .is_in(lit(known).implode(false), false)
                .alias("mapped"),
        );
    let frame = coded.clone().collect()?;
    let checked = frame.height() as u64;
    let unmapped = coded.clone().filter(col("mapped").not());
    let counts = unmapped
        .clone()
        .group_by([col("code")])
        .agg([len().alias("count")])
        .sort(["code"], SortMultipleOptions::default())
        .collect()?;
    let codes = counts.column("code")?.str()?.clone();
    let numbers = counts.column("count")?.cast(&DataType::UInt64)?;
    let numbers = numbers.u64()?;
    let mut missing = 0;
    for (code, count) in codes.iter().zip(numbers.iter()) {
        if let (Some(code), Some(count)) = (code, count) {
            missing += count;
            conformance.unmapped_codes.push(UnmappedCode {
                column: column.clone(),
                code: code.to_string(),
                count,
            });
        }
    }
    conformance.tally(
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
        input.origin.cell_expr(column).alias("origin"),
    ]));
    Ok(())
}

/// Every thing has the properties the RDL requires of its class (and its ancestors).
fn completeness(
    input: &SliceInput,
    entities: &DataFrame,
    rdl: &Rdl,
    conformance: &mut Conformance,
    failures: &mut Vec<LazyFrame>,
) -> PolarsResult<()> {
    for class in input.mapping.classes() {
        let of_class = entities.clone().lazy().filter(col(CLASS).eq(lit(class)));
        let things = of_class.clone().collect()?.height() as u64;
        if things == 0 {
            continue;
        }
        for required in rdl.required(class) {
            let has_column = entities.column(&required).is_ok();
            let missing = if has_column {
                of_class.clone().filter(col(required.as_str()).is_null())
            } else {
                of_class.clone()
            };
            let missing_count = missing.clone().collect()?.height() as u64;
            conformance.tally(
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
            let column = input
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
                cell_origin(input.origin, column).alias("origin"),
            ]));
        }
    }
    Ok(())
}

/// Every identifier names one thing.
fn uniqueness(
    entities: &DataFrame,
    origin: &Origin,
    conformance: &mut Conformance,
    failures: &mut Vec<LazyFrame>,
) -> PolarsResult<()> {
    let things = entities.height() as u64;
    let counts = entities
        .clone()
        .lazy()
        .group_by([col(ID)])
        .agg([len().alias("__uses")]);
    let repeated = entities
        .clone()
        .lazy()
        .join(counts, [col(ID)], [col(ID)], JoinArgs::new(JoinType::Left))
        .filter(col("__uses").gt(lit(1)));
    let repeated_count = repeated.clone().collect()?.height() as u64;
    conformance.tally(
        UNIQUENESS,
        ID,
        Tally {
            checked: things,
            passed: things - repeated_count,
        },
    );
    failures.push(
        repeated.select([
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
            origin.row_expr().alias("origin"),
        ]),
    );
    Ok(())
}

/// Every link points at a thing of its target slice.
fn integrity(
    input: &SliceInput,
    entities: &DataFrame,
    ids: &BTreeMap<String, DataFrame>,
    conformance: &mut Conformance,
    failures: &mut Vec<LazyFrame>,
) -> PolarsResult<()> {
    for link in &input.mapping.links {
        let name = link.property.as_str();
        let mut targets =
            entities
                .clone()
                .lazy()
                .select([col(ROW_COLUMN), col(ID), col(name).alias("__target")]);
        if matches!(entities.column(name)?.dtype(), DataType::List(_)) {
            targets = targets.explode(
                cols(["__target"]),
                ExplodeOptions {
                    empty_as_null: false,
                    keep_nulls: false,
                },
            );
        }
        let targets = targets.filter(col("__target").is_not_null());
        let known = match ids.get(&link.slice) {
            Some(frame) => frame.column(ID)?.as_materialized_series().clone(),
            None => Series::new_empty(ID.into(), &DataType::String),
        };
        let checked_frame = targets.with_column(
            col("__target")
                .is_in(lit(known).implode(false), false)
                .alias("__found"),
        );
        let checked = checked_frame.clone().collect()?.height() as u64;
        let dangling = checked_frame.filter(col("__found").not());
        let dangling_count = dangling.clone().collect()?.height() as u64;
        conformance.tally(
            INTEGRITY,
            name,
            Tally {
                checked,
                passed: checked - dangling_count,
            },
        );
        let column = link.id.columns().next();
        let rule = if ids.contains_key(&link.slice) {
            format!("no thing with this id in slice `{}`", link.slice)
        } else {
            format!(
                "slice `{}` has no mapping, so nothing to link to",
                link.slice
            )
        };
        failures.push(dangling.select([
            col(ROW_COLUMN),
            lit(INTEGRITY).alias("dimension"),
            col(ID).alias("id"),
            lit(link.property.clone()).alias("property"),
            col("__target").alias("value"),
            lit(rule).alias("rule"),
            cell_origin(input.origin, column).alias("origin"),
        ]));
    }
    Ok(())
}

/// The mapping's own checks: a SQL condition over the slice's columns every thing satisfies.
/// A condition that is null for a thing (a comparison with an empty cell) is not satisfied.
fn custom_checks(
    input: &SliceInput,
    entities: &DataFrame,
    conformance: &mut Conformance,
    failures: &mut Vec<LazyFrame>,
) -> PolarsResult<()> {
    for check in &input.mapping.checks {
        let condition = crate::slice::compile_condition(&check.condition)
            .map_err(|reason| polars_err!(ComputeError: "check `{}`: {reason}", check.name))?;
        let things = entities
            .clone()
            .lazy()
            .select([col(ROW_COLUMN), col(ID)])
            .join(
                input.rows.clone().lazy(),
                [col(ROW_COLUMN)],
                [col(ROW_COLUMN)],
                JoinArgs::new(JoinType::Inner),
            )
            .with_column(condition.fill_null(lit(false)).alias("__satisfied"));
        let checked = things.clone().collect()?.height() as u64;
        let failing = things.filter(col("__satisfied").not());
        let failed = failing.clone().collect()?.height() as u64;
        let name = format!("check:{}", check.name);
        conformance.tally(
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
            input.origin.row_expr().alias("origin"),
        ]));
    }
    Ok(())
}
