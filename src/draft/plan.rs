//! The decisions of a draft, slice by slice: the key, the class, the label, the properties
//! and the links, each with the reason a person reads in the comment beside it.

use std::collections::BTreeSet;

use super::matching::{
    self, CodeMatch, Header, MAX_CODES, PropertyMatch, classes_for_codes, codes, values_for_codes,
};
use super::sample::{Column, Kind, Sample};
use super::units;
use super::values::{Distinct, share};
use super::words::{name_score, tokens};
use crate::rdl::{Datatype, Rdl};

/// One slice's draft.
#[derive(Debug)]
pub(super) struct SliceDraft {
    pub name: String,
    pub source: String,
    /// The file (and sheet) it is cut from, for messages.
    pub place: String,
    pub sample: Sample,
    /// The key column and why; None: rows are numbered (`{_row}`).
    pub key: Option<(String, String)>,
    /// Without a key, the column that nearly is one, and what stops it.
    pub near_key: Option<(String, String)>,
    /// A row of units under the header (`kW`, `mm`): its place, each column's unit (RDL key
    /// and text), and the condition that leaves the row out of the slice.
    pub units_row: Option<units::UnitsRow>,
    /// A row of totals under the data: where it is, and the condition that leaves it out.
    pub total_row: Option<(String, String)>,
    pub class: ClassDraft,
    pub label: Option<String>,
    pub properties: Vec<PropertyDraft>,
    pub links: Vec<LinkDraft>,
    /// Columns not mapped, and why.
    pub left: Vec<(String, String)>,
}

#[derive(Debug)]
pub(super) enum ClassDraft {
    Fixed {
        class: String,
        why: String,
    },
    Codes {
        column: String,
        matched: Vec<CodeMatch>,
        unmatched: Vec<Distinct>,
        /// The class for codes not matched: from the sheet's or file's name.
        fallback: Option<(String, String)>,
    },
}

#[derive(Debug)]
pub(super) struct PropertyDraft {
    pub property: String,
    pub column: String,
    /// Why, and how sure: the comment.
    pub why: Vec<String>,
    /// The rule's options after `from`, as YAML (`unit: kW`).
    pub options: Vec<(String, String)>,
    /// A code property's value map: matched and left.
    pub codes: Option<(Vec<CodeMatch>, Vec<Distinct>)>,
}

#[derive(Debug)]
pub(super) struct LinkDraft {
    pub property: String,
    pub column: String,
    pub target: String,
    pub why: String,
}

impl SliceDraft {
    /// Drafts a slice from its sample: key, class, label and properties (links come once
    /// every slice has its key: [`link_slices`]).
    pub fn new(
        rdl: &Rdl,
        name: String,
        source: String,
        place: String,
        mut sample: Sample,
        named: &str,
    ) -> Self {
        // The first unique, complete column; one named as an identifier before others (a
        // free-text column can be unique by chance).
        let units_row = units::units_row(rdl, &sample);
        if units_row.is_some() {
            sample.judge_without(true);
        }
        let total_row = total_row(&sample);
        if total_row.is_some() {
            sample.judge_without(false);
        }
        // Rows left out (units, totals) may leave the key column blank: complete but there.
        let complete = |c: &Column| {
            let allowed = usize::from(units_row.is_some() && c.first.is_none())
                + usize::from(total_row.is_some() && c.last.is_none());
            c.unique_and_complete
                || (c.nulls > 0 && c.nulls == allowed && c.unique + c.nulls - 1 == sample.rows)
        };
        let keys: Vec<&Column> = sample
            .columns
            .iter()
            .filter(|c| complete(c) && matches!(c.kind, Kind::Text | Kind::Integer))
            .filter(|c| !c.name.contains(['{', '}']))
            .collect();
        let key = keys
            .iter()
            .find(|c| names_an_identifier(&c.name))
            .or(keys.first())
            .map(|c| {
                let why = match sample.more {
                    true => format!("unique and complete in the first {} rows", sample.rows),
                    false => format!("unique and complete in all {} rows", sample.rows),
                };
                (c.name.clone(), why)
            });
        let near_key = match key {
            Some(_) => None,
            None => near_key(&sample),
        };
        let class = class_draft(rdl, &sample, named);
        let label = label_column(&sample, key.as_ref().map(|k| k.0.as_str()));
        let mut draft = SliceDraft {
            name,
            source,
            place,
            sample,
            key,
            near_key,
            units_row,
            total_row,
            class,
            label,
            properties: Vec::new(),
            links: Vec::new(),
            left: Vec::new(),
        };
        draft.properties = draft.map_properties(rdl);
        draft
    }

