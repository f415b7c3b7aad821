//! `exports/NAME.yaml`: how things in the RDL's terms become one organisation's own table.
//! Every key is checked against the RDL before any data is read, at its line and column.

use std::collections::{BTreeMap, HashMap};
use std::fmt;

use serde::Deserialize;
use serde_saphyr::{Location, Spanned};

use super::ExportError;
use crate::diag::{self, Term, Where, YamlFile};
use crate::rdl::{Datatype, Rdl};

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ExportYaml {
    /// A slice of the workspace, whose things the last run wrote.
    from: Option<Spanned<String>>,
    /// Or RDF from anyone: N-Triples or Turtle, flat or IES4.
    rdf: Option<Spanned<String>>,
    /// Only things of this class (or a subclass).
    class: Option<Spanned<String>>,
    file: Spanned<FileYaml>,
    columns: Spanned<Ordered<Spanned<ColumnYaml>>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileYaml {
    path: Spanned<String>,
    delimiter: Option<Spanned<String>>,
    encoding: Option<Spanned<String>>,
    sheet: Option<Spanned<String>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct ColumnYaml {
    pub(super) from: Spanned<String>,
    pub(super) unit: Option<Spanned<String>>,
    pub(super) decimal: Option<Spanned<String>>,
    pub(super) format: Option<Spanned<String>>,
    pub(super) values: Option<Spanned<Ordered<String>>>,
    pub(super) id: Option<Spanned<String>>,
    pub(super) template: Option<Spanned<String>>,
    pub(super) split: Option<Spanned<String>>,
}

/// A YAML mapping in the order it is written (a table's columns are in that order).
#[derive(Debug)]
pub(super) struct Ordered<T>(pub(super) Vec<(String, T)>);

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Ordered<T> {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visitor<T>(std::marker::PhantomData<T>);
        impl<'de, T: Deserialize<'de>> serde::de::Visitor<'de> for Visitor<T> {
            type Value = Ordered<T>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a mapping of names to values")
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                mut map: A,
            ) -> Result<Self::Value, A::Error> {
                let mut entries = Vec::new();
                while let Some(entry) = map.next_entry::<String, T>()? {
                    entries.push(entry);
                }
                Ok(Ordered(entries))
            }
        }
        deserializer.deserialize_map(Visitor(std::marker::PhantomData))
    }
}

/// Where the things come from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Input {
    /// The entities a run wrote for this slice.
    Slice(String),
    /// An RDF file, relative to the workspace.
    Rdf(String),
}

/// The file written, under `out/exports/`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TableKind {
    Csv,
    Xlsx,
    Parquet,
}

#[derive(Debug, Clone)]
pub struct Target {
    /// Relative to `out/exports/`.
    pub path: String,
    pub kind: TableKind,
    pub delimiter: u8,
    /// Whether a CSV file is written in Windows-1252 (else UTF-8).
    pub windows_1252: bool,
    pub sheet: String,
}

/// What one column holds.
#[derive(Debug, Clone)]
pub enum Source {
    /// The thing's IRI, or the part of it a template's one `{column}` stands for.
    Id(Option<(String, String)>),
    /// The label, or the part of it a template's one `{column}` stands for.
    Label(Option<(String, String)>),
    /// The thing's class, through `values` (class key → the organisation's code) when given.
    Class(Option<BTreeMap<String, String>>),
    Property(PropertyColumn),
}

/// A date format (chrono's `strftime`) as written, and parsed once for every cell it
/// writes (parsing it again for each cell was a tenth of an export).
#[derive(Debug, Clone)]
pub struct DateFormat {
    pub written: String,
    /// None when chrono cannot read it: no date is written with it.
    items: Option<Vec<chrono::format::Item<'static>>>,
}

impl DateFormat {
    pub fn new(written: &str) -> Self {
        let items = chrono::format::StrftimeItems::new(written).parse_to_owned();
        Self {
            written: written.to_string(),
            items: items.ok(),
        }
    }

    /// `date` as the format writes it; None where the format asks for what the value has
    /// not (a time of a date, a time zone).
    pub fn write(&self, date: chrono::NaiveDateTime, with_time: bool) -> Option<String> {
        use std::fmt::Write;
        let items = self.items.as_ref()?.iter();
        let mut out = String::new();
        let written = match with_time {
            true => write!(out, "{}", date.format_with_items(items)),
            false => write!(out, "{}", date.date().format_with_items(items)),
        };
        written.ok().map(|_| out)
    }
}

