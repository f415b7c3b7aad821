//! RDL layers kept as tables: classification tables and data dictionaries in CSV or a
//! workbook sheet, read as a source of the workspace (so encodings, header rows and sheets
//! work as for data), with the role of each column declared in the layer's entry.

use std::collections::{BTreeMap, BTreeSet};

use polars::prelude::*;
use serde::Deserialize;

use super::layer::{At, ClassDraft, Draft, PropertyDraft, Ref, UnitDraft, Values};
use super::{Code, Datatype, RdlError};
use crate::columns::ROW_COLUMN;
use crate::diag::ConfigSpan;
use crate::progress::Silent;
use crate::source::{Origin, Source};

/// What a table holds, one term a row.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TableKind {
    Classes,
    Properties,
    Units,
    /// Pick-lists: allowed values of code properties, a row a value.
    Values,
}

/// Which column holds what; only `code` is needed.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TableColumns {
    pub code: String,
    pub label: Option<String>,
    pub description: Option<String>,
    /// Classes: the parent's code or label (or a CURIE of another layer).
    pub parent: Option<String>,
    /// Properties: string, integer, decimal, boolean, date, datetime, code or link, or an
    /// XSD datatype.
    pub datatype: Option<String>,
    pub unit: Option<String>,
    /// Properties: the class whose things have it.
    pub domain: Option<String>,
    /// Units: the quantity kind, the factor and offset to its base unit, a symbol.
    pub quantity: Option<String>,
    pub factor: Option<String>,
    pub offset: Option<String>,
    pub symbol: Option<String>,
    /// Values: the property whose allowed value the row is.
    pub property: Option<String>,
}

/// A table layer: the source it is read from and what its columns mean.
#[derive(Debug, Clone)]
pub struct TableLayer {
    pub source: Source,
    pub kind: TableKind,
    /// The IRI namespace of the table's terms: a code `Pr_20` is `{namespace}Pr_20`.
    pub namespace: String,
    pub columns: TableColumns,
    /// Classes: a code's parent is the longest code of the table it begins with, cut at this
    /// separator (`Pr_20_93` under `Pr_20`).
    pub parent_by_prefix: Option<String>,
    /// Where the layer is written in `thinslice.yaml`.
    pub config: ConfigSpan,
}

/// The table's rows as text, by column, with where each row came from.
struct Rows {
    columns: BTreeMap<String, Vec<Option<String>>>,
    rows: Vec<u64>,
    origin: Origin,
}

impl Rows {
    fn get(&self, column: &Option<String>, row: usize) -> Option<&str> {
        let values = self.columns.get(column.as_ref()?)?;
        values
            .get(row)?
            .as_deref()
            .map(str::trim)
            .filter(|v| !v.is_empty())
    }
}

/// Reads a table layer into its draft.
pub(super) fn draft(table: &TableLayer) -> Result<Draft, RdlError> {
    let rows = read(table)?;
    let c = &table.columns;
    let codes: Vec<Option<&str>> = (0..rows.rows.len())
        .map(|row| rows.get(&Some(c.code.clone()), row))
        .collect();
    let reader = Reader {
        table,
        rows: &rows,
        at: At {
            src: table.config.src.clone(),
            span: table.config.span,
        },
        known: codes.iter().flatten().copied().collect(),
        by_label: (0..rows.rows.len())
            .filter_map(|row| Some((rows.get(&c.label, row)?, codes[row]?)))
            .collect(),
    };
    let mut draft = Draft::default();
    for (row, code) in codes.iter().enumerate() {
        let Some(code) = code else { continue };
        match table.kind {
            TableKind::Classes => draft.classes.push(reader.class(row, code)),
            TableKind::Properties => draft.properties.push(reader.property(row, code)?),
            TableKind::Units => draft.units.push(reader.unit(row, code)?),
            TableKind::Values => draft.properties.push(reader.value(row, code)?),
        }
    }
    Ok(draft)
}

/// Turns a table's rows into terms.
struct Reader<'a> {
    table: &'a TableLayer,
    rows: &'a Rows,
    /// The layer's entry in `thinslice.yaml`, where references it makes are said to be.
    at: At,
    /// The table's codes.
    known: BTreeSet<&'a str>,
    /// Label → code, for parents given by label.
    by_label: BTreeMap<&'a str, &'a str>,
}

