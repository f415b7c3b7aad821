//! The terms of an RDF layer, read the way published vocabularies write them: OWL and RDFS
//! classes and properties, SKOS concept schemes (code lists), QUDT units and SHACL shapes.

use std::collections::BTreeMap;

use oxrdf::{NamedOrBlankNode, Term};

use super::layer::{
    ClassDraft, Draft, PropertyDraft, Ref, SchemeDraft, ShapeRule, UnitDraft, Values,
};
use super::names::local_name;
use super::rdf::{Graph, as_subject};
use super::{Bound, Code, Datatype, RdlError};

const RDF: &str = "http://www.w3.org/1999/02/22-rdf-syntax-ns#";
const RDFS: &str = "http://www.w3.org/2000/01/rdf-schema#";
const OWL: &str = "http://www.w3.org/2002/07/owl#";
const XSD: &str = "http://www.w3.org/2001/XMLSchema#";
const SKOS: &str = "http://www.w3.org/2004/02/skos/core#";
const QUDT: &str = "http://qudt.org/schema/qudt/";
const SH: &str = "http://www.w3.org/ns/shacl#";

/// The full IRI of a term of a well-known vocabulary.
fn v(namespace: &str, local: &str) -> String {
    format!("{namespace}{local}")
}

/// Reads every kind of term out of the graph.
pub(super) fn read(graph: &Graph) -> Draft {
    let mut reader = Reader {
        graph,
        draft: Draft::default(),
        iri: Iris::new(),
    };
    let schemes = reader.schemes();
    for subject in graph.subjects() {
        let NamedOrBlankNode::NamedNode(node) = subject else {
            continue;
        };
        let iri = node.as_str();
        if graph.is_a(subject, &[&reader.iri.unit]) {
            reader.unit(subject, iri);
        } else if graph.is_a(subject, &reader.iri.property_types()) {
            reader.property(subject, iri, &schemes);
        } else if graph.is_a(subject, &[&reader.iri.owl_class, &reader.iri.rdfs_class])
            || graph
                .objects(subject, &reader.iri.sub_class_of)
                .next()
                .is_some()
        {
            reader.class(subject, iri);
        }
    }
    for subject in graph.subjects() {
        reader.shape(subject);
    }
    reader.draft.schemes = schemes.into_values().collect();
    reader.draft
}

/// The IRIs the reader looks for, built once.
struct Iris {
    owl_class: String,
    rdfs_class: String,
    sub_class_of: String,
    datatype_property: String,
    object_property: String,
    rdf_property: String,
    unit: String,
}

impl Iris {
    fn new() -> Self {
        Self {
            owl_class: v(OWL, "Class"),
            rdfs_class: v(RDFS, "Class"),
            sub_class_of: v(RDFS, "subClassOf"),
            datatype_property: v(OWL, "DatatypeProperty"),
            object_property: v(OWL, "ObjectProperty"),
            rdf_property: v(RDF, "Property"),
            unit: v(QUDT, "Unit"),
        }
    }

    fn property_types(&self) -> [&str; 3] {
        [
            &self.datatype_property,
            &self.object_property,
            &self.rdf_property,
        ]
    }
}

struct Reader<'g> {
    graph: &'g Graph<'g>,
    draft: Draft,
    iri: Iris,
}

