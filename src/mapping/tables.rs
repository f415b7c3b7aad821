//! Code lists read from a table instead of typed into the mapping (`values_from`): a codes
//! sheet, a CSV file or a slice, one column of source codes and one of RDL terms, `where`
//! picking one list out of a shared codes table. Read when the mapping is checked, so a term
//! that is not in the RDL is told at its cell before any data is read.

use polars::prelude::*;
use serde_saphyr::Spanned;

use super::MappingError;
use super::codes::Key;
use super::validate::Validator;
use super::yaml::{CodeTableYaml, PropertyRuleYaml, UnitYaml};
use crate::columns::{ROW_COLUMN, data_columns};
use crate::diag::{self, Term};
use crate::rdl::Unresolved;
use crate::slice::compile_condition;
use crate::source::Table;

/// The workspace's data a mapping reads when it is checked: its code lists (sources and
/// slices) and the cells that declare something once for a workbook.
pub trait Tables {
    /// The names of the sources (`slices` false) or the slices that can be read.
    fn names(&self, slices: bool) -> Vec<String>;
    /// Every row of source or slice `name`, each column as text as written.
    fn read(&self, slices: bool, name: &str) -> Result<Table, String>;
    /// The text of a cell (`Facility!K2`) of the workbook slice `slice` is cut from; None
    /// when it is blank.
    fn cell(&self, slice: &str, reference: &str) -> Result<Option<String>, String>;
}

/// The terms a code list's terms must be: classes, or a code property's allowed values.
pub(super) enum Terms<'a> {
    Classes,
    Values(&'a [String]),
}

