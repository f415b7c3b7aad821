//! The Reference Data Library: the words of the common language. Classes with a hierarchy,
//! properties (datatype, unit, allowed values, range, pattern), and units with their
//! conversion to the base unit of their quantity kind. Read from layers, first to last: the
//! native YAML, and published ontologies, code lists, units and shapes in RDF (Turtle,
//! N-Triples, RDF/XML). Every term keeps its own IRI.

pub mod browse;
pub mod diff;
mod error;
pub mod export;
mod layer;
mod names;
mod rdf;
mod table;
mod vocabulary;
mod yaml;

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::path::{Path, PathBuf};

use serde::Deserialize;

pub use error::RdlError;
pub use layer::Names;
pub use names::{Prefixes, Unresolved};
pub use table::{TableColumns, TableKind, TableLayer};

use crate::diag::{Term, YamlFile};

/// A property's minimum or maximum: a number (in its unit; a year), or a date (for dates
/// and datetimes).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Bound {
    Number(f64),
    Date(chrono::NaiveDate),
}

impl Bound {
    /// A bound as a text writes it: a number, or an ISO date.
    pub fn parse(text: &str) -> Option<Bound> {
        let text = text.trim();
        if let Ok(number) = text.parse::<f64>() {
            return number.is_finite().then_some(Bound::Number(number));
        }
        chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d")
            .ok()
            .map(Bound::Date)
    }

    pub fn number(self) -> Option<f64> {
        match self {
            Bound::Number(n) => Some(n),
            Bound::Date(_) => None,
        }
    }

    /// Whether it bounds values of `datatype`.
    pub fn fits(self, datatype: Datatype) -> bool {
        match self {
            Bound::Number(_) => {
                matches!(
                    datatype,
                    Datatype::Decimal | Datatype::Integer | Datatype::Year
                )
            }
            Bound::Date(_) => matches!(datatype, Datatype::Date | Datatype::Datetime),
        }
    }

    /// Whether `self` as a minimum is above `max`, so that no value passes.
    pub fn above(self, max: Bound) -> bool {
        match (self, max) {
            (Bound::Number(a), Bound::Number(b)) => a > b,
            (Bound::Date(a), Bound::Date(b)) => a > b,
            _ => false,
        }
    }
}

impl fmt::Display for Bound {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Bound::Number(n) => write!(f, "{n}"),
            Bound::Date(d) => write!(f, "{}", d.format("%Y-%m-%d")),
        }
    }
}

impl<'de> Deserialize<'de> for Bound {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct BoundVisitor;
        impl serde::de::Visitor<'_> for BoundVisitor {
            type Value = Bound;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a number, or a date written 2024-03-01")
            }
            fn visit_f64<E: serde::de::Error>(self, v: f64) -> Result<Bound, E> {
                Ok(Bound::Number(v))
            }
            fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<Bound, E> {
                Ok(Bound::Number(v as f64))
            }
            fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<Bound, E> {
                Ok(Bound::Number(v as f64))
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Bound, E> {
                let shaped_as_a_date = v.len() == 10
                    && v.bytes().enumerate().all(|(i, b)| match i {
                        4 | 7 => b == b'-',
                        _ => b.is_ascii_digit(),
                    });
                Bound::parse(v).ok_or_else(|| match shaped_as_a_date {
                    true => E::custom(format!("`{v}` is not a day of the calendar")),
                    false => E::custom(format!(
                        "`{v}` is neither a number nor a date written 2024-03-01"
                    )),
                })
            }
        }
        deserializer.deserialize_any(BoundVisitor)
    }
}

/// The datatypes a property's values can have.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Datatype {
    String,
    Integer,
    Decimal,
    Boolean,
    Date,
    Datetime,
    /// A year on its own (`xsd:gYear`): `1998`, read from a year or a date.
    Year,
    /// One of the property's allowed values (RDL terms).
    Code,
    /// A reference to another thing, of the property's range class.
    Link,
}

impl fmt::Display for Datatype {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::String => "string",
            Self::Integer => "integer",
            Self::Decimal => "decimal",
            Self::Boolean => "boolean",
            Self::Date => "date",
            Self::Datetime => "datetime",
            Self::Year => "year",
            Self::Code => "code",
            Self::Link => "link",
        })
    }
}

