//! Checking a mapping file before any data is read: every class, property, unit, column and
//! slice it names must exist, and every option must fit the property's datatype.

use miette::SourceSpan;
use serde_saphyr::Spanned;

use super::yaml::{CheckYaml, ClassRule, PropertyRuleYaml};
use super::{
    Attributes, ClassSource, CustomCheck, LinkRule, MappingError, PropertyRule, Template,
    TemplatePart, Unmapped, ValueMap, ValueSource,
};
use crate::columns::{CLASS, ID, LABEL, ORIGIN_COLUMN};
use crate::diag::{self, Term, YamlFile};
use crate::quality::Dimension;
use crate::rdl::{Datatype, Property, Rdl, Unresolved};
use polars::prelude::*;

use super::compile::Stage;
use super::tables::{Tables, Terms};
use super::values::{Input, parse, source_value};

/// Checks one mapping file against the RDL and its slice while turning its YAML into rules,
/// collecting every problem.
pub(super) struct Validator<'a> {
    pub(super) file: &'a YamlFile,
    pub(super) rdl: &'a Rdl,
    /// Where code lists and cells are read, when they can be.
    pub(super) tables: Option<&'a dyn Tables>,
    /// The slice the mapping maps.
    pub(super) slice: &'a str,
    pub(super) problems: Vec<MappingError>,
}

impl<'a> Validator<'a> {
    pub(super) fn span(&self, at: &serde_saphyr::Location) -> SourceSpan {
        self.file.span(at)
    }

    pub(super) fn unknown(&mut self, kind: Term, name: &str, span: SourceSpan, known: Vec<&str>) {
        self.problems.push(MappingError::Unknown {
            kind,
            name: name.to_string(),
            help: diag::suggest(name, known, kind.plural()),
            src: self.file.source(),
            span,
        });
    }

