//! Things as triples. What each entities column becomes is worked out once per slice
//! ([`Shape`]); each batch's columns are turned into text column by column (by polars), and
//! the per-thing loop hands out triples that borrow that text, in the workspace's pattern.

use std::collections::BTreeMap;

use oxrdf::vocab::{rdf, rdfs, xsd};
use oxrdf::{LiteralRef, NamedNodeRef, TermRef, TripleRef};
use polars::prelude::*;

use super::ies4::{self, Ies4, Nodes};
use super::{Pattern, RdfSettings, RdfStats};
use crate::columns::{CLASS, ID, LABEL};
use crate::diag::Term;
use crate::mapping::{Mapping, ValueSource};
use crate::output::Cause;
use crate::rdl::{Datatype, Rdl};
use crate::share::{DatePart, Generalisation, Treatment, Withheld};

/// What one entities column's values become as RDF objects.
pub(super) enum Object {
    /// A typed literal; `None` is a plain string.
    Literal(Option<NamedNodeRef<'static>>),
    /// An RDL term, through the code → IRI table.
    Code(PlHashMap<String, String>),
    /// An IRI written in the cell.
    Iri,
}

/// How a property is written beyond `<thing> <property> object`, in a foundation model's
/// pattern. Always `Flat` in the flat pattern.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Shape {
    /// `<thing> <property> object`.
    Flat,
    /// An identifier of the thing in its organisation's naming scheme.
    Identifier,
    /// A quantity: a measure with a value in a unit (the RDL property's unit's IRI).
    Measure { unit: Option<String> },
    /// A state the thing is in, typed by its code; `start`: the term whose date starts it.
    State { start: Option<usize> },
}

/// One mapped property or link, as the RDF writer needs it.
pub(super) struct Predicate {
    /// The entities column holding its values.
    column: String,
    pub(super) iri: String,
    /// The class the pattern types its nodes with (none in the flat pattern).
    pub(super) class: String,
    /// The RDL property's label, for the classes a pattern makes of it.
    pub(super) label: Option<String>,
    pub(super) object: Object,
    pub(super) shape: Shape,
}

/// The predicates of a mapping's things, worked out once for all its batches.
pub(super) struct Predicates {
    pub(super) all: Vec<Predicate>,
    class_iris: PlHashMap<String, String>,
    labelled: bool,
    /// With the IES4 pattern: its naming scheme and node names.
    pub(super) ies4: Option<Ies4>,
}

/// What a property's values become as objects: typed literals, code IRIs, IRIs. A pseudonym
/// is text; a generalised date is a year or a month.
fn object_of(property: &crate::rdl::Property, treatment: Option<&Treatment>) -> Object {
    match treatment {
        Some(Treatment::Pseudonymise) => return Object::Literal(None),
        Some(Treatment::Generalise(Generalisation::Date(DatePart::Year))) => {
            return Object::Literal(Some(xsd::G_YEAR));
        }
        Some(Treatment::Generalise(Generalisation::Date(DatePart::Month))) => {
            return Object::Literal(Some(xsd::G_YEAR_MONTH));
        }
        _ => {}
    }
    match property.datatype {
        Datatype::String => Object::Literal(None),
        Datatype::Integer => Object::Literal(Some(xsd::INTEGER)),
        Datatype::Decimal => Object::Literal(Some(xsd::DECIMAL)),
        Datatype::Boolean => Object::Literal(Some(xsd::BOOLEAN)),
        Datatype::Date => Object::Literal(Some(xsd::DATE)),
        Datatype::Year => Object::Literal(Some(xsd::G_YEAR)),
        Datatype::Datetime => Object::Literal(Some(xsd::DATE_TIME)),
        Datatype::Code => Object::Code(
            (property.values.iter())
                .map(|c| (c.name.clone(), c.iri.clone()))
                .collect(),
        ),
        Datatype::Link => Object::Iri,
    }
}