    /// The classes its things can have: the fixed one, or those its codes map to.
    pub fn classes(&self) -> Vec<String> {
        match &self.class {
            ClassDraft::Fixed { class, .. } => vec![class.clone()],
            ClassDraft::Codes {
                matched, fallback, ..
            } => matched
                .iter()
                .map(|m| m.term.clone())
                .chain(fallback.iter().map(|f| f.0.clone()))
                .collect::<BTreeSet<_>>()
                .into_iter()
                .collect(),
        }
    }

    fn class_column(&self) -> Option<&str> {
        match &self.class {
            ClassDraft::Codes { column, .. } => Some(column),
            ClassDraft::Fixed { .. } => None,
        }
    }

    /// Each column's best property, the closest pairs first, each property once.
    fn map_properties(&self, rdl: &Rdl) -> Vec<PropertyDraft> {
        let mut candidates: Vec<Candidate> = Vec::new();
        for (at, column) in self.sample.columns.iter().enumerate() {
            if Some(column.name.as_str()) == self.class_column() {
                continue;
            }
            let mut header = Header::read(rdl, &column.name);
            if let Some(row) = &self.units_row
                && header.unit.is_none()
                && header.unknown_unit.is_none()
                && let Some(unit) = row.units.get(&column.name)
            {
                header.unit = Some(unit.clone());
                header.units_row = Some(row.at.clone());
            }
            let unit = units::column_unit(rdl, column, &header);
            for found in
                matching::properties_for(rdl, column, &header, unit.as_ref().map(|u| u.0.as_str()))
            {
                candidates.push((at, found, header.clone(), unit.clone()));
            }
        }
        candidates.sort_by(|a, b| b.1.score.total_cmp(&a.1.score).then(a.0.cmp(&b.0)));
        let (mut used_columns, mut used_properties) = (BTreeSet::new(), BTreeSet::new());
        let mut drafts = Vec::new();
        for (at, found, header, unit) in candidates {
            if used_columns.contains(&at) || used_properties.contains(&found.property) {
                continue;
            }
            // The key names things: a sensitive property fed by it would have to be
            // pseudonymised, which is the data owner's choice, not a draft's.
            let keyed = self
                .key
                .as_ref()
                .is_some_and(|k| k.0 == self.sample.columns[at].name);
            let sensitive = (rdl.properties.get(&found.property))
                .and_then(|p| p.sensitive)
                .is_some_and(|s| s != crate::rdl::Sensitivity::None);
            if keyed && sensitive {
                continue;
            }
            used_columns.insert(at);
            used_properties.insert(found.property.clone());
            let column = &self.sample.columns[at];
            drafts.push(self.property_draft(rdl, column, found, &header, unit));
        }
        drafts.sort_by_key(|d| self.sample.columns.iter().position(|c| c.name == d.column));
        drafts
    }

    fn property_draft(
        &self,
        rdl: &Rdl,
        column: &Column,
        found: PropertyMatch,
        header: &Header,
        unit: Option<(String, bool)>,
    ) -> PropertyDraft {
        let property = &rdl.properties[&found.property];
        let values = &column.values;
        let mut why = vec![format!("{} (score {:.2})", found.why, found.score)];
        let mut options = Vec::new();
        if let (Some((unit, in_values)), Some(to)) = (&unit, &property.unit) {
            units::unit_rule(
                rdl,
                column,
                header,
                (unit, *in_values),
                to,
                &mut options,
                &mut why,
            );
        }
        if let (None, Some(to)) = (&unit, &property.unit) {
            why.push(format!(
                "no unit in the header or the values: read as {to}, the RDL's unit; say `unit:` if the source uses another"
            ));
        }
        let numeric = matches!(
            property.datatype,
            Datatype::Decimal | Datatype::Integer | Datatype::Year
        );
        if numeric && column.kind == Kind::Text && values.count > 0 {
            if values.decimal_comma() {
                options.push(("decimal".into(), "\",\"".into()));
                why.push(format!("{} numbers have a decimal comma", values.commas));
            }
            why.push(self.share_note(
                column,
                values.number_share(),
                "are numbers",
                &values.first_not_number,
            ));
        }
        let dated = matches!(
            property.datatype,
            Datatype::Date | Datatype::Datetime | Datatype::Year
        );
        if dated && column.kind == Kind::Text && !values.dates.is_empty() {
            let formats: Vec<String> = values
                .dates
                .iter()
                .map(|(f, _)| super::render::quote(f))
                .collect();
            options.push(("formats".into(), format!("[{}]", formats.join(", "))));
            let each: Vec<String> = values
                .dates
                .iter()
                .map(|(f, n)| format!("{:.0}% as {f}", share(*n, values.count) * 100.0))
                .collect();
            let note = self.share_note(
                column,
                values.date_share(),
                "parse as dates",
                &values.first_not_date,
            );
            why.push(format!("{note} ({})", each.join(", ")));
            for (format, rival) in &values.date_doubts {
                why.push(format!(
                    "every value read as {format} also reads as {rival}: check which the source means"
                ));
            }
        }
        let mut code_map = None;
        if property.datatype == Datatype::Code {
            let (matched, unmatched) = values_for_codes(property, &codes(&column.distinct, true));
            if !matched.is_empty() {
                options.push(("case".into(), "lower".into()));
            }
            code_map = Some((matched, unmatched));
        }
        PropertyDraft {
            property: found.property,
            column: column.name.clone(),
            why,
            options,
            codes: code_map,
        }
    }

