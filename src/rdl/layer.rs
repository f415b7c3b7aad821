//! Layers: each RDL file is read into a [`Draft`] of its own terms, whose references to
//! other terms are still names as written; [`compose`] merges the drafts in order (a term
//! defined again extends the earlier definition), gives every term its key, resolves every
//! reference against all layers, and reports every problem of every layer together.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use miette::SourceSpan;

use super::names::{Index, Prefixes, Unresolved, is_iri};
use super::{Bound, Class, Code, Datatype, Property, Rdl, RdlError, Unit};
use crate::diag::{self, Problems, SourceText, Term, Where};

/// Where something is written.
#[derive(Debug, Clone)]
pub(super) struct At {
    pub src: SourceText,
    pub span: SourceSpan,
}

/// A name written for a term, to be resolved once every layer is read.
#[derive(Debug, Clone)]
pub(super) struct Ref {
    pub name: String,
    pub at: At,
}

#[derive(Debug, Clone)]
pub(super) struct ClassDraft {
    pub iri: String,
    pub local: String,
    pub label: Option<String>,
    pub description: Option<String>,
    pub parents: Vec<Ref>,
    pub requires: Vec<Ref>,
    pub at: At,
    /// Where it is defined when that is not `at` (a table's row): `file:line`, `book:Sheet!A7`.
    pub place: Option<String>,
}

#[derive(Debug, Clone)]
pub(super) enum Values {
    Listed(Vec<Code>),
    /// The concepts of a SKOS concept scheme.
    Scheme(Ref),
}

#[derive(Debug, Clone)]
pub(super) struct PropertyDraft {
    pub iri: String,
    pub local: String,
    pub label: Option<String>,
    pub description: Option<String>,
    pub domain: Vec<Ref>,
    /// None when the file does not say (an RDF property without a range).
    pub datatype: Option<Datatype>,
    pub unit: Option<Ref>,
    pub values: Option<Values>,
    pub range: Option<Ref>,
    pub min: Option<Bound>,
    pub max: Option<Bound>,
    pub pattern: Option<String>,
    /// The property it specialises, whose datatype it takes when it has none.
    pub parent: Option<Ref>,
    pub at: At,
    /// Where it is defined when that is not `at` (a table's row).
    pub place: Option<String>,
    /// What kind of sensitive data its values are, when they are.
    pub sensitive: Option<super::Sensitivity>,
}

#[derive(Debug, Clone)]
pub(super) struct UnitDraft {
    pub iri: String,
    pub local: String,
    pub label: Option<String>,
    /// Symbols and codes it is also written by.
    pub aliases: Vec<String>,
    pub quantity: String,
    pub factor: f64,
    pub offset: f64,
}

#[derive(Debug, Clone)]
pub(super) struct SchemeDraft {
    pub iri: String,
    pub local: String,
    pub codes: Vec<Code>,
}

/// What a SHACL property shape requires of a class's things.
#[derive(Debug, Clone)]
pub(super) struct ShapeRule {
    /// The class whose things it constrains; None for the subjects of the property
    /// (`sh:targetSubjectsOf`), where it can only bound values.
    pub class: Option<Ref>,
    pub property: Ref,
    pub required: bool,
    pub min: Option<Bound>,
    pub max: Option<Bound>,
    pub pattern: Option<String>,
    pub max_count: Option<u64>,
}

/// One layer's terms, as its file writes them.
#[derive(Debug, Default)]
pub(super) struct Draft {
    pub prefixes: Vec<(String, String)>,
    pub classes: Vec<ClassDraft>,
    pub properties: Vec<PropertyDraft>,
    pub units: Vec<UnitDraft>,
    pub schemes: Vec<SchemeDraft>,
    pub shapes: Vec<ShapeRule>,
    pub problems: Vec<RdlError>,
    /// Whether the layer is marked as the foundation model.
    pub foundation: bool,
}

