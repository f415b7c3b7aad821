//! The things to export, as text in the RDL's terms (values in the RDL's units, codes by
//! their names, links as IRIs): read from the entities a run wrote, or from RDF anyone
//! wrote, flat or in the IES4 pattern.

use std::collections::{BTreeSet, HashMap};
use std::path::Path;

use oxrdf::vocab::{rdf, rdfs};
use oxrdf::{Term, Triple};
use polars::prelude::*;

use super::ExportError;
use crate::columns::{CLASS, ID, LABEL, ORIGIN_COLUMN};
use crate::output::{IES4, class_of};
use crate::rdl::Rdl;

/// A value that could not be read in the RDL's terms, with why.
#[derive(Debug, Clone)]
pub struct Unread {
    pub row: usize,
    pub property: String,
    pub value: String,
    pub reason: String,
}

/// Between the values of a thing that has several of one property (or several labels), in
/// the text columns: a character no value holds.
pub const SEVERAL: char = '\u{1F}';

/// Things as text columns: `id`, `class` (the RDL key), `label`, `_origin`, and one per
/// property asked for (several values joined by [`SEVERAL`]).
pub struct Things {
    pub frame: DataFrame,
    pub unread: Vec<Unread>,
}

fn unreadable(
    path: &Path,
    help: &str,
    source: impl std::error::Error + Send + Sync + 'static,
) -> ExportError {
    ExportError::Unreadable {
        path: path.display().to_string(),
        help: help.to_string(),
        source: Box::new(source),
    }
}

/// Things handed out a batch at a time, so memory holds one batch of cells.
pub enum Batches {
    /// A run's entities, read from its Parquet file a slice of rows at a time.
    Entities(EntityFile),
    /// Things read whole (RDF), handed out in slices.
    Whole { frame: DataFrame, offset: usize },
}

pub struct EntityFile {
    path: std::path::PathBuf,
    /// The columns asked for, and whether the file has each.
    wanted: Vec<(String, bool)>,
    rows: usize,
    offset: usize,
    /// Only things of these classes.
    classes: Option<Vec<String>>,
}

const NOT_WRITTEN_BY_RUN: &str = "run `thinslice run` again: the file is not one it wrote";

impl Batches {
    /// The entities a run wrote for a slice (`out/entities/SLICE.parquet`), the columns
    /// asked for as text, of the classes asked for.
    pub fn entities(
        path: &Path,
        shown: &str,
        properties: &[String],
        classes: Option<&[String]>,
    ) -> Result<Self, ExportError> {
        if !path.is_file() {
            return Err(ExportError::NoEntities {
                path: shown.to_string(),
            });
        }
        let fail = |e| unreadable(path, NOT_WRITTEN_BY_RUN, e);
        let file =
            std::fs::File::open(path).map_err(|e| unreadable(path, NOT_WRITTEN_BY_RUN, e))?;
        let mut reader = ParquetReader::new(file);
        let schema = reader.schema().map_err(fail)?;
        let rows = reader.num_rows().map_err(fail)?;
        let mut wanted: Vec<(String, bool)> = Vec::new();
        let names = [ID, CLASS, LABEL, ORIGIN_COLUMN]
            .into_iter()
            .chain(properties.iter().map(String::as_str));
        for name in names {
            if wanted.iter().all(|(w, _)| w != name) {
                wanted.push((name.to_string(), schema.contains(name)));
            }
        }
        Ok(Self::Entities(EntityFile {
            path: path.to_path_buf(),
            wanted,
            rows,
            offset: 0,
            classes: classes.map(<[String]>::to_vec),
        }))
    }

    /// The next batch of at most `size` things; none when all were handed out.
    pub fn next(&mut self, size: usize) -> Result<Option<DataFrame>, ExportError> {
        match self {
            Self::Whole { frame, offset } => {
                if *offset >= frame.height() {
                    return Ok(None);
                }
                let batch = frame.slice(*offset as i64, size);
                *offset += size;
                Ok(Some(batch))
            }
            Self::Entities(file) => file.next(size),
        }
    }
}

