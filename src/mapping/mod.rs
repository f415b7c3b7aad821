//! Mapping files (`mappings/NAME.yaml`): how one slice becomes things described in the RDL's
//! terms. Parsed with spans, then checked against the RDL and the slice's columns before any
//! data is read.

mod compile;
mod template;

use std::collections::BTreeMap;
use std::fmt;
use std::path::Path;
use std::sync::Arc;

use miette::{Diagnostic, NamedSource, SourceSpan};
use serde::Deserialize;
use serde::de::{self, Deserializer, MapAccess, Visitor};
use serde_saphyr::Spanned;
use thiserror::Error;

pub(crate) use compile::STAGED_PREFIX;
pub use compile::{CLASS, Compiled, FailureRule, ID, LABEL, MappedRows, compile, run};
pub use template::{Template, TemplatePart};

use crate::diag::{self, YamlError, YamlFile};
use crate::rdl::{Datatype, Property, Rdl};

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct MappingYaml {
    slice: Spanned<String>,
    class: Spanned<ClassRule>,
    id: Spanned<String>,
    label: Option<Spanned<String>>,
    #[serde(default)]
    properties: BTreeMap<String, Spanned<PropertyYaml>>,
    #[serde(default)]
    links: BTreeMap<String, Spanned<LinkYaml>>,
    #[serde(default)]
    checks: BTreeMap<String, Spanned<CheckYaml>>,
}

/// A custom check: a SQL condition over the slice's columns every thing must satisfy.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct CheckYaml {
    #[serde(rename = "where")]
    condition: Spanned<String>,
    message: String,
    #[serde(default)]
    dimension: Option<Spanned<String>>,
}

/// `class: Pump`, or a class read from a code column.
#[derive(Debug, Clone)]
enum ClassRule {
    Fixed(String),
    FromColumn(ClassMapYaml),
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct ClassMapYaml {
    from: String,
    values: BTreeMap<String, String>,
    #[serde(default)]
    unmapped: Option<String>,
    #[serde(default = "yes")]
    trim: bool,
}

fn yes() -> bool {
    true
}

impl<'de> Deserialize<'de> for ClassRule {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct RuleVisitor;
        impl<'de> Visitor<'de> for RuleVisitor {
            type Value = ClassRule;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a class name, or `{ from: column, values: { code: Class } }`")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<ClassRule, E> {
                Ok(ClassRule::Fixed(v.to_string()))
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<ClassRule, A::Error> {
                ClassMapYaml::deserialize(de::value::MapAccessDeserializer::new(map))
                    .map(ClassRule::FromColumn)
            }
        }
        deserializer.deserialize_any(RuleVisitor)
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct PropertyYaml {
    from: Option<Spanned<String>>,
    value: Option<Spanned<String>>,
    unit: Option<Spanned<String>>,
    #[serde(default)]
    unit_in_value: bool,
    decimal: Option<Spanned<String>>,
    formats: Option<Spanned<Vec<String>>>,
    values: Option<Spanned<BTreeMap<String, String>>>,
    #[serde(default = "yes")]
    trim: bool,
    case: Option<Case>,
    default: Option<Spanned<String>>,
    split: Option<Spanned<String>>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct LinkYaml {
    slice: Spanned<String>,
    id: Spanned<String>,
    split: Option<Spanned<String>>,
}

/// Case normalisation before a value map is applied.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Case {
    Lower,
    Upper,
}

/// What happens to a row whose class code is not in the class map.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Unmapped {
    /// The row becomes no thing; it goes to quarantine with its reason.
    Quarantine,
    /// The row becomes a thing without a class, and the unmapped code is recorded.
    Warn,
    /// The row becomes a thing of this class.
    Fallback(String),
}

#[derive(Debug, Clone)]
pub enum ClassSource {
    Fixed(String),
    Column {
        column: String,
        /// Code (after trimming when `trim`) → class.
        values: BTreeMap<String, String>,
        unmapped: Unmapped,
        trim: bool,
    },
}

/// Where a property's values come from.
#[derive(Debug, Clone, PartialEq)]
pub enum ValueSource {
    Column(String),
    Constant(String),
}

#[derive(Debug, Clone)]
pub struct PropertyRule {
    pub property: String,
    pub source: ValueSource,
    /// The unit of the source values, when it differs from the RDL property's.
    pub unit: Option<String>,
    /// Whether a unit written after the number (`207 kW`) overrides `unit`.
    pub unit_in_value: bool,
    /// The decimal separator of the source (`.` unless told).
    pub decimal: char,
    pub formats: Vec<String>,
    pub values: BTreeMap<String, String>,
    pub trim: bool,
    pub case: Option<Case>,
    pub default: Option<String>,
    /// Multi-valued cells: the separator between values.
    pub split: Option<String>,
}

#[derive(Debug, Clone)]
pub struct LinkRule {
    pub property: String,
    pub slice: String,
    pub id: Template,
    pub split: Option<String>,
}

/// A mapping, parsed and checked against the RDL and its slice.
#[derive(Debug, Clone)]
pub struct Mapping {
    pub name: String,
    pub file: YamlFile,
    pub slice: String,
    pub class: ClassSource,
    pub id: Template,
    pub label: Option<Template>,
    pub properties: Vec<PropertyRule>,
    pub links: Vec<LinkRule>,
    /// Custom checks, by name.
    pub checks: Vec<CustomCheck>,
}

/// A named SQL condition every thing of the slice must satisfy, scored in `dimension`.
#[derive(Debug, Clone)]
pub struct CustomCheck {
    pub name: String,
    pub condition: String,
    pub message: String,
    pub dimension: &'static str,
}

/// What a mapping is checked against: the RDL, its slice's columns, and the other slices.
pub struct Context<'a> {
    pub rdl: &'a Rdl,
    /// The columns of every slice whose source's header could be read, as named in the slice.
    pub slices: &'a BTreeMap<String, Vec<String>>,
    /// Every slice of the workspace, including those whose columns are unknown.
    pub known_slices: &'a [&'a str],
}