impl Reader<'_> {
    /// A reference to the term a statement's object names, written where the subject is.
    fn reference(&self, subject: &str, object: &Term) -> Option<Ref> {
        match object {
            Term::NamedNode(n) => Some(Ref {
                name: n.as_str().to_string(),
                at: self.graph.at(subject),
            }),
            _ => None,
        }
    }

    /// The objects of a predicate that are IRIs.
    fn named(&self, subject: &NamedOrBlankNode, predicate: &str) -> Vec<String> {
        self.graph
            .objects(subject, predicate)
            .filter_map(|o| match o {
                Term::NamedNode(n) => Some(n.as_str().to_string()),
                _ => None,
            })
            .collect()
    }

    fn literal(&self, subject: &NamedOrBlankNode, predicate: &str) -> Option<String> {
        self.graph
            .objects(subject, predicate)
            .find_map(|o| match o {
                Term::Literal(l) => Some(l.value().to_string()),
                _ => None,
            })
    }

    /// Every literal of the predicates, sorted, each once.
    fn literals(&self, subject: &NamedOrBlankNode, predicates: &[&str]) -> Vec<String> {
        let mut values: Vec<String> = predicates
            .iter()
            .flat_map(|p| self.graph.objects(subject, p))
            .filter_map(|o| match o {
                Term::Literal(l) => Some(l.value().to_string()),
                _ => None,
            })
            .collect();
        values.sort();
        values.dedup();
        values
    }

    /// A bound as a literal writes it: a number, or an `xsd:date`.
    fn bound(&self, subject: &NamedOrBlankNode, predicate: &str) -> Option<Bound> {
        Bound::parse(&self.literal(subject, predicate)?)
    }

    fn number(&self, subject: &NamedOrBlankNode, predicate: &str) -> Option<f64> {
        self.literal(subject, predicate)?.trim().parse().ok()
    }

    /// The label in English if there is one, else one without a language, else any.
    fn label(&self, subject: &NamedOrBlankNode, predicates: &[&str]) -> Option<String> {
        let mut best: Option<(u8, String)> = None;
        for predicate in predicates {
            for object in self.graph.objects(subject, predicate) {
                let Term::Literal(l) = object else { continue };
                let rank = match l.language() {
                    Some("en") => 0,
                    Some(lang) if lang.starts_with("en-") => 1,
                    None => 2,
                    Some(_) => 3,
                };
                if best.as_ref().is_none_or(|(r, _)| rank < *r) {
                    best = Some((rank, l.value().to_string()));
                }
            }
        }
        best.map(|(_, label)| label)
    }

    fn class(&mut self, subject: &NamedOrBlankNode, iri: &str) {
        let parents = self
            .graph
            .objects(subject, &self.iri.sub_class_of)
            // Restrictions (blank nodes) and the vocabularies' own tops are not parents.
            .filter(|o| matches!(o, Term::NamedNode(n) if !is_vocabulary(n.as_str())))
            .filter_map(|o| self.reference(iri, o))
            .collect();
        let label = self.label(subject, &[&v(RDFS, "label"), &v(SKOS, "prefLabel")]);
        let description = self.label(subject, &[&v(RDFS, "comment"), &v(SKOS, "definition")]);
        self.draft.classes.push(ClassDraft {
            iri: iri.to_string(),
            local: local_name(iri).to_string(),
            label,
            description,
            parents,
            requires: Vec::new(),
            at: self.graph.at(iri),
            place: None,
        });
    }

    fn property(
        &mut self,
        subject: &NamedOrBlankNode,
        iri: &str,
        schemes: &BTreeMap<String, SchemeDraft>,
    ) {
        let object = self.graph.is_a(subject, &[&self.iri.object_property]);
        let ranges = self.named(subject, &v(RDFS, "range"));
        let (datatype, range, values) = match ranges.first() {
            Some(range) if range.starts_with(XSD) || range == &v(RDF, "langString") => {
                (xsd_datatype(range), None, None)
            }
            Some(range) if schemes.contains_key(range) => {
                let scheme = Ref {
                    name: range.clone(),
                    at: self.graph.at(iri),
                };
                (Some(Datatype::Code), None, Some(Values::Scheme(scheme)))
            }
            Some(range) if !is_vocabulary(range) => {
                let range = Ref {
                    name: range.clone(),
                    at: self.graph.at(iri),
                };
                (Some(Datatype::Link), Some(range), None)
            }
            _ if object => (Some(Datatype::Link), None, None),
            _ => (None, None, None),
        };
        let unit = [v(QUDT, "hasUnit"), v(QUDT, "unit")]
            .iter()
            .flat_map(|p| self.named(subject, p))
            .next()
            .map(|u| Ref {
                name: u,
                at: self.graph.at(iri),
            });
        let parent = self
            .named(subject, &v(RDFS, "subPropertyOf"))
            .first()
            .map(|p| Ref {
                name: p.clone(),
                at: self.graph.at(iri),
            });
        let label = self.label(subject, &[&v(RDFS, "label"), &v(SKOS, "prefLabel")]);
        let description = self.label(subject, &[&v(RDFS, "comment"), &v(SKOS, "definition")]);
        let domain = self
            .graph
            .objects(subject, &v(RDFS, "domain"))
            .filter_map(|d| self.reference(iri, d))
            .collect();
        let sensitive = (self.label(subject, &[super::SENSITIVE]))
            .and_then(|kind| super::Sensitivity::parse(&kind));
        self.draft.properties.push(PropertyDraft {
            iri: iri.to_string(),
            local: local_name(iri).to_string(),
            label,
            description,
            domain,
            datatype,
            unit,
            values,
            range,
            min: None,
            max: None,
            pattern: None,
            parent,
            at: self.graph.at(iri),
            place: None,
            sensitive,
        });
    }

    /// A QUDT unit: it converts to the SI unit of its dimension by its multiplier and
    /// offset, and is also written by its symbols and UCUM codes.
    fn unit(&mut self, subject: &NamedOrBlankNode, iri: &str) {
        let factor = self.number(subject, &v(QUDT, "conversionMultiplier"));
        let offset = self
            .number(subject, &v(QUDT, "conversionOffset"))
            .unwrap_or(0.0);
        let mut kinds = self.named(subject, &v(QUDT, "hasQuantityKind"));
        kinds.extend(self.named(subject, &v(QUDT, "unitForQuantityKind")));
        kinds.sort();
        kinds.dedup();
        // Units of one dimension convert into each other; without one, units of the same
        // quantity kinds do; a unit without a multiplier converts to none but itself.
        let quantity = match (
            self.named(subject, &v(QUDT, "hasDimensionVector")).first(),
            factor,
        ) {
            (_, None) => iri.to_string(),
            (Some(dimension), _) => dimension.clone(),
            (None, _) if !kinds.is_empty() => kinds.join(" "),
            (None, _) => iri.to_string(),
        };
        let aliases = self.literals(subject, &[&v(QUDT, "symbol"), &v(QUDT, "ucumCode")]);
        let factor = factor.unwrap_or(1.0);
        if !(factor.is_finite() && factor != 0.0 && offset.is_finite()) {
            let at = self.graph.at(iri);
            self.draft.problems.push(RdlError::BadUnit {
                symbol: local_name(iri).to_string(),
                src: at.src,
                span: at.span,
            });
        }
        let label = self.label(subject, &[&v(RDFS, "label")]);
        self.draft.units.push(UnitDraft {
            iri: iri.to_string(),
            local: local_name(iri).to_string(),
            label,
            aliases,
            quantity,
            factor,
            offset,
        });
    }

    /// SKOS concept schemes and their concepts, by the scheme's IRI.
    fn schemes(&self) -> BTreeMap<String, SchemeDraft> {
        let mut schemes: BTreeMap<String, SchemeDraft> = BTreeMap::new();
        let scheme = |iri: &str| SchemeDraft {
            iri: iri.to_string(),
            local: local_name(iri).to_string(),
            codes: Vec::new(),
        };
        for subject in self.graph.subjects() {
            let NamedOrBlankNode::NamedNode(node) = subject else {
                continue;
            };
            if self.graph.is_a(subject, &[&v(SKOS, "ConceptScheme")]) {
                schemes
                    .entry(node.as_str().to_string())
                    .or_insert_with(|| scheme(node.as_str()));
            }
            let mut member_of = self.named(subject, &v(SKOS, "inScheme"));
            member_of.extend(self.named(subject, &v(SKOS, "topConceptOf")));
            member_of.sort();
            member_of.dedup();
            for of in member_of {
                let code = Code {
                    name: self
                        .literal(subject, &v(SKOS, "notation"))
                        .unwrap_or_else(|| local_name(node.as_str()).to_string()),
                    iri: node.as_str().to_string(),
                    label: self.label(subject, &[&v(SKOS, "prefLabel")]),
                    aliases: self.literals(subject, &[&v(SKOS, "prefLabel"), &v(SKOS, "altLabel")]),
                    broader: self.named(subject, &v(SKOS, "broader")).into_iter().next(),
                };
                schemes
                    .entry(of.clone())
                    .or_insert_with(|| scheme(&of))
                    .codes
                    .push(code);
            }
        }
        schemes
    }

    /// A SHACL node shape's property shapes, for the classes it targets.
    fn shape(&mut self, subject: &NamedOrBlankNode) {
        let mut targets: Vec<Option<String>> = self
            .named(subject, &v(SH, "targetClass"))
            .into_iter()
            .map(Some)
            .collect();
        let subjects_of = self.named(subject, &v(SH, "targetSubjectsOf"));
        let shape_iri = match subject {
            NamedOrBlankNode::NamedNode(n) => n.as_str().to_string(),
            NamedOrBlankNode::BlankNode(_) => String::new(),
        };
        if !shape_iri.is_empty()
            && self
                .graph
                .is_a(subject, &[&self.iri.owl_class, &self.iri.rdfs_class])
            && self
                .graph
                .objects(subject, &v(SH, "property"))
                .next()
                .is_some()
        {
            targets.push(Some(shape_iri.clone())); // an implicit target: the shape is the class
        }
        let shapes: Vec<NamedOrBlankNode> = self
            .graph
            .objects(subject, &v(SH, "property"))
            .filter_map(as_subject)
            .collect();
        for property_shape in &shapes {
            let Some(path) = self
                .named(property_shape, &v(SH, "path"))
                .into_iter()
                .next()
            else {
                continue;
            };
            self.shape_property(property_shape, &path, &shape_iri);
            // A shape for the subjects of its own path bounds the property's values.
            let own = subjects_of.contains(&path).then_some(None);
            for target in targets.iter().cloned().chain(own) {
                let at = self.graph.at(&shape_iri);
                self.draft.shapes.push(ShapeRule {
                    class: target.map(|name| Ref {
                        name,
                        at: at.clone(),
                    }),
                    property: Ref {
                        name: path.clone(),
                        at,
                    },
                    required: self
                        .number(property_shape, &v(SH, "minCount"))
                        .is_some_and(|n| n >= 1.0),
                    min: self.bound(property_shape, &v(SH, "minInclusive")),
                    max: self.bound(property_shape, &v(SH, "maxInclusive")),
                    pattern: self.literal(property_shape, &v(SH, "pattern")),
                    max_count: self
                        .number(property_shape, &v(SH, "maxCount"))
                        .filter(|n| *n >= 0.0 && n.fract() == 0.0)
                        .map(|n| n as u64),
                });
            }
        }
    }

    /// What a property shape says of the property itself (its datatype, range or allowed
    /// values), as a draft merged with the property's other definitions.
    fn shape_property(&mut self, shape: &NamedOrBlankNode, path: &str, shape_iri: &str) {
        let at = self.graph.at(shape_iri);
        let datatype = self
            .named(shape, &v(SH, "datatype"))
            .first()
            .and_then(|d| xsd_datatype(d));
        let range = self.named(shape, &v(SH, "class")).into_iter().next();
        let listed: Vec<Code> = self
            .graph
            .objects(shape, &v(SH, "in"))
            .flat_map(|head| self.graph.list(head))
            .filter_map(|item| match item {
                Term::NamedNode(n) => Some(Code {
                    name: local_name(n.as_str()).to_string(),
                    iri: n.as_str().to_string(),
                    label: None,
                    aliases: Vec::new(),
                    broader: None,
                }),
                _ => None,
            })
            .collect();
        let datatype = match (&range, listed.is_empty()) {
            (Some(_), _) => Some(Datatype::Link),
            (None, false) => Some(Datatype::Code),
            (None, true) => datatype,
        };
        self.draft.properties.push(PropertyDraft {
            iri: path.to_string(),
            local: local_name(path).to_string(),
            label: None,
            description: None,
            domain: Vec::new(),
            datatype,
            unit: None,
            values: (!listed.is_empty()).then_some(Values::Listed(listed)),
            range: range.map(|r| Ref {
                name: r,
                at: at.clone(),
            }),
            min: None,
            max: None,
            pattern: None,
            parent: None,
            at,
            place: None,
            sensitive: None,
        });
    }
}

