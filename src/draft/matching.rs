//! A column matched to the RDL: its codes to classes or to a property's allowed values, its
//! header to properties (by name, unit and values), its name's unit to an RDL unit.

use std::collections::BTreeMap;
use std::sync::LazyLock;

use regex::Regex;

use super::sample::{Column, Kind};
use super::values::{Distinct, share};
use super::words::{code_match, compact, name_score, tokens, words};
use crate::diag::Term;
use crate::rdl::{Datatype, Property, Rdl};

/// How sure a code must be of a class, and of a property's allowed value.
const CLASS_CODE: f64 = 0.6;
const VALUE_CODE: f64 = 0.75;
/// A code column has at most this many distinct codes.
pub(super) const MAX_CODES: usize = 64;
/// How close a header must be to a property to be mapped to it.
pub(super) const PROPERTY: f64 = 0.5;

static UNIT_IN_HEADER: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^(.*?)\s*[\(\[]\s*([^\)\]]+?)\s*[\)\]]\s*$")
        .unwrap_or_else(|_| unreachable!("the header pattern is a valid regex"))
});

/// A source code matched to an RDL term.
#[derive(Debug, Clone)]
pub(super) struct CodeMatch {
    pub code: String,
    pub term: String,
    pub why: String,
    pub rows: usize,
}

/// Codes as a value map would read them: trimmed, each once, counts added up.
pub(super) fn codes(distinct: &[Distinct], lower: bool) -> Vec<Distinct> {
    let mut merged: Vec<Distinct> = Vec::new();
    for d in distinct {
        let text = d.text.trim();
        let text = match lower {
            true => text.to_lowercase(),
            false => text.to_string(),
        };
        match merged.iter_mut().find(|m| m.text == text) {
            Some(m) => m.count += d.count,
            None => merged.push(Distinct {
                text,
                count: d.count,
                first_row: d.first_row,
            }),
        }
    }
    merged
}

/// The names a class is known by: its label and its key's words.
fn class_names<'a>(key: &'a str, label: Option<&'a str>) -> Vec<String> {
    let mut names = vec![words(key).join(" ")];
    names.extend(label.map(str::to_string));
    names
}

/// Source codes matched to RDL classes. Where a code fits two classes equally (`PS`: pumping
/// station, primary substation), the one nearer the other codes' classes is taken.
/// With `within` (the branch of the class a sheet is named for), only classes in that branch
/// are candidates: `SR` on a sheet of sites is no service reservoir, `VLV` on a sheet of
/// pumps can still be a valve.
pub(super) fn classes_for_codes(
    rdl: &Rdl,
    codes: &[Distinct],
    within: Option<&str>,
) -> (Vec<CodeMatch>, Vec<Distinct>) {
    let inside = |class: &str| {
        within.is_none_or(|w| class == w || rdl.ancestors(class).iter().any(|a| a == w))
    };
    let mut best: Vec<(Vec<(String, String)>, f64)> = Vec::new();
    for code in codes {
        let mut top: (Vec<(String, String)>, f64) = (Vec::new(), 0.0);
        for (key, class) in rdl.classes.iter().filter(|(key, _)| inside(key)) {
            let found = class_names(key, class.label.as_deref())
                .iter()
                .filter_map(|name| code_match(&code.text, name))
                .max_by(|a, b| a.0.total_cmp(&b.0));
            let Some((sure, why)) = found else { continue };
            if sure > top.1 + 1e-9 {
                top = (vec![(key.clone(), why)], sure);
            } else if (sure - top.1).abs() < 1e-9 {
                top.0.push((key.clone(), why));
            }
        }
        best.push(top);
    }
    // The ancestors of the classes codes match without doubt: the neighbourhood.
    let mut near: BTreeMap<String, usize> = BTreeMap::new();
    for (candidates, sure) in &best {
        if let [(class, _)] = candidates.as_slice()
            && *sure >= CLASS_CODE
        {
            for a in rdl.ancestors(class) {
                *near.entry(a).or_insert(0) += 1;
            }
        }
    }
    let closeness = |class: &str| -> usize {
        rdl.ancestors(class)
            .iter()
            .map(|a| near.get(a).copied().unwrap_or(0))
            .sum()
    };
    let (mut matched, mut unmatched) = (Vec::new(), Vec::new());
    for (code, (candidates, sure)) in codes.iter().zip(best) {
        let chosen = candidates
            .into_iter()
            .max_by_key(|(class, _)| (closeness(class), std::cmp::Reverse(class.clone())));
        match chosen {
            Some((class, why)) if sure >= CLASS_CODE => matched.push(CodeMatch {
                code: code.text.clone(),
                term: class,
                why,
                rows: code.count,
            }),
            _ => unmatched.push(code.clone()),
        }
    }
    (matched, unmatched)
}