#[derive(Debug, Clone)]
pub struct Unit {
    pub iri: String,
    pub label: Option<String>,
    /// Symbols and codes it is also written by (`kW`, UCUM's `Cel`).
    pub aliases: Vec<String>,
    /// The quantity kind (or, for published units, the dimension vector): units convert
    /// only within one (kW to W, never kW to m).
    pub quantity: String,
    /// value in the base unit = value × factor + offset.
    pub factor: f64,
    pub offset: f64,
}

#[derive(Debug, Clone)]
pub struct Class {
    pub iri: String,
    pub label: Option<String>,
    pub description: Option<String>,
    /// Where it is defined: `file:line`.
    pub defined: String,
    /// Keys of its parent classes.
    pub parents: Vec<String>,
    /// Properties a thing of this class must have (its ancestors' requirements apply too).
    pub requires: Vec<String>,
}

/// An allowed value of a code property.
#[derive(Debug, Clone, PartialEq)]
pub struct Code {
    /// How mappings and data write it: its name in the YAML, a concept's notation (or local
    /// name) in a SKOS scheme.
    pub name: String,
    pub iri: String,
    pub label: Option<String>,
    /// Other words that name it (a concept's preferred labels in every language and its
    /// alternative labels): a source value written so is read as the code.
    pub aliases: Vec<String>,
    /// The IRI of the code it is narrower than (`skos:broader`).
    pub broader: Option<String>,
}

#[derive(Debug, Clone)]
pub struct Property {
    pub iri: String,
    pub label: Option<String>,
    pub description: Option<String>,
    /// Where it is defined: `file:line`.
    pub defined: String,
    /// Keys of the classes whose things it describes (`rdfs:domain`); none said, any.
    pub domain: Vec<String>,
    pub datatype: Datatype,
    /// Key of its unit.
    pub unit: Option<String>,
    /// Allowed values of a code property.
    pub values: Vec<Code>,
    /// Key of the class a link's things must be.
    pub range: Option<String>,
    pub min: Option<Bound>,
    pub max: Option<Bound>,
    pub pattern: Option<String>,
    /// How many values a thing may have (`sh:maxCount`); a `split` value with more fails.
    pub max_count: Option<u64>,
    /// What kind of sensitive data its values are, when they are: the share policy says
    /// what shared outputs do with them.
    pub sensitive: Option<Sensitivity>,
}

/// The annotation that carries a property's sensitivity in the RDL as RDF (`rdl export
/// turtle` writes it, the RDF layers read it): `<p> <urn:thinslice:sensitive> "personal"`.
pub const SENSITIVE: &str = "urn:thinslice:sensitive";

/// The kinds of data that must not leave in clear (`sensitive:` on a property).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Sensitivity {
    /// Written `false`: not sensitive.
    None,
    /// About people (`true` says this too).
    Personal,
    /// An organisation's intellectual assets.
    Commercial,
    /// What would help harm the asset (locations of critical sites, say).
    Security,
}

impl std::fmt::Display for Sensitivity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::None => "not sensitive",
            Self::Personal => "personal",
            Self::Commercial => "commercial",
            Self::Security => "security",
        })
    }
}

impl Sensitivity {
    /// As the RDL's RDF writes it.
    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "personal" | "true" => Some(Self::Personal),
            "commercial" => Some(Self::Commercial),
            "security" => Some(Self::Security),
            _ => None,
        }
    }
}

impl<'de> serde::Deserialize<'de> for Sensitivity {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl serde::de::Visitor<'_> for Visitor {
            type Value = Sensitivity;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("`true`, `false`, `personal`, `commercial` or `security`")
            }
            fn visit_bool<E: serde::de::Error>(self, v: bool) -> Result<Sensitivity, E> {
                Ok(if v {
                    Sensitivity::Personal
                } else {
                    Sensitivity::None
                })
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Sensitivity, E> {
                match v {
                    "personal" => Ok(Sensitivity::Personal),
                    "commercial" => Ok(Sensitivity::Commercial),
                    "security" => Ok(Sensitivity::Security),
                    other => Err(E::invalid_value(serde::de::Unexpected::Str(other), &self)),
                }
            }
        }
        deserializer.deserialize_any(Visitor)
    }
}

