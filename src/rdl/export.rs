//! The RDL written out in the published shapes it can be read from: OWL classes and
//! properties, SKOS code lists, QUDT units, and SHACL shapes for the requirements and value
//! constraints, so other organisations can validate shared data with standard SHACL tools.
//! Reading the output back gives the same RDL.

use std::collections::BTreeSet;

use oxrdf::vocab::{rdf, rdfs, xsd};
use oxrdf::{BlankNode, Literal, NamedNode, NamedOrBlankNode, Term, Triple};

use super::{Bound, Datatype, Rdl};

const OWL: &str = "http://www.w3.org/2002/07/owl#";
const SKOS: &str = "http://www.w3.org/2004/02/skos/core#";
const QUDT: &str = "http://qudt.org/schema/qudt/";
const SH: &str = "http://www.w3.org/ns/shacl#";
/// Where a unit's quantity is named when the RDL gives it as a word (`power`), not an IRI.
const QUANTITY: &str = "urn:thinslice:quantity:";

/// What to write.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Part {
    /// Classes, properties, code lists and units.
    Vocabulary,
    /// SHACL shapes: what each class requires, and each property's bounds and pattern.
    Shapes,
    /// Both, in one graph.
    Both,
}

/// The terms data uses: the classes its things are given and the properties they have.
#[derive(Debug, Default)]
pub struct Used {
    pub classes: BTreeSet<String>,
    pub properties: BTreeSet<String>,
}

/// The triples of the RDL's `part`, all of it or what `used` needs (the classes with their
/// ancestors to the top, the properties with their ranges' classes, codes and units); in a
/// deterministic order.
pub fn triples(rdl: &Rdl, part: Part, used: Option<&Used>) -> Vec<Triple> {
    let mut out = Writer::default();
    let scope = Scope::of(rdl, used);
    match part {
        Part::Vocabulary => out.vocabulary(rdl, &scope),
        Part::Shapes => out.shapes(rdl, &scope),
        Part::Both => {
            out.vocabulary(rdl, &scope);
            out.shapes(rdl, &scope);
        }
    }
    out.triples
}

/// The classes, properties and units written.
struct Scope {
    classes: BTreeSet<String>,
    properties: BTreeSet<String>,
    units: BTreeSet<String>,
}

impl Scope {
    fn of(rdl: &Rdl, used: Option<&Used>) -> Self {
        let Some(used) = used else {
            return Self {
                classes: rdl.classes.keys().cloned().collect(),
                properties: rdl.properties.keys().cloned().collect(),
                units: rdl.units.keys().cloned().collect(),
            };
        };
        let properties: BTreeSet<String> = used
            .properties
            .iter()
            .filter(|p| rdl.properties.contains_key(*p))
            .cloned()
            .collect();
        let ranges = properties
            .iter()
            .filter_map(|p| rdl.properties[p].range.as_ref());
        let mut classes: BTreeSet<String> = BTreeSet::new();
        for class in used.classes.iter().chain(ranges) {
            if rdl.classes.contains_key(class) {
                classes.insert(class.clone());
                classes.extend(rdl.ancestors(class));
            }
        }
        let units = properties
            .iter()
            .filter_map(|p| rdl.properties[p].unit.clone())
            .collect();
        Self {
            classes,
            properties,
            units,
        }
    }
}

#[derive(Default)]
struct Writer {
    triples: Vec<Triple>,
    blanks: usize,
}

fn iri(text: &str) -> Option<NamedNode> {
    NamedNode::new(text).ok()
}

/// A number as an `xsd:double` literal, in Rust's shortest round-tripping form.
fn number(n: f64) -> Literal {
    Literal::new_typed_literal(format!("{n:?}"), xsd::DOUBLE)
}

fn bound(bound: Bound) -> Literal {
    match bound {
        Bound::Number(n) => number(n),
        Bound::Date(_) => Literal::new_typed_literal(bound.to_string(), xsd::DATE),
    }
}

fn v(namespace: &str, local: &str) -> NamedNode {
    NamedNode::new_unchecked(format!("{namespace}{local}"))
}

impl Writer {
    fn add(&mut self, subject: impl Into<NamedOrBlankNode>, p: NamedNode, o: impl Into<Term>) {
        self.triples.push(Triple::new(subject, p, o));
    }

    fn blank(&mut self) -> BlankNode {
        self.blanks += 1;
        BlankNode::new_unchecked(format!("b{}", self.blanks))
    }

