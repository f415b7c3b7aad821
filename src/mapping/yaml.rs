//! A mapping file's YAML as written: parsed with spans, before any check.

use std::collections::BTreeMap;
use std::fmt;

use serde::Deserialize;
use serde::de::{self, Deserializer, MapAccess, Visitor};
use serde_saphyr::Spanned;

use super::Case;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct MappingYaml {
    pub(super) slice: Spanned<String>,
    pub(super) class: Spanned<ClassRule>,
    pub(super) id: Spanned<String>,
    pub(super) label: Option<Spanned<String>>,
    #[serde(default)]
    pub(super) properties: BTreeMap<String, Spanned<PropertyRuleYaml>>,
    #[serde(default)]
    pub(super) links: BTreeMap<String, Spanned<LinkRuleYaml>>,
    #[serde(default)]
    pub(super) checks: BTreeMap<String, Spanned<CheckYaml>>,
    #[serde(default)]
    pub(super) same_things_as: Vec<Spanned<String>>,
    /// Properties held as rows of another slice (an attribute sheet).
    pub(super) from_attributes: Option<Spanned<AttributesYaml>>,
}

/// `from_attributes:`: a long table whose rows each hold one property of a thing of this
/// slice (`SheetName, RowName, Name, Value, Unit`).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct AttributesYaml {
    pub(super) slice: Spanned<String>,
    /// The attribute slice's column → this slice's column it must equal.
    #[serde(rename = "match")]
    pub(super) keys: Spanned<BTreeMap<String, String>>,
    pub(super) name: Spanned<String>,
    pub(super) value: Spanned<String>,
    pub(super) unit: Option<Spanned<String>>,
    /// A condition on the attribute rows (`SheetName = 'Component'`).
    #[serde(rename = "where")]
    pub(super) condition: Option<Spanned<String>>,
}

/// A custom check: a SQL condition over the slice's columns every thing must satisfy.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct CheckYaml {
    #[serde(rename = "where")]
    pub(super) condition: Spanned<String>,
    pub(super) message: String,
    #[serde(default)]
    pub(super) dimension: Option<Spanned<String>>,
}

/// `class: Pump`, or a class read from a code column.
#[derive(Debug, Clone)]
pub(super) enum ClassRule {
    Fixed(String),
    FromColumn(Box<ClassMapYaml>),
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct ClassMapYaml {
    /// A link whose target holds the code column (`via: type, from: Category`).
    pub(super) via: Option<String>,
    pub(super) from: String,
    #[serde(default)]
    pub(super) values: Entries,
    /// A code list read from a table.
    pub(super) values_from: Option<Spanned<CodeTableYaml>>,
    #[serde(default)]
    pub(super) unmapped: Option<String>,
    #[serde(default = "yes")]
    pub(super) trim: bool,
}

/// `values_from:`: a code list in a table (a source or a slice), one column of codes, one
/// of terms.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct CodeTableYaml {
    pub(super) source: Option<Spanned<String>>,
    pub(super) slice: Option<Spanned<String>>,
    pub(super) code: Spanned<String>,
    pub(super) term: Spanned<String>,
    #[serde(rename = "where")]
    pub(super) condition: Option<Spanned<String>>,
}

/// A unit as a mapping names it, or the workbook cell that names it once for the file.
#[derive(Debug, Clone)]
pub(super) enum UnitYaml {
    Named(String),
    Cell(String),
}

impl<'de> Deserialize<'de> for UnitYaml {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(deny_unknown_fields)]
        struct CellYaml {
            cell: String,
        }
        struct UnitVisitor;
        impl<'de> Visitor<'de> for UnitVisitor {
            type Value = UnitYaml;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a unit, or `{ cell: \"Sheet!A1\" }`")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<UnitYaml, E> {
                Ok(UnitYaml::Named(v.to_string()))
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<UnitYaml, A::Error> {
                CellYaml::deserialize(de::value::MapAccessDeserializer::new(map))
                    .map(|c| UnitYaml::Cell(c.cell))
            }
        }
        deserializer.deserialize_any(UnitVisitor)
    }
}

/// A value map's entries in the order written: the first that matches wins.
#[derive(Debug, Clone, Default)]
pub(super) struct Entries(pub(super) Vec<(String, String)>);

impl<'de> Deserialize<'de> for Entries {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct EntriesVisitor;
        impl<'de> Visitor<'de> for EntriesVisitor {
            type Value = Entries;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a map of source codes (or patterns) to terms")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Entries, A::Error> {
                let mut entries = Vec::new();
                while let Some(entry) = map.next_entry::<String, String>()? {
                    entries.push(entry);
                }
                Ok(Entries(entries))
            }
        }
        deserializer.deserialize_map(EntriesVisitor)
    }
}

fn yes() -> bool {
    true
}

impl<'de> Deserialize<'de> for ClassRule {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct RuleVisitor;
        impl<'de> Visitor<'de> for RuleVisitor {
            type Value = ClassRule;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a class name, or `{ from: column, values: { code: Class } }`")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<ClassRule, E> {
                Ok(ClassRule::Fixed(v.to_string()))
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<ClassRule, A::Error> {
                ClassMapYaml::deserialize(de::value::MapAccessDeserializer::new(map))
                    .map(|map| ClassRule::FromColumn(Box::new(map)))
            }
        }
        deserializer.deserialize_any(RuleVisitor)
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct PropertyRuleYaml {
    /// A link whose target holds the `from` column.
    pub(super) via: Option<Spanned<String>>,
    pub(super) from: Option<Spanned<String>>,
    /// The attribute (of `from_attributes`) that holds the value.
    pub(super) attribute: Option<Spanned<String>>,
    pub(super) value: Option<Spanned<String>>,
    /// The unit of the source values: its name, or `{ cell: "Facility!K2" }`.
    pub(super) unit: Option<Spanned<UnitYaml>>,
    #[serde(default)]
    pub(super) unit_in_value: bool,
    /// A column holding each value's unit (an attribute sheet's `Unit`).
    pub(super) unit_from: Option<Spanned<String>>,
    pub(super) decimal: Option<Spanned<String>>,
    pub(super) formats: Option<Spanned<Vec<Spanned<String>>>>,
    pub(super) values: Option<Spanned<Entries>>,
    /// A code list read from a table.
    pub(super) values_from: Option<Spanned<CodeTableYaml>>,
    #[serde(default = "yes")]
    pub(super) trim: bool,
    pub(super) case: Option<Case>,
    pub(super) default: Option<Spanned<String>>,
    pub(super) split: Option<Spanned<String>>,
    /// Texts that mean "no value" for this property.
    #[serde(default)]
    pub(super) nulls: Vec<String>,
    /// Sensitive here whatever the RDL says (`true`, `personal`, `commercial`, `security`).
    pub(super) sensitive: Option<crate::rdl::Sensitivity>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct LinkRuleYaml {
    pub(super) slice: Spanned<crate::diag::Names>,
    pub(super) id: Spanned<String>,
    pub(super) split: Option<Spanned<String>>,
}