impl Mapping {
    pub fn load(path: &Path, display: String, ctx: &Context) -> Result<Mapping, Vec<MappingError>> {
        let file = YamlFile::read(path, display).map_err(|e| vec![e.into()])?;
        let name = path
            .file_stem()
            .and_then(|s| s.to_str())
            .unwrap_or_default()
            .to_string();
        Self::from_file(name, file, ctx)
    }

    /// Parses and checks a mapping; every problem is returned.
    pub fn from_file(
        name: String,
        file: YamlFile,
        ctx: &Context,
    ) -> Result<Mapping, Vec<MappingError>> {
        let yaml: MappingYaml = file.load().map_err(|e| vec![e.into()])?;
        let mut checker = Checker {
            file: &file,
            rdl: ctx.rdl,
            problems: Vec::new(),
        };

        let slice_names: Vec<&str> = ctx.known_slices.to_vec();
        let columns: Vec<String> = match ctx.slices.get(&yaml.slice.value) {
            Some(columns) => columns.clone(),
            // The slice exists but its source could not be read: that is reported already,
            // and the mapping cannot be checked until it is fixed.
            None if slice_names.contains(&yaml.slice.value.as_str()) => return Err(Vec::new()),
            None => {
                checker.problems.push(MappingError::Unknown {
                    kind: "slice",
                    name: yaml.slice.value.clone(),
                    help: diag::suggest(&yaml.slice.value, slice_names.iter().copied(), "slices"),
                    src: file.source(),
                    span: file.span(&yaml.slice.referenced),
                });
                return Err(checker.problems);
            }
        };

        let class = checker.class(&yaml.class, &columns);
        let id = checker.template(&yaml.id, &columns);
        let label = yaml
            .label
            .as_ref()
            .and_then(|l| checker.template(l, &columns));
        let properties: Vec<PropertyRule> = yaml
            .properties
            .iter()
            .filter_map(|(property, rule)| checker.property(property, rule, &columns))
            .collect();
        let links: Vec<LinkRule> = yaml
            .links
            .iter()
            .filter_map(|(property, rule)| checker.link(property, rule, &columns, &slice_names))
            .collect();
        let checks: Vec<CustomCheck> = yaml
            .checks
            .iter()
            .filter_map(|(name, check)| checker.custom(name, check, &columns))
            .collect();

        match (checker.problems.is_empty(), class, id) {
            (true, Some(class), Some(id)) => Ok(Mapping {
                name,
                slice: yaml.slice.value.clone(),
                class,
                id,
                label,
                properties,
                links,
                checks,
                file,
            }),
            _ => Err(checker.problems),
        }
    }

    /// Every class this mapping can give a thing.
    pub fn classes(&self) -> Vec<&str> {
        match &self.class {
            ClassSource::Fixed(class) => vec![class.as_str()],
            ClassSource::Column {
                values, unmapped, ..
            } => {
                let mut classes: Vec<&str> = values.values().map(String::as_str).collect();
                if let Unmapped::Fallback(class) = unmapped {
                    classes.push(class);
                }
                classes.sort_unstable();
                classes.dedup();
                classes
            }
        }
    }
}