    /// The key of an RDL term a mapping names (by key, IRI, CURIE or unambiguous local
    /// name), or a located problem.
    fn resolve(&mut self, kind: Term, name: &str, span: SourceSpan) -> Option<&'a str> {
        let rdl = self.rdl;
        match rdl.resolve(kind, name) {
            Ok(key) => Some(key),
            Err(Unresolved::Unknown(known)) => {
                self.unknown(kind, name, span, known.iter().map(String::as_str).collect());
                None
            }
            Err(Unresolved::Ambiguous(keys)) => {
                let keys: Vec<String> = keys.iter().map(|k| format!("`{k}`")).collect();
                self.problems.push(MappingError::Ambiguous {
                    kind,
                    name: name.to_string(),
                    help: format!("write one of {}", keys.join(", ")),
                    src: self.file.source(),
                    span,
                });
                None
            }
        }
    }

    fn check_class(&mut self, class: &str, span: SourceSpan) -> Option<String> {
        self.resolve(Term::Class, class, span).map(str::to_string)
    }

    pub(super) fn check_column(
        &mut self,
        column: &str,
        span: SourceSpan,
        columns: &[String],
    ) -> bool {
        if columns.iter().any(|c| c == column) {
            return true;
        }
        let at = self.file.sub_span(span, column);
        // Headers are trimmed, and a repeated one numbered (`name (2)`): a header written
        // with spaces is one of those, and "did you mean `name`" could name the wrong one.
        let trimmed = column.trim();
        let numbered = |c: &&String| {
            c.strip_prefix(trimmed)
                .and_then(|rest| rest.strip_prefix(" ("))
                .is_some_and(|rest| rest.ends_with(')'))
        };
        let repeated: Vec<String> = columns
            .iter()
            .filter(|c| c.as_str() == trimmed || numbered(c))
            .map(|c| format!("`{c}`"))
            .collect();
        if trimmed != column && repeated.len() > 1 {
            self.problems.push(MappingError::Unknown {
                kind: Term::SliceColumn,
                name: column.to_string(),
                help: format!(
                    "headers are read trimmed, and a repeated one numbered in its order: this column is one of {}",
                    repeated.join(", ")
                ),
                src: self.file.source(),
                span: at,
            });
            return false;
        }
        let known = columns.iter().map(String::as_str).collect();
        self.unknown(Term::SliceColumn, column, at, known);
        false
    }

    pub(super) fn class(
        &mut self,
        rule: &Spanned<ClassRule>,
        columns: &[String],
        links: &[LinkRule],
    ) -> Option<ClassSource> {
        let span = self.span(&rule.referenced);
        match &rule.value {
            ClassRule::Fixed(class) => self.check_class(class, span).map(ClassSource::Fixed),
            ClassRule::FromColumn(map) => {
                let (column, mut ok) = match &map.via {
                    Some(via) => match self.via((via, span), (&map.from, span), links, columns) {
                        Some(column) => (column, true),
                        None => (map.from.clone(), false),
                    },
                    None => (
                        map.from.clone(),
                        self.check_column(&map.from, span, columns),
                    ),
                };
                let mut entries = Vec::new();
                for (code, class) in &map.values.0 {
                    let at = self.file.sub_span(span, class);
                    let key = self.key(code, false, span);
                    match (self.check_class(class, at), key) {
                        (Some(class), Some(key)) => entries.push((key, class)),
                        _ => ok = false,
                    }
                }
                if let Some(table) = &map.values_from {
                    match self.code_table(table, Terms::Classes) {
                        Some(listed) => entries.extend(listed),
                        None => ok = false,
                    }
                }
                let values = ValueMap { entries };
                let unmapped = match map.unmapped.as_deref() {
                    None | Some("quarantine") => Unmapped::Quarantine,
                    Some("warn") => Unmapped::Warn,
                    Some(class) => {
                        let at = self.file.sub_span(span, class);
                        let key = self.check_class(class, at);
                        ok &= key.is_some();
                        Unmapped::Fallback(key.unwrap_or_default())
                    }
                };
                ok.then_some(ClassSource::Column {
                    column,
                    values,
                    unmapped,
                    trim: map.trim,
                })
            }
        }
    }

    /// A template whose columns the slice has; for an identifier (`iri`), one whose text
    /// makes an IRI.
    pub(super) fn template(
        &mut self,
        text: &Spanned<String>,
        columns: &[String],
        iri: bool,
    ) -> Option<Template> {
        let span = self.span(&text.referenced);
        match Template::parse(&text.value) {
            Ok(template) => {
                let mut ok = true;
                for column in template.columns() {
                    ok &= self.check_column(column, span, columns);
                }
                if iri && let Err(reason) = makes_an_iri(&template) {
                    self.problems.push(MappingError::NotAnIri {
                        reason,
                        src: self.file.source(),
                        span,
                    });
                    ok = false;
                }
                ok.then_some(template)
            }
            Err(reason) => {
                self.problems.push(MappingError::Template {
                    what: if iri { "identifier" } else { "label" },
                    reason,
                    src: self.file.source(),
                    span,
                });
                None
            }
        }
    }

    pub(super) fn property(
        &mut self,
        name: &str,
        rule: &Spanned<PropertyRuleYaml>,
        columns: &[String],
        links: &[LinkRule],
        attributes: Option<&mut Option<Attributes>>,
    ) -> Option<PropertyRule> {
        let span = self.span(&rule.referenced);
        let (key, property, key_span) = self.rdl_property(name, span)?;
        let r = &rule.value;
        if property.datatype == Datatype::Link {
            self.problems.push(MappingError::LinkAsProperty {
                property: name.to_string(),
                src: self.file.source(),
                span: key_span,
            });
            return None;
        }
        let (source, attribute_unit) = self.value_source(name, rule, columns, links, attributes)?;
        let written = self.unit_written(r)?;
        let ok = self.options_fit(name, property, rule, written.as_ref())
            & self.unit_from(name, property, r, columns);
        let decimal = self.decimal(&r.decimal);
        let unit = written.as_ref().and_then(|u| {
            let key = self.rdl.resolve(Term::Unit, &u.value).ok()?;
            Some(key.to_string())
        });
        let values = self.value_map(r, property);
        let rule = (ok && decimal.is_some() && values.is_some()).then(|| PropertyRule {
            property: key.to_string(),
            source,
            unit,
            unit_in_value: r.unit_in_value,
            unit_from: r
                .unit_from
                .as_ref()
                .map(|u| u.value.clone())
                .or(attribute_unit.filter(|_| property.unit.is_some())),
            decimal: decimal.unwrap_or('.'),
            formats: r
                .formats
                .as_ref()
                .map(|f| f.value.iter().map(|s| s.value.clone()).collect())
                .unwrap_or_default(),
            values: values.unwrap_or_default(),
            trim: r.trim,
            case: r.case,
            default: r.default.as_ref().map(|d| d.value.clone()),
            split: r.split.as_ref().map(|s| s.value.clone()),
            nulls: r.nulls.iter().map(|n| n.trim().to_string()).collect(),
            sensitive: r.sensitive.or(property.sensitive),
        })?;
        if let (ValueSource::Constant(value), Some(written)) = (&rule.source, &r.value) {
            let reason = constant_failure(&rule, property, self.rdl);
            if let Some(reason) = reason {
                self.problems.push(MappingError::BadConstant {
                    value: value.clone(),
                    property: name.to_string(),
                    reason,
                    src: self.file.source(),
                    span: self.span(&written.referenced),
                });
                return None;
            }
        }
        if let Some(default) = &r.default {
            // The default fills every missing value: one it cannot hold would leave them
            // all empty, with no failure to say so.
            let filled = PropertyRule {
                source: ValueSource::Constant(default.value.clone()),
                default: None,
                ..rule.clone()
            };
            if let Some(reason) = constant_failure(&filled, property, self.rdl) {
                self.problems.push(MappingError::BadDefault {
                    value: default.value.clone(),
                    property: name.to_string(),
                    reason,
                    src: self.file.source(),
                    span: self.span(&default.referenced),
                });
                return None;
            }
        }
        Some(rule)
    }

    /// A `unit_from` column must be one of the slice's, for a property with a unit.
    fn unit_from(
        &mut self,
        name: &str,
        property: &Property,
        rule: &PropertyRuleYaml,
        columns: &[String],
    ) -> bool {
        let Some(unit_from) = &rule.unit_from else {
            return true;
        };
        let at = self.span(&unit_from.referenced);
        let mut ok = self.check_column(&unit_from.value, at, columns);
        if property.unit.is_none() {
            ok &= self.misfit("unit_from", name, property.datatype, at);
        }
        ok
    }

    /// Whether a `split` separator splits anything; a located problem if it is empty.
    pub(super) fn separator(&mut self, split: &Option<Spanned<String>>) -> bool {
        match split {
            Some(split) if split.value.is_empty() => {
                self.problems.push(MappingError::EmptySeparator {
                    src: self.file.source(),
                    span: self.span(&split.referenced),
                });
                false
            }
            _ => true,
        }
    }

    /// Whether each date format is a pattern chrono can read; a located problem for each
    /// that is not.
    fn date_formats(&mut self, formats: &[Spanned<String>]) -> bool {
        let mut ok = true;
        for format in formats {
            let broken = chrono::format::StrftimeItems::new(&format.value)
                .any(|item| matches!(item, chrono::format::Item::Error));
            if broken || format.value.is_empty() {
                self.problems.push(MappingError::BadFormat {
                    format: format.value.clone(),
                    src: self.file.source(),
                    span: self.span(&format.referenced),
                });
                ok = false;
            }
        }
        ok
    }

    /// Whether a property rule's options fit the RDL property: its units convert, its
    /// formats are for a date, its value map targets allowed values.
    fn options_fit(
        &mut self,
        name: &str,
        property: &Property,
        rule: &Spanned<PropertyRuleYaml>,
        unit: Option<&Spanned<String>>,
    ) -> bool {
        let (r, span) = (&rule.value, self.span(&rule.referenced));
        let mut ok = true;
        if let Some(unit) = unit {
            ok &= self.unit(
                name,
                property.unit.as_deref(),
                &unit.value,
                self.span(&unit.referenced),
            );
        } else if r.unit_in_value && property.unit.is_none() {
            ok &= self.misfit("unit_in_value", name, property.datatype, span);
        }

        if let Some(formats) = &r.formats {
            ok &= match property.datatype {
                Datatype::Date | Datatype::Datetime | Datatype::Year => {
                    self.date_formats(&formats.value)
                }
                other => self.misfit("formats", name, other, self.span(&formats.referenced)),
            };
        }
        ok &= self.separator(&r.split);
        if let Some(values) = &r.values {
            let values_span = self.span(&values.referenced);
            if property.datatype == Datatype::Code {
                let allowed: Vec<&str> = property.values.iter().map(|c| c.name.as_str()).collect();
                for (_, target) in &values.value.0 {
                    if !allowed.contains(&target.as_str()) {
                        self.problems.push(MappingError::NotAllowed {
                            value: target.clone(),
                            property: name.to_string(),
                            help: diag::suggest(target, allowed.iter().copied(), "allowed values"),
                            src: self.file.source(),
                            span: self.file.sub_span(values_span, target),
                        });
                        ok = false;
                    }
                }
            }
        }
        ok
    }

    /// The decimal separator a rule names (`.` unless told); None when it is neither `.`
    /// nor `,`.
    fn decimal(&mut self, decimal: &Option<Spanned<String>>) -> Option<char> {
        match decimal {
            None => Some('.'),
            Some(d) if d.value == "." || d.value == "," => d.value.chars().next(),
            Some(d) => {
                self.problems.push(MappingError::Decimal {
                    value: d.value.clone(),
                    src: self.file.source(),
                    span: self.span(&d.referenced),
                });
                None
            }
        }
    }

    pub(super) fn custom(
        &mut self,
        name: &str,
        check: &Spanned<CheckYaml>,
        columns: &[String],
    ) -> Option<CustomCheck> {
        let c = &check.value;
        let span = self.span(&c.condition.referenced);
        let ok = self.condition(&c.condition, columns);
        let dimension = match &c.dimension {
            None => Some(Dimension::Validity),
            Some(d) => {
                let known = d.value.parse::<Dimension>().ok();
                if known.is_none() {
                    let at = self.span(&d.referenced);
                    self.unknown(Term::Dimension, &d.value, at, Dimension::names().collect());
                }
                known
            }
        };
        match (ok, dimension) {
            (true, Some(dimension)) => Some(CustomCheck {
                name: name.to_string(),
                condition: c.condition.value.clone(),
                message: c.message.clone(),
                dimension,
                span,
            }),
            _ => None,
        }
    }

    /// The RDL property a mapping's key names: its key, the property, where it is written.
    pub(super) fn rdl_property(
        &mut self,
        name: &str,
        span: SourceSpan,
    ) -> Option<(&'a str, &'a Property, SourceSpan)> {
        let rdl = self.rdl;
        let key_span = self.file.sub_span(span, name);
        if [ID, CLASS, LABEL, ORIGIN_COLUMN].contains(&name) {
            self.problems.push(MappingError::TakenName {
                property: name.to_string(),
                src: self.file.source(),
                span: key_span,
            });
            return None;
        }
        let key = self.resolve(Term::Property, name, key_span)?;
        rdl.properties
            .get(key)
            .map(|property| (key, property, key_span))
    }

    fn misfit(&mut self, key: &str, property: &str, datatype: Datatype, span: SourceSpan) -> bool {
        self.problems.push(MappingError::Misfit {
            key: key.to_string(),
            property: property.to_string(),
            datatype,
            src: self.file.source(),
            span,
        });
        false
    }

    /// A source unit must exist and measure what the property's unit measures.
    fn unit(&mut self, property: &str, target: Option<&str>, unit: &str, span: SourceSpan) -> bool {
        let Some(key) = self.resolve(Term::Unit, unit, span) else {
            return false;
        };
        let Some(source_unit) = self.rdl.units.get(key) else {
            return false;
        };
        let Some(target) = target.and_then(|t| self.rdl.units.get(t).map(|u| (t, u))) else {
            self.problems.push(MappingError::UnitlessProperty {
                property: property.to_string(),
                src: self.file.source(),
                span,
            });
            return false;
        };
        if source_unit.quantity != target.1.quantity {
            self.problems.push(MappingError::WrongQuantity {
                unit: unit.to_string(),
                quantity: source_unit.quantity.clone(),
                property: property.to_string(),
                target: target.0.to_string(),
                target_quantity: target.1.quantity.clone(),
                src: self.file.source(),
                span,
            });
            return false;
        }
        true
    }

    /// Whether a slice named in the mapping exists; a located problem if not.
    pub(super) fn slice(&mut self, name: &Spanned<String>, slices: &[&str]) -> bool {
        let known = slices.contains(&name.value.as_str());
        if !known {
            let at = self.span(&name.referenced);
            self.unknown(Term::Slice, &name.value, at, slices.to_vec());
        }
        known
    }
}

