//! Columns a mapping reads from other slices: through one of its links (`type.Category`,
//! the `Category` of the thing a component's `type` link points at), and from a long table
//! of attributes (`attributes[NominalLength]`, the `Value` of the attribute row named
//! `NominalLength` whose keys match the thing's). Each becomes a hidden column joined to a
//! batch before it is mapped ([`super::joined`]), so a class map, a property rule or a
//! label reads it like one of the slice's own columns.

use std::collections::BTreeMap;

use serde_saphyr::Spanned;

use super::validate::Validator;
use super::yaml::{AttributesYaml, PropertyRuleYaml};
use super::{LinkRule, MappingError, Scope, ValueSource};
use crate::columns::looked_up;
use crate::diag::Term;
use crate::slice::compile_condition;

/// A column of a link's target slice, read through the link.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lookup {
    /// The link, as the mapping names it (its key under `links`).
    pub link: String,
    /// The slice the link points into.
    pub slice: String,
    /// The column of that slice.
    pub column: String,
}

impl Lookup {
    /// As a mapping writes it: `type.Category`.
    pub fn name(&self) -> String {
        format!("{}.{}", self.link, self.column)
    }
}

/// Properties held as rows of another slice: each row names a thing of this slice by its
/// keys, and gives one attribute's name, value and unit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attributes {
    pub slice: String,
    /// (the attribute slice's column, this slice's column it must equal).
    pub keys: Vec<(String, String)>,
    pub name: String,
    pub value: String,
    pub unit: Option<String>,
    /// A SQL condition picking the attribute rows that apply (`SheetName = 'Component'`).
    pub condition: Option<String>,
    /// The attribute names the mapping's properties read, in their order.
    pub wanted: Vec<String>,
    /// Where the attribute slice is named, for a problem found across mappings.
    pub span: miette::SourceSpan,
}

impl Attributes {
    /// As a mapping's messages name an attribute's value: `attributes[NominalLength]`.
    pub fn name_of(&self, attribute: &str) -> String {
        format!("{}[{attribute}]", self.slice)
    }

    /// The columns of the attribute slice that are read.
    pub fn columns(&self) -> Vec<String> {
        let mut columns: Vec<String> = self.keys.iter().map(|(a, _)| a.clone()).collect();
        columns.push(self.name.clone());
        columns.push(self.value.clone());
        columns.extend(self.unit.clone());
        if let Some(condition) = &self.condition
            && let Ok(expr) = compile_condition(condition)
        {
            columns.extend(expr.meta().root_names().iter().map(|c| c.to_string()));
        }
        columns.sort();
        columns.dedup();
        columns
    }
}

/// The hidden column of an attribute value's unit.
pub fn unit_column(value_column: &str) -> String {
    format!("{value_column}.unit")
}

/// What a mapping can read beyond its slice's columns, by the name it writes.
#[derive(Debug, Default)]
pub(super) struct Reach {
    /// The slice's own columns, then each `link.column` of each link's target slice.
    pub(super) columns: Vec<String>,
    lookups: BTreeMap<String, Lookup>,
    /// Those the mapping reads, in the order first read.
    pub(super) used: Vec<Lookup>,
}

impl Reach {
    /// The slice's columns, and those of the targets of its single-valued links.
    pub(super) fn new(columns: &[String], links: &[LinkRule], scope: &Scope) -> Self {
        let mut reach = Reach {
            columns: columns.to_vec(),
            ..Reach::default()
        };
        for link in links.iter().filter(|l| l.split.is_none()) {
            // A value is read through a link to one thing of one slice.
            let [slice] = link.slices.as_slice() else {
                continue;
            };
            let Some(target) = scope.slices.get(slice) else {
                continue;
            };
            for column in target {
                let lookup = Lookup {
                    link: link.name.clone(),
                    slice: slice.clone(),
                    column: column.clone(),
                };
                let name = lookup.name();
                if !columns.contains(&name) {
                    reach.columns.push(name.clone());
                    reach.lookups.insert(name, lookup);
                }
            }
        }
        reach
    }

    /// The column a checked rule reads, as the batch holds it: a lookup's hidden column
    /// (noted as used), else the slice's column itself.
    pub(super) fn frame_column(&mut self, column: &str) -> String {
        match self.lookups.get(column) {
            Some(lookup) => {
                if !self.used.contains(lookup) {
                    self.used.push(lookup.clone());
                }
                looked_up(column)
            }
            None => column.to_string(),
        }
    }
}