    /// `all 83 values are numbers`, `97% of 83 values are numbers; 2 are not, first `x` at
    /// Assets!D40`.
    fn share_note(
        &self,
        column: &Column,
        part: f64,
        what: &str,
        first: &Option<(String, u64)>,
    ) -> String {
        let count = column.values.count;
        let missed = count - (part * count as f64).round() as usize;
        match (first, missed) {
            (Some((text, row)), n) if n > 0 => format!(
                "{:.0}% of {count} values {what}; {n} do not, first `{text}` at {}",
                part * 100.0,
                self.sample.at(*row, &column.name)
            ),
            _ => format!("all {count} values {what}"),
        }
    }

    /// The columns drafting left alone, with why, once properties and links are drafted.
    pub fn note_left(&mut self, rdl: &Rdl) {
        let used: BTreeSet<&str> = self
            .properties
            .iter()
            .map(|p| p.column.as_str())
            .chain(self.links.iter().map(|l| l.column.as_str()))
            .chain(self.class_column())
            .collect();
        let mut left = Vec::new();
        for column in &self.sample.columns {
            if used.contains(column.name.as_str()) {
                continue;
            }
            let why = self.why_left(rdl, column);
            left.push((column.name.clone(), why));
        }
        self.left = left;
    }

    /// Why a column was left unmapped, and what would map it.
    fn why_left(&self, rdl: &Rdl, column: &Column) -> String {
        if Some(&column.name) == self.label.as_ref() {
            return "read for the label".to_string();
        }
        if Some(&column.name) == self.key.as_ref().map(|k| &k.0) {
            return "read for the identifier".to_string();
        }
        let read = Header::read(rdl, &column.name);
        let distinct = match (column.distinct.len(), column.nulls) {
            (0, _) => "no values".to_string(),
            (d, 0) => format!("{d} distinct values"),
            (d, n) => format!("{d} distinct values, {n} blank"),
        };
        if let Some(unknown) = &read.unknown_unit {
            return format!(
                "{distinct}; its header names `{unknown}`, a unit the RDL does not know: add it to the RDL (with its conversion), then map the column"
            );
        }
        let alike: Vec<String> = read
            .unit
            .iter()
            .flat_map(|(unit, _)| {
                rdl.properties.iter().filter(move |(_, p)| {
                    p.unit
                        .as_ref()
                        .is_some_and(|to| rdl.conversion(unit, to).is_some())
                })
            })
            .map(|(key, _)| format!("`{key}`"))
            .collect();
        let values = &column.values;
        if !alike.is_empty() && column.kind == Kind::Text && values.number_share() < 0.8 {
            let note = self.share_note(
                column,
                values.number_share(),
                "are numbers",
                &values.first_not_number,
            );
            return format!(
                "{distinct}; its unit measures what {} measure, but {note}",
                alike.join(", ")
            );
        }
        if let Some((unit, _)) = &read.unit
            && alike.is_empty()
        {
            let quantity = rdl.units.get(unit).map_or("", |u| u.quantity.as_str());
            return format!(
                "{distinct}; its unit {unit} measures {quantity}, which no RDL property measures: add one to the RDL to map it"
            );
        }
        if let Some((unit, _)) = &read.unit
            && !alike.is_empty()
        {
            return format!(
                "{distinct}; its unit {unit} measures what {} measure: map it to the one it is",
                alike.join(", ")
            );
        }
        let header = tokens(&column.name);
        let closest = rdl
            .properties
            .iter()
            .map(|(key, p)| {
                (
                    name_score(&header, &tokens(p.label.as_deref().unwrap_or(key))),
                    key,
                )
            })
            .filter(|(score, _)| *score > 0.0)
            .max_by(|a, b| a.0.total_cmp(&b.0));
        match closest {
            Some((_, key)) => format!(
                "{distinct}; closest RDL property `{key}`, but its values or unit do not fit"
            ),
            None => format!("{distinct}; no RDL property is close"),
        }
    }
}