/// A loaded, checked RDL. Terms are keyed by the shortest unambiguous name (see
/// [`names`]).
#[derive(Debug, Clone)]
pub struct Rdl {
    /// Prefix → namespace, from the files and `thinslice.yaml`.
    pub prefixes: Prefixes,
    pub units: BTreeMap<String, Unit>,
    pub classes: BTreeMap<String, Class>,
    pub properties: BTreeMap<String, Property>,
    /// How written names find the terms.
    pub names: Names,
    /// What is odd but usable, said by `lint`.
    pub warnings: Vec<String>,
    /// Keys of the top classes of the layers marked `foundation: true`: a class reaching one
    /// is grounded. Empty when no layer is the foundation.
    pub foundation: Vec<String>,
}

/// The formats an RDL layer can be read from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum RdlFormat {
    Yaml,
    Turtle,
    #[serde(rename = "ntriples")]
    NTriples,
    #[serde(rename = "rdfxml")]
    RdfXml,
    /// A classification table or data dictionary, read as a source (see [`TableLayer`]).
    #[serde(skip)]
    Table,
}

impl RdlFormat {
    /// The format a file's extension says.
    pub fn from_path(path: &Path) -> Option<Self> {
        let extension = path.extension()?.to_str()?.to_ascii_lowercase();
        Some(match extension.as_str() {
            "yaml" | "yml" => Self::Yaml,
            "ttl" | "turtle" => Self::Turtle,
            "nt" => Self::NTriples,
            "rdf" | "owl" | "xml" => Self::RdfXml,
            _ => return None,
        })
    }
}

/// One file of a layered RDL.
#[derive(Debug, Clone)]
pub struct LayerFile {
    pub path: PathBuf,
    /// How messages name it.
    pub display: String,
    pub format: RdlFormat,
    /// The foundation model: terms are grounded when their classes reach its top classes.
    pub foundation: bool,
    /// For a table layer: its source and the roles of its columns.
    pub table: Option<Box<TableLayer>>,
}

impl Rdl {
    /// One RDL file in the native YAML.
    pub fn load(path: &Path, display: String) -> Result<Rdl, RdlError> {
        let file = YamlFile::read(path, display)?;
        Self::from_file(file)
    }

    /// Parses and checks an RDL already in memory.
    pub fn from_file(file: YamlFile) -> Result<Rdl, RdlError> {
        let draft = yaml::draft(&file, &Prefixes::default())?;
        layer::compose(vec![draft], Prefixes::default())
    }

    /// The layers, first to last, with the prefixes `thinslice.yaml` declares; every
    /// problem of every layer is reported together.
    pub fn load_layers(layers: &[LayerFile], prefixes: Prefixes) -> Result<Rdl, RdlError> {
        let each = layers.iter().map(|layer| {
            move |known: &Prefixes| {
                let drafted = match &layer.table {
                    Some(table) => table::draft(table),
                    None => YamlFile::read(&layer.path, layer.display.clone())
                        .map_err(RdlError::from)
                        .and_then(|file| match layer.format {
                            RdlFormat::Yaml => yaml::draft(&file, known),
                            format => rdf::draft(&file, format),
                        }),
                };
                (drafted, layer.foundation)
            }
        });
        Self::compose_layers(each, prefixes)
    }

    /// Layers whose texts are in memory (an RDL that ships inside the program), each with
    /// its format and whether it is the foundation, first to last.
    pub fn from_texts(
        layers: Vec<(YamlFile, RdlFormat, bool)>,
        prefixes: Prefixes,
    ) -> Result<Rdl, RdlError> {
        let each = layers.into_iter().map(|(file, format, foundation)| {
            move |known: &Prefixes| {
                let drafted = match format {
                    RdlFormat::Yaml => yaml::draft(&file, known),
                    format => rdf::draft(&file, format),
                };
                (drafted, foundation)
            }
        });
        Self::compose_layers(each, prefixes)
    }

