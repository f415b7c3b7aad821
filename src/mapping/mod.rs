//! Mapping files (`mappings/NAME.yaml`): how one slice becomes things described in the RDL's
//! terms. Parsed with spans, then checked against the RDL and the slice's columns before any
//! data is read.

mod apply;
mod codes;
mod compile;
mod dates;
mod error;
#[cfg(test)]
pub(crate) mod fixtures;
mod joined;
mod links;
mod lookup;
mod tables;
mod template;
mod text;
mod validate;
mod values;
mod yaml;

use std::collections::BTreeMap;
use std::path::Path;

use miette::SourceSpan;
use serde::Deserialize;

pub use apply::{MappedRows, apply, cell_column, failed_cell, quarantine_reason};
pub use codes::ValueMap;
pub use compile::{Compiled, compile};
pub use error::MappingError;
pub use joined::join;
pub use joined::{Absent, Joined, Kept};
pub use lookup::{Attributes, Lookup};
pub use tables::Tables;
pub use template::{Template, TemplatePart};
pub use values::normalised_text;

use crate::diag::{self, Term, YamlFile};
use crate::quality::Dimension;
use crate::rdl::Rdl;
use lookup::Reach;
use validate::Validator;
use yaml::MappingYaml;

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
        values: ValueMap,
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
    /// The column holding each value's unit, when the source gives one per row.
    pub unit_from: Option<String>,
    /// The decimal separator of the source (`.` unless told).
    pub decimal: char,
    pub formats: Vec<String>,
    pub values: ValueMap,
    pub trim: bool,
    pub case: Option<Case>,
    pub default: Option<String>,
    /// Multi-valued cells: the separator between values.
    pub split: Option<String>,
    /// Texts that mean "no value" for this property (trimmed).
    pub nulls: Vec<String>,
    /// The kind of sensitive data its values are: the mapping's word, else the RDL's.
    pub sensitive: Option<crate::rdl::Sensitivity>,
}

#[derive(Debug, Clone)]
pub struct LinkRule {
    /// The link as the mapping names it (its key under `links`).
    pub name: String,
    pub property: String,
    /// The slices whose things it may point at (a space or a floor, say).
    pub slices: Vec<String>,
    /// Where its target slices are written, for a problem found across mappings.
    pub span: SourceSpan,
    pub id: Template,
    pub split: Option<String>,
}

/// A mapping, parsed and checked against the RDL and its slice.
#[derive(Debug, Clone)]
pub struct Mapping {
    pub file: YamlFile,
    pub slice: String,
    pub class: ClassSource,
    pub id: Template,
    pub label: Option<Template>,
    pub properties: Vec<PropertyRule>,
    pub links: Vec<LinkRule>,
    /// Custom checks, by name.
    pub checks: Vec<CustomCheck>,
    /// Slices whose things are this slice's things too (described from another angle), so
    /// their identifiers may meet.
    pub same_things_as: Vec<String>,
    /// The columns of other slices read through links, as hidden columns of each batch.
    pub lookups: Vec<Lookup>,
    /// Properties read from a long table of attributes.
    pub attributes: Option<Attributes>,
}

/// A named SQL condition every thing of the slice must satisfy, scored in `dimension`.
#[derive(Debug, Clone)]
pub struct CustomCheck {
    pub name: String,
    pub condition: String,
    pub message: String,
    pub dimension: Dimension,
    /// Where the condition is written, for an error it meets on the data.
    pub span: SourceSpan,
}

/// What a mapping is checked against: the RDL, its slice's columns, and the other slices.
pub struct Scope<'a> {
    pub rdl: &'a Rdl,
    /// The columns of every slice whose source's header could be read, as named in the slice.
    pub slices: &'a BTreeMap<String, Vec<String>>,
    /// Every slice of the workspace, including those whose columns are unknown.
    pub known_slices: &'a [&'a str],
    /// Where code lists (`values_from`) are read; None where no data may be read.
    pub tables: Option<&'a dyn Tables>,
}

impl Mapping {
    pub fn load(path: &Path, display: String, scope: &Scope) -> Result<Mapping, Vec<MappingError>> {
        let file = YamlFile::read(path, display).map_err(|e| vec![e.into()])?;
        Self::from_file(file, scope)
    }

