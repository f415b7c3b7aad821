//! The IES4 pattern (the UK's Information Exchange Standard, `http://ies.data.gov.uk/ontology/ies4#`),
//! as its specification and sample data write things:
//!
//! - an identifier: `<t> ies:isIdentifiedBy <t#id>`, an `ies:Identifier` with its
//!   `ies:representationValue`, `ies:inScheme` an `ies:NamingScheme` that `ies:schemeOwner`
//!   names the organisation of;
//! - a label: `<t> ies:hasName <t#name>`, an `ies:Name` with its `ies:representationValue`;
//! - a quantity: `<t> ies:hasCharacteristic <t#p>`, an `ies:Measure` that `ies:hasValue`
//!   an `ies:MeasureValue` with `ies:representationValue` and `ies:measureUnit`;
//! - a code: a state of the thing, `<t#p> ies:isStateOf <t>`, typed by the code, with an
//!   `ies:BoundingState` that `ies:isStartOf` it `ies:inPeriod` an ISO 8601 period when the
//!   data says when it started.
//!
//! Each node is also typed by a class made from the RDL property (`ratedPower` gives
//! `RatedPower`, a subclass of `ies:Measure`), declared at the top of the file: that is how
//! a reader tells which property a node holds. Node IRIs are the thing's IRI and the
//! property's name, so a rerun writes the same bytes.

use oxrdf::vocab::{rdf, rdfs};
use oxrdf::{Literal, LiteralRef, NamedNode, NamedNodeRef, TermRef, Triple, TripleRef};

use super::triples::{Predicate, Shape};
use crate::mapping::{Mapping, TemplatePart};
use crate::output::Cause;

pub const IES4: &str = "http://ies.data.gov.uk/ontology/ies4#";
pub const ISO8601: &str = "http://iso.org/iso8601#";

macro_rules! ies_terms {
    ($($name:ident = $local:literal),* $(,)?) => {
        $(const $name: NamedNodeRef<'static> =
            NamedNodeRef::new_unchecked(concat!("http://ies.data.gov.uk/ontology/ies4#", $local));)*
    };
}

ies_terms! {
    IDENTIFIER = "Identifier",
    IS_IDENTIFIED_BY = "isIdentifiedBy",
    IN_SCHEME = "inScheme",
    NAMING_SCHEME = "NamingScheme",
    SCHEME_OWNER = "schemeOwner",
    ORGANISATION = "Organisation",
    NAME = "Name",
    HAS_NAME = "hasName",
    REPRESENTATION_VALUE = "representationValue",
    MEASURE = "Measure",
    HAS_CHARACTERISTIC = "hasCharacteristic",
    HAS_VALUE = "hasValue",
    MEASURE_VALUE = "MeasureValue",
    MEASURE_UNIT = "measureUnit",
    UNIT_OF_MEASURE = "UnitOfMeasure",
    STATE = "State",
    IS_STATE_OF = "isStateOf",
    BOUNDING_STATE = "BoundingState",
    IS_START_OF = "isStartOf",
    IN_PERIOD = "inPeriod",
    PARTICULAR_PERIOD = "ParticularPeriod",
    ISO8601_PERIOD_REPRESENTATION = "iso8601PeriodRepresentation",
    RELATIONSHIP = "relationship",
}

/// What the IES4 pattern needs beyond the mapping: the naming scheme of the slice's
/// identifiers and who owns it.
pub(super) struct Ies4 {
    scheme: String,
    owner: Option<String>,
}

/// One value of a property of one thing.
pub(super) struct Value<'v> {
    /// As the entities hold it.
    pub text: &'v str,
    /// As the flat pattern writes it.
    pub object: TermRef<'v>,
    /// Its place among several (a `split` cell), from 1.
    pub index: Option<usize>,
    /// The date (or datetime) a state started on.
    pub start: Option<&'v str>,
}

/// The IRIs of one value's nodes, in buffers reused from thing to thing.
#[derive(Default)]
pub(super) struct Nodes {
    node: String,
    second: String,
    period: String,
}

/// `iri` followed by `#local`, or `-local` when it has a fragment already, and `-N` for
/// the N-th of several values.
fn node_of(out: &mut String, iri: &str, local: &str, index: Option<usize>) {
    out.clear();
    out.push_str(iri);
    out.push(if iri.contains('#') { '-' } else { '#' });
    out.push_str(local);
    if let Some(index) = index {
        out.push('-');
        out.push_str(&index.to_string());
    }
}

/// An IRI's local name: what follows its last `#` or `/`.
pub fn local_name(iri: &str) -> &str {
    iri.rsplit(['#', '/']).next().unwrap_or(iri)
}