impl Predicates {
    pub(super) fn new(
        mapping: &Mapping,
        rdl: &Rdl,
        settings: &RdfSettings,
        (key, source): (&[String], &str),
        withheld: Option<&Withheld>,
    ) -> Self {
        let ies = settings.pattern == Pattern::Ies4;
        // The property fed by the slice's one key column identifies the thing.
        let key_column = match key {
            [column] => Some(column.as_str()),
            _ => None,
        };
        let starts: BTreeMap<&str, &str> = (settings.starts.iter())
            .filter_map(|(state, date)| {
                let state = rdl.resolve(Term::Property, state).ok()?;
                let date = rdl.resolve(Term::Property, date).ok()?;
                Some((state, date))
            })
            .collect();
        let mut all = Vec::new();
        for rule in &mapping.properties {
            let Some(property) = rdl.properties.get(&rule.property) else {
                continue;
            };
            let treatment = withheld.and_then(|w| w.properties.get(&rule.property));
            let object = object_of(property, treatment);
            let pseudonymised = treatment == Some(&Treatment::Pseudonymise);
            let from_key = matches!((&rule.source, key_column),
                (ValueSource::Column(column), Some(key)) if column == key);
            let shape = match property.datatype {
                _ if !ies => Shape::Flat,
                Datatype::Link => Shape::Flat,
                _ if from_key => Shape::Identifier,
                // A pseudonym measures nothing.
                Datatype::Decimal | Datatype::Integer if pseudonymised => Shape::Flat,
                Datatype::Decimal | Datatype::Integer => Shape::Measure {
                    unit: (property.unit.as_ref())
                        .and_then(|unit| rdl.units.get(unit))
                        .map(|unit| unit.iri.clone()),
                },
                // The start is found once every property is listed.
                Datatype::Code => Shape::State { start: None },
                _ => Shape::Flat,
            };
            all.push(Predicate {
                column: rule.property.clone(),
                class: match shape {
                    Shape::Flat => String::new(),
                    _ => ies4::class_of(&property.iri),
                },
                iri: property.iri.clone(),
                label: property.label.clone(),
                object,
                shape,
            });
        }
        // A state's start: the date property named for it, when this mapping maps it.
        let found: Vec<(usize, usize)> = (all.iter().enumerate())
            .filter_map(|(state, p)| {
                let date = starts.get(p.column.as_str())?;
                Some((state, all.iter().position(|q| q.column == *date)?))
            })
            .collect();
        for (state, date) in found {
            if let Shape::State { start } = &mut all[state].shape {
                *start = Some(date);
            }
        }
        for link in &mapping.links {
            all.push(Predicate {
                column: link.property.clone(),
                class: String::new(),
                iri: rdl.iri(&link.property),
                label: None,
                object: Object::Iri,
                shape: Shape::Flat,
            });
        }
        let class_iris = (rdl.classes.iter())
            .map(|(key, class)| (key.clone(), class.iri.clone()))
            .collect();
        let owner = settings.owners.get(source).map(String::as_str);
        Self {
            ies4: ies.then(|| Ies4::new(mapping, source, owner)),
            all,
            class_iris,
            labelled: mapping.label.is_some(),
        }
    }
}

/// A column's values as text: one per thing, or several (a `split` cell).
enum Values {
    Single(StringChunked),
    Multi(ListChunked),
}

/// Every thing's triples, in row order, from columns already turned into text.
pub(super) struct Triples<'a> {
    ids: StringChunked,
    classes: StringChunked,
    labels: Option<StringChunked>,
    predicates: &'a Predicates,
    /// Each predicate's values, in the order of `predicates.all`.
    values: Vec<Values>,
}

/// A number as `xsd:decimal` writes it: digits and a point, never an exponent (`1e-8` is
/// `0.00000001`), which RDF parsers that check datatypes would reject; an integral value
/// keeps `.0`, as the other outputs write it. Not a number and the infinities are no
/// decimal at all.
fn plain_decimal(value: f64) -> Option<String> {
    if !value.is_finite() {
        return None;
    }
    // Rust writes a double's shortest exact digits, and never an exponent.
    let text = format!("{value}");
    Some(if text.contains('.') {
        text
    } else {
        format!("{text}.0")
    })
}

impl<'a> Triples<'a> {
    /// The triples of `entities` (as the mapping produced them).
    pub(super) fn new(entities: &DataFrame, predicates: &'a Predicates) -> PolarsResult<Self> {
        let text = |name: &str| -> PolarsResult<StringChunked> {
            let column = entities.column(name)?;
            let column = match column.dtype() {
                DataType::Datetime(_, _) => entities
                    .clone()
                    .lazy()
                    .select([col(name).dt().strftime("%Y-%m-%dT%H:%M:%S")])
                    .collect()?
                    .column(name)?
                    .clone(),
                DataType::Float64 => {
                    let plain: StringChunked = column
                        .f64()?
                        .iter()
                        .map(|v| v.and_then(plain_decimal))
                        .collect();
                    plain.into_column()
                }
                _ => column.cast(&DataType::String)?,
            };
            Ok(column.str()?.clone())
        };
        let values = |name: &str| -> PolarsResult<Values> {
            let column = entities.column(name)?;
            if !matches!(column.dtype(), DataType::List(_)) {
                return text(name).map(Values::Single);
            }
            let lists = entities
                .clone()
                .lazy()
                .select([col(name).list().eval(element().cast(DataType::String))])
                .collect()?;
            Ok(Values::Multi(lists.column(name)?.list()?.clone()))
        };
        Ok(Self {
            ids: text(ID)?,
            classes: text(CLASS)?,
            labels: match predicates.labelled {
                true => Some(text(LABEL)?),
                false => None,
            },
            values: (predicates.all.iter())
                .map(|p| values(&p.column))
                .collect::<PolarsResult<_>>()?,
            predicates,
        })
    }