    fn text(&mut self, subject: &NamedNode, p: NamedNode, text: &Option<String>) {
        if let Some(text) = text {
            self.add(subject.clone(), p, Literal::new_simple_literal(text));
        }
    }

    fn vocabulary(&mut self, rdl: &Rdl, scope: &Scope) {
        for key in &scope.classes {
            let class = &rdl.classes[key];
            let Some(node) = iri(&class.iri) else {
                continue;
            };
            self.add(node.clone(), rdf::TYPE.into_owned(), v(OWL, "Class"));
            self.text(&node, rdfs::LABEL.into_owned(), &class.label);
            self.text(&node, rdfs::COMMENT.into_owned(), &class.description);
            for parent in &class.parents {
                if let Some(parent) = iri(&rdl.classes[parent].iri) {
                    self.add(node.clone(), rdfs::SUB_CLASS_OF.into_owned(), parent);
                }
            }
        }
        for key in &scope.properties {
            self.property(rdl, key);
        }
        for key in &scope.units {
            let unit = &rdl.units[key];
            let Some(node) = iri(&unit.iri) else { continue };
            self.add(node.clone(), rdf::TYPE.into_owned(), v(QUDT, "Unit"));
            self.text(&node, rdfs::LABEL.into_owned(), &unit.label);
            self.add(
                node.clone(),
                v(QUDT, "conversionMultiplier"),
                number(unit.factor),
            );
            self.add(
                node.clone(),
                v(QUDT, "conversionOffset"),
                number(unit.offset),
            );
            let quantity = match iri(&unit.quantity) {
                Some(q) if unit.quantity.contains(':') => q,
                _ => v(QUANTITY, &percent_encoded(&unit.quantity)),
            };
            self.add(node.clone(), v(QUDT, "hasDimensionVector"), quantity);
            for alias in &unit.aliases {
                self.add(
                    node.clone(),
                    v(QUDT, "symbol"),
                    Literal::new_simple_literal(alias),
                );
            }
        }
    }

    fn property(&mut self, rdl: &Rdl, key: &str) {
        let p = &rdl.properties[key];
        let Some(node) = iri(&p.iri) else { return };
        let kind = match p.datatype {
            Datatype::Link | Datatype::Code => "ObjectProperty",
            _ => "DatatypeProperty",
        };
        self.add(node.clone(), rdf::TYPE.into_owned(), v(OWL, kind));
        self.text(&node, rdfs::LABEL.into_owned(), &p.label);
        self.text(&node, rdfs::COMMENT.into_owned(), &p.description);
        if let Some(kind) = p.sensitive.filter(|s| *s != super::Sensitivity::None) {
            let annotation = NamedNode::new_unchecked(super::SENSITIVE);
            self.text(&node, annotation, &Some(kind.to_string()));
        }
        for class in &p.domain {
            if let Some(class) = iri(&rdl.classes[class].iri) {
                self.add(node.clone(), rdfs::DOMAIN.into_owned(), class);
            }
        }
        let range = match p.datatype {
            Datatype::String => Some(xsd::STRING.into_owned()),
            Datatype::Integer => Some(xsd::INTEGER.into_owned()),
            Datatype::Decimal => Some(xsd::DECIMAL.into_owned()),
            Datatype::Boolean => Some(xsd::BOOLEAN.into_owned()),
            Datatype::Date => Some(xsd::DATE.into_owned()),
            Datatype::Year => Some(xsd::G_YEAR.into_owned()),
            Datatype::Datetime => Some(xsd::DATE_TIME.into_owned()),
            Datatype::Link => p.range.as_ref().and_then(|r| iri(&rdl.classes[r].iri)),
            Datatype::Code => iri(&format!("{}Values", p.iri)),
        };
        if let Some(range) = range.clone() {
            self.add(node.clone(), rdfs::RANGE.into_owned(), range);
        }
        if let Some(unit) = p.unit.as_ref().and_then(|u| iri(&rdl.units[u].iri)) {
            self.add(node.clone(), v(QUDT, "hasUnit"), unit);
        }
        if let (Datatype::Code, Some(scheme)) = (p.datatype, range) {
            // The allowed values, as the concepts of a scheme named after the property.
            self.add(
                scheme.clone(),
                rdf::TYPE.into_owned(),
                v(SKOS, "ConceptScheme"),
            );
            for code in &p.values {
                let Some(concept) = iri(&code.iri) else {
                    continue;
                };
                self.add(concept.clone(), rdf::TYPE.into_owned(), v(SKOS, "Concept"));
                self.add(concept.clone(), v(SKOS, "inScheme"), scheme.clone());
                self.add(
                    concept.clone(),
                    v(SKOS, "notation"),
                    Literal::new_simple_literal(&code.name),
                );
                self.text(&concept, v(SKOS, "prefLabel"), &code.label);
                for alias in code
                    .aliases
                    .iter()
                    .filter(|a| Some(*a) != code.label.as_ref())
                {
                    let alias = Literal::new_simple_literal(alias);
                    self.add(concept.clone(), v(SKOS, "altLabel"), alias);
                }
                if let Some(broader) = code.broader.as_deref().and_then(iri) {
                    self.add(concept.clone(), v(SKOS, "broader"), broader);
                }
            }
        }
    }

