//! The RDL's native YAML form: parsed with spans, then turned into the model section by
//! section (units, classes, properties), each checked as it goes and every problem kept.

use std::collections::BTreeMap;
use std::fmt;

use miette::SourceSpan;
use serde::Deserialize;
use serde::de::{Deserializer, MapAccess, SeqAccess, Visitor};
use serde_saphyr::{Location, Spanned};

use super::{Class, Datatype, Property, Rdl, RdlError, Unit};
use crate::diag::{self, Problems, Term, Where, YamlFile};

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RdlYaml {
    namespace: Spanned<String>,
    #[serde(default)]
    units: BTreeMap<String, Spanned<UnitYaml>>,
    #[serde(default)]
    classes: BTreeMap<String, Spanned<ClassYaml>>,
    #[serde(default)]
    properties: BTreeMap<String, Spanned<PropertyYaml>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct UnitYaml {
    /// Accepted so an RDL can document its terms; no output uses it yet.
    #[allow(dead_code)]
    label: Option<String>,
    quantity: String,
    #[serde(default = "one")]
    factor: f64,
    #[serde(default)]
    offset: f64,
}

fn one() -> f64 {
    1.0
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct ClassYaml {
    #[allow(dead_code)]
    label: Option<String>,
    #[allow(dead_code)]
    description: Option<String>,
    #[serde(default)]
    parents: Vec<Spanned<String>>,
    #[serde(default)]
    requires: Vec<Spanned<String>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct PropertyYaml {
    #[allow(dead_code)]
    label: Option<String>,
    #[allow(dead_code)]
    description: Option<String>,
    datatype: Spanned<Datatype>,
    unit: Option<Spanned<String>>,
    values: Option<Spanned<CodeList>>,
    min: Option<Spanned<f64>>,
    max: Option<Spanned<f64>>,
    pattern: Option<Spanned<String>>,
    range: Option<Spanned<String>>,
    /// Accepted for the share policy to come; nothing is withheld yet.
    #[serde(default)]
    #[allow(dead_code)]
    sensitive: bool,
}

/// Allowed values: `[InService, OutOfService]`, or `{ InService: "In service", ... }` with
/// labels.
#[derive(Debug, Clone, Default)]
struct CodeList(Vec<(String, Option<String>)>);

impl<'de> Deserialize<'de> for CodeList {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct CodeListVisitor;
        impl<'de> Visitor<'de> for CodeListVisitor {
            type Value = CodeList;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a list of terms, or a map of terms to their labels")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<CodeList, A::Error> {
                let mut codes = Vec::new();
                while let Some(code) = seq.next_element::<String>()? {
                    codes.push((code, None));
                }
                Ok(CodeList(codes))
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<CodeList, A::Error> {
                let mut codes = Vec::new();
                while let Some((code, label)) = map.next_entry::<String, String>()? {
                    codes.push((code, Some(label)));
                }
                Ok(CodeList(codes))
            }
        }
        deserializer.deserialize_any(CodeListVisitor)
    }
}

/// Parses an RDL file and checks it; every problem is reported together.
pub(super) fn load(file: YamlFile) -> Result<Rdl, RdlError> {
    let yaml: RdlYaml = file.load()?;
    let mut loader = Loader {
        file: &file,
        class_names: yaml.classes.keys().map(String::as_str).collect(),
        property_names: yaml.properties.keys().map(String::as_str).collect(),
        problems: Vec::new(),
    };
    loader.terms(&yaml);
    let units = loader.units(&yaml.units);
    let classes = loader.classes(&yaml.classes);
    let properties = yaml
        .properties
        .iter()
        .map(|(name, p)| (name.clone(), loader.property(name, &p.value, &units)))
        .collect();
    let mut problems = loader.problems;
    let rdl = Rdl {
        namespace: yaml.namespace.value.clone(),
        units,
        classes,
        properties,
    };
    for (name, class) in &yaml.classes {
        if rdl.ancestors(name).iter().any(|a| a == name) {
            problems.push(RdlError::Cycle {
                class: name.clone(),
                src: file.source(),
                span: file.span(&class.referenced),
            });
        }
    }
    if problems.is_empty() {
        Ok(rdl)
    } else {
        Err(RdlError::Problems(Problems {
            found: Where::Rdl,
            problems,
        }))
    }
}

/// Turns the sections of one file into the model, collecting its problems.
struct Loader<'a> {
    file: &'a YamlFile,
    class_names: Vec<&'a str>,
    property_names: Vec<&'a str>,
    problems: Vec<RdlError>,
}

impl Loader<'_> {
    fn at(&self, location: &Location) -> SourceSpan {
        self.file.span(location)
    }

    /// A name that should be a class, property or unit of the RDL and is not.
    fn unknown(&mut self, kind: Term, name: &str, location: &Location, known: &[&str]) {
        self.problems.push(RdlError::Unknown {
            kind,
            name: name.to_string(),
            help: diag::suggest(name, known.iter().copied(), kind.plural()),
            src: self.file.source(),
            span: self.at(location),
        });
    }

    fn misfit(&mut self, what: &str, datatype: Datatype, location: &Location) {
        self.problems.push(RdlError::Misfit {
            what: what.to_string(),
            datatype,
            src: self.file.source(),
            span: self.at(location),
        });
    }

    /// Every name that becomes an IRI under the namespace (classes, properties, code values)
    /// makes a valid one: a name with a space or a `>` wrote N-Triples no parser reads.
    fn terms(&mut self, yaml: &RdlYaml) {
        let namespace = &yaml.namespace;
        let at = |location: &Location, name: &str| self.file.sub_span(self.at(location), name);
        if let Err(e) = oxrdf::NamedNode::new(&namespace.value) {
            self.problems.push(RdlError::NotAnIri {
                name: "the namespace".into(),
                iri: namespace.value.clone(),
                reason: e.to_string(),
                src: self.file.source(),
                span: self.at(&namespace.referenced),
            });
            return;
        }
        // (the name as a term, how a message names it, where it is written)
        let mut named: Vec<(String, String, SourceSpan)> = Vec::new();
        for (name, class) in &yaml.classes {
            named.push((
                name.clone(),
                format!("class `{name}`"),
                at(&class.referenced, name),
            ));
        }
        for (name, property) in &yaml.properties {
            named.push((
                name.clone(),
                format!("property `{name}`"),
                at(&property.referenced, name),
            ));
            if let Some(values) = &property.value.values {
                for (code, _) in &values.value.0 {
                    named.push((
                        code.clone(),
                        format!("value `{code}`"),
                        at(&values.referenced, code),
                    ));
                }
            }
        }
        for (term, name, span) in named {
            let iri = format!("{}{term}", namespace.value);
            if let Err(e) = oxrdf::NamedNode::new(&iri) {
                self.problems.push(RdlError::NotAnIri {
                    name,
                    iri,
                    reason: e.to_string(),
                    src: self.file.source(),
                    span,
                });
            }
        }
    }

    fn units(&mut self, yaml: &BTreeMap<String, Spanned<UnitYaml>>) -> BTreeMap<String, Unit> {
        let mut units = BTreeMap::new();
        for (symbol, unit) in yaml {
            let u = &unit.value;
            if !(u.factor.is_finite() && u.factor != 0.0 && u.offset.is_finite()) {
                self.problems.push(RdlError::BadUnit {
                    symbol: symbol.clone(),
                    src: self.file.source(),
                    span: self.at(&unit.referenced),
                });
            }
            units.insert(
                symbol.clone(),
                Unit {
                    quantity: u.quantity.clone(),
                    factor: u.factor,
                    offset: u.offset,
                },
            );
        }
        units
    }

    fn classes(&mut self, yaml: &BTreeMap<String, Spanned<ClassYaml>>) -> BTreeMap<String, Class> {
        let mut classes = BTreeMap::new();
        for (name, class) in yaml {
            let c = &class.value;
            for parent in &c.parents {
                if !yaml.contains_key(&parent.value) {
                    let known = self.class_names.clone();
                    self.unknown(Term::Class, &parent.value, &parent.referenced, &known);
                }
            }
            for required in &c.requires {
                if !self.property_names.contains(&required.value.as_str()) {
                    let known = self.property_names.clone();
                    self.unknown(
                        Term::Property,
                        &required.value,
                        &required.referenced,
                        &known,
                    );
                }
            }
            classes.insert(
                name.clone(),
                Class {
                    parents: c.parents.iter().map(|p| p.value.clone()).collect(),
                    requires: c.requires.iter().map(|r| r.value.clone()).collect(),
                },
            );
        }
        classes
    }

    /// One property, checked against the units and classes and its own datatype.
    fn property(
        &mut self,
        name: &str,
        p: &PropertyYaml,
        units: &BTreeMap<String, Unit>,
    ) -> Property {
        let datatype = p.datatype.value;
        if let Some(unit) = &p.unit {
            if !units.contains_key(&unit.value) {
                let known: Vec<&str> = units.keys().map(String::as_str).collect();
                self.unknown(Term::Unit, &unit.value, &unit.referenced, &known);
            }
            if !matches!(datatype, Datatype::Decimal | Datatype::Integer) {
                self.misfit("a unit", datatype, &unit.referenced);
            }
        }
        if let Some(range) = &p.range {
            if !self.class_names.contains(&range.value.as_str()) {
                let known = self.class_names.clone();
                self.unknown(Term::Class, &range.value, &range.referenced, &known);
            }
            if datatype != Datatype::Link {
                self.misfit("a range", datatype, &range.referenced);
            }
        }
        match (&p.values, datatype) {
            (Some(values), d) if d != Datatype::Code => {
                self.misfit("allowed values", datatype, &values.referenced);
            }
            (None, Datatype::Code) => self.problems.push(RdlError::NoValues {
                property: name.to_string(),
                src: self.file.source(),
                span: self.at(&p.datatype.referenced),
            }),
            _ => {}
        }
        for bound in [&p.min, &p.max].into_iter().flatten() {
            if !matches!(datatype, Datatype::Decimal | Datatype::Integer) {
                self.misfit("a minimum or maximum", datatype, &bound.referenced);
            }
        }
        if let (Some(min), Some(max)) = (&p.min, &p.max)
            && min.value > max.value
        {
            // No value could pass: every one would be left out of its thing.
            self.problems.push(RdlError::EmptyRange {
                property: name.to_string(),
                min: min.value,
                max: max.value,
                src: self.file.source(),
                span: self.at(&max.referenced),
            });
        }
        if let Some(pattern) = &p.pattern
            && let Err(source) = regex::Regex::new(&pattern.value)
        {
            // Patterns use the syntax of the regex crate, which polars' string matching uses.
            self.problems.push(RdlError::BadPattern {
                source,
                src: self.file.source(),
                span: self.at(&pattern.referenced),
            });
        }
        Property {
            datatype,
            unit: p.unit.as_ref().map(|u| u.value.clone()),
            values: p
                .values
                .as_ref()
                .map(|v| v.value.0.clone())
                .unwrap_or_default(),
            min: p.min.as_ref().map(|m| m.value),
            max: p.max.as_ref().map(|m| m.value),
            pattern: p.pattern.as_ref().map(|x| x.value.clone()),
        }
    }
}