/// Source codes matched to a code property's allowed values, by name, label or alias.
pub(super) fn values_for_codes(
    property: &Property,
    codes: &[Distinct],
) -> (Vec<CodeMatch>, Vec<Distinct>) {
    let (mut matched, mut unmatched) = (Vec::new(), Vec::new());
    for code in codes {
        let found = property
            .values
            .iter()
            .flat_map(|allowed| {
                std::iter::once(allowed.name.as_str())
                    .chain(allowed.label.as_deref())
                    .chain(allowed.aliases.iter().map(String::as_str))
                    .filter_map(|name| code_match(&code.text, name))
                    .map(move |(sure, why)| (sure, why, allowed.name.clone()))
            })
            .max_by(|a, b| a.0.total_cmp(&b.0).then_with(|| b.2.cmp(&a.2)));
        match found {
            Some((sure, why, term)) if sure >= VALUE_CODE => matched.push(CodeMatch {
                code: code.text.clone(),
                term,
                why,
                rows: code.count,
            }),
            _ => unmatched.push(code.clone()),
        }
    }
    (matched, unmatched)
}

/// The class a sheet or file is named for (`Assets`: asset), and how it was found.
pub(super) fn class_named(rdl: &Rdl, name: &str) -> Option<(String, String)> {
    let naming = |text: &str| {
        let whole = compact(text);
        let singular = [
            whole.clone(),
            whole.strip_suffix('s').unwrap_or(&whole).to_string(),
            whole.strip_suffix("es").unwrap_or(&whole).to_string(),
        ];
        rdl.classes.iter().find_map(|(key, class)| {
            class_names(key, class.label.as_deref())
                .iter()
                .any(|n| singular.contains(&compact(n)))
                .then(|| key.clone())
        })
    };
    // The whole name (`Water Mains`), else one of its words (`Sites 2024`).
    naming(name)
        .or_else(|| words(name).iter().find_map(|w| naming(w)))
        .map(|key| (key.clone(), format!("`{name}` names {key}")))
}

/// The branch of the hierarchy a class is in: its ancestor just under the top classes (the
/// class itself when it is that high).
pub(super) fn branch(rdl: &Rdl, class: &str) -> String {
    let top = |c: &str| rdl.classes.get(c).is_none_or(|c| c.parents.is_empty());
    std::iter::once(class.to_string())
        .chain(rdl.ancestors(class))
        .find(|c| {
            rdl.classes
                .get(c)
                .is_some_and(|k| !k.parents.is_empty() && k.parents.iter().all(|p| top(p)))
        })
        .unwrap_or_else(|| class.to_string())
}

/// An RDL unit a text names: its key, symbol or alias, its label (singular or plural).
pub(super) fn unit_named(rdl: &Rdl, text: &str) -> Option<String> {
    let text = text.trim();
    if let Ok(key) = rdl.resolve(Term::Unit, text) {
        return Some(key.to_string());
    }
    let lower = text.to_lowercase();
    let by_label: Vec<&String> = rdl
        .units
        .iter()
        .filter(|(key, unit)| {
            labelled(unit, &lower)
                || key.to_lowercase() == lower
                || unit.aliases.iter().any(|a| a.to_lowercase() == lower)
        })
        .map(|(key, _)| key)
        .collect();
    match by_label.as_slice() {
        [one] => Some(one.to_string()),
        _ => None,
    }
}

/// Whether a unit's label, singular or plural, is `lower` (a lower-case word).
fn labelled(unit: &crate::rdl::Unit, lower: &str) -> bool {
    unit.label.as_deref().is_some_and(|l| {
        let l = l.to_lowercase();
        l == lower || format!("{l}s") == lower
    })
}

/// A header read for matching: its words without the unit, and the unit it names.
#[derive(Debug, Clone)]
pub(super) struct Header {
    pub tokens: Vec<String>,
    /// The RDL unit, and the text that named it.
    pub unit: Option<(String, String)>,
    /// A unit the header names that the RDL does not know (`l/s`, `m3/h`): the values are
    /// in it, so no property with a unit can take them as they are.
    pub unknown_unit: Option<String>,
    /// Where the unit was read when not in the header: the row of units under it.
    pub units_row: Option<String>,
}