/// Collects the problems of one mapping file while turning its YAML into rules.
struct Checker<'a> {
    file: &'a YamlFile,
    rdl: &'a Rdl,
    problems: Vec<MappingError>,
}

impl<'a> Checker<'a> {
    fn span(&self, at: &serde_saphyr::Location) -> SourceSpan {
        self.file.span(at)
    }

    fn unknown(
        &mut self,
        kind: &'static str,
        name: &str,
        span: SourceSpan,
        known: Vec<&str>,
        plural: &str,
    ) {
        self.problems.push(MappingError::Unknown {
            kind,
            name: name.to_string(),
            help: diag::suggest(name, known, plural),
            src: self.file.source(),
            span,
        });
    }

    fn check_class(&mut self, class: &str, span: SourceSpan) -> bool {
        if self.rdl.classes.contains_key(class) {
            return true;
        }
        let known: Vec<&str> = self.rdl.classes.keys().map(String::as_str).collect();
        self.unknown("class", class, span, known, "classes");
        false
    }

    fn check_column(&mut self, column: &str, span: SourceSpan, columns: &[String]) -> bool {
        if columns.iter().any(|c| c == column) {
            return true;
        }
        let at = self.file.sub_span(span, column);
        self.unknown(
            "column",
            column,
            at,
            columns.iter().map(String::as_str).collect(),
            "slice columns",
        );
        false
    }

    fn class(&mut self, rule: &Spanned<ClassRule>, columns: &[String]) -> Option<ClassSource> {
        let span = self.span(&rule.referenced);
        match &rule.value {
            ClassRule::Fixed(class) => self
                .check_class(class, span)
                .then(|| ClassSource::Fixed(class.clone())),
            ClassRule::FromColumn(map) => {
                let mut ok = self.check_column(&map.from, span, columns);
                for class in map.values.values() {
                    let at = self.file.sub_span(span, class);
                    ok &= self.check_class(class, at);
                }
                let unmapped = match map.unmapped.as_deref() {
                    None | Some("quarantine") => Unmapped::Quarantine,
                    Some("warn") => Unmapped::Warn,
                    Some(class) => {
                        let at = self.file.sub_span(span, class);
                        ok &= self.check_class(class, at);
                        Unmapped::Fallback(class.to_string())
                    }
                };
                ok.then(|| ClassSource::Column {
                    column: map.from.clone(),
                    values: map.values.clone(),
                    unmapped,
                    trim: map.trim,
                })
            }
        }
    }

    fn template(&mut self, text: &Spanned<String>, columns: &[String]) -> Option<Template> {
        let span = self.span(&text.referenced);
        match Template::parse(&text.value) {
            Ok(template) => {
                let mut ok = true;
                for column in template.columns() {
                    ok &= self.check_column(column, span, columns);
                }
                ok.then_some(template)
            }
            Err(reason) => {
                self.problems.push(MappingError::Template {
                    reason,
                    src: self.file.source(),
                    span,
                });
                None
            }
        }
    }