/// Whether a template's text makes an IRI: rendered with a plain value in each placeholder
/// (values are escaped, so its literals decide).
fn makes_an_iri(template: &Template) -> Result<(), String> {
    let sample: String = template
        .parts
        .iter()
        .map(|part| match part {
            TemplatePart::Literal(text) => text.as_str(),
            _ => "x",
        })
        .collect();
    oxrdf::NamedNode::new(&sample)
        .map(|_| ())
        .map_err(|e| format!("`{sample}`: {e}"))
}

/// Why a constant value would fail for every thing, if it would: the rule is run on it as
/// it will be on the data, so lint and run cannot disagree.
fn constant_failure(rule: &PropertyRule, property: &Property, rdl: &Rdl) -> Option<String> {
    let value = source_value(rule, &Schema::default());
    let input = Input {
        raw: value.clone().cast(DataType::String),
        value: value.clone(),
        written: value,
        dtype: &DataType::String,
    };
    let (_, reason) = parse(rule, property, rdl, input, &mut Stage::InPlace);
    let one = DataFrame::new(1, vec![Column::new("one".into(), [1u32])]).ok()?;
    let reasons = one.lazy().select([reason.alias("reason")]).collect().ok()?;
    let reasons = reasons.column("reason").ok()?;
    reasons.str().ok()?.get(0).map(str::to_string)
}