    /// Drafts each layer with the prefixes the layers before it declared, then composes
    /// them; every problem of every layer is reported together.
    fn compose_layers<F>(each: impl Iterator<Item = F>, prefixes: Prefixes) -> Result<Rdl, RdlError>
    where
        F: FnOnce(&Prefixes) -> (Result<layer::Draft, RdlError>, bool),
    {
        let mut known = prefixes.clone();
        let mut drafts = Vec::new();
        let mut failed = Vec::new();
        for draft_layer in each {
            let (drafted, foundation) = draft_layer(&known);
            let drafted = drafted.map(|mut draft| {
                draft.foundation = foundation;
                draft
            });
            match drafted {
                Ok(draft) => {
                    for (prefix, namespace) in &draft.prefixes {
                        known.add(prefix, namespace);
                    }
                    drafts.push(draft);
                }
                Err(e) => failed.push(e),
            }
        }
        let composed = layer::compose(drafts, prefixes);
        if failed.is_empty() {
            return composed;
        }
        // The layers that could not be read first, then what the others have wrong.
        match composed {
            Ok(_) => {}
            Err(RdlError::Problems(problems)) => failed.extend(problems.problems),
            Err(other) => failed.push(other),
        }
        Err(crate::diag::problems(
            failed,
            crate::diag::Where::Rdl,
            RdlError::Problems,
        ))
    }

    /// The IRI of a class or property, by its key.
    pub fn iri(&self, term: &str) -> String {
        self.classes
            .get(term)
            .map(|c| c.iri.clone())
            .or_else(|| self.properties.get(term).map(|p| p.iri.clone()))
            .unwrap_or_else(|| term.to_string())
    }

    /// The key of the class, property or unit a name is written for: its key, IRI, CURIE,
    /// or an unambiguous local name (or, for units, symbol).
    pub fn resolve(&self, kind: Term, name: &str) -> Result<&str, Unresolved> {
        let index = match kind {
            Term::Class => &self.names.classes,
            Term::Property => &self.names.properties,
            _ => &self.names.units,
        };
        index.resolve(name, &self.prefixes)
    }

    /// Every ancestor of a class, nearest first, each once (a cycle stops the walk).
    pub fn ancestors(&self, class: &str) -> Vec<String> {
        let mut seen = BTreeSet::new();
        let mut order = Vec::new();
        let mut queue: Vec<String> = self
            .classes
            .get(class)
            .map(|c| c.parents.clone())
            .unwrap_or_default();
        while !queue.is_empty() {
            let next = queue.remove(0);
            if seen.insert(next.clone()) {
                if let Some(c) = self.classes.get(&next) {
                    queue.extend(c.parents.iter().cloned());
                }
                order.push(next);
            }
        }
        order
    }

    /// The properties required of a thing of `class`, its own and its ancestors', sorted.
    pub fn required(&self, class: &str) -> Vec<String> {
        let mut required: BTreeSet<String> = BTreeSet::new();
        for name in std::iter::once(class.to_string()).chain(self.ancestors(class)) {
            if let Some(c) = self.classes.get(&name) {
                required.extend(c.requires.iter().cloned());
            }
        }
        required.into_iter().collect()
    }

    /// The classes without parents: the top of the hierarchy.
    pub fn roots(&self) -> Vec<&str> {
        self.classes
            .iter()
            .filter(|(_, c)| c.parents.is_empty())
            .map(|(n, _)| n.as_str())
            .collect()
    }

    /// Whether a class reaches a top class of the foundation layers (itself or an ancestor).
    pub fn grounded(&self, class: &str) -> bool {
        let reaches = |c: &str| self.foundation.iter().any(|top| top == c);
        reaches(class) || self.ancestors(class).iter().any(|a| reaches(a))
    }

    /// How to convert a value in unit `from` to unit `to`: `to = from × scale + shift`.
    /// None when either is unknown or they measure different quantities.
    pub fn conversion(&self, from: &str, to: &str) -> Option<(f64, f64)> {
        let (f, t) = (self.units.get(from)?, self.units.get(to)?);
        if f.quantity != t.quantity {
            return None;
        }
        // base = v × f.factor + f.offset; to = (base − t.offset) / t.factor
        Some((f.factor / t.factor, (f.offset - t.offset) / t.factor))
    }
}