    fn property(
        &mut self,
        name: &str,
        rule: &Spanned<PropertyYaml>,
        columns: &[String],
    ) -> Option<PropertyRule> {
        let span = self.span(&rule.referenced);
        let (property, key_span) = self.rdl_property(name, span)?;
        let r = &rule.value;
        if property.datatype == Datatype::Link {
            self.problems.push(MappingError::LinkAsProperty {
                property: name.to_string(),
                src: self.file.source(),
                span: key_span,
            });
            return None;
        }
        let source = match (&r.from, &r.value) {
            (Some(from), None) => {
                if !self.check_column(&from.value, self.span(&from.referenced), columns) {
                    return None;
                }
                ValueSource::Column(from.value.clone())
            }
            (None, Some(value)) => ValueSource::Constant(value.value.clone()),
            _ => {
                self.problems.push(MappingError::FromOrValue {
                    property: name.to_string(),
                    src: self.file.source(),
                    span,
                });
                return None;
            }
        };
        let mut ok = true;
        if let Some(unit) = &r.unit {
            ok &= self.unit(
                name,
                property.unit.as_deref(),
                &unit.value,
                self.span(&unit.referenced),
            );
        } else if r.unit_in_value && property.unit.is_none() {
            ok &= self.misfit("unit_in_value", name, property.datatype, span);
        }
        if let Some(formats) = &r.formats
            && !matches!(property.datatype, Datatype::Date | Datatype::Datetime)
        {
            ok &= self.misfit(
                "formats",
                name,
                property.datatype,
                self.span(&formats.referenced),
            );
        }
        if let Some(values) = &r.values {
            let values_span = self.span(&values.referenced);
            if property.datatype == Datatype::Code {
                let allowed: Vec<&str> = property.values.iter().map(|(v, _)| v.as_str()).collect();
                for target in values.value.values() {
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
        let decimal = match &r.decimal {
            None => '.',
            Some(d) if d.value == "." || d.value == "," => d.value.chars().next().unwrap_or('.'),
            Some(d) => {
                self.problems.push(MappingError::Decimal {
                    value: d.value.clone(),
                    src: self.file.source(),
                    span: self.span(&d.referenced),
                });
                ok = false;
                '.'
            }
        };
        ok.then(|| PropertyRule {
            property: name.to_string(),
            source,
            unit: r.unit.as_ref().map(|u| u.value.clone()),
            unit_in_value: r.unit_in_value,
            decimal,
            formats: r
                .formats
                .as_ref()
                .map(|f| f.value.clone())
                .unwrap_or_default(),
            values: r
                .values
                .as_ref()
                .map(|v| v.value.clone())
                .unwrap_or_default(),
            trim: r.trim,
            case: r.case,
            default: r.default.as_ref().map(|d| d.value.clone()),
            split: r.split.as_ref().map(|s| s.value.clone()),
        })
    }

    fn custom(
        &mut self,
        name: &str,
        check: &Spanned<CheckYaml>,
        columns: &[String],
    ) -> Option<CustomCheck> {
        let c = &check.value;
        let span = self.span(&c.condition.referenced);
        let mut ok = true;
        match crate::slice::compile_condition(&c.condition.value) {
            Ok(expr) => {
                for column in expr.meta().root_names() {
                    ok &= self.check_column(column.as_str(), span, columns);
                }
            }
            Err(reason) => {
                self.problems.push(MappingError::Check {
                    reason,
                    src: self.file.source(),
                    span,
                });
                ok = false;
            }
        }
        let dimension = match &c.dimension {
            None => Some("validity"),
            Some(d) => {
                let known = crate::checks::DIMENSIONS
                    .iter()
                    .find(|k| **k == d.value)
                    .copied();
                if known.is_none() {
                    let at = self.span(&d.referenced);
                    self.unknown(
                        "dimension",
                        &d.value,
                        at,
                        crate::checks::DIMENSIONS.to_vec(),
                        "dimensions",
                    );
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
            }),
            _ => None,
        }
    }

    /// The RDL property a mapping key names, and where the key is written.
    fn rdl_property(&mut self, name: &str, span: SourceSpan) -> Option<(&'a Property, SourceSpan)> {
        let rdl = self.rdl;
        let key_span = self.file.sub_span(span, name);
        match rdl.properties.get(name) {
            Some(property) => Some((property, key_span)),
            None => {
                let known: Vec<&str> = rdl.properties.keys().map(String::as_str).collect();
                self.unknown("property", name, key_span, known, "properties");
                None
            }
        }
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
        let Some(source_unit) = self.rdl.units.get(unit) else {
            let known: Vec<&str> = self.rdl.units.keys().map(String::as_str).collect();
            self.unknown("unit", unit, span, known, "units");
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

    fn link(
        &mut self,
        name: &str,
        rule: &Spanned<LinkYaml>,
        columns: &[String],
        slices: &[&str],
    ) -> Option<LinkRule> {
        let span = self.span(&rule.referenced);
        let (property, key_span) = self.rdl_property(name, span)?;
        if property.datatype != Datatype::Link {
            self.problems.push(MappingError::NotALink {
                property: name.to_string(),
                datatype: property.datatype,
                src: self.file.source(),
                span: key_span,
            });
            return None;
        }
        let target = &rule.value.slice;
        let mut ok = true;
        if !slices.contains(&target.value.as_str()) {
            self.unknown(
                "slice",
                &target.value,
                self.span(&target.referenced),
                slices.to_vec(),
                "slices",
            );
            ok = false;
        }
        let id = self.template(&rule.value.id, columns);
        if let (Some(split), Some(id)) = (&rule.value.split, &id)
            && id.columns().count() != 1
        {
            self.problems.push(MappingError::SplitTemplate {
                src: self.file.source(),
                span: self.span(&split.referenced),
            });
            ok = false;
        }
        match (ok, id) {
            (true, Some(id)) => Some(LinkRule {
                property: name.to_string(),
                slice: target.value.clone(),
                id,
                split: rule.value.split.as_ref().map(|s| s.value.clone()),
            }),
            _ => None,
        }
    }
}

#[derive(Debug, Error, Diagnostic)]
pub enum MappingError {
    #[error(transparent)]
    #[diagnostic(transparent)]
    Yaml(#[from] YamlError),

    #[error("unknown {kind} `{name}`")]
    #[diagnostic(code(thinslice::mapping::unknown), help("{help}"))]
    Unknown {
        kind: &'static str,
        name: String,
        help: String,
        #[source_code]
        src: NamedSource<Arc<str>>,
        #[label("not found")]
        span: SourceSpan,
    },

    #[error("`{value}` is not an allowed value of `{property}`")]
    #[diagnostic(code(thinslice::mapping::not_allowed), help("{help}"))]
    NotAllowed {
        value: String,
        property: String,
        help: String,
        #[source_code]
        src: NamedSource<Arc<str>>,
        #[label("not in the RDL's code list")]
        span: SourceSpan,
    },

    #[error(
        "unit `{unit}` measures {quantity}, but `{property}` is in {target}, which measures {target_quantity}"
    )]
    #[diagnostic(
        code(thinslice::mapping::quantity),
        help("name the unit the source values are in; it must measure {target_quantity}")
    )]
    WrongQuantity {
        unit: String,
        quantity: String,
        property: String,
        target: String,
        target_quantity: String,
        #[source_code]
        src: NamedSource<Arc<str>>,
        #[label("wrong kind of unit")]
        span: SourceSpan,
    },

    #[error("`{property}` has no unit in the RDL, so its values cannot be converted")]
    #[diagnostic(
        code(thinslice::mapping::unitless),
        help("remove `unit`, or give the property a unit in the RDL")
    )]
    UnitlessProperty {
        property: String,
        #[source_code]
        src: NamedSource<Arc<str>>,
        #[label("nothing to convert to")]
        span: SourceSpan,
    },