    pub(super) fn len(&self) -> usize {
        self.ids.len()
    }

    /// The identifier of the thing at `row`.
    pub(super) fn id(&self, row: usize) -> Option<&str> {
        self.ids.get(row)
    }

    /// The first value of the `index`-th predicate for the thing at `row`.
    fn first(&self, index: usize, row: usize) -> Option<&str> {
        match self.values.get(index)? {
            Values::Single(column) => column.get(row),
            Values::Multi(_) => None,
        }
    }

    /// Hands each triple of the things in `rows` to `emit`; counts them and the identifiers
    /// that are not IRIs.
    pub(super) fn each<F>(
        &self,
        rows: std::ops::Range<usize>,
        mut emit: F,
    ) -> Result<RdfStats, Cause>
    where
        F: FnMut(TripleRef<'_>) -> Result<(), Cause>,
    {
        let mut stats = RdfStats::default();
        let mut emit = |triple: TripleRef<'_>| -> Result<(), Cause> {
            emit(triple)?;
            stats.triples += 1;
            Ok(())
        };
        let mut invalid = 0;
        let mut nodes = Nodes::default();
        let ies4 = self.predicates.ies4.as_ref();
        for row in rows {
            let Some(subject) = self.ids.get(row).and_then(super::iri::iri) else {
                invalid += 1;
                continue;
            };
            let class = self.classes.get(row);
            if let Some(class) = class.and_then(|c| self.predicates.class_iris.get(c)) {
                let class = NamedNodeRef::new_unchecked(class);
                emit(TripleRef::new(subject, rdf::TYPE, class))?;
            }
            if let Some(label) = self.labels.as_ref().and_then(|l| l.get(row)) {
                match ies4 {
                    Some(ies4) => ies4.name(&mut nodes, subject, label, &mut emit)?,
                    None => emit(TripleRef::new(
                        subject,
                        rdfs::LABEL,
                        LiteralRef::new_simple_literal(label),
                    ))?,
                }
            }
            for (predicate, values) in self.predicates.all.iter().zip(&self.values) {
                let p = NamedNodeRef::new_unchecked(&predicate.iri);
                let start = match predicate.shape {
                    Shape::State { start: Some(start) } => self.first(start, row),
                    _ => None,
                };
                let mut object_of = |value: &str, index: Option<usize>| -> Result<(), Cause> {
                    let object: TermRef<'_> = match &predicate.object {
                        Object::Literal(None) => LiteralRef::new_simple_literal(value).into(),
                        Object::Literal(Some(datatype)) => {
                            LiteralRef::new_typed_literal(value, *datatype).into()
                        }
                        Object::Code(iris) => match iris.get(value) {
                            Some(iri) => NamedNodeRef::new_unchecked(iri).into(),
                            None => return Ok(()),
                        },
                        Object::Iri => match super::iri::iri(value) {
                            Some(iri) => iri.into(),
                            None => {
                                invalid += 1;
                                return Ok(());
                            }
                        },
                    };
                    match (ies4, &predicate.shape) {
                        (Some(ies4), shape) if *shape != Shape::Flat => {
                            let value = ies4::Value {
                                text: value,
                                object,
                                index,
                                start,
                            };
                            ies4.value(&mut nodes, subject, predicate, value, &mut emit)
                        }
                        _ => emit(TripleRef::new(subject, p, object)),
                    }
                };
                match values {
                    Values::Single(column) => {
                        if let Some(value) = column.get(row) {
                            object_of(value, None)?;
                        }
                    }
                    Values::Multi(lists) => {
                        if let Some(list) = lists.get_as_series(row) {
                            let texts = list.str()?;
                            for (index, value) in texts.iter().flatten().enumerate() {
                                object_of(value, Some(index + 1))?;
                            }
                        }
                    }
                }
            }
        }
        stats.invalid_iris = invalid;
        Ok(stats)
    }
}

#[cfg(test)]
mod tests {
    use super::plain_decimal;

    #[test]
    fn decimals_are_written_without_an_exponent() {
        assert_eq!(plain_decimal(1e-8).as_deref(), Some("0.00000001"));
        assert_eq!(
            plain_decimal(1.23456789012346e19).as_deref(),
            Some("12345678901234600000.0")
        );
        assert_eq!(plain_decimal(5000.0).as_deref(), Some("5000.0"));
        assert_eq!(plain_decimal(-0.35).as_deref(), Some("-0.35"));
        assert_eq!(plain_decimal(f64::NAN), None);
        assert_eq!(plain_decimal(f64::INFINITY), None);
    }
}