/// The class a pattern makes of an RDL property: its IRI with the local name capitalised
/// (`…#ratedPower` gives `…#RatedPower`).
pub fn class_of(property_iri: &str) -> String {
    let local = local_name(property_iri);
    let namespace = &property_iri[..property_iri.len() - local.len()];
    let mut chars = local.chars();
    match chars.next() {
        Some(first) => format!("{namespace}{}{}", first.to_uppercase(), chars.as_str()),
        None => format!("{property_iri}Value"),
    }
}

impl Ies4 {
    /// The scheme is the namespace the mapping's identifier template writes things in
    /// (`https://data.example.org/water/asset/` for `…/asset/{Asset ID}`): the names under
    /// it are the scheme's. A template that starts with a column has none, so the scheme is
    /// named after the source.
    pub(super) fn new(mapping: &Mapping, source: &str, owner: Option<&str>) -> Self {
        let prefix = match mapping.id.parts.first() {
            Some(TemplatePart::Literal(prefix)) if NamedNodeRef::new(prefix).is_ok() => {
                Some(prefix.clone())
            }
            _ => None,
        };
        let scheme = prefix.unwrap_or_else(|| {
            let slug: String = (source.chars())
                .map(|c| match c.is_ascii_alphanumeric() || "-._~".contains(c) {
                    true => c.to_string(),
                    false => c.to_string().bytes().map(|b| format!("%{b:02X}")).collect(),
                })
                .collect();
            format!("urn:thinslice:naming-scheme:{slug}")
        });
        Self {
            scheme,
            owner: owner.map(str::to_string),
        }
    }