    /// A node shape per class with requirements (`sh:minCount 1`), and one per property
    /// with bounds or a pattern, for the things that have it.
    fn shapes(&mut self, rdl: &Rdl, scope: &Scope) {
        for key in &scope.classes {
            let class = &rdl.classes[key];
            let (Some(node), false) = (iri(&class.iri), class.requires.is_empty()) else {
                continue;
            };
            let Some(shape) = iri(&format!("{}Shape", class.iri)) else {
                continue;
            };
            self.add(shape.clone(), rdf::TYPE.into_owned(), v(SH, "NodeShape"));
            self.add(shape.clone(), v(SH, "targetClass"), node);
            for required in &class.requires {
                let Some(path) = iri(&rdl.properties[required].iri) else {
                    continue;
                };
                let property = self.blank();
                self.add(shape.clone(), v(SH, "property"), property.clone());
                self.add(property.clone(), v(SH, "path"), path);
                let one = Literal::new_typed_literal("1", xsd::INTEGER);
                self.add(property, v(SH, "minCount"), one);
            }
        }
        for key in &scope.properties {
            let p = &rdl.properties[key];
            if p.min.is_none() && p.max.is_none() && p.pattern.is_none() && p.max_count.is_none() {
                continue;
            }
            let (Some(path), Some(shape)) = (iri(&p.iri), iri(&format!("{}Shape", p.iri))) else {
                continue;
            };
            self.add(shape.clone(), rdf::TYPE.into_owned(), v(SH, "NodeShape"));
            self.add(shape.clone(), v(SH, "targetSubjectsOf"), path.clone());
            let property = self.blank();
            self.add(shape, v(SH, "property"), property.clone());
            self.add(property.clone(), v(SH, "path"), path);
            if let Some(min) = p.min {
                self.add(property.clone(), v(SH, "minInclusive"), bound(min));
            }
            if let Some(max) = p.max {
                self.add(property.clone(), v(SH, "maxInclusive"), bound(max));
            }
            if let Some(count) = p.max_count {
                let count = Literal::new_typed_literal(count.to_string(), xsd::INTEGER);
                self.add(property.clone(), v(SH, "maxCount"), count);
            }
            if let Some(pattern) = &p.pattern {
                self.add(
                    property,
                    v(SH, "pattern"),
                    Literal::new_simple_literal(pattern),
                );
            }
        }
    }
}

/// A word made safe in an IRI: every byte but letters, digits and `-._~` as `%XX`.
fn percent_encoded(word: &str) -> String {
    word.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                char::from(b).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// The triples as Turtle, with the RDL's prefixes and those of the vocabularies used.
pub fn turtle(rdl: &Rdl, triples: &[Triple]) -> std::io::Result<Vec<u8>> {
    let vocabularies = [
        ("owl", OWL),
        ("qudt", QUDT),
        ("rdf", "http://www.w3.org/1999/02/22-rdf-syntax-ns#"),
        ("rdfs", "http://www.w3.org/2000/01/rdf-schema#"),
        ("sh", SH),
        ("skos", SKOS),
        ("xsd", "http://www.w3.org/2001/XMLSchema#"),
    ];
    let mut bound = BTreeSet::new();
    let prefixes = vocabularies.into_iter().chain(
        rdl.prefixes
            .0
            .iter()
            .map(|(prefix, namespace)| (prefix.as_str(), namespace.as_str())),
    );
    let mut serializer = oxttl::TurtleSerializer::new();
    for (prefix, namespace) in prefixes {
        if bound.insert(namespace) {
            serializer = serializer
                .clone()
                .with_prefix(prefix, namespace)
                .unwrap_or(serializer);
        }
    }
    let mut writer = serializer.for_writer(Vec::new());
    for triple in triples {
        writer.serialize_triple(triple)?;
    }
    writer.finish()
}
