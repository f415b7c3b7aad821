//! The Reference Data Library: the words of the common language. Classes with a hierarchy,
//! properties (datatype, unit, allowed values, range, pattern), and units with their
//! conversion to the base unit of their quantity kind. Loaded from the native YAML form.

mod error;
mod yaml;

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::path::Path;

use serde::Deserialize;

pub use error::RdlError;

use crate::diag::YamlFile;

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
            Self::Code => "code",
            Self::Link => "link",
        })
    }
}

#[derive(Debug, Clone)]
pub struct Unit {
    /// The quantity kind: units convert only within one (kW to W, never kW to m).
    pub quantity: String,
    /// value in the base unit = value × factor + offset.
    pub factor: f64,
    pub offset: f64,
}

#[derive(Debug, Clone)]
pub struct Class {
    pub parents: Vec<String>,
    /// Properties a thing of this class must have (its ancestors' requirements apply too).
    pub requires: Vec<String>,
}

#[derive(Debug, Clone)]
pub struct Property {
    pub datatype: Datatype,
    pub unit: Option<String>,
    /// Allowed values of a code property, with their labels.
    pub values: Vec<(String, Option<String>)>,
    pub min: Option<f64>,
    pub max: Option<f64>,
    pub pattern: Option<String>,
}

/// A loaded, checked RDL.
#[derive(Debug, Clone)]
pub struct Rdl {
    pub namespace: String,
    pub units: BTreeMap<String, Unit>,
    pub classes: BTreeMap<String, Class>,
    pub properties: BTreeMap<String, Property>,
}

impl Rdl {
    pub fn load(path: &Path, display: String) -> Result<Rdl, RdlError> {
        let file = YamlFile::read(path, display)?;
        Self::from_file(file)
    }

    /// Parses and checks an RDL already in memory.
    pub fn from_file(file: YamlFile) -> Result<Rdl, RdlError> {
        yaml::load(file)
    }

    /// The IRI of an RDL term.
    pub fn iri(&self, term: &str) -> String {
        format!("{}{term}", self.namespace)
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
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("rdl/region.yaml");
        Rdl::load(&path, "rdl/region.yaml".into()).expect("the example RDL loads")
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