    /// The triples written once at the top of a slice's file: the naming scheme and its
    /// owner, the classes made of the properties (with their codes as subclasses of a
    /// state's), the units of measure, the links as IES relationships.
    pub(super) fn header(
        &self,
        predicates: &[Predicate],
        codes: &dyn Fn(&str) -> Vec<String>,
    ) -> Vec<Triple> {
        let mut out: Vec<Triple> = Vec::new();
        let node = |iri: &str| NamedNode::new_unchecked(iri);
        let mut add = |s: &str, p: NamedNodeRef<'_>, o: oxrdf::Term| {
            let triple = Triple::new(node(s), p, o);
            if !out.contains(&triple) {
                out.push(triple);
            }
        };
        let has_identifier = predicates.iter().any(|p| p.shape == Shape::Identifier);
        if has_identifier {
            add(&self.scheme, rdf::TYPE, NAMING_SCHEME.into_owned().into());
            if let Some(owner) = &self.owner {
                add(&self.scheme, SCHEME_OWNER, node(owner).into());
                add(owner, rdf::TYPE, ORGANISATION.into_owned().into());
            }
        }
        for predicate in predicates {
            let parent = match &predicate.shape {
                Shape::Flat if matches!(predicate.object, super::triples::Object::Iri) => {
                    if !predicate.iri.starts_with(IES4) {
                        add(
                            &predicate.iri,
                            rdfs::SUB_PROPERTY_OF,
                            RELATIONSHIP.into_owned().into(),
                        );
                    }
                    continue;
                }
                Shape::Flat => continue,
                Shape::Identifier => IDENTIFIER,
                Shape::Measure { .. } => MEASURE,
                Shape::State { .. } => STATE,
            };
            let class = &predicate.class;
            add(class, rdfs::SUB_CLASS_OF, parent.into_owned().into());
            if let Some(label) = &predicate.label {
                add(
                    class,
                    rdfs::LABEL,
                    Literal::new_simple_literal(label).into(),
                );
            }
            match &predicate.shape {
                Shape::Measure { unit: Some(unit) } => {
                    add(unit, rdf::TYPE, UNIT_OF_MEASURE.into_owned().into());
                }
                Shape::State { .. } => {
                    for code in codes(&predicate.iri) {
                        add(&code, rdfs::SUB_CLASS_OF, node(class).into());
                    }
                }
                _ => {}
            }
        }
        out
    }

    /// A thing's label, as its name.
    pub(super) fn name<F>(
        &self,
        nodes: &mut Nodes,
        subject: NamedNodeRef<'_>,
        label: &str,
        emit: &mut F,
    ) -> Result<(), Cause>
    where
        F: FnMut(TripleRef<'_>) -> Result<(), Cause>,
    {
        node_of(&mut nodes.node, subject.as_str(), "name", None);
        let Ok(name) = NamedNodeRef::new(&nodes.node) else {
            return Ok(());
        };
        emit(TripleRef::new(subject, HAS_NAME, name))?;
        emit(TripleRef::new(name, rdf::TYPE, NAME))?;
        let text = LiteralRef::new_simple_literal(label);
        emit(TripleRef::new(name, REPRESENTATION_VALUE, text))
    }

    /// One value of a property, in the property's shape.
    pub(super) fn value<F>(
        &self,
        nodes: &mut Nodes,
        subject: NamedNodeRef<'_>,
        predicate: &Predicate,
        value: Value<'_>,
        emit: &mut F,
    ) -> Result<(), Cause>
    where
        F: FnMut(TripleRef<'_>) -> Result<(), Cause>,
    {
        let local = local_name(&predicate.iri);
        node_of(&mut nodes.node, subject.as_str(), local, value.index);
        let Ok(node) = NamedNodeRef::new(&nodes.node) else {
            return Ok(());
        };
        let class = NamedNodeRef::new_unchecked(&predicate.class);
        match &predicate.shape {
            Shape::Flat => {}
            Shape::Identifier => {
                emit(TripleRef::new(subject, IS_IDENTIFIED_BY, node))?;
                emit(TripleRef::new(node, rdf::TYPE, IDENTIFIER))?;
                emit(TripleRef::new(node, rdf::TYPE, class))?;
                let text = LiteralRef::new_simple_literal(value.text);
                emit(TripleRef::new(node, REPRESENTATION_VALUE, text))?;
                let scheme = NamedNodeRef::new_unchecked(&self.scheme);
                emit(TripleRef::new(node, IN_SCHEME, scheme))?;
            }
            Shape::Measure { unit } => {
                nodes.second.clear();
                nodes.second.push_str(&nodes.node);
                nodes.second.push_str("-value");
                let measured = NamedNodeRef::new_unchecked(&nodes.second);
                emit(TripleRef::new(subject, HAS_CHARACTERISTIC, node))?;
                emit(TripleRef::new(node, rdf::TYPE, MEASURE))?;
                emit(TripleRef::new(node, rdf::TYPE, class))?;
                emit(TripleRef::new(node, HAS_VALUE, measured))?;
                emit(TripleRef::new(measured, rdf::TYPE, MEASURE_VALUE))?;
                emit(TripleRef::new(measured, REPRESENTATION_VALUE, value.object))?;
                if let Some(unit) = unit {
                    let unit = NamedNodeRef::new_unchecked(unit);
                    emit(TripleRef::new(measured, MEASURE_UNIT, unit))?;
                }
            }
            Shape::State { .. } => {
                let TermRef::NamedNode(code) = value.object else {
                    return Ok(());
                };
                emit(TripleRef::new(node, rdf::TYPE, STATE))?;
                emit(TripleRef::new(node, rdf::TYPE, class))?;
                emit(TripleRef::new(node, rdf::TYPE, code))?;
                emit(TripleRef::new(node, IS_STATE_OF, subject))?;
                if let Some(start) = value.start {
                    self.start((&mut nodes.second, &mut nodes.period), node, start, emit)?;
                }
            }
        }
        Ok(())
    }

    /// The start of a state, in the ISO 8601 period of its date: `iso8601:2003-02-01`.
    fn start<F>(
        &self,
        (bound, period): (&mut String, &mut String),
        state: NamedNodeRef<'_>,
        date: &str,
        emit: &mut F,
    ) -> Result<(), Cause>
    where
        F: FnMut(TripleRef<'_>) -> Result<(), Cause>,
    {
        bound.clear();
        bound.push_str(state.as_str());
        bound.push_str("-start");
        period.clear();
        period.push_str(ISO8601);
        // As IES4's sample data names periods: the ISO 8601 text, `:` escaped
        // (`iso8601:2018-07-23T10%3A00Z`).
        for c in date.chars() {
            match c {
                ':' => period.push_str("%3A"),
                c => period.push(c),
            }
        }
        let (Ok(bound), Ok(period)) = (NamedNodeRef::new(bound), NamedNodeRef::new(period)) else {
            return Ok(());
        };
        emit(TripleRef::new(bound, rdf::TYPE, BOUNDING_STATE))?;
        emit(TripleRef::new(bound, IS_START_OF, state))?;
        emit(TripleRef::new(bound, IN_PERIOD, period))?;
        emit(TripleRef::new(period, rdf::TYPE, PARTICULAR_PERIOD))?;
        let text = LiteralRef::new_simple_literal(date);
        emit(TripleRef::new(period, ISO8601_PERIOD_REPRESENTATION, text))
    }
}

#[cfg(test)]
mod tests {
    use super::{class_of, local_name, node_of};

    #[test]
    fn nodes_and_classes_are_named_from_the_thing_and_the_property() {
        let mut out = String::new();
        node_of(
            &mut out,
            "https://data.example.org/asset/P1",
            "ratedPower",
            None,
        );
        assert_eq!(out, "https://data.example.org/asset/P1#ratedPower");
        node_of(
            &mut out,
            "https://data.example.org/a#P1",
            "ratedPower",
            Some(2),
        );
        assert_eq!(out, "https://data.example.org/a#P1-ratedPower-2");
        assert_eq!(
            local_name("https://rdl.example.org/region#ratedPower"),
            "ratedPower"
        );
        assert_eq!(
            class_of("https://rdl.example.org/region#ratedPower"),
            "https://rdl.example.org/region#RatedPower"
        );
        assert_eq!(
            class_of("http://example.org/terms/état"),
            "http://example.org/terms/État"
        );
    }
}