impl EntityFile {
    fn next(&mut self, size: usize) -> Result<Option<DataFrame>, ExportError> {
        if self.offset >= self.rows {
            return Ok(None);
        }
        let path = self.path.clone();
        let fail = |e| unreadable(&path, NOT_WRITTEN_BY_RUN, e);
        let len = size.min(self.rows - self.offset);
        let projection: Vec<String> = (self.wanted.iter())
            .filter(|(_, has)| *has)
            .map(|(n, _)| n.clone())
            .collect();
        let file = std::fs::File::open(&self.path)
            .map_err(|e| unreadable(&path, NOT_WRITTEN_BY_RUN, e))?;
        let read = ParquetReader::new(file)
            .with_columns(Some(projection))
            .with_slice(Some((self.offset, len)))
            .finish()
            .map_err(fail)?;
        self.offset += len;
        let mut columns: Vec<Column> = Vec::new();
        for (name, has) in &self.wanted {
            columns.push(match has {
                true => as_text(read.column(name).map_err(fail)?).map_err(fail)?,
                false => Column::full_null(name.into(), read.height(), &DataType::String),
            });
        }
        let frame = DataFrame::new(read.height(), columns).map_err(fail)?;
        match &self.classes {
            None => Ok(Some(frame)),
            Some(classes) => {
                let class = frame
                    .column(CLASS)
                    .and_then(|c| Ok(c.str()?.clone()))
                    .map_err(fail)?;
                let keep: BooleanChunked = (class.iter())
                    .map(|c| c.is_some_and(|c| classes.iter().any(|k| k == c)))
                    .collect();
                Ok(Some(frame.filter(&keep).map_err(fail)?))
            }
        }
    }
}

/// A column as text: numbers as written, dates ISO, several values joined by `|`.
fn as_text(column: &Column) -> PolarsResult<Column> {
    let name = column.name().clone();
    let frame = DataFrame::new(column.len(), vec![column.clone()])?;
    let expr = match column.dtype() {
        DataType::List(_) => col(name.clone())
            .list()
            .eval(element().cast(DataType::String))
            .list()
            .join(lit(SEVERAL.to_string()), true),
        DataType::Datetime(_, _) => col(name.clone()).dt().strftime("%Y-%m-%dT%H:%M:%S"),
        _ => col(name.clone()).cast(DataType::String),
    };
    let out = frame.lazy().select([expr.alias(name.clone())]).collect()?;
    Ok(out.column(&name)?.clone())
}

/// The classes of the nodes the IES4 pattern writes around a thing: none is a thing.
const PATTERN_NODES: [&str; 10] = [
    "Identifier",
    "Name",
    "Measure",
    "MeasureValue",
    "State",
    "BoundingState",
    "ParticularPeriod",
    "NamingScheme",
    "Organisation",
    "UnitOfMeasure",
];

/// IES4's terms that RDF in its pattern is read by.
fn ies(local: &str) -> String {
    format!("{IES4}{local}")
}

/// Things from RDF: a subject typed with an RDL class is a thing; its values are read from
/// flat triples (`<t> <property> value`) and from IES4's nodes (identifiers, names,
/// measures, states), told apart by the class the pattern makes of each property.
pub fn from_rdf(
    path: &Path,
    shown: &str,
    rdl: &Rdl,
    properties: &[String],
) -> Result<Things, ExportError> {
    let triples = parse(path, shown)?;
    let mut by_subject: HashMap<String, Vec<usize>> = HashMap::new();
    let mut order: Vec<String> = Vec::new();
    let mut states: HashMap<String, Vec<String>> = HashMap::new();
    let is_state_of = ies("isStateOf");
    for (index, triple) in triples.iter().enumerate() {
        let subject = subject_text(triple);
        if triple.predicate.as_str() == is_state_of
            && let Term::NamedNode(thing) = &triple.object
        {
            states
                .entry(thing.as_str().to_string())
                .or_default()
                .push(subject.clone());
        }
        let entry = by_subject.entry(subject.clone()).or_default();
        if entry.is_empty() {
            order.push(subject);
        }
        entry.push(index);
    }
    let reader = Reader::new(rdl, &triples, &by_subject);
    let mut ids = Vec::new();
    let mut classes = Vec::new();
    let mut labels = Vec::new();
    let mut values: Vec<Vec<Option<String>>> = vec![Vec::new(); properties.len()];
    let mut unread = Vec::new();
    for subject in &order {
        let Some(class) = reader.class_of(subject) else {
            continue;
        };
        let row = ids.len();
        let mut found: HashMap<String, Vec<String>> = HashMap::new();
        let mut label: Vec<String> = Vec::new();
        reader.read(
            subject,
            states.get(subject),
            &mut found,
            &mut label,
            &mut |property, value, reason| {
                unread.push(Unread {
                    row,
                    property,
                    value,
                    reason,
                });
            },
        );
        ids.push(subject.clone());
        classes.push(class);
        labels.push((!label.is_empty()).then(|| label.join(&SEVERAL.to_string())));
        for (slot, property) in values.iter_mut().zip(properties) {
            slot.push(found.get(property).map(|v| v.join(&SEVERAL.to_string())));
        }
    }
    let height = ids.len();
    let mut columns = vec![
        Column::new(ID.into(), ids),
        Column::new(CLASS.into(), classes),
        Column::new(LABEL.into(), labels),
        Column::full_null(ORIGIN_COLUMN.into(), height, &DataType::String),
    ];
    for (property, values) in properties.iter().zip(values) {
        if columns.iter().all(|c| c.name().as_str() != property) {
            columns.push(Column::new(property.into(), values));
        }
    }
    let frame = DataFrame::new(height, columns).map_err(|e| unreadable(path, "", e))?;
    Ok(Things { frame, unread })
}

