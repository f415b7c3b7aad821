//! The RDL's native YAML form: parsed with spans, then turned into a layer's draft section
//! by section (units, classes, properties), each checked as it goes and every problem kept.
//! Names of other terms (parents, requirements, units, ranges, code lists) are resolved
//! once every layer is read.

use std::collections::BTreeMap;
use std::fmt;

use serde::Deserialize;
use serde::de::{Deserializer, MapAccess, SeqAccess, Visitor};
use serde_saphyr::{Location, Spanned};

use super::layer::{At, ClassDraft, Draft, PropertyDraft, Ref, UnitDraft, Values, unknown_prefix};
use super::names::{Prefixes, local_name};
use super::{Bound, Code, Datatype, RdlError};
use crate::diag::YamlFile;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RdlYaml {
    namespace: Spanned<String>,
    /// The prefix of the namespace in outputs and CURIEs (`rdl` unless told).
    prefix: Option<String>,
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
    label: Option<String>,
    /// Other ways sources write the unit (`millimeters`, `millimetre`, `"` for inches).
    #[serde(default)]
    aliases: Vec<String>,
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
    label: Option<String>,
    description: Option<String>,
    #[serde(default)]
    parents: Vec<Spanned<String>>,
    #[serde(default)]
    requires: Vec<Spanned<String>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct PropertyYaml {
    label: Option<String>,
    description: Option<String>,
    datatype: Spanned<Datatype>,
    unit: Option<Spanned<String>>,
    values: Option<Spanned<CodeList>>,
    min: Option<Spanned<Bound>>,
    max: Option<Spanned<Bound>>,
    pattern: Option<Spanned<String>>,
    range: Option<Spanned<String>>,
    /// `true` (personal), `personal`, `commercial` or `security`.
    sensitive: Option<super::Sensitivity>,
}

/// Allowed values: `[InService, OutOfService]`, `{ InService: "In service", ... }` with
/// labels, or the name of a SKOS concept scheme of another layer (`st:scheme`).
#[derive(Debug, Clone)]
enum CodeList {
    Listed(Vec<(String, Option<String>)>),
    Scheme(String),
}

impl<'de> Deserialize<'de> for CodeList {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct CodeListVisitor;
        impl<'de> Visitor<'de> for CodeListVisitor {
            type Value = CodeList;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a list of terms, a map of terms to their labels, or a concept scheme")
            }
            fn visit_str<E: serde::de::Error>(self, scheme: &str) -> Result<CodeList, E> {
                Ok(CodeList::Scheme(scheme.to_string()))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<CodeList, A::Error> {
                let mut codes = Vec::new();
                while let Some(code) = seq.next_element::<String>()? {
                    codes.push((code, None));
                }
                Ok(CodeList::Listed(codes))
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<CodeList, A::Error> {
                let mut codes = Vec::new();
                while let Some((code, label)) = map.next_entry::<String, String>()? {
                    codes.push((code, Some(label)));
                }
                Ok(CodeList::Listed(codes))
            }
        }
        deserializer.deserialize_any(CodeListVisitor)
    }
}

/// Parses one YAML layer into its draft; names of other terms stay as written. `prefixes`
/// are those known before this layer (of `thinslice.yaml` and earlier layers), for the
/// terms this layer extends by CURIE.
pub(super) fn draft(file: &YamlFile, prefixes: &Prefixes) -> Result<Draft, RdlError> {
    let yaml: RdlYaml = file.load()?;
    let mut prefixes = prefixes.clone();
    let prefix = yaml.prefix.clone().unwrap_or_else(|| "rdl".to_string());
    prefixes.add(&prefix, &yaml.namespace.value);
    let mut loader = Loader {
        file,
        namespace: &yaml.namespace.value,
        prefixes: &prefixes,
        draft: Draft {
            prefixes: vec![(prefix, yaml.namespace.value.clone())],
            ..Draft::default()
        },
    };
    if loader.namespace_is_iri(&yaml.namespace) {
        loader.units(&yaml.units);
        loader.classes(&yaml.classes);
        for (name, p) in &yaml.properties {
            loader.property(name, p);
        }
    }
    Ok(loader.draft)
}

/// Turns the sections of one file into a draft, collecting its problems.
struct Loader<'a> {
    file: &'a YamlFile,
    namespace: &'a str,
    prefixes: &'a Prefixes,
    draft: Draft,
}