#[derive(Debug, Clone)]
pub struct PropertyColumn {
    /// The RDL property's key.
    pub property: String,
    pub datatype: Datatype,
    /// (factor, offset) from the property's unit to the column's: column = (base − offset) / factor,
    /// base = value × property factor + property offset.
    pub unit: Option<UnitChange>,
    pub decimal: char,
    /// A date's format (chrono's `strftime`); ISO when none.
    pub format: Option<DateFormat>,
    /// A code's reverse map: RDL code → the organisation's code.
    pub values: Option<HashMap<String, String>>,
    /// A link's target written as its key: the template's text before and after `{…}`.
    pub key: Option<(String, String)>,
    /// Several values of a thing written in one cell, with this between them.
    pub split: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct UnitChange {
    pub from_factor: f64,
    pub from_offset: f64,
    pub to_factor: f64,
    pub to_offset: f64,
}

#[derive(Debug, Clone)]
pub struct Column {
    pub name: String,
    pub source: Source,
}

/// A checked export mapping.
#[derive(Debug, Clone)]
pub struct ExportSpec {
    pub name: String,
    pub input: Input,
    /// Class keys accepted (the class named and its subclasses); none: every thing.
    pub classes: Option<Vec<String>>,
    pub target: Target,
    pub columns: Vec<Column>,
}

/// Checks one export mapping against the RDL and the workspace's slices.
pub struct Checker<'a> {
    file: &'a YamlFile,
    pub(super) rdl: &'a Rdl,
    problems: Vec<ExportError>,
}

impl<'a> Checker<'a> {
    pub(super) fn problem(&mut self, at: &Location, message: String, help: String) {
        self.problems.push(ExportError::Invalid {
            message,
            help,
            src: self.file.source(),
            span: self.file.span(at),
        });
    }

    /// An RDL term's key, or a problem with a did-you-mean.
    pub(super) fn resolve(&mut self, kind: Term, name: &Spanned<String>) -> Option<String> {
        match self.rdl.resolve(kind, &name.value) {
            Ok(key) => Some(key.to_string()),
            Err(_) => {
                let known: Vec<&str> = match kind {
                    Term::Class => self.rdl.classes.keys().map(String::as_str).collect(),
                    Term::Property => self.rdl.properties.keys().map(String::as_str).collect(),
                    _ => self.rdl.units.keys().map(String::as_str).collect(),
                };
                let help = diag::suggest(&name.value, known.iter().copied(), "terms");
                let message = format!("unknown {kind} `{}`", name.value);
                self.problem(&name.referenced, message, help);
                None
            }
        }
    }
}

impl ExportSpec {
    /// Reads and checks `file` (named `name`) against `rdl`; `slices`: the workspace's.
    pub fn load(
        file: &YamlFile,
        name: &str,
        rdl: &Rdl,
        slices: &[&str],
        root: &std::path::Path,
    ) -> Result<Self, ExportError> {
        let yaml: ExportYaml = file.load()?;
        let mut checker = Checker {
            file,
            rdl,
            problems: Vec::new(),
        };
        let input = checker.input(&yaml, slices, root);
        let classes = yaml.class.as_ref().and_then(|class| {
            let key = checker.resolve(Term::Class, class)?;
            let mut under: Vec<String> = (rdl.classes.keys())
                .filter(|c| *c == &key || rdl.ancestors(c).contains(&key))
                .cloned()
                .collect();
            under.sort();
            Some(under)
        });
        let target = checker.target(&yaml.file);
        let mut columns = Vec::new();
        let mut seen: Vec<&str> = Vec::new();
        for (name, column) in &yaml.columns.value.0 {
            if seen.contains(&name.as_str()) {
                checker.problem(
                    &column.referenced,
                    format!("column `{name}` is written twice"),
                    "name each column once".into(),
                );
            }
            seen.push(name);
            if let Some(source) = checker.column(&column.value) {
                columns.push(Column {
                    name: name.clone(),
                    source,
                });
            }
        }
        if yaml.columns.value.0.is_empty() {
            checker.problem(
                &yaml.columns.referenced,
                "no columns".into(),
                "name the table's columns and what each holds: `Feeder: { from: assetIdentifier }`"
                    .into(),
            );
        }
        match (input, target, checker.problems.is_empty()) {
            (Some(input), Some(target), true) => Ok(Self {
                name: name.to_string(),
                input,
                classes,
                target,
                columns,
            }),
            _ => Err(diag::problems(
                checker.problems,
                Where::BeforeData,
                ExportError::Problems,
            )),
        }
    }
}