impl Reader<'_> {
    fn iri(&self, code: &str) -> String {
        format!("{}{code}", self.table.namespace)
    }

    fn text(&self, column: &Option<String>, row: usize) -> Option<String> {
        self.rows.get(column, row).map(str::to_string)
    }

    /// A name the table writes in a cell: a problem with it is shown at the cell
    /// (`rdl/dictionary.csv:3 (Unit)`, `book.xlsx:Terms!D3`).
    fn reference(&self, name: &str, row: usize, column: &Option<String>) -> Ref {
        let column = column.as_deref().unwrap_or(&self.table.columns.code);
        let place = match self.rows.origin.cell(self.rows.rows[row], column) {
            cell if cell == self.rows.origin.row(self.rows.rows[row]) => {
                format!("{cell} ({column})")
            }
            cell => cell,
        };
        let cell = crate::diag::YamlFile::from_text(Default::default(), place, name);
        Ref {
            name: name.to_string(),
            at: At {
                src: cell.source(),
                span: (0, name.len()).into(),
            },
        }
    }

    fn place(&self, row: usize) -> Option<String> {
        Some(self.rows.origin.row(self.rows.rows[row]))
    }

    fn class(&self, row: usize, code: &str) -> ClassDraft {
        let c = &self.table.columns;
        let parent = match self.rows.get(&c.parent, row) {
            Some(p) if self.known.contains(p) => Some(self.iri(p)),
            // By label, else as written: a CURIE or IRI of another layer.
            Some(p) => Some(
                self.by_label
                    .get(p)
                    .map_or(p.to_string(), |code| self.iri(code)),
            ),
            None => self
                .table
                .parent_by_prefix
                .as_deref()
                .and_then(|separator| prefix_parent(code, separator, &self.known))
                .map(|p| self.iri(p)),
        };
        ClassDraft {
            iri: self.iri(code),
            local: code.to_string(),
            label: self.text(&c.label, row),
            description: self.text(&c.description, row),
            parents: parent
                .iter()
                .map(|p| self.reference(p, row, &c.parent))
                .collect(),
            requires: Vec::new(),
            at: self.at.clone(),
            place: self.place(row),
        }
    }

    /// A property with only its name and place; the kinds of table fill the rest.
    fn bare_property(&self, row: usize, iri: String, local: &str) -> PropertyDraft {
        PropertyDraft {
            iri,
            local: local.to_string(),
            label: None,
            description: None,
            domain: Vec::new(),
            datatype: None,
            unit: None,
            values: None,
            range: None,
            min: None,
            max: None,
            pattern: None,
            parent: None,
            at: self.at.clone(),
            place: self.place(row),
            sensitive: None,
        }
    }

    fn property(&self, row: usize, code: &str) -> Result<PropertyDraft, RdlError> {
        let c = &self.table.columns;
        let datatype = match self.rows.get(&c.datatype, row).map(parse_datatype) {
            Some(Some(d)) => Some(d),
            Some(None) => return Err(self.bad_value(row, c.datatype.as_deref(), "a datatype")),
            None => None,
        };
        Ok(PropertyDraft {
            label: self.text(&c.label, row),
            description: self.text(&c.description, row),
            domain: self
                .rows
                .get(&c.domain, row)
                .map(|d| self.reference(d, row, &c.domain))
                .into_iter()
                .collect(),
            datatype,
            unit: self
                .rows
                .get(&c.unit, row)
                .map(|u| self.reference(u, row, &c.unit)),
            ..self.bare_property(row, self.iri(code), code)
        })
    }

    fn unit(&self, row: usize, code: &str) -> Result<UnitDraft, RdlError> {
        let c = &self.table.columns;
        let number = |column: &Option<String>, default: f64| -> Result<f64, RdlError> {
            match self.rows.get(column, row) {
                None => Ok(default),
                Some(text) => text
                    .parse()
                    .map_err(|_| self.bad_value(row, column.as_deref(), "a number")),
            }
        };
        Ok(UnitDraft {
            iri: self.iri(code),
            local: code.to_string(),
            label: self.text(&c.label, row),
            aliases: self.text(&c.symbol, row).into_iter().collect(),
            quantity: self.rows.get(&c.quantity, row).unwrap_or(code).to_string(),
            factor: number(&c.factor, 1.0)?,
            offset: number(&c.offset, 0.0)?,
        })
    }

    /// A pick-list row: one allowed value of a code property.
    fn value(&self, row: usize, code: &str) -> Result<PropertyDraft, RdlError> {
        let c = &self.table.columns;
        let Some(property) = self.rows.get(&c.property, row) else {
            return Err(self.bad_value(row, c.property.as_deref(), "a property"));
        };
        let iri = if property.contains(':') {
            property.to_string()
        } else {
            self.iri(property)
        };
        let code = Code {
            name: code.to_string(),
            iri: self.iri(code),
            label: self.text(&c.label, row),
            aliases: Vec::new(),
            broader: None,
        };
        Ok(PropertyDraft {
            datatype: Some(Datatype::Code),
            values: Some(Values::Listed(vec![code])),
            ..self.bare_property(row, iri, property)
        })
    }

    /// A value of the table that is not what its column must hold, at its cell.
    fn bad_value(&self, row: usize, column: Option<&str>, expected: &str) -> RdlError {
        let column = column.unwrap_or_default();
        let value = self
            .rows
            .get(&Some(column.to_string()), row)
            .unwrap_or_default();
        RdlError::TableValue {
            place: self.rows.origin.cell(self.rows.rows[row], column),
            value: value.to_string(),
            expected: expected.to_string(),
            src: self.table.config.src.clone(),
            span: self.table.config.span,
        }
    }
}

