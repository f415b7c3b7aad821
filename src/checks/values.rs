//! Validity and conformity of property values: a value that did not parse or convert, or a
//! code without an RDL term, fails; so does a parsed value that breaks a rule of the RDL
//! (its minimum, maximum or pattern), which is then left out of its thing.

use polars::prelude::*;

use super::{Failure, Scorer, height};
use crate::columns::{PROPERTY, REASON, VALUE, origin_of, shown};
use crate::mapping::{MappedRows, PropertyRule, ValueSource, cell_column, failed_cell};
use crate::quality::{Dimension, Tally};
use crate::rdl::{Bound, Datatype, Property};

/// A rule of the RDL a parsed value can break: the test that is true when it does, and
/// what the rule says.
struct Broken {
    test: Expr,
    rule: String,
    /// The failure's value: the value itself, or for a list, how many it holds.
    value: Expr,
}

impl Scorer<'_> {
    /// Values that did not parse (validity) or codes without a term (conformity), then the
    /// RDL's own rules on the values that parsed: range and pattern. Returns how many parsed
    /// values those rules left out.
    pub(super) fn values(
        &mut self,
        mapped: &mut MappedRows,
        failures: &mut Vec<LazyFrame>,
    ) -> PolarsResult<u64> {
        let mut left_out = 0;
        let rdl = self.rdl;
        // The values as mapped: the rules are judged on them, before any is left out.
        let entities = mapped.entities.clone();
        for rule in &self.mapping.properties {
            let Some(property) = rdl.properties.get(&rule.property) else {
                continue;
            };
            let dimension = if property.datatype == Datatype::Code {
                Dimension::Conformity
            } else {
                Dimension::Validity
            };
            let column = match &rule.source {
                ValueSource::Column(c) => Some(c.as_str()),
                ValueSource::Constant(_) => None,
            };
            failures.push(self.unparsed(rule, dimension, column, mapped, &entities)?);
            for broken in broken_rules(rule, property, &entities) {
                let (failed, count) =
                    self.broken(rule, dimension, column, broken, mapped, &entities)?;
                failures.push(failed);
                left_out += count;
            }
        }
        Ok(left_out)
    }

    /// Tallies a property's values, failing those the mapping could not parse.
    fn unparsed(
        &mut self,
        rule: &PropertyRule,
        dimension: Dimension,
        column: Option<&str>,
        mapped: &MappedRows,
        entities: &DataFrame,
    ) -> PolarsResult<LazyFrame> {
        let failed = mapped
            .failed_values
            .clone()
            .lazy()
            .filter(col(PROPERTY).eq(lit(rule.property.clone())));
        let failed_count = height(&failed)?;
        // A value read from another row (through a link, from an attribute) sits there.
        let origin = match column.and_then(origin_of) {
            Some(_) => col(failed_cell()),
            None => self.cell(column),
        };
        if dimension == Dimension::Conformity {
            let codes = failed
                .clone()
                .select([col(VALUE).alias("code"), origin.clone().alias("at")]);
            self.count_unmapped(&rule.property, column.map(shown).unwrap_or_default(), codes)?;
        }
        let present = match entities.column(&rule.property) {
            Ok(c) => (c.len() - c.null_count()) as u64,
            Err(_) => 0,
        };
        self.conformance.tally(
            dimension,
            &rule.property,
            Tally {
                checked: present + failed_count,
                passed: present,
            },
        );
        let failure =
            Failure::of_things(dimension, &rule.property, col(VALUE), col(REASON), origin);
        Ok(failure.rows(failed))
    }

    /// Fails the values that break `broken`, and leaves them out of their things; returns
    /// the failure rows and how many values were left out.
    fn broken(
        &mut self,
        rule: &PropertyRule,
        dimension: Dimension,
        column: Option<&str>,
        broken: Broken,
        mapped: &mut MappedRows,
        entities: &DataFrame,
    ) -> PolarsResult<(LazyFrame, u64)> {
        let name = rule.property.as_str();
        let breaks = col(name).is_not_null().and(broken.test);
        let rows = entities.clone().lazy().filter(breaks.clone());
        let count = height(&rows)?;
        self.conformance.unpass(dimension, name, count);
        let origin = match column.and_then(origin_of) {
            Some(_) => col(cell_column(name)),
            None => self.cell(column),
        };
        let failure = Failure::of_things(dimension, name, broken.value, lit(broken.rule), origin);
        mapped.entities = mapped
            .entities
            .clone()
            .lazy()
            .with_column(
                when(breaks)
                    .then(lit(NULL))
                    .otherwise(col(name))
                    .cast(entities.column(name)?.dtype().clone())
                    .alias(name),
            )
            .collect()?;
        Ok((failure.rows(rows), count))
    }
}

/// The RDL's rules on a property's parsed values: its minimum and maximum (numbers), its
/// pattern; for the lists of a `split` property, only how many values a thing may have.
fn broken_rules(rule: &PropertyRule, property: &Property, entities: &DataFrame) -> Vec<Broken> {
    let is_list = matches!(
        entities.column(&rule.property).map(|c| c.dtype().clone()),
        Ok(DataType::List(_))
    );
    let name = rule.property.as_str();
    if is_list {
        let count = || col(name).list().len();
        return property
            .max_count
            .map(|max| Broken {
                test: count().gt(lit(max)),
                rule: format!("more than {max} value{}", if max == 1 { "" } else { "s" }),
                value: concat_str([count().cast(DataType::String), lit(" values")], "", true),
            })
            .into_iter()
            .collect();
    }
    let text = || col(name).cast(DataType::String);
    let mut broken = Vec::new();
    let unit = match property.datatype {
        Datatype::Decimal | Datatype::Integer => property.unit.clone().unwrap_or_default(),
        _ => String::new(),
    };
    let bounds = [
        (property.min, "below the minimum", true),
        (property.max, "above the maximum", false),
    ];
    for (bound, words, is_min) in bounds {
        let Some(bound) = bound else { continue };
        // Numbers (and years) by value; dates by day; datetimes by the date they are on,
        // as written.
        let (value, limit) = match (bound, property.datatype) {
            (Bound::Number(n), Datatype::Decimal | Datatype::Integer | Datatype::Year) => {
                (col(name).cast(DataType::Float64), lit(n))
            }
            (Bound::Date(d), Datatype::Date) => (col(name), lit(d)),
            (Bound::Date(_), Datatype::Datetime) => (
                col(name).str().slice(lit(0), lit(10)),
                lit(bound.to_string()),
            ),
            _ => continue,
        };
        broken.push(Broken {
            test: if is_min {
                value.lt(limit)
            } else {
                value.gt(limit)
            },
            rule: format!("{words} {bound} {unit}").trim_end().to_string(),
            value: text(),
        });
    }
    if let Some(pattern) = &property.pattern {
        broken.push(Broken {
            test: col(rule.property.as_str())
                .cast(DataType::String)
                .str()
                .contains(lit(pattern.clone()), false)
                .not(),
            rule: format!("does not match the pattern {pattern}"),
            value: text(),
        });
    }
    broken
}