impl Validator<'_> {
    /// The unit a rule names: as written, or read from the workbook cell it names (`{ cell:
    /// "Facility!K2" }`), located at the rule. None (with the problem) when the cell cannot
    /// be read or is blank.
    pub(super) fn unit_written(
        &mut self,
        rule: &PropertyRuleYaml,
    ) -> Option<Option<Spanned<String>>> {
        let Some(unit) = &rule.unit else {
            return Some(None);
        };
        let reference = match &unit.value {
            UnitYaml::Named(name) => {
                return Some(Some(Spanned::new(
                    name.clone(),
                    unit.referenced,
                    unit.defined,
                )));
            }
            UnitYaml::Cell(reference) => reference,
        };
        let span = self.span(&unit.referenced);
        let read = match self.tables {
            Some(tables) => tables.cell(self.slice, reference),
            None => Err("no cell can be read here".into()),
        };
        let problem = match read {
            Ok(Some(name)) => {
                return Some(Some(Spanned::new(name, unit.referenced, unit.defined)));
            }
            Ok(None) => format!("the cell `{reference}` that names the unit is blank"),
            Err(reason) => reason,
        };
        self.problems.push(MappingError::Lookup {
            reason: problem,
            help: "name a cell of the slice's workbook that holds the unit, as `Sheet!K2`, or write the unit".into(),
            src: self.file.source(),
            span,
        });
        None
    }

    /// The entries of a code list table: (code, term), terms checked against `terms`; every
    /// problem located (the YAML for a wrong column, the cell for a wrong term).
    pub(super) fn code_table(
        &mut self,
        rule: &Spanned<CodeTableYaml>,
        terms: Terms,
    ) -> Option<Vec<(Key, String)>> {
        let span = self.span(&rule.referenced);
        let table = &rule.value;
        let problem = |validator: &mut Self, reason: String, help: String| {
            validator.problems.push(MappingError::Lookup {
                reason,
                help,
                src: validator.file.source(),
                span,
            });
        };
        let (slices, name) = match (&table.source, &table.slice) {
            (Some(source), None) => (false, source),
            (None, Some(slice)) => (true, slice),
            _ => {
                problem(
                    self,
                    "`values_from` reads one `source` or one `slice`".into(),
                    "name a source of thinslice.yaml (a codes sheet or file) or a slice".into(),
                );
                return None;
            }
        };
        let Some(tables) = self.tables else {
            problem(
                self,
                "no code list can be read here".into(),
                "run `thinslice lint` in the workspace".into(),
            );
            return None;
        };
        let known = tables.names(slices);
        if !known.contains(&name.value) {
            let kind = if slices { Term::Slice } else { Term::Source };
            let at = self.span(&name.referenced);
            self.unknown(
                kind,
                &name.value,
                at,
                known.iter().map(String::as_str).collect(),
            );
            return None;
        }
        let rows = match tables.read(slices, &name.value) {
            Ok(rows) => rows,
            Err(reason) => {
                problem(self, reason, "fix the codes table and run again".into());
                return None;
            }
        };
        let columns = data_columns(&rows.frame);
        let mut ok = true;
        for column in [&table.code, &table.term] {
            ok &= self.check_column(&column.value, self.span(&column.referenced), &columns);
        }
        if let Some(condition) = &table.condition {
            ok &= self.condition(condition, &columns);
        }
        if !ok {
            return None;
        }
        let entries = self.entries(&rows, rule, terms);
        if let Err(e) = &entries {
            problem(self, e.to_string(), "".into());
        }
        entries.ok().flatten()
    }

    /// The (code, term) of each row the condition picks, in order, blank ones left out.
    fn entries(
        &mut self,
        rows: &Table,
        rule: &Spanned<CodeTableYaml>,
        terms: Terms,
    ) -> PolarsResult<Option<Vec<(Key, String)>>> {
        let table = &rule.value;
        let text = |column: &str| super::text::trimmed(col(column));
        let mut picked = rows.frame.clone().lazy();
        if let Some(condition) = &table.condition
            && let Ok(condition) = compile_condition(&condition.value)
        {
            picked = picked.filter(condition);
        }
        let picked = picked
            .select([
                col(ROW_COLUMN),
                text(&table.code.value).alias("code"),
                text(&table.term.value).alias("term"),
                rows.origin.cell_expr(&table.term.value).alias("at"),
            ])
            .filter(col("code").is_not_null().and(col("term").is_not_null()))
            .collect()?;
        let (codes, written, places) = (
            picked.column("code")?.str()?,
            picked.column("term")?.str()?,
            picked.column("at")?.str()?,
        );
        let span = self.span(&rule.referenced);
        let mut entries = Vec::new();
        let mut ok = true;
        for ((code, term), at) in codes.iter().zip(written.iter()).zip(places.iter()) {
            let (Some(code), Some(term)) = (code, term) else {
                continue;
            };
            let at = at.unwrap_or_default();
            match self.term(term, &terms) {
                Ok(term) => entries.push((Key::Exact(code.to_string()), term)),
                Err(help) => {
                    let kind = match terms {
                        Terms::Classes => "an RDL class",
                        Terms::Values(_) => "an allowed value of the property",
                    };
                    self.problems.push(MappingError::Lookup {
                        reason: format!("{at}: `{term}` is not {kind}"),
                        help,
                        src: self.file.source(),
                        span,
                    });
                    ok = false;
                }
            }
        }
        Ok(ok.then_some(entries))
    }

    /// A code list's term as the mapping keeps it, or "did you mean".
    fn term(&self, term: &str, terms: &Terms) -> Result<String, String> {
        match terms {
            Terms::Classes => match self.rdl.resolve(Term::Class, term) {
                Ok(key) => Ok(key.to_string()),
                Err(Unresolved::Unknown(known)) => Err(diag::suggest(
                    term,
                    known.iter().map(String::as_str),
                    "classes",
                )),
                Err(Unresolved::Ambiguous(keys)) => {
                    Err(format!("write one of {}", keys.join(", ")))
                }
            },
            Terms::Values(allowed) if allowed.iter().any(|a| a == term) => Ok(term.to_string()),
            Terms::Values(allowed) => Err(diag::suggest(
                term,
                allowed.iter().map(String::as_str),
                "allowed values",
            )),
        }
    }
}