/// The longest code of the table that `code` begins with, cut at a separator.
fn prefix_parent<'a>(code: &str, separator: &str, known: &BTreeSet<&'a str>) -> Option<&'a str> {
    let mut cut = code;
    while let Some(at) = cut.rfind(separator) {
        cut = &cut[..at];
        if let Some(parent) = known.get(cut) {
            return Some(parent);
        }
    }
    None
}

fn parse_datatype(text: &str) -> Option<Datatype> {
    let local = text
        .strip_prefix("xsd:")
        .or_else(|| text.strip_prefix("http://www.w3.org/2001/XMLSchema#"))
        .unwrap_or(text);
    Some(match local.to_ascii_lowercase().as_str() {
        "string" | "text" => Datatype::String,
        "integer" | "int" | "long" => Datatype::Integer,
        "decimal" | "double" | "float" | "number" => Datatype::Decimal,
        "boolean" => Datatype::Boolean,
        "date" => Datatype::Date,
        "year" => Datatype::Year,
        "datetime" => Datatype::Datetime,
        "code" => Datatype::Code,
        "link" => Datatype::Link,
        _ => return None,
    })
}

/// The table's columns as text (never inferred numbers: a code `007` stays `007`).
fn read(table: &TableLayer) -> Result<Rows, RdlError> {
    let mut source = table.source.clone();
    source.options.infer_types = false;
    let whole = source.read(None, &Silent).map_err(RdlError::from_source)?;
    let known = whole.columns();
    let c = &table.columns;
    let named = [
        Some(&c.code),
        c.label.as_ref(),
        c.description.as_ref(),
        c.parent.as_ref(),
        c.datatype.as_ref(),
        c.unit.as_ref(),
        c.domain.as_ref(),
        c.quantity.as_ref(),
        c.factor.as_ref(),
        c.offset.as_ref(),
        c.symbol.as_ref(),
        c.property.as_ref(),
    ];
    let mut columns = BTreeMap::new();
    for name in named.into_iter().flatten() {
        if !known.contains(name) {
            return Err(RdlError::TableColumn {
                column: name.clone(),
                source_id: table.source.id.clone(),
                help: crate::diag::suggest(name, known.iter().map(String::as_str), "columns"),
                src: table.config.src.clone(),
                span: table.config.span,
            });
        }
        columns.insert(name.clone(), text_column(&whole.frame, name));
    }
    let rows = whole
        .frame
        .column(ROW_COLUMN)
        .and_then(|c| c.cast(&DataType::UInt64))
        .ok()
        .and_then(|c| {
            c.u64()
                .ok()
                .map(|c| c.iter().map(|r| r.unwrap_or(0)).collect())
        })
        .unwrap_or_default();
    Ok(Rows {
        columns,
        rows,
        origin: whole.origin,
    })
}

fn text_column(frame: &DataFrame, name: &str) -> Vec<Option<String>> {
    frame
        .column(name)
        .and_then(|c| c.cast(&DataType::String))
        .ok()
        .and_then(|c| {
            c.str()
                .ok()
                .map(|c| c.iter().map(|v| v.map(str::to_string)).collect())
        })
        .unwrap_or_default()
}