#[cfg(test)]
mod layered_tests;

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;

    fn rdl(text: &str) -> Result<Rdl, RdlError> {
        Rdl::from_file(YamlFile::from_text(
            PathBuf::from("r.yaml"),
            "rdl.yaml".into(),
            text,
        ))
    }

    fn example() -> Rdl {
        let layer = |name: &str, format, foundation| LayerFile {
            path: Path::new(env!("CARGO_MANIFEST_DIR")).join(name),
            display: name.to_string(),
            format,
            foundation,
            table: None,
        };
        let layers = [
            layer("rdl/foundation.ttl", RdlFormat::Turtle, true),
            layer("rdl/region.yaml", RdlFormat::Yaml, false),
        ];
        Rdl::load_layers(&layers, Prefixes::default()).expect("the example RDL loads")
    }

    #[test]
    fn the_example_rdl_has_a_hierarchy_with_inherited_requirements() {
        let rdl = example();
        assert_eq!(rdl.roots(), ["Thing"]);
        assert_eq!(
            rdl.ancestors("Pump"),
            ["WaterAsset", "Asset", "PhysicalObject", "Thing"]
        );
        assert!(
            rdl.ancestors("PrimarySubstation")
                .contains(&"PowerAsset".to_string())
        );
        assert_eq!(rdl.required("Pump"), ["operationalState", "ratedPower"]);
        assert_eq!(rdl.iri("Pump"), "https://rdl.example.org/region#Pump");
        assert!(rdl.classes.len() >= 24, "{}", rdl.classes.len());
    }

    #[test]
    fn units_convert_within_a_quantity_only() {
        let rdl = example();
        assert_eq!(rdl.conversion("kW", "W"), Some((1000.0, 0.0)));
        assert_eq!(rdl.conversion("mm", "m"), Some((0.001, 0.0)));
        let (scale, shift) = rdl.conversion("degC", "K").expect("temperature");
        assert!((20.0 * scale + shift - 293.15).abs() < 1e-9);
        let (scale, shift) = rdl.conversion("bar", "kPa").expect("pressure");
        assert!((2.5 * scale + shift - 250.0).abs() < 1e-9);
        assert_eq!(rdl.conversion("kW", "m"), None);
        assert_eq!(rdl.conversion("hp", "W"), None);
    }

    proptest::proptest! {
        /// Converting a value to another unit of its quantity and back gives the value again.
        #[test]
        fn unit_conversions_round_trip(value in -1.0e6f64..1.0e6, a in 0usize..20, b in 0usize..20) {
            let rdl = example();
            let symbols: Vec<&String> = rdl.units.keys().collect();
            let (from, to) = (symbols[a % symbols.len()], symbols[b % symbols.len()]);
            if let (Some((s1, o1)), Some((s2, o2))) = (rdl.conversion(from, to), rdl.conversion(to, from)) {
                let back = (value * s1 + o1) * s2 + o2;
                proptest::prop_assert!((back - value).abs() <= 1e-9 * value.abs().max(1.0), "{from} -> {to}: {value} -> {back}");
            } else {
                proptest::prop_assert_ne!(&rdl.units[from].quantity, &rdl.units[to].quantity);
            }
        }
    }

    #[test]
    fn every_problem_of_an_rdl_is_reported_with_a_suggestion() {
        let err = rdl(
            "namespace: https://x#\nunits: { W: { quantity: power } }\nclasses:\n  A: { parents: [Thng] }\n  Thing: {}\n  L: { parents: [L] }\nproperties:\n  p: { datatype: decimal, unit: kW }\n  s: { datatype: code }\n  r: { datatype: string, range: Thing }\n",
        )
        .unwrap_err();
        let RdlError::Problems(crate::diag::Problems { problems, .. }) = err else {
            panic!("expected problems, got {err:?}")
        };
        let messages: Vec<String> = problems.iter().map(|p| p.to_string()).collect();
        assert_eq!(
            messages,
            [
                "unknown class `Thng`",
                "unknown unit `kW`",
                "a string property cannot have a range",
                "code property `s` lists no allowed values",
                "class `L` is its own ancestor",
            ]
        );
        let RdlError::Unknown { help, .. } = &problems[0] else {
            panic!("expected an unknown class")
        };
        assert_eq!(help, "did you mean `Thing`?");
    }
}
