//! The Reference Data Library: the words of the common language. Classes with a hierarchy,
//! properties (datatype, unit, allowed values, range, pattern), and units with their
//! conversion to the base unit of their quantity kind. Loaded from the native YAML form.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::path::Path;
use std::sync::Arc;

use miette::{Diagnostic, NamedSource, SourceSpan};
use serde::Deserialize;
use serde::de::{Deserializer, MapAccess, SeqAccess, Visitor};
use serde_saphyr::Spanned;
use thiserror::Error;

use crate::diag::{self, YamlError, YamlFile};

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
    min: Option<f64>,
    max: Option<f64>,
    pattern: Option<Spanned<String>>,
    range: Option<Spanned<String>>,
    #[serde(default)]
    sensitive: bool,
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

#[derive(Debug, Clone)]
pub struct Unit {
    pub label: Option<String>,
    /// The quantity kind: units convert only within one (kW to W, never kW to m).
    pub quantity: String,
    /// value in the base unit = value × factor + offset.
    pub factor: f64,
    pub offset: f64,
}

#[derive(Debug, Clone)]
pub struct Class {
    pub label: Option<String>,
    pub description: Option<String>,
    pub parents: Vec<String>,
    /// Properties a thing of this class must have (its ancestors' requirements apply too).
    pub requires: Vec<String>,
}

#[derive(Debug, Clone)]
pub struct Property {
    pub label: Option<String>,
    pub description: Option<String>,
    pub datatype: Datatype,
    pub unit: Option<String>,
    /// Allowed values of a code property, with their labels.
    pub values: Vec<(String, Option<String>)>,
    pub min: Option<f64>,
    pub max: Option<f64>,
    pub pattern: Option<String>,
    /// The class a link must point to.
    pub range: Option<String>,
    pub sensitive: bool,
}

/// A loaded, checked RDL.
#[derive(Debug, Clone)]
pub struct Rdl {
    pub namespace: String,
    pub file: YamlFile,
    pub units: BTreeMap<String, Unit>,
    pub classes: BTreeMap<String, Class>,
    pub properties: BTreeMap<String, Property>,
}

impl Rdl {
    pub fn load(path: &Path, display: String) -> Result<Rdl, RdlError> {
        let file = YamlFile::read(path, display)?;
        Self::from_file(file)
    }

    pub fn from_file(file: YamlFile) -> Result<Rdl, RdlError> {
        let yaml: RdlYaml = file.load()?;
        let mut problems = Vec::new();
        let at = |l: &serde_saphyr::Location| file.span(l);

        let units: BTreeMap<String, Unit> = yaml
            .units
            .iter()
            .map(|(symbol, u)| {
                if !(u.value.factor.is_finite()
                    && u.value.factor != 0.0
                    && u.value.offset.is_finite())
                {
                    problems.push(RdlError::BadUnit {
                        symbol: symbol.clone(),
                        src: file.source(),
                        span: at(&u.referenced),
                    });
                }
                (
                    symbol.clone(),
                    Unit {
                        label: u.value.label.clone(),
                        quantity: u.value.quantity.clone(),
                        factor: u.value.factor,
                        offset: u.value.offset,
                    },
                )
            })
            .collect();

        let class_names: Vec<&str> = yaml.classes.keys().map(String::as_str).collect();
        let property_names: Vec<&str> = yaml.properties.keys().map(String::as_str).collect();
        // `kind` is singular; the list of known names in the help takes its plural.
        let unknown = |kind: &'static str, name: &str, span: SourceSpan, known: &[&str]| {
            let plural = match kind {
                "class" => "classes",
                "property" => "properties",
                _ => "units",
            };
            RdlError::Unknown {
                kind,
                name: name.to_string(),
                help: diag::suggest(name, known.iter().copied(), plural),
                src: file.source(),
                span,
            }
        };

        let mut classes = BTreeMap::new();
        for (name, class) in &yaml.classes {
            for parent in &class.value.parents {
                if !yaml.classes.contains_key(&parent.value) {
                    problems.push(unknown(
                        "class",
                        &parent.value,
                        at(&parent.referenced),
                        &class_names,
                    ));
                }
            }
            for required in &class.value.requires {
                if !yaml.properties.contains_key(&required.value) {
                    problems.push(unknown(
                        "property",
                        &required.value,
                        at(&required.referenced),
                        &property_names,
                    ));
                }
            }
            classes.insert(
                name.clone(),
                Class {
                    label: class.value.label.clone(),
                    description: class.value.description.clone(),
                    parents: class
                        .value
                        .parents
                        .iter()
                        .map(|p| p.value.clone())
                        .collect(),
                    requires: class
                        .value
                        .requires
                        .iter()
                        .map(|r| r.value.clone())
                        .collect(),
                },
            );
        }

