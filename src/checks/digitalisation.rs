//! The level of digitalisation each data item reached, on the IMF's eight-level scale: what a
//! thin slice does to a source column is raise it from `syntactic` (read, no meaning) towards
//! `grounded` (an RDL term whose class chain reaches the top of the RDL).

use serde::Serialize;

use super::Conformance;
use crate::columns::{CLASS, ID, looked_up};
use crate::mapping::{ClassSource, Mapping, ValueSource};
use crate::quality::Level;
use crate::rdl::{Datatype, Rdl};

/// A slice column and the level it reached.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ColumnLevel {
    pub column: String,
    pub level: Level,
    /// What the mapping made of it: an RDL property, `class`, `id`, or nothing.
    pub mapped_to: Option<String>,
}

/// The level of every column of a slice.
pub fn levels(
    columns: &[String],
    mapping: Option<&Mapping>,
    rdl: Option<&Rdl>,
    conformance: Option<&Conformance>,
) -> Vec<ColumnLevel> {
    columns
        .iter()
        .map(|column| {
            let (level, mapped_to) = match (mapping, rdl, conformance) {
                (Some(m), Some(r), Some(c)) => level_of(column, m, r, c),
                _ => (Level::Syntactic, None),
            };
            ColumnLevel {
                column: column.clone(),
                level,
                mapped_to,
            }
        })
        .collect()
}

/// The columns of other slices a mapping raised by reading them (through a link, or as
/// attributes): (slice, column, the level it reached, what it was made into).
pub fn read_elsewhere(
    mapping: &Mapping,
    rdl: &Rdl,
    conformance: &Conformance,
) -> Vec<(String, String, Level, Option<String>)> {
    let mut raised = Vec::new();
    for lookup in &mapping.lookups {
        let (level, mapped_to) = level_of(&looked_up(&lookup.name()), mapping, rdl, conformance);
        raised.push((
            lookup.slice.clone(),
            lookup.column.clone(),
            level,
            mapped_to,
        ));
    }
    if let Some(attributes) = &mapping.attributes {
        for name in &attributes.wanted {
            let column = looked_up(&attributes.name_of(name));
            let (level, mapped_to) = level_of(&column, mapping, rdl, conformance);
            for read in [Some(&attributes.value), attributes.unit.as_ref()]
                .into_iter()
                .flatten()
            {
                raised.push((
                    attributes.slice.clone(),
                    read.clone(),
                    level,
                    mapped_to.clone(),
                ));
            }
        }
    }
    raised
}

fn level_of(
    column: &str,
    mapping: &Mapping,
    rdl: &Rdl,
    conformance: &Conformance,
) -> (Level, Option<String>) {
    // Every class the mapping gives reaches a top class of the foundation model: the terms
    // are grounded. Without a layer marked as the foundation, nothing is.
    let grounded = mapping.classes().iter().all(|class| rdl.grounded(class));
    let conformant = |property: &str| {
        conformance
            .properties
            .get(property)
            .is_none_or(|dims| dims.values().all(|t| t.passed == t.checked))
    };
    let judged = |property: &str, free_text: bool| -> Level {
        if free_text || !conformant(property) {
            Level::Implicit
        } else if grounded {
            Level::Grounded
        } else {
            Level::Explicit
        }
    };

    if let ClassSource::Column { column: c, .. } = &mapping.class
        && c == column
    {
        return (judged(CLASS, false), Some(CLASS.to_string()));
    }
    // An identifier column is what the things are named by, whatever else maps it.
    if mapping.id.columns().any(|c| c == column) {
        return (judged(ID, false), Some(ID.to_string()));
    }
    for rule in &mapping.properties {
        if rule.source == ValueSource::Column(column.to_string()) {
            let free_text = rdl
                .properties
                .get(&rule.property)
                .is_some_and(|p| p.datatype == Datatype::String);
            return (
                judged(&rule.property, free_text),
                Some(rule.property.clone()),
            );
        }
    }
    for link in &mapping.links {
        if link.id.columns().any(|c| c == column) {
            return (judged(&link.property, false), Some(link.property.clone()));
        }
    }
    (Level::Syntactic, None)
}