impl Header {
    /// `Power (kW)`, `Diameter [mm]`, `Voltage kV`, `backup_hours`, `diameter_mm`: the unit
    /// in brackets, or a last word that is a unit's symbol or name. The last word is taken
    /// as written (`kV`, never split into `k` and `V`).
    pub fn read(rdl: &Rdl, header: &str) -> Header {
        if let Some(found) = UNIT_IN_HEADER.captures(header)
            && let (Some(rest), Some(unit)) = (found.get(1), found.get(2))
        {
            let (rest, unit) = (rest.as_str(), unit.as_str());
            if let Some(key) = unit_named(rdl, unit) {
                return Header::with_unit(rest, key, unit, None);
            }
            if looks_like_a_unit(unit) || (unit.chars().count() <= 6 && !unit.contains(' ')) {
                return Header::with_unit(rest, String::new(), unit, Some(unit));
            }
        }
        let words: Vec<&str> = header
            .split(|c: char| c.is_whitespace() || c == '_')
            .filter(|w| !w.is_empty())
            .collect();
        if let [rest @ .., last] = words.as_slice()
            && !rest.is_empty()
        {
            let rest = rest.join(" ");
            if let Some(key) = unit_by_name(rdl, last) {
                return Header::with_unit(&rest, key, last, None);
            }
            if looks_like_a_unit(last) {
                return Header::with_unit(&rest, String::new(), last, Some(last));
            }
        }
        Header {
            tokens: tokens(header),
            unit: None,
            unknown_unit: None,
            units_row: None,
        }
    }

    fn with_unit(rest: &str, key: String, written: &str, unknown: Option<&str>) -> Header {
        Header {
            tokens: tokens(rest),
            unit: unknown.is_none().then(|| (key, written.to_string())),
            unknown_unit: unknown.map(str::to_string),
            units_row: None,
        }
    }
}

/// Whether a word is written as units are, and words are not: `m3/h`, `l/s`, `m²`.
fn looks_like_a_unit(word: &str) -> bool {
    let short = word.chars().count() <= 8;
    let digit = word.chars().any(|c| c.is_ascii_digit());
    let letter = word.chars().any(char::is_alphabetic);
    short && (word.contains('/') || word.contains(['²', '³']) || (digit && letter))
}

/// Last words of a header that are more often something else than a unit's symbol
/// (`pressure_min`, `flow_max`).
const NOT_UNITS: &[&str] = &["min", "max", "avg", "no", "in", "at", "id", "a"];

/// A unit a header's last word names: by its label (`hours`), or by its symbol
/// (`diameter_mm`, `power_kw`) unless the word is more often something else.
fn unit_by_name(rdl: &Rdl, word: &str) -> Option<String> {
    let lower = word.to_lowercase();
    let by_label = rdl.units.iter().find(|(_, unit)| labelled(unit, &lower));
    match by_label {
        Some((key, _)) => Some(key.clone()),
        None if NOT_UNITS.contains(&lower.as_str()) => None,
        None => unit_named(rdl, word),
    }
}

/// A property a column may map to, how close, and why.
#[derive(Debug, Clone)]
pub(super) struct PropertyMatch {
    pub property: String,
    pub score: f64,
    pub why: String,
}

/// The properties a column may map to, closest first: the header's words against the
/// property's label, key and description; its unit against the property's; its values
/// against the property's datatype, pattern and allowed values.
pub(super) fn properties_for(
    rdl: &Rdl,
    column: &Column,
    header: &Header,
    unit: Option<&str>,
) -> Vec<PropertyMatch> {
    let mut found = Vec::new();
    for (key, property) in &rdl.properties {
        if property.datatype == Datatype::Link {
            continue;
        }
        let label = tokens(property.label.as_deref().unwrap_or(key));
        let mut name =
            name_score(&header.tokens, &label).max(name_score(&header.tokens, &tokens(key)));
        let mut why = Vec::new();
        if name > 0.0 {
            why.push(format!(
                "the header is close to `{}`",
                property.label.as_deref().unwrap_or(key)
            ));
        } else if let Some(description) = &property.description {
            let described = tokens(description);
            let shared = header
                .tokens
                .iter()
                .filter(|t| described.contains(t))
                .count();
            name = 0.6 * share(shared, header.tokens.len());
            if name > 0.0 {
                why.push("the header's words are in its description".into());
            }
        }
        if header.unknown_unit.is_some() && property.unit.is_some() {
            continue;
        }
        let Some(fit) = fits(rdl, column, property, unit) else {
            continue;
        };
        if fit.0 > 0.0 {
            why.push(fit.1);
        }
        let score = name + fit.0;
        if score >= PROPERTY {
            found.push(PropertyMatch {
                property: key.clone(),
                score,
                why: why.join("; "),
            });
        }
    }
    found.sort_by(|a, b| {
        b.score
            .total_cmp(&a.score)
            .then_with(|| a.property.cmp(&b.property))
    });
    found
}