fn subject_text(triple: &Triple) -> String {
    match &triple.subject {
        oxrdf::NamedOrBlankNode::NamedNode(n) => n.as_str().to_string(),
        other => other.to_string(),
    }
}

/// Every triple of an N-Triples or Turtle file; a syntax error is told at its line.
fn parse(path: &Path, shown: &str) -> Result<Vec<Triple>, ExportError> {
    let shown = Path::new(shown);
    let help = "the file must be N-Triples (.nt) or Turtle (.ttl)";
    let text = std::fs::read(path).map_err(|e| {
        let help = "check the path (`rdf:` in the export mapping, or --rdf)";
        unreadable(shown, help, e)
    })?;
    let turtle = path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("ttl"));
    let parsed: Result<Vec<Triple>, _> = match turtle {
        true => oxttl::TurtleParser::new().for_slice(&text).collect(),
        false => oxttl::NTriplesParser::new().for_slice(&text).collect(),
    };
    parsed.map_err(|e| unreadable(shown, help, e))
}

/// The RDL's terms by IRI, and the graph by subject.
struct Reader<'a> {
    rdl: &'a Rdl,
    triples: &'a [Triple],
    by_subject: &'a HashMap<String, Vec<usize>>,
    classes: HashMap<&'a str, &'a str>,
    properties: HashMap<&'a str, &'a str>,
    /// The class the IES4 pattern makes of a property → the property.
    pattern_classes: HashMap<String, &'a str>,
    units: HashMap<&'a str, &'a str>,
}

impl<'a> Reader<'a> {
    fn new(
        rdl: &'a Rdl,
        triples: &'a [Triple],
        by_subject: &'a HashMap<String, Vec<usize>>,
    ) -> Self {
        Self {
            rdl,
            triples,
            by_subject,
            classes: rdl
                .classes
                .iter()
                .map(|(k, c)| (c.iri.as_str(), k.as_str()))
                .collect(),
            properties: rdl
                .properties
                .iter()
                .map(|(k, p)| (p.iri.as_str(), k.as_str()))
                .collect(),
            pattern_classes: rdl
                .properties
                .iter()
                .map(|(k, p)| (class_of(&p.iri), k.as_str()))
                .collect(),
            units: rdl
                .units
                .iter()
                .map(|(k, u)| (u.iri.as_str(), k.as_str()))
                .collect(),
        }
    }

    fn objects(&self, subject: &str, predicate: &str) -> impl Iterator<Item = &'a Term> + '_ {
        let predicate = predicate.to_string();
        (self.by_subject.get(subject).into_iter().flatten())
            .map(|i| &self.triples[*i])
            .filter(move |t| t.predicate.as_str() == predicate)
            .map(|t| &t.object)
    }