        let unit_names: Vec<&str> = units.keys().map(String::as_str).collect();
        let mut properties = BTreeMap::new();
        for (name, property) in &yaml.properties {
            let p = &property.value;
            let datatype = p.datatype.value;
            if let Some(unit) = &p.unit {
                if !units.contains_key(&unit.value) {
                    problems.push(unknown(
                        "unit",
                        &unit.value,
                        at(&unit.referenced),
                        &unit_names,
                    ));
                }
                if !matches!(datatype, Datatype::Decimal | Datatype::Integer) {
                    problems.push(RdlError::Misfit {
                        what: "a unit".into(),
                        datatype,
                        src: file.source(),
                        span: at(&unit.referenced),
                    });
                }
            }
            if let Some(range) = &p.range {
                if !yaml.classes.contains_key(&range.value) {
                    problems.push(unknown(
                        "class",
                        &range.value,
                        at(&range.referenced),
                        &class_names,
                    ));
                }
                if datatype != Datatype::Link {
                    problems.push(RdlError::Misfit {
                        what: "a range".into(),
                        datatype,
                        src: file.source(),
                        span: at(&range.referenced),
                    });
                }
            }
            let values = p
                .values
                .as_ref()
                .map(|v| v.value.0.clone())
                .unwrap_or_default();
            match (&p.values, datatype) {
                (Some(v), d) if d != Datatype::Code => problems.push(RdlError::Misfit {
                    what: "allowed values".into(),
                    datatype,
                    src: file.source(),
                    span: at(&v.referenced),
                }),
                (None, Datatype::Code) => problems.push(RdlError::NoValues {
                    property: name.clone(),
                    src: file.source(),
                    span: at(&p.datatype.referenced),
                }),
                _ => {}
            }
            if let Some(pattern) = &p.pattern
                && let Err(e) = regex_check(&pattern.value)
            {
                problems.push(RdlError::BadPattern {
                    reason: e,
                    src: file.source(),
                    span: at(&pattern.referenced),
                });
            }
            properties.insert(
                name.clone(),
                Property {
                    label: p.label.clone(),
                    description: p.description.clone(),
                    datatype,
                    unit: p.unit.as_ref().map(|u| u.value.clone()),
                    values,
                    min: p.min,
                    max: p.max,
                    pattern: p.pattern.as_ref().map(|x| x.value.clone()),
                    range: p.range.as_ref().map(|r| r.value.clone()),
                    sensitive: p.sensitive,
                },
            );
        }

        let rdl = Rdl {
            namespace: yaml.namespace.value.clone(),
            file: file.clone(),
            units,
            classes,
            properties,
        };
        for (name, class) in &yaml.classes {
            if rdl.ancestors(name).iter().any(|a| a == name) {
                problems.push(RdlError::Cycle {
                    class: name.clone(),
                    src: file.source(),
                    span: at(&class.referenced),
                });
            }
        }
        if !problems.is_empty() {
            return Err(RdlError::Problems { problems });
        }
        Ok(rdl)
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

    /// Whether `class` is `of` or one of its descendants.
    pub fn is_a(&self, class: &str, of: &str) -> bool {
        class == of || self.ancestors(class).iter().any(|a| a == of)
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

/// Patterns use the syntax of the regex crate, which polars' own string matching uses.
fn regex_check(pattern: &str) -> Result<(), String> {
    regex::Regex::new(pattern)
        .map(|_| ())
        .map_err(|e| e.to_string())
}

#[derive(Debug, Error, Diagnostic)]
pub enum RdlError {
    #[error(transparent)]
    #[diagnostic(transparent)]
    Yaml(#[from] YamlError),

    #[error("{} in the RDL", if .problems.len() == 1 { "1 problem".to_string() } else { format!("{} problems", .problems.len()) })]
    #[diagnostic(code(thinslice::rdl::problems))]
    Problems {
        #[related]
        problems: Vec<RdlError>,
    },

    #[error("unknown {kind} `{name}`")]
    #[diagnostic(code(thinslice::rdl::unknown), help("{help}"))]
    Unknown {
        kind: &'static str,
        name: String,
        help: String,
        #[source_code]
        src: NamedSource<Arc<str>>,
        #[label("not defined in the RDL")]
        span: SourceSpan,
    },

    #[error("a {datatype} property cannot have {what}")]
    #[diagnostic(
        code(thinslice::rdl::misfit),
        help(
            "units go with decimal and integer properties, ranges with links, allowed values with codes"
        )
    )]
    Misfit {
        what: String,
        datatype: Datatype,
        #[source_code]
        src: NamedSource<Arc<str>>,
        #[label("does not fit the datatype")]
        span: SourceSpan,
    },

    #[error("code property `{property}` lists no allowed values")]
    #[diagnostic(code(thinslice::rdl::values), help("add `values: [TermA, TermB]`"))]
    NoValues {
        property: String,
        #[source_code]
        src: NamedSource<Arc<str>>,
        #[label("a code needs its code list")]
        span: SourceSpan,
    },

    #[error("unit `{symbol}` needs a finite, non-zero factor and a finite offset")]
    #[diagnostic(code(thinslice::rdl::unit))]
    BadUnit {
        symbol: String,
        #[source_code]
        src: NamedSource<Arc<str>>,
        #[label("here")]
        span: SourceSpan,
    },

    #[error("the pattern is not a valid regular expression: {reason}")]
    #[diagnostic(code(thinslice::rdl::pattern))]
    BadPattern {
        reason: String,
        #[source_code]
        src: NamedSource<Arc<str>>,
        #[label("here")]
        span: SourceSpan,
    },

    #[error("class `{class}` is its own ancestor")]
    #[diagnostic(code(thinslice::rdl::cycle), help("a class hierarchy cannot loop"))]
    Cycle {
        class: String,
        #[source_code]
        src: NamedSource<Arc<str>>,
        #[label("in a cycle")]
        span: SourceSpan,
    },
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
        assert!(rdl.is_a("PrimarySubstation", "PowerAsset"));
        assert!(!rdl.is_a("Pump", "PowerAsset"));
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
        let RdlError::Problems { problems } = err else {
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