/// Merges the layers, first to last, into one checked RDL.
pub(super) fn compose(drafts: Vec<Draft>, mut prefixes: Prefixes) -> Result<Rdl, RdlError> {
    let mut merged = Draft::default();
    let mut seen = Seen::default();
    let mut foundation_iris = BTreeSet::new();
    for draft in drafts {
        if draft.foundation {
            foundation_iris.extend(draft.classes.iter().map(|c| c.iri.clone()));
        }
        for (prefix, namespace) in &draft.prefixes {
            prefixes.add(prefix, namespace);
        }
        merge(&mut merged, &mut seen, draft);
    }
    let mut resolver = Resolver::new(&merged, prefixes);
    let units = resolver.units(&merged.units);
    let mut classes = resolver.classes(&merged.classes);
    let mut properties = resolver.properties(&merged);
    resolver.shapes(&merged.shapes, &mut classes, &mut properties);
    let Resolver {
        prefixes,
        names,
        mut problems,
        warnings,
        ..
    } = resolver;
    let rdl = Rdl {
        prefixes,
        units,
        classes,
        properties,
        names,
        warnings,
        foundation: Vec::new(),
    };
    let foundation = foundation_iris
        .iter()
        .filter_map(|iri| rdl.names.classes.key_of(iri))
        .filter(|key| rdl.classes.get(*key).is_some_and(|c| c.parents.is_empty()))
        .map(str::to_string)
        .collect();
    let rdl = Rdl { foundation, ..rdl };
    problems.extend(merged.problems);
    for class in &merged.classes {
        let key = rdl.names.classes.key_of(&class.iri).unwrap_or_default();
        if rdl.ancestors(key).iter().any(|a| a == key) {
            problems.push(RdlError::Cycle {
                class: key.to_string(),
                src: class.at.src.clone(),
                span: class.at.span,
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

/// Adds a layer to the terms so far: a term whose IRI is known already extends it (more
/// parents, more requirements, what it did not say), and a datatype said differently is a
/// conflict.
fn merge(into: &mut Draft, seen: &mut Seen, layer: Draft) {
    for class in layer.classes {
        match seen
            .classes
            .get(&class.iri)
            .map(|&at| &mut into.classes[at])
        {
            Some(known) => {
                known.parents.extend(class.parents);
                known.requires.extend(class.requires);
                known.label = known.label.take().or(class.label);
                known.description = known.description.take().or(class.description);
            }
            None => {
                seen.classes.insert(class.iri.clone(), into.classes.len());
                into.classes.push(class);
            }
        }
    }
    for property in layer.properties {
        let Some(&at) = seen.properties.get(&property.iri) else {
            seen.properties
                .insert(property.iri.clone(), into.properties.len());
            into.properties.push(property);
            continue;
        };
        let known = &mut into.properties[at];
        match (known.datatype, property.datatype) {
            (Some(a), Some(b)) if a != b => into.problems.push(RdlError::Conflict {
                property: property.local.clone(),
                was: a,
                now: b,
                src: property.at.src.clone(),
                span: property.at.span,
            }),
            (None, Some(b)) => known.datatype = Some(b),
            _ => {}
        }
        known.unit = known.unit.take().or(property.unit);
        known.values = match (known.values.take(), property.values) {
            // Pick-lists arrive a value at a time.
            (Some(Values::Listed(mut codes)), Some(Values::Listed(more))) => {
                codes.extend(more);
                Some(Values::Listed(codes))
            }
            (values, more) => values.or(more),
        };
        known.range = known.range.take().or(property.range);
        known.min = known.min.or(property.min);
        known.max = known.max.or(property.max);
        known.pattern = known.pattern.take().or(property.pattern);
        known.sensitive = known.sensitive.max(property.sensitive);
        known.label = known.label.take().or(property.label);
        known.description = known.description.take().or(property.description);
        known.domain.extend(property.domain);
    }
    for unit in layer.units {
        if seen
            .units
            .insert(unit.iri.clone(), into.units.len())
            .is_none()
        {
            into.units.push(unit);
        }
    }
    for scheme in layer.schemes {
        match seen.schemes.get(&scheme.iri) {
            Some(&at) => into.schemes[at].codes.extend(scheme.codes),
            None => {
                seen.schemes.insert(scheme.iri.clone(), into.schemes.len());
                into.schemes.push(scheme);
            }
        }
    }
    into.shapes.extend(layer.shapes);
    into.problems.extend(layer.problems);
}

/// Where each term merged so far is, by IRI, per kind.
#[derive(Default)]
struct Seen {
    classes: HashMap<String, usize>,
    properties: HashMap<String, usize>,
    units: HashMap<String, usize>,
    schemes: HashMap<String, usize>,
}

/// The indexes of every kind of term in every layer, each in its own namespace.
#[derive(Debug, Clone, Default)]
pub struct Names {
    pub classes: Index,
    pub properties: Index,
    pub units: Index,
    pub schemes: Index,
}

struct Resolver {
    prefixes: Prefixes,
    names: Names,
    /// IRI → key, per kind.
    class_keys: BTreeMap<String, String>,
    property_keys: BTreeMap<String, String>,
    unit_keys: BTreeMap<String, String>,
    problems: Vec<RdlError>,
    warnings: Vec<String>,
}

impl Resolver {
    fn new(merged: &Draft, prefixes: Prefixes) -> Self {
        let none: &[String] = &[];
        let (classes, class_keys) = Index::build(
            merged
                .classes
                .iter()
                .map(|c| (c.iri.as_str(), c.local.as_str(), none)),
            &prefixes,
        );
        let (properties, property_keys) = Index::build(
            merged
                .properties
                .iter()
                .map(|p| (p.iri.as_str(), p.local.as_str(), none)),
            &prefixes,
        );
        let (units, unit_keys) = Index::build(
            merged
                .units
                .iter()
                .map(|u| (u.iri.as_str(), u.local.as_str(), &u.aliases[..])),
            &prefixes,
        );
        let (schemes, _) = Index::build(
            merged
                .schemes
                .iter()
                .map(|s| (s.iri.as_str(), s.local.as_str(), none)),
            &prefixes,
        );
        Self {
            prefixes,
            names: Names {
                classes,
                properties,
                units,
                schemes,
            },
            class_keys: class_keys.into_iter().collect(),
            property_keys: property_keys.into_iter().collect(),
            unit_keys: unit_keys.into_iter().collect(),
            problems: Vec::new(),
            warnings: Vec::new(),
        }
    }

    /// The key a reference names, or a problem saying what it could be.
    fn resolve(&mut self, kind: Term, written: &Ref) -> Option<String> {
        let index = match kind {
            Term::Property => &self.names.properties,
            Term::Unit => &self.names.units,
            Term::Class => &self.names.classes,
            _ => &self.names.schemes,
        };
        match index.resolve(&written.name, &self.prefixes) {
            Ok(key) => Some(key.to_string()),
            Err(unresolved) => {
                let prefix = written.name.split_once(':').map(|(p, _)| p);
                let error = match prefix {
                    Some(prefix)
                        if !is_iri(&written.name) && !self.prefixes.0.contains_key(prefix) =>
                    {
                        unknown_prefix(&self.prefixes, prefix, &written.at)
                    }
                    _ => unresolved_error(kind, written, unresolved),
                };
                self.problems.push(error);
                None
            }
        }
    }

    fn units(&mut self, drafts: &[UnitDraft]) -> BTreeMap<String, Unit> {
        drafts
            .iter()
            .map(|u| {
                let unit = Unit {
                    iri: u.iri.clone(),
                    label: u.label.clone(),
                    aliases: u.aliases.clone(),
                    quantity: u.quantity.clone(),
                    factor: u.factor,
                    offset: u.offset,
                };
                (self.unit_keys[&u.iri].clone(), unit)
            })
            .collect()
    }

    fn classes(&mut self, drafts: &[ClassDraft]) -> BTreeMap<String, Class> {
        let mut classes = BTreeMap::new();
        for c in drafts {
            let parents = dedup(
                c.parents
                    .iter()
                    .filter_map(|p| self.resolve(Term::Class, p)),
            );
            let requires = dedup(
                c.requires
                    .iter()
                    .filter_map(|r| self.resolve(Term::Property, r)),
            );
            let class = Class {
                iri: c.iri.clone(),
                label: c.label.clone(),
                description: c.description.clone(),
                defined: c
                    .place
                    .clone()
                    .unwrap_or_else(|| c.at.src.place(c.at.span.offset())),
                parents,
                requires,
            };
            classes.insert(self.class_keys[&c.iri].clone(), class);
        }
        classes
    }

    fn properties(&mut self, merged: &Draft) -> BTreeMap<String, Property> {
        let mut properties = BTreeMap::new();
        for p in &merged.properties {
            let datatype = self.datatype(p, &merged.properties);
            let unit = p.unit.as_ref().and_then(|u| self.resolve(Term::Unit, u));
            let range = p.range.as_ref().and_then(|r| self.resolve(Term::Class, r));
            let values = match &p.values {
                None => Vec::new(),
                Some(Values::Listed(codes)) => codes.clone(),
                Some(Values::Scheme(scheme)) => self
                    .resolve(Term::CodeList, scheme)
                    .and_then(|key| {
                        let iri = self.prefixes.expand(&key).unwrap_or(key);
                        merged
                            .schemes
                            .iter()
                            .find(|s| s.iri == iri || s.local == iri)
                            .map(|s| s.codes.clone())
                    })
                    .unwrap_or_default(),
            };
            let domain = dedup(p.domain.iter().filter_map(|d| self.resolve(Term::Class, d)));
            let property = Property {
                iri: p.iri.clone(),
                label: p.label.clone(),
                description: p.description.clone(),
                defined: p
                    .place
                    .clone()
                    .unwrap_or_else(|| p.at.src.place(p.at.span.offset())),
                domain,
                datatype,
                unit,
                values,
                range,
                min: p.min,
                max: p.max,
                pattern: p.pattern.clone(),
                max_count: None,
                sensitive: p.sensitive,
            };
            properties.insert(self.property_keys[&p.iri].clone(), property);
        }
        properties
    }

    /// A property's datatype: its own, else its nearest super-property's, else text (with
    /// a warning).
    fn datatype(&mut self, p: &PropertyDraft, all: &[PropertyDraft]) -> Datatype {
        let mut seen = BTreeSet::new();
        let mut next = Some(p);
        while let Some(property) = next {
            if let Some(datatype) = property.datatype {
                return datatype;
            }
            if !seen.insert(property.iri.as_str()) {
                break;
            }
            next = property.parent.as_ref().and_then(|parent| {
                let iri = self.prefixes.expand(&parent.name)?;
                all.iter().find(|q| q.iri == iri)
            });
        }
        self.warnings.push(format!(
            "property `{}` ({}) has no range: its values are read as text",
            self.property_keys[&p.iri], p.iri
        ));
        Datatype::String
    }

    /// SHACL shapes: a required property joins its class's requirements; bounds and
    /// patterns the property does not have yet become its own.
    fn shapes(
        &mut self,
        shapes: &[ShapeRule],
        classes: &mut BTreeMap<String, Class>,
        properties: &mut BTreeMap<String, Property>,
    ) {
        for shape in shapes {
            let class = match &shape.class {
                Some(class) => match self.resolve(Term::Class, class) {
                    Some(key) => Some(key),
                    None => continue,
                },
                None => None,
            };
            let Some(key) = self.resolve(Term::Property, &shape.property) else {
                continue;
            };
            if shape.required
                && let Some(class) = class.and_then(|c| classes.get_mut(&c))
                && !class.requires.contains(&key)
            {
                class.requires.push(key.clone());
                class.requires.sort();
            }
            if let Some(property) = properties.get_mut(&key) {
                property.min = property.min.or(shape.min);
                property.max = property.max.or(shape.max);
                property.pattern = property.pattern.take().or(shape.pattern.clone());
                property.max_count = property.max_count.or(shape.max_count);
            }
        }
    }
}

fn dedup(names: impl Iterator<Item = String>) -> Vec<String> {
    let mut seen = BTreeSet::new();
    names.filter(|n| seen.insert(n.clone())).collect()
}

/// The problem of a CURIE whose prefix no layer declares.
pub(super) fn unknown_prefix(prefixes: &Prefixes, prefix: &str, at: &At) -> RdlError {
    RdlError::UnknownPrefix {
        prefix: prefix.to_string(),
        known: prefixes.0.keys().cloned().collect::<Vec<_>>().join(", "),
        src: at.src.clone(),
        span: at.span,
    }
}

/// The problem of a name that finds no term, or several.
fn unresolved_error(kind: Term, written: &Ref, unresolved: Unresolved) -> RdlError {
    let help = match unresolved {
        Unresolved::Unknown(keys) => diag::suggest(
            &written.name,
            keys.iter().map(String::as_str),
            kind.plural(),
        ),
        Unresolved::Ambiguous(keys) => {
            let keys: Vec<String> = keys.iter().map(|k| format!("`{k}`")).collect();
            return RdlError::Ambiguous {
                kind,
                name: written.name.clone(),
                help: format!("write one of {}", keys.join(", ")),
                src: written.at.src.clone(),
                span: written.at.span,
            };
        }
    };
    RdlError::Unknown {
        kind,
        name: written.name.clone(),
        help,
        src: written.at.src.clone(),
        span: written.at.span,
    }
}