impl Validator<'_> {
    /// `via: LINK, from: COLUMN` as the column it names (`LINK.COLUMN`); a located problem
    /// when the mapping has no such link, the link cannot be read through, or its target
    /// slice has no such column. `columns` is what the mapping can read ([`Reach`]).
    pub(super) fn via(
        &mut self,
        (via, via_at): (&str, miette::SourceSpan),
        (from, at): (&str, miette::SourceSpan),
        links: &[LinkRule],
        columns: &[String],
    ) -> Option<String> {
        let span = self.file.sub_span(via_at, via);
        let Some(link) = links.iter().find(|l| l.name == via) else {
            let known = links.iter().map(|l| l.name.as_str()).collect();
            self.unknown(Term::Link, via, span, known);
            return None;
        };
        if link.slices.len() > 1 {
            self.problems.push(MappingError::Lookup {
                reason: format!("the link `{via}` points into several slices"),
                help: "a value is read through a link into one slice".into(),
                src: self.file.source(),
                span,
            });
            return None;
        }
        if link.split.is_some() {
            self.problems.push(MappingError::Lookup {
                reason: format!("the link `{via}` holds several targets (`split`)"),
                help: "a value is read through a link to one thing: a link without `split`".into(),
                src: self.file.source(),
                span,
            });
            return None;
        }
        let column = format!("{via}.{from}");
        if columns.contains(&column) {
            return Some(column);
        }
        let prefix = format!("{via}.");
        let known: Vec<&str> = columns
            .iter()
            .filter_map(|c| c.strip_prefix(&prefix))
            .collect();
        // A target whose source could not be read is reported already.
        if !known.is_empty() {
            let at = self.file.sub_span(at, from);
            self.unknown(Term::SliceColumn, from, at, known);
        }
        None
    }

    /// Where a property's values come from: a column (of the slice, or `via` a link), a
    /// constant, or an attribute (with the attribute's unit column, when attributes have
    /// units).
    pub(super) fn value_source(
        &mut self,
        name: &str,
        rule: &Spanned<PropertyRuleYaml>,
        columns: &[String],
        links: &[LinkRule],
        attributes: Option<&mut Option<Attributes>>,
    ) -> Option<(ValueSource, Option<String>)> {
        let r = &rule.value;
        match (&r.from, &r.value, &r.attribute) {
            (Some(from), None, None) => {
                let at = self.span(&from.referenced);
                let column = match &r.via {
                    Some(via) => {
                        let via = (via.value.as_str(), self.span(&via.referenced));
                        self.via(via, (&from.value, at), links, columns)?
                    }
                    None if self.check_column(&from.value, at, columns) => from.value.clone(),
                    None => return None,
                };
                Some((ValueSource::Column(column), None))
            }
            (None, Some(value), None) => Some((ValueSource::Constant(value.value.clone()), None)),
            (None, None, Some(attribute)) => {
                // Attributes declared but wrong are reported already.
                let (column, unit) = match attributes {
                    Some(None) => return None,
                    Some(Some(attributes)) => self.attribute(attribute, Some(attributes))?,
                    None => self.attribute(attribute, None)?,
                };
                Some((ValueSource::Column(column), unit))
            }
            _ => {
                self.problems.push(MappingError::FromOrValue {
                    property: name.to_string(),
                    src: self.file.source(),
                    span: self.span(&rule.referenced),
                });
                None
            }
        }
    }

    /// `from_attributes:` checked against the attribute slice's columns and this slice's.
    pub(super) fn attributes(
        &mut self,
        rule: &Spanned<AttributesYaml>,
        columns: &[String],
        scope: &Scope,
    ) -> Option<Attributes> {
        let a = &rule.value;
        if !self.slice(&a.slice, scope.known_slices) {
            return None;
        }
        // An attribute slice whose source could not be read is reported already.
        let theirs = scope.slices.get(&a.slice.value)?;
        let mut ok = true;
        let keys_at = self.span(&a.keys.referenced);
        if a.keys.value.is_empty() {
            self.problems.push(MappingError::Lookup {
                reason: "`match` names no column".into(),
                help: "say which attribute column names the thing: `match: { RowName: Name }`"
                    .into(),
                src: self.file.source(),
                span: keys_at,
            });
            ok = false;
        }
        for (attribute_column, own) in &a.keys.value {
            ok &= self.check_column(attribute_column, keys_at, theirs);
            ok &= self.check_column(own, keys_at, columns);
        }
        for column in [Some(&a.name), Some(&a.value), a.unit.as_ref()]
            .into_iter()
            .flatten()
        {
            ok &= self.check_column(&column.value, self.span(&column.referenced), theirs);
        }
        if let Some(condition) = &a.condition {
            ok &= self.condition(condition, theirs);
        }
        ok.then(|| Attributes {
            slice: a.slice.value.clone(),
            keys: a.keys.value.clone().into_iter().collect(),
            name: a.name.value.clone(),
            value: a.value.value.clone(),
            unit: a.unit.as_ref().map(|u| u.value.clone()),
            condition: a.condition.as_ref().map(|c| c.value.clone()),
            wanted: Vec::new(),
            span: self.span(&a.slice.referenced),
        })
    }

    /// A SQL condition over `columns`: it parses, and every column it names exists.
    pub(super) fn condition(&mut self, condition: &Spanned<String>, columns: &[String]) -> bool {
        let span = self.span(&condition.referenced);
        match compile_condition(&condition.value) {
            // Every unknown column is told, not the first only.
            Ok(expr) => {
                let known: Vec<bool> = (expr.meta().root_names().iter())
                    .map(|column| self.check_column(column.as_str(), span, columns))
                    .collect();
                known.into_iter().all(|k| k)
            }
            Err(reason) => {
                self.problems.push(MappingError::Check {
                    reason,
                    src: self.file.source(),
                    span,
                });
                false
            }
        }
    }

    /// `attribute: NAME` on a property: the mapping must say where attributes come from.
    pub(super) fn attribute(
        &mut self,
        name: &Spanned<String>,
        attributes: Option<&mut Attributes>,
    ) -> Option<(String, Option<String>)> {
        let Some(attributes) = attributes else {
            self.problems.push(MappingError::Lookup {
                reason: format!("`attribute: {}` without `from_attributes`", name.value),
                help: "say which slice holds the attributes and how its rows name a thing: `from_attributes: { slice: attributes, match: { RowName: Name }, name: Name, value: Value, unit: Unit }`".into(),
                src: self.file.source(),
                span: self.span(&name.referenced),
            });
            return None;
        };
        if !attributes.wanted.contains(&name.value) {
            attributes.wanted.push(name.value.clone());
        }
        let column = looked_up(&attributes.name_of(&name.value));
        let unit = attributes.unit.as_ref().map(|_| unit_column(&column));
        Some((column, unit))
    }
}