/// Whether a column's values can be a property's (None: they cannot), and what they add to
/// the match.
fn fits(
    rdl: &Rdl,
    column: &Column,
    property: &Property,
    unit: Option<&str>,
) -> Option<(f64, String)> {
    let values = &column.values;
    let judged = values.count > 0;
    let numeric = matches!(column.kind, Kind::Integer | Kind::Decimal)
        || (column.kind == Kind::Text && values.number_share() >= 0.8);
    let dated = matches!(column.kind, Kind::Date | Kind::Datetime) || values.date_share() >= 0.8;
    let unit_fit = match (unit, &property.unit) {
        (Some(from), Some(to)) => match rdl.conversion(from, to) {
            Some(_) => {
                let kind = rdl.units.get(to).map(|u| u.quantity.clone());
                let alone = rdl.properties.values().filter(|p| {
                    p.unit
                        .as_ref()
                        .and_then(|u| rdl.units.get(u))
                        .map(|u| &u.quantity)
                        == kind.as_ref()
                });
                let bonus = if alone.count() == 1 { 0.6 } else { 0.4 };
                (bonus, format!("{from} converts to {to}"))
            }
            None => return None,
        },
        (Some(_), None) => return None,
        _ => (0.0, String::new()),
    };
    match property.datatype {
        Datatype::Decimal | Datatype::Integer if judged && !numeric => None,
        Datatype::Decimal | Datatype::Integer => Some(unit_fit),
        Datatype::Year if judged && !numeric && !dated => None,
        Datatype::Date | Datatype::Datetime if judged && !dated => None,
        Datatype::Boolean
            if judged
                && column.kind != Kind::Boolean
                && share(values.booleans, values.count) < 0.8 =>
        {
            None
        }
        Datatype::String => match &property.pattern {
            Some(pattern) if judged => {
                let regex = Regex::new(pattern).ok()?;
                let fitting: usize = column
                    .distinct
                    .iter()
                    .filter(|d| regex.is_match(d.text.trim()))
                    .map(|d| d.count)
                    .sum();
                (share(fitting, values.count) >= 0.5).then(|| (0.0, String::new()))
            }
            _ => Some((0.0, String::new())),
        },
        // A code column holds few codes: a column of free text or identifiers is none.
        Datatype::Code if column.distinct.len() > MAX_CODES => None,
        Datatype::Code => {
            let codes = codes(&column.distinct, true);
            let (matched, _) = values_for_codes(property, &codes);
            let rows: usize = matched.iter().map(|m| m.rows).sum();
            let part = share(rows, values.count);
            Some((
                0.5 * part,
                format!("{:.0}% of its values are allowed values", part * 100.0),
            ))
        }
        _ => Some(unit_fit),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diag::YamlFile;

    fn rdl() -> Rdl {
        let text = "namespace: https://rdl.example.org/\nunits:\n  W: { label: watt, quantity: power }\n  kW: { label: kilowatt, quantity: power, factor: 1000 }\n  V: { label: volt, quantity: voltage }\n  kV: { label: kilovolt, quantity: voltage, factor: 1000 }\n  mm: { label: millimetre, quantity: length, factor: 0.001 }\n  s: { label: second, quantity: time }\n  h: { label: hour, quantity: time, factor: 3600 }\n";
        Rdl::from_file(YamlFile::from_text("r.yaml".into(), "r.yaml".into(), text)).expect("RDL")
    }

    #[test]
    fn units_are_read_from_headers_as_written() {
        let rdl = rdl();
        let unit = |h: &str| Header::read(&rdl, h).unit.map(|u| u.0);
        let unknown = |h: &str| Header::read(&rdl, h).unknown_unit;
        assert_eq!(unit("Voltage kV").as_deref(), Some("kV"));
        assert_eq!(unit("Power kW").as_deref(), Some("kW"));
        assert_eq!(unit("Rated Power KW").as_deref(), Some("kW"));
        assert_eq!(unit("Power (kW)").as_deref(), Some("kW"));
        assert_eq!(unit("diameter_mm").as_deref(), Some("mm"));
        assert_eq!(unit("backup_hours").as_deref(), Some("h"));
        assert_eq!(unit("Flow m3/h"), None);
        assert_eq!(unknown("Flow m3/h").as_deref(), Some("m3/h"));
        assert_eq!(unknown("Flow (l/s)").as_deref(), Some("l/s"));
        assert_eq!(unit("pressure_min"), None);
        assert_eq!(unit("Site Name"), None);
        assert_eq!(Header::read(&rdl, "Voltage kV").tokens, vec!["voltage"]);
    }
}