#[cfg(test)]
mod tests {
    use crate::mapping::fixtures::{mapping, rdl};

    #[test]
    fn every_problem_of_a_mapping_is_found_before_any_data() {
        let rdl = rdl();
        let problems = mapping(
            &rdl,
            &["ID", "Type", "Power", "Size"],
            r#"slice: assets
class: { from: Typ, values: { PUMP: Pmp } }
id: "https://data.test/asset/{ID}"
properties:
  power: { from: Power, unit: mm }
  size: { from: Size, formats: ["%Y"], decimal: ";" }
  site: { from: ID }
  pwer: { from: Power }
  state: { from: Type, values: { P: Running } }
links:
  name: { slice: sites, id: "https://data.test/site/{ID}" }
  site: { slice: site, id: "https://data.test/site/{ID}" }
checks:
  positive: { where: "Power > 0", message: must be positive, dimension: validty }
"#,
        )
        .expect_err("a broken mapping");
        // In the file's order: class, id, then properties, links and checks by name.
        assert_eq!(
            problems,
            [
                "unknown column `Typ`: did you mean `Type`?",
                "unknown class `Pmp`: did you mean `Pump`?",
                "unit `mm` measures length, but `power` is in W, which measures power: name the unit the source values are in; it must measure power",
                "unknown property `pwer`: did you mean `power`?",
                "`site` is a link: map it under `links`, with its target slice: ",
                "`formats` does not fit `size`, a decimal property: `formats` are for dates, `unit` and `unit_in_value` for quantities",
                "`decimal` is `.` or `,`, not `;`: ",
                "`Running` is not an allowed value of `state`: known allowed values: `InService`, `OutOfService`",
                "`name` is a string property, not a link: map it under `properties`",
                "unknown slice `site`: did you mean `sites`?",
                "unknown dimension `validty`: did you mean `validity`?",
            ]
        );
    }

    #[test]
    fn a_valid_mapping_keeps_its_rules() {
        let rdl = rdl();
        let mapping = mapping(
            &rdl,
            &["ID", "Power"],
            "slice: assets\nclass: Pump\nid: \"https://data.test/asset/{ID}\"\nproperties:\n  power: { from: Power, unit: kW, decimal: \",\" }\n",
        )
        .expect("valid");
        assert_eq!(mapping.classes(), ["Pump"]);
        let power = &mapping.properties[0];
        assert_eq!(
            (
                power.property.as_str(),
                power.unit.as_deref(),
                power.decimal
            ),
            ("power", Some("kW"), ',')
        );
    }
}