    /// Parses and checks a mapping; every problem is returned.
    pub fn from_file(file: YamlFile, scope: &Scope) -> Result<Mapping, Vec<MappingError>> {
        let yaml: MappingYaml = file.load().map_err(|e| vec![e.into()])?;
        let mut validator = Validator {
            file: &file,
            rdl: scope.rdl,
            tables: scope.tables,
            slice: &yaml.slice.value,
            problems: Vec::new(),
        };

        let slice_names: Vec<&str> = scope.known_slices.to_vec();
        let columns: Vec<String> = match scope.slices.get(&yaml.slice.value) {
            Some(columns) => columns.clone(),
            // The slice exists but its source could not be read: that is reported already,
            // and the mapping cannot be checked until it is fixed.
            None if slice_names.contains(&yaml.slice.value.as_str()) => return Err(Vec::new()),
            None => {
                validator.problems.push(MappingError::Unknown {
                    kind: Term::Slice,
                    name: yaml.slice.value.clone(),
                    help: diag::suggest(
                        &yaml.slice.value,
                        slice_names.iter().copied(),
                        Term::Slice.plural(),
                    ),
                    src: file.source(),
                    span: file.span(&yaml.slice.referenced),
                });
                return Err(validator.problems);
            }
        };

        // Links first: what the rest reads through them depends on them.
        let links: Vec<LinkRule> = yaml
            .links
            .iter()
            .filter_map(|(property, rule)| validator.link(property, rule, &columns, &slice_names))
            .collect();
        // Their problems are told in the file's order, after the properties'.
        let link_problems = std::mem::take(&mut validator.problems);
        let mut reach = Reach::new(&columns, &links, scope);
        let mut attributes = yaml
            .from_attributes
            .as_ref()
            .map(|a| validator.attributes(a, &columns, scope));
        let class = validator.class(&yaml.class, &reach.columns, &links);
        let id = validator.template(&yaml.id, &columns, true);
        let label = yaml
            .label
            .as_ref()
            .and_then(|l| validator.template(l, &reach.columns, false));
        let properties: Vec<PropertyRule> = yaml
            .properties
            .iter()
            .filter_map(|(property, rule)| {
                validator.property(property, rule, &reach.columns, &links, attributes.as_mut())
            })
            .collect();
        validator.problems.extend(link_problems);
        let checks: Vec<CustomCheck> = yaml
            .checks
            .iter()
            .filter_map(|(name, check)| validator.custom(name, check, &columns))
            .collect();

        let same_things_as: Vec<String> = yaml
            .same_things_as
            .iter()
            .filter(|other| validator.slice(other, &slice_names))
            .map(|other| other.value.clone())
            .collect();

        match (validator.problems.is_empty(), class, id) {
            (true, Some(class), Some(id)) => {
                let mut mapping = Mapping {
                    slice: yaml.slice.value.clone(),
                    class,
                    id,
                    label,
                    properties,
                    links,
                    checks,
                    same_things_as,
                    lookups: Vec::new(),
                    attributes: attributes.flatten(),
                    file,
                };
                mapping.read_lookups(&mut reach);
                Ok(mapping)
            }
            _ => Err(validator.problems),
        }
    }

    /// Points the rules that read a column through a link at its hidden column, and keeps
    /// the lookups they need.
    fn read_lookups(&mut self, reach: &mut Reach) {
        if let ClassSource::Column { column, .. } = &mut self.class {
            *column = reach.frame_column(column);
        }
        if let Some(label) = &mut self.label {
            for part in &mut label.parts {
                if let TemplatePart::Column(column) = part {
                    *column = reach.frame_column(column);
                }
            }
        }
        for rule in &mut self.properties {
            if let ValueSource::Column(column) = &mut rule.source {
                *column = reach.frame_column(column);
            }
            if let Some(column) = &mut rule.unit_from {
                *column = reach.frame_column(column);
            }
        }
        self.lookups = std::mem::take(&mut reach.used);
    }

    /// The slices this mapping needs read before its own: those its links point into (for
    /// their things) and its attributes slice.
    pub fn needs(&self) -> Vec<&str> {
        let mut slices: Vec<&str> = (self.links.iter())
            .flat_map(|l| l.slices.iter().map(String::as_str))
            .collect();
        slices.extend(self.attributes.as_ref().map(|a| a.slice.as_str()));
        slices
    }

    /// Every class this mapping can give a thing.
    pub fn classes(&self) -> Vec<&str> {
        match &self.class {
            ClassSource::Fixed(class) => vec![class.as_str()],
            ClassSource::Column {
                values, unmapped, ..
            } => {
                let mut classes: Vec<&str> = values.terms().map(String::as_str).collect();
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
