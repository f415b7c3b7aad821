//! The share policy carried out on a batch: things, rows as read (quarantine), failures.

use polars::prelude::*;
use rayon::prelude::*;

use super::{Action, DatePart, Generalisation, Key, Treatment, Withheld};
use crate::columns::{ID, LABEL, PROPERTY, VALUE};

/// What a withheld value reads as where a row is shown as read.
pub const WITHHELD: &str = "(withheld)";

/// A column with `f` applied to each text value (each element of a list), on all cores.
fn map_text(column: &Column, f: &(dyn Fn(&str) -> String + Sync)) -> PolarsResult<Column> {
    let name = column.name().clone();
    if let DataType::List(_) = column.dtype() {
        let lists = column.list()?;
        let mapped: ListChunked = (0..lists.len())
            .map(|row| lists.get_as_series(row))
            .map(|values| -> PolarsResult<Option<Series>> {
                let Some(values) = values else {
                    return Ok(None);
                };
                let text = values.cast(&DataType::String)?;
                Ok(Some(
                    text.str()?.apply_values(|v| f(v).into()).into_series(),
                ))
            })
            .collect::<PolarsResult<Vec<_>>>()?
            .into_iter()
            .collect();
        return Ok(mapped.with_name(name).into_column());
    }
    let text = column.cast(&DataType::String)?;
    let text = text.str()?;
    // Row by row on all cores, straight into the new column.
    let mapped: StringChunked = (0..text.len())
        .into_par_iter()
        .map(|row| text.get(row).map(f))
        .collect();
    Ok(mapped.with_name(name).into_column())
}

fn nulls_like(column: &Column) -> Column {
    Column::full_null(column.name().clone(), column.len(), column.dtype())
}

/// A number or date made coarser.
fn generalised(column: &Column, how: Generalisation) -> PolarsResult<Column> {
    let name = column.name().clone();
    match how {
        Generalisation::Step(step) => {
            let numbers = column.cast(&DataType::Float64)?;
            let out: Float64Chunked = numbers.f64()?.apply_values(|v| (v / step).round() * step);
            Ok(out.with_name(name).into_column())
        }
        Generalisation::Decimals(n) => {
            let numbers = column.cast(&DataType::Float64)?;
            let scale = 10f64.powi(n as i32);
            let out: Float64Chunked = numbers.f64()?.apply_values(|v| (v * scale).round() / scale);
            Ok(out.with_name(name).into_column())
        }
        Generalisation::Date(part) => {
            // ISO text: `2003-02-01` (and a time after it) to `2003` or `2003-02`.
            let width = match part {
                DatePart::Year => 4,
                DatePart::Month => 7,
            };
            map_text(column, &|v| v.chars().take(width).collect())
        }
    }
}

impl Withheld {
    fn key(&self) -> PolarsResult<&Key> {
        self.key
            .as_ref()
            .ok_or_else(|| polars_err!(ComputeError: "the pseudonymisation key was not loaded"))
    }

    /// The entities columns the shared table leaves out: dropped properties, a dropped label.
    pub fn dropped(&self) -> Vec<&str> {
        let mut out: Vec<&str> = (self.properties.iter())
            .filter(|(_, t)| **t == Treatment::Drop)
            .map(|(p, _)| p.as_str())
            .collect();
        if matches!(self.label, Some(Action::Drop | Action::Generalise)) {
            out.push(LABEL);
        }
        out
    }

    /// A batch of things as shared: sensitive values dropped (null), pseudonymised or
    /// generalised; identifiers and links to pseudonymised things pseudonymised.
    pub fn things(&self, frame: &DataFrame) -> PolarsResult<DataFrame> {
        if self.is_empty() {
            return Ok(frame.clone());
        }
        let mut out = frame.clone();
        for (property, treatment) in &self.properties {
            let Ok(column) = frame.column(property) else {
                continue;
            };
            let shared = match treatment {
                Treatment::Drop => nulls_like(column),
                Treatment::Pseudonymise => {
                    let key = self.key()?;
                    map_text(column, &|v| key.pseudonym(v))?
                }
                Treatment::Generalise(how) => generalised(column, *how)?,
            };
            out.replace(property, shared)?;
        }
        let mut iris: Vec<&str> = self.links.iter().map(String::as_str).collect();
        if self.id {
            iris.push(ID);
        }
        for name in iris {
            if let Ok(column) = frame.column(name) {
                let key = self.key()?;
                let shared = map_text(column, &|v| key.pseudonym_iri(v))?;
                out.replace(name, shared)?;
            }
        }
        if let (Some(action), Ok(label)) = (self.label, frame.column(LABEL)) {
            let shared = match action {
                Action::Pseudonymise => {
                    let key = self.key()?;
                    map_text(label, &|v| key.pseudonym(v))?
                }
                _ => nulls_like(label),
            };
            out.replace(LABEL, shared)?;
        }
        Ok(out)
    }

    /// Rows as read (quarantined rows): every column that feeds a sensitive property is
    /// pseudonymised, or reads `(withheld)`.
    pub fn rows(&self, frame: &DataFrame) -> PolarsResult<DataFrame> {
        let mut out = frame.clone();
        for (name, action) in &self.columns {
            let Ok(column) = frame.column(name) else {
                continue;
            };
            let shared = match action {
                Action::Pseudonymise => {
                    let key = self.key()?;
                    map_text(column, &|v| key.pseudonym(v))?
                }
                _ => map_text(column, &|_| WITHHELD.to_string())?,
            };
            out.replace(name, shared)?;
        }
        Ok(out)
    }

    /// Failed checks as shared: a withheld property's value reads `(withheld)`; a
    /// pseudonymised thing is named by its pseudonym.
    pub fn failures(&self, failures: DataFrame) -> PolarsResult<DataFrame> {
        if self.is_empty() {
            return Ok(failures);
        }
        let mut hidden: Vec<&str> = self.properties.keys().map(String::as_str).collect();
        hidden.extend(self.links.iter().map(String::as_str));
        if self.id {
            hidden.push(ID);
        }
        let properties = failures.column(PROPERTY)?.str()?.clone();
        let values = failures.column(VALUE)?.cast(&DataType::String)?;
        let masked: StringChunked = (properties.iter().zip(values.str()?.iter()))
            .map(
                |(property, value)| match property.is_some_and(|p| hidden.contains(&p)) {
                    true => value.map(|_| WITHHELD),
                    false => value,
                },
            )
            .collect();
        let mut out = failures.clone();
        out.replace(VALUE, masked.with_name(VALUE.into()).into_column())?;
        if self.id {
            let key = self.key()?;
            let ids = map_text(failures.column(ID)?, &|v| key.pseudonym_iri(v))?;
            out.replace(ID, ids)?;
        }
        Ok(out)
    }
}

impl Withheld {
    /// A slice's conformance as shared: its failures, and the codes it lists of withheld
    /// columns.
    pub fn conformance(&self, conformance: &mut crate::checks::Conformance) -> PolarsResult<()> {
        if self.is_empty() {
            return Ok(());
        }
        let failures = std::mem::take(&mut conformance.failures);
        conformance.failures = self.failures(failures)?;
        let hidden = |property: &str, column: &str| {
            self.properties.contains_key(property) || self.columns.contains_key(column)
        };
        for code in &mut conformance.unmapped_codes {
            if hidden(&code.property, &code.column) {
                code.code = WITHHELD.to_string();
            }
        }
        for code in &mut conformance.matched_codes {
            if hidden(&code.property, &code.column) {
                code.code = WITHHELD.to_string();
            }
        }
        Ok(())
    }
}