    fn types(&self, subject: &str) -> BTreeSet<&'a str> {
        (self.objects(subject, rdf::TYPE.as_str()))
            .filter_map(|o| match o {
                Term::NamedNode(n) => Some(n.as_str()),
                _ => None,
            })
            .collect()
    }

    /// A thing's class: its most specific RDL class (the first by key of those when several
    /// are); none for the nodes of a pattern (identifiers, names, measures, states...).
    fn class_of(&self, subject: &str) -> Option<String> {
        let types = self.types(subject);
        if types
            .iter()
            .any(|t| PATTERN_NODES.iter().any(|local| *t == ies(local)))
        {
            return None;
        }
        let classes: Vec<&str> = (types.iter())
            .filter_map(|t| self.classes.get(t).copied())
            .collect();
        let ancestors: BTreeSet<String> =
            classes.iter().flat_map(|c| self.rdl.ancestors(c)).collect();
        let mut specific: Vec<&str> = classes
            .into_iter()
            .filter(|c| !ancestors.contains(*c))
            .collect();
        specific.sort();
        specific.first().map(|c| c.to_string())
    }

    /// The property a pattern's node holds, by the class the pattern typed it with.
    fn property_of_node(&self, node: &str) -> Option<&'a str> {
        self.types(node)
            .iter()
            .find_map(|t| self.pattern_classes.get(*t).copied())
    }

    fn text(&self, subject: &str, predicate: &str) -> Option<String> {
        self.objects(subject, predicate).find_map(|o| match o {
            Term::Literal(l) => Some(l.value().to_string()),
            Term::NamedNode(n) => Some(n.as_str().to_string()),
            _ => None,
        })
    }

    fn node(term: &Term) -> Option<&str> {
        match term {
            Term::NamedNode(n) => Some(n.as_str()),
            _ => None,
        }
    }

    /// The code name of a code property's IRI.
    fn code(&self, property: &str, iri: &str) -> Option<String> {
        let values = &self.rdl.properties.get(property)?.values;
        values.iter().find(|c| c.iri == iri).map(|c| c.name.clone())
    }

    /// A thing's label and values, by property key; what cannot be read goes to `unread`.
    fn read(
        &self,
        subject: &str,
        states: Option<&Vec<String>>,
        found: &mut HashMap<String, Vec<String>>,
        label: &mut Vec<String>,
        unread: &mut dyn FnMut(String, String, String),
    ) {
        let mut add = |property: &str, value: String| {
            found.entry(property.to_string()).or_default().push(value)
        };
        for index in self.by_subject.get(subject).into_iter().flatten() {
            let triple = &self.triples[*index];
            let predicate = triple.predicate.as_str();
            if predicate == rdfs::LABEL.as_str() {
                if let Term::Literal(l) = &triple.object
                    && !label.iter().any(|known| known == l.value())
                {
                    label.push(l.value().to_string());
                }
                continue;
            }
            if predicate == ies("hasName") {
                let name = Self::node(&triple.object)
                    .and_then(|n| self.text(n, &ies("representationValue")));
                if let Some(name) = name.filter(|n| !label.contains(n)) {
                    label.push(name);
                }
                continue;
            }
            if predicate == ies("isIdentifiedBy") || predicate == ies("hasCharacteristic") {
                let Some(node) = Self::node(&triple.object) else {
                    continue;
                };
                let Some(property) = self.property_of_node(node) else {
                    continue;
                };
                let value = match predicate == ies("hasCharacteristic") {
                    true => self.measure(node, property, unread),
                    false => self.text(node, &ies("representationValue")),
                };
                if let Some(value) = value {
                    add(property, value);
                }
                continue;
            }
            let Some(property) = self.properties.get(predicate).copied() else {
                continue;
            };
            let value = match &triple.object {
                Term::Literal(l) => l.value().to_string(),
                Term::NamedNode(n) => match self.rdl.properties.get(property).map(|p| p.datatype) {
                    Some(crate::rdl::Datatype::Code) => match self.code(property, n.as_str()) {
                        Some(code) => code,
                        None => {
                            unread(
                                property.to_string(),
                                n.as_str().to_string(),
                                "not a value of the property in the RDL".into(),
                            );
                            continue;
                        }
                    },
                    _ => n.as_str().to_string(),
                },
                _ => continue,
            };
            add(property, value);
        }
        for state in states.into_iter().flatten() {
            let Some(property) = self.property_of_node(state) else {
                continue;
            };
            let code = self
                .types(state)
                .iter()
                .find_map(|t| self.code(property, t));
            match code {
                Some(code) => add(property, code),
                None => unread(
                    property.to_string(),
                    state.clone(),
                    "a state typed by no value of the property in the RDL".into(),
                ),
            }
        }
    }

    /// A measure's value in the RDL property's unit, converted from the unit it is given in.
    fn measure(
        &self,
        node: &str,
        property: &str,
        unread: &mut dyn FnMut(String, String, String),
    ) -> Option<String> {
        let value_node = self.objects(node, &ies("hasValue")).find_map(Self::node)?;
        let text = self.text(value_node, &ies("representationValue"))?;
        let rdl = self.rdl;
        let wanted = (rdl.properties.get(property).and_then(|p| p.unit.as_ref()))
            .and_then(|u| rdl.units.get(u));
        let Some(unit) = self
            .objects(value_node, &ies("measureUnit"))
            .find_map(Self::node)
        else {
            // IES4: a measure value without a unit is in a unit not known.
            if wanted.is_some() {
                let reason =
                    "the measure value has no unit (ies:measureUnit): its unit is not known";
                unread(property.to_string(), text, reason.into());
                return None;
            }
            return Some(text);
        };
        let given = self.units.get(unit).and_then(|k| rdl.units.get(*k));
        match (given, wanted) {
            (Some(given), Some(wanted)) if given.iri == wanted.iri => Some(text),
            (Some(given), Some(wanted)) if given.quantity == wanted.quantity => {
                let Ok(number) = text.trim().parse::<f64>() else {
                    unread(property.to_string(), text, "not a number".into());
                    return None;
                };
                let base = number * given.factor + given.offset;
                Some(format!("{}", (base - wanted.offset) / wanted.factor))
            }
            _ => {
                unread(
                    property.to_string(),
                    format!("{text} <{unit}>"),
                    format!(
                        "the unit <{unit}> has no conversion to the property's unit in the RDL"
                    ),
                );
                None
            }
        }
    }
}