impl Loader<'_> {
    fn at(&self, location: &Location) -> At {
        At {
            src: self.file.source(),
            span: self.file.span(location),
        }
    }

    /// Where a name is written inside the node at `location`.
    fn at_name(&self, location: &Location, name: &str) -> At {
        let at = self.at(location);
        At {
            span: self.file.sub_span(at.span, name),
            ..at
        }
    }

    fn reference(&self, name: &Spanned<String>) -> Ref {
        Ref {
            name: name.value.clone(),
            at: self.at(&name.referenced),
        }
    }

    fn misfit(&mut self, what: &str, datatype: Datatype, location: &Location) {
        let at = self.at(location);
        self.draft.problems.push(RdlError::Misfit {
            what: what.to_string(),
            datatype,
            src: at.src,
            span: at.span,
        });
    }

    fn namespace_is_iri(&mut self, namespace: &Spanned<String>) -> bool {
        let Err(e) = oxrdf::NamedNode::new(&namespace.value) else {
            return true;
        };
        let at = self.at(&namespace.referenced);
        self.draft.problems.push(RdlError::NotAnIri {
            name: "the namespace".into(),
            iri: namespace.value.clone(),
            reason: e.to_string(),
            src: at.src,
            span: at.span,
        });
        false
    }

    /// The IRI and local name of a term this file names: a CURIE or IRI is the term of
    /// another layer it extends; a bare name becomes a term under the namespace, which must
    /// make a valid IRI (a name with a space or a `>` wrote N-Triples no parser reads).
    fn term(&mut self, name: &str, what: &str, at: &At) -> Option<(String, String)> {
        let (iri, local) = match self.prefixes.expand(name) {
            Some(iri) => {
                let local = local_name(&iri).to_string();
                (iri, local)
            }
            None if name.contains(':') => {
                let prefix = name.split(':').next().unwrap_or_default();
                let error = unknown_prefix(self.prefixes, prefix, at);
                self.draft.problems.push(error);
                return None;
            }
            None => (format!("{}{name}", self.namespace), name.to_string()),
        };
        if let Err(e) = oxrdf::NamedNode::new(&iri) {
            self.draft.problems.push(RdlError::NotAnIri {
                name: format!("{what} `{name}`"),
                iri,
                reason: e.to_string(),
                src: at.src.clone(),
                span: at.span,
            });
            return None;
        }
        Some((iri, local))
    }

    fn units(&mut self, yaml: &BTreeMap<String, Spanned<UnitYaml>>) {
        for (symbol, unit) in yaml {
            let u = &unit.value;
            if !(u.factor.is_finite() && u.factor != 0.0 && u.offset.is_finite()) {
                let at = self.at(&unit.referenced);
                self.draft.problems.push(RdlError::BadUnit {
                    symbol: symbol.clone(),
                    src: at.src,
                    span: at.span,
                });
            }
            self.draft.units.push(UnitDraft {
                iri: format!("{}{symbol}", self.namespace),
                local: symbol.clone(),
                label: u.label.clone(),
                aliases: u.aliases.clone(),
                quantity: u.quantity.clone(),
                factor: u.factor,
                offset: u.offset,
            });
        }
    }

    fn classes(&mut self, yaml: &BTreeMap<String, Spanned<ClassYaml>>) {
        for (name, class) in yaml {
            let at = self.at_name(&class.referenced, name);
            let Some((iri, local)) = self.term(name, "class", &at) else {
                continue;
            };
            let c = &class.value;
            self.draft.classes.push(ClassDraft {
                iri,
                local,
                label: c.label.clone(),
                description: c.description.clone(),
                parents: c.parents.iter().map(|p| self.reference(p)).collect(),
                requires: c.requires.iter().map(|r| self.reference(r)).collect(),
                at,
                place: None,
            });
        }
    }

    /// One property, checked against its own datatype.
    fn property(&mut self, name: &str, property: &Spanned<PropertyYaml>) {
        let at = self.at_name(&property.referenced, name);
        let p = &property.value;
        let Some((iri, local)) = self.term(name, "property", &at) else {
            return;
        };
        let datatype = p.datatype.value;
        self.fits(name, p);
        let values = p.values.as_ref().map(|v| match &v.value {
            CodeList::Scheme(scheme) => Values::Scheme(Ref {
                name: scheme.clone(),
                at: self.at(&v.referenced),
            }),
            CodeList::Listed(codes) => {
                let mut listed = Vec::new();
                for (code, label) in codes {
                    let at = self.at_name(&v.referenced, code);
                    if let Some((iri, _)) = self.term(code, "value", &at) {
                        listed.push(Code {
                            name: code.clone(),
                            iri,
                            label: label.clone(),
                            aliases: Vec::new(),
                            broader: None,
                        });
                    }
                }
                Values::Listed(listed)
            }
        });
        self.draft.properties.push(PropertyDraft {
            iri,
            local,
            label: p.label.clone(),
            description: p.description.clone(),
            domain: Vec::new(),
            datatype: Some(datatype),
            unit: p.unit.as_ref().map(|u| self.reference(u)),
            values,
            range: p.range.as_ref().map(|r| self.reference(r)),
            min: p.min.as_ref().map(|m| m.value),
            max: p.max.as_ref().map(|m| m.value),
            pattern: p.pattern.as_ref().map(|x| x.value.clone()),
            parent: None,
            at,
            place: None,
            sensitive: p.sensitive.filter(|s| *s != super::Sensitivity::None),
        });
    }

    /// The options a property writes must fit its datatype, and make sense together.
    fn fits(&mut self, name: &str, p: &PropertyYaml) {
        let datatype = p.datatype.value;
        if let Some(unit) = &p.unit
            && !matches!(datatype, Datatype::Decimal | Datatype::Integer)
        {
            self.misfit("a unit", datatype, &unit.referenced);
        }
        if let Some(range) = &p.range
            && datatype != Datatype::Link
        {
            self.misfit("a range", datatype, &range.referenced);
        }
        match (&p.values, datatype) {
            (Some(values), d) if d != Datatype::Code => {
                self.misfit("allowed values", datatype, &values.referenced);
            }
            (None, Datatype::Code) => {
                let at = self.at(&p.datatype.referenced);
                self.draft.problems.push(RdlError::NoValues {
                    property: name.to_string(),
                    src: at.src,
                    span: at.span,
                });
            }
            _ => {}
        }
        for bound in [&p.min, &p.max].into_iter().flatten() {
            if !bound.value.fits(datatype) {
                let what = match bound.value {
                    Bound::Number(_) => "a number as minimum or maximum",
                    Bound::Date(_) => "a date as minimum or maximum",
                };
                self.misfit(what, datatype, &bound.referenced);
            }
        }
        if let (Some(min), Some(max)) = (&p.min, &p.max)
            && min.value.above(max.value)
        {
            // No value could pass: every one would be left out of its thing.
            let at = self.at(&max.referenced);
            self.draft.problems.push(RdlError::EmptyRange {
                property: name.to_string(),
                min: min.value,
                max: max.value,
                src: at.src,
                span: at.span,
            });
        }
        if let Some(pattern) = &p.pattern
            && let Err(source) = regex::Regex::new(&pattern.value)
        {
            // Patterns use the syntax of the regex crate, which polars' string matching uses.
            let at = self.at(&pattern.referenced);
            self.draft.problems.push(RdlError::BadPattern {
                source,
                src: at.src,
                span: at.span,
            });
        }
    }
}