impl Checker<'_> {
    fn input(
        &mut self,
        yaml: &ExportYaml,
        slices: &[&str],
        root: &std::path::Path,
    ) -> Option<Input> {
        match (&yaml.from, &yaml.rdf) {
            (Some(from), None) => {
                if slices.contains(&from.value.as_str()) {
                    return Some(Input::Slice(from.value.clone()));
                }
                let help = diag::suggest(&from.value, slices.iter().copied(), "slices");
                self.problem(
                    &from.referenced,
                    format!("unknown slice `{}`", from.value),
                    help,
                );
                None
            }
            (None, Some(rdf)) => {
                let lower = rdf.value.to_lowercase();
                if [".nt", ".ttl"].iter().any(|e| lower.ends_with(e)) {
                    if !root.join(&rdf.value).is_file() {
                        let message = format!("no file `{}`", rdf.value);
                        let help = "the path is relative to the workspace folder".to_string();
                        self.problem(&rdf.referenced, message, help);
                        return None;
                    }
                    return Some(Input::Rdf(rdf.value.clone()));
                }
                let help = "export reads N-Triples (`.nt`) or Turtle (`.ttl`)".to_string();
                self.problem(
                    &rdf.referenced,
                    format!("`{}` is not an RDF file", rdf.value),
                    help,
                );
                None
            }
            (Some(_), Some(rdf)) => {
                let help = "say `from: SLICE` for this workspace's things, or `rdf: FILE` for RDF received".to_string();
                self.problem(&rdf.referenced, "both `from` and `rdf`".into(), help);
                None
            }
            (None, None) => {
                let help = "say `from: SLICE` for this workspace's things, or `rdf: FILE` for RDF received".to_string();
                self.problem(
                    &yaml.file.referenced,
                    "where the things come from is not said".into(),
                    help,
                );
                None
            }
        }
    }

    fn target(&mut self, file: &Spanned<FileYaml>) -> Option<Target> {
        let yaml = &file.value;
        let path = &yaml.path.value;
        let inside = !path.is_empty()
            && !std::path::Path::new(path).is_absolute()
            && !path
                .split(['/', '\\'])
                .any(|part| part == ".." || part.is_empty());
        if !inside {
            let help = "a file name such as `feeders.csv`: exports are written under the output folder's `exports/`".into();
            self.problem(
                &yaml.path.referenced,
                format!("`{path}` is not a path inside the exports folder"),
                help,
            );
            return None;
        }
        let lower = path.to_lowercase();
        let kind = match lower.rsplit('.').next() {
            Some("csv") => TableKind::Csv,
            Some("xlsx") => TableKind::Xlsx,
            Some("parquet") => TableKind::Parquet,
            _ => {
                let help = "end the name with `.csv`, `.xlsx` or `.parquet`".into();
                self.problem(
                    &yaml.path.referenced,
                    format!("`{path}` is no table format export writes"),
                    help,
                );
                return None;
            }
        };
        let delimiter = match yaml.delimiter.as_ref() {
            None => b',',
            Some(d) => match d.value.as_str() {
                "\\t" | "tab" | "\t" => b'\t',
                other
                    if other.len() == 1
                        && kind == TableKind::Csv
                        && !matches!(other, "\"" | "\n" | "\r") =>
                {
                    other.as_bytes()[0]
                }
                _ => {
                    self.problem(
                        &d.referenced,
                        format!("`{}` cannot be a CSV delimiter", d.value),
                        "one ASCII character, for a CSV file".into(),
                    );
                    b','
                }
            },
        };
        let windows_1252 = match yaml.encoding.as_ref() {
            None => false,
            Some(e) => match e.value.to_lowercase().as_str() {
                "utf-8" | "utf8" => false,
                "windows-1252" | "cp1252" if kind == TableKind::Csv => true,
                _ => {
                    self.problem(
                        &e.referenced,
                        format!("encoding `{}` is not one export writes", e.value),
                        "`utf-8` or `windows-1252`, for a CSV file".into(),
                    );
                    false
                }
            },
        };
        if let (Some(sheet), false) = (&yaml.sheet, kind == TableKind::Xlsx) {
            self.problem(
                &sheet.referenced,
                "`sheet` is for an .xlsx file".into(),
                "remove it, or write an .xlsx file".into(),
            );
        }
        Some(Target {
            path: path.clone(),
            kind,
            delimiter,
            windows_1252,
            sheet: yaml
                .sheet
                .as_ref()
                .map_or_else(|| "Sheet1".to_string(), |s| s.value.clone()),
        })
    }
}