/// A column (by position) that may map to a property: the match, the header as read, and
/// the column's unit (and whether its values carry it).
type Candidate = (usize, PropertyMatch, Header, Option<(String, bool)>);

/// A row of totals under the data: its last row says `Total` in a text column.
fn total_row(sample: &Sample) -> Option<(String, String)> {
    let row = sample.last_row.filter(|_| sample.rows >= 2)?;
    let column = sample.columns.iter().find(|c| {
        c.kind == Kind::Text
            && c.last.as_deref().is_some_and(|t| {
                let t = t.trim().trim_end_matches(':').to_lowercase();
                matches!(
                    t.as_str(),
                    "total" | "totals" | "grand total" | "subtotal" | "sum"
                )
            })
    })?;
    let text = column.last.clone()?;
    Some((
        sample.at(row, &column.name),
        units::other_than(&column.name, &text),
    ))
}

/// Whether a header names an identifier: `Asset ID`, `Site Code`, `Tag No`.
fn names_an_identifier(header: &str) -> bool {
    tokens(header).iter().any(|t| {
        matches!(
            t.as_str(),
            "identifier"
                | "code"
                | "reference"
                | "number"
                | "key"
                | "tag"
                | "serial"
                | "uuid"
                | "guid"
        )
    })
}

/// The column closest to a key: the most distinct values, nine in ten rows at least.
fn near_key(sample: &Sample) -> Option<(String, String)> {
    if sample.rows == 0 {
        return None;
    }
    sample
        .columns
        .iter()
        .filter(|c| {
            matches!(c.kind, Kind::Text | Kind::Integer) && c.unique * 10 >= sample.rows * 9
        })
        .max_by_key(|c| (c.unique, std::cmp::Reverse(c.nulls)))
        .map(|c| {
            let repeated =
                sample.rows - c.nulls - c.unique.saturating_sub(usize::from(c.nulls > 0));
            (
                c.name.clone(),
                format!(
                    "{} blank, {repeated} repeated in {} rows",
                    c.nulls, sample.rows
                ),
            )
        })
}

/// The class: from the code column whose codes most match RDL classes, else the class the
/// sheet or file is named for, else the RDL's top class.
fn class_draft(rdl: &Rdl, sample: &Sample, named: &str) -> ClassDraft {
    let fallback = matching::class_named(rdl, named);
    let mut best: Option<(f64, &Column, Vec<CodeMatch>, Vec<Distinct>)> = None;
    for column in &sample.columns {
        let distinct = column.distinct.len();
        if column.kind != Kind::Text
            || distinct == 0
            || distinct > MAX_CODES
            || distinct >= sample.rows.max(2)
        {
            continue;
        }
        let codes = codes(&column.distinct, false);
        let within = fallback.as_ref().map(|f| matching::branch(rdl, &f.0));
        let (matched, unmatched) = classes_for_codes(rdl, &codes, within.as_deref());
        let rows: usize = matched.iter().map(|m| m.rows).sum();
        let part = share(rows, column.values.count);
        let typed = tokens(&column.name)
            .iter()
            .any(|t| matches!(t.as_str(), "type" | "class" | "category" | "kind"));
        let score = part + if typed { 0.1 } else { 0.0 };
        if part >= 0.5 && best.as_ref().is_none_or(|b| score > b.0) {
            best = Some((score, column, matched, unmatched));
        }
    }
    match (best, fallback) {
        (Some((_, column, matched, unmatched)), fallback) => ClassDraft::Codes {
            column: column.name.clone(),
            matched,
            unmatched,
            fallback,
        },
        (None, Some((class, why))) => ClassDraft::Fixed { class, why },
        (None, None) => {
            let roots = rdl.roots();
            let top = roots
                .iter()
                .find(|r| r.eq_ignore_ascii_case("thing"))
                .or(roots.first())
                .map_or_else(|| "Thing".to_string(), |r| r.to_string());
            ClassDraft::Fixed {
                why: format!(
                    "no column's codes and no name match an RDL class: every row is a {top}; name the class"
                ),
                class: top,
            }
        }
    }
}

/// The column that names a thing: a name, else a description or title.
fn label_column(sample: &Sample, key: Option<&str>) -> Option<String> {
    let with = |word: &str| {
        sample
            .columns
            .iter()
            .filter(|c| Some(c.name.as_str()) != key && c.kind == Kind::Text)
            // A template names a column in braces; one with a brace in its name cannot be.
            .filter(|c| !c.name.contains(['{', '}']))
            .find(|c| tokens(&c.name).iter().any(|t| t == word))
            .map(|c| c.name.clone())
    };
    ["name", "description", "title", "label"]
        .iter()
        .find_map(|w| with(w))
}