    #[error("`{key}` does not fit `{property}`, a {datatype} property")]
    #[diagnostic(
        code(thinslice::mapping::misfit),
        help("`formats` are for dates, `unit` and `unit_in_value` for quantities")
    )]
    Misfit {
        key: String,
        property: String,
        datatype: Datatype,
        #[source_code]
        src: NamedSource<Arc<str>>,
        #[label("not for this datatype")]
        span: SourceSpan,
    },

    #[error("`{property}` is a link: map it under `links`, with its target slice")]
    #[diagnostic(code(thinslice::mapping::link_as_property))]
    LinkAsProperty {
        property: String,
        #[source_code]
        src: NamedSource<Arc<str>>,
        #[label("a link")]
        span: SourceSpan,
    },

    #[error("`{property}` is a {datatype} property, not a link")]
    #[diagnostic(
        code(thinslice::mapping::not_a_link),
        help("map it under `properties`")
    )]
    NotALink {
        property: String,
        datatype: Datatype,
        #[source_code]
        src: NamedSource<Arc<str>>,
        #[label("not a link")]
        span: SourceSpan,
    },

    #[error("`{property}` needs either `from: column` or `value: constant`")]
    #[diagnostic(code(thinslice::mapping::from_or_value))]
    FromOrValue {
        property: String,
        #[source_code]
        src: NamedSource<Arc<str>>,
        #[label("one of the two")]
        span: SourceSpan,
    },

    #[error("`decimal` is `.` or `,`, not `{value}`")]
    #[diagnostic(code(thinslice::mapping::decimal))]
    Decimal {
        value: String,
        #[source_code]
        src: NamedSource<Arc<str>>,
        #[label("here")]
        span: SourceSpan,
    },

    #[error("`split` on a link needs an identifier template with exactly one column")]
    #[diagnostic(
        code(thinslice::mapping::split),
        help("the column holding several targets is the one the template reads")
    )]
    SplitTemplate {
        #[source_code]
        src: NamedSource<Arc<str>>,
        #[label("which column holds the targets?")]
        span: SourceSpan,
    },

    #[error("the check's condition does not parse: {reason}")]
    #[diagnostic(
        code(thinslice::mapping::check),
        help("write a SQL condition over the slice's columns, as in a slice's `where`")
    )]
    Check {
        reason: String,
        #[source_code]
        src: NamedSource<Arc<str>>,
        #[label("in this condition")]
        span: SourceSpan,
    },

    #[error("mapping {mapping} could not be run: {reason}")]
    #[diagnostic(code(thinslice::mapping::run))]
    Run { mapping: String, reason: String },

    #[error("bad identifier template: {reason}")]
    #[diagnostic(
        code(thinslice::mapping::template),
        help(
            "write column names in braces: `https://data.example.org/asset/{{Asset ID}}`; `{{{{` for a literal brace"
        )
    )]
    Template {
        reason: String,
        #[source_code]
        src: NamedSource<Arc<str>>,
        #[label("here")]
        span: SourceSpan,
    },
}