/// Whether an IRI is a term of RDF, RDFS, OWL, XSD, SKOS or SHACL themselves (`owl:Thing`),
/// which no layer defines and no hierarchy needs.
fn is_vocabulary(iri: &str) -> bool {
    [RDF, RDFS, OWL, XSD, SKOS, SH]
        .iter()
        .any(|ns| iri.starts_with(ns))
}

/// The datatype of an XSD (or `rdf:langString`) range.
fn xsd_datatype(iri: &str) -> Option<Datatype> {
    let local = iri
        .strip_prefix(XSD)
        .unwrap_or(if iri == v(RDF, "langString") {
            "string"
        } else {
            ""
        });
    Some(match local {
        "string" | "normalizedString" | "token" | "anyURI" | "language" | "Name" | "NCName" => {
            Datatype::String
        }
        "integer" | "int" | "long" | "short" | "byte" | "nonNegativeInteger"
        | "positiveInteger" | "nonPositiveInteger" | "negativeInteger" | "unsignedInt"
        | "unsignedLong" | "unsignedShort" | "unsignedByte" => Datatype::Integer,
        "decimal" | "double" | "float" => Datatype::Decimal,
        "boolean" => Datatype::Boolean,
        "date" => Datatype::Date,
        "dateTime" | "dateTimeStamp" => Datatype::Datetime,
        "gYear" => Datatype::Year,
        _ => return None,
    })
}
