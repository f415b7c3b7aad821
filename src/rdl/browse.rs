//! Finding the right word: the classes (as a list or a tree), one term shown whole, and a
//! search by label and description. What `thinslice rdl` prints.

use std::collections::BTreeSet;
use std::fmt::Write as _;

use serde::Serialize;

use super::{Rdl, Unresolved};
use crate::diag::Term;

/// A class in a listing; `depth` is its indentation in a tree.
#[derive(Debug, Serialize)]
pub struct ClassEntry {
    pub key: String,
    pub iri: String,
    pub label: Option<String>,
    pub depth: usize,
}

#[derive(Debug, Serialize)]
pub struct ClassList {
    pub classes: Vec<ClassEntry>,
}

/// The classes, all or those under `under` (which is included), sorted by key; as a tree,
/// each under each of its parents.
pub fn classes(rdl: &Rdl, under: Option<&str>, tree: bool) -> Result<ClassList, Unresolved> {
    let top = under.map(|u| rdl.resolve(Term::Class, u)).transpose()?;
    let entry = |key: &str, depth| ClassEntry {
        key: key.to_string(),
        iri: rdl.classes[key].iri.clone(),
        label: rdl.classes[key].label.clone(),
        depth,
    };
    let mut classes = Vec::new();
    if tree {
        let roots: Vec<&str> = match top {
            Some(top) => vec![top],
            None => rdl.roots(),
        };
        for root in roots {
            walk(rdl, root, 0, &mut BTreeSet::new(), &mut |key, depth| {
                classes.push(entry(key, depth));
            });
        }
    } else {
        for key in rdl.classes.keys() {
            let inside = top.is_none_or(|t| key == t || rdl.ancestors(key).iter().any(|a| a == t));
            if inside {
                classes.push(entry(key, 0));
            }
        }
    }
    Ok(ClassList { classes })
}

/// Visits a class and its descendants depth first, children sorted by key.
fn walk(
    rdl: &Rdl,
    key: &str,
    depth: usize,
    path: &mut BTreeSet<String>,
    visit: &mut dyn FnMut(&str, usize),
) {
    visit(key, depth);
    if !path.insert(key.to_string()) {
        return;
    }
    for (child, class) in &rdl.classes {
        if class.parents.iter().any(|p| p == key) {
            walk(rdl, child, depth + 1, path, visit);
        }
    }
    path.remove(key);
}

impl ClassList {
    pub fn text(&self) -> String {
        let mut text = String::new();
        for c in &self.classes {
            let indent = "  ".repeat(c.depth);
            let label = c
                .label
                .as_deref()
                .map(|l| format!("  ({l})"))
                .unwrap_or_default();
            let _ = writeln!(text, "{indent}{}{label}", c.key);
        }
        text
    }
}

/// One term, shown whole.
#[derive(Debug, Serialize)]
pub struct TermCard {
    pub kind: String,
    pub key: String,
    pub iri: String,
    pub label: Option<String>,
    pub description: Option<String>,
    /// `file:line`.
    pub defined: Option<String>,
    /// (heading, lines) sections, in the order shown.
    pub sections: Vec<(String, Vec<String>)>,
}

/// A class, property or unit by any name it is written by.
pub fn show(rdl: &Rdl, name: &str) -> Result<TermCard, Unresolved> {
    if let Ok(key) = rdl.resolve(Term::Class, name) {
        return Ok(class_card(rdl, key));
    }
    if let Ok(key) = rdl.resolve(Term::Property, name) {
        return Ok(property_card(rdl, key));
    }
    let key = rdl.resolve(Term::Unit, name).map_err(|e| match e {
        // Suggest among every kind of term, not units only.
        Unresolved::Unknown(_) => Unresolved::Unknown(
            rdl.classes
                .keys()
                .chain(rdl.properties.keys())
                .chain(rdl.units.keys())
                .cloned()
                .collect(),
        ),
        other => other,
    })?;
    let unit = &rdl.units[key];
    let converts: Vec<String> = rdl
        .units
        .iter()
        .filter(|(other, u)| *other != key && u.quantity == unit.quantity)
        .map(|(other, _)| other.clone())
        .collect();
    Ok(TermCard {
        kind: "unit".into(),
        key: key.to_string(),
        iri: unit.iri.clone(),
        label: unit.label.clone(),
        description: None,
        defined: None,
        sections: vec![
            ("written also as".into(), unit.aliases.clone()),
            (
                "converts".into(),
                vec![format!(
                    "base = value × {} + {} ({})",
                    unit.factor, unit.offset, unit.quantity
                )],
            ),
            ("converts to and from".into(), converts),
        ],
    })
}

fn class_card(rdl: &Rdl, key: &str) -> TermCard {
    let class = &rdl.classes[key];
    let lineage: Vec<String> = std::iter::once(key.to_string())
        .chain(rdl.ancestors(key))
        .collect();
    let mut requirements = Vec::new();
    for from in &lineage {
        for required in &rdl.classes[from].requires {
            let inherited = if from == key {
                String::new()
            } else {
                format!(" (from {from})")
            };
            requirements.push(format!("{required}{inherited}"));
        }
    }
    let properties: Vec<String> = rdl
        .properties
        .iter()
        .filter(|(_, p)| p.domain.iter().any(|d| lineage.contains(d)))
        .map(|(name, p)| format!("{name}: {}", p.datatype))
        .collect();
    let children: Vec<String> = rdl
        .classes
        .iter()
        .filter(|(_, c)| c.parents.iter().any(|p| p == key))
        .map(|(name, _)| name.clone())
        .collect();
    TermCard {
        kind: "class".into(),
        key: key.to_string(),
        iri: class.iri.clone(),
        label: class.label.clone(),
        description: class.description.clone(),
        defined: Some(class.defined.clone()),
        sections: vec![
            ("parents".into(), class.parents.clone()),
            ("ancestors".into(), rdl.ancestors(key)),
            ("subclasses".into(), children),
            ("requires".into(), requirements),
            ("properties of its domain".into(), properties),
        ],
    }
}

fn property_card(rdl: &Rdl, key: &str) -> TermCard {
    let p = &rdl.properties[key];
    let mut facts = vec![format!("datatype: {}", p.datatype)];
    facts.extend(p.unit.as_ref().map(|u| format!("unit: {u}")));
    facts.extend(p.range.as_ref().map(|r| format!("range: {r}")));
    facts.extend(p.min.map(|m| format!("minimum: {m}")));
    facts.extend(p.max.map(|m| format!("maximum: {m}")));
    facts.extend(p.pattern.as_ref().map(|x| format!("pattern: {x}")));
    // What the share policy acts on.
    let sensitive = p.sensitive.filter(|s| *s != super::Sensitivity::None);
    facts.extend(sensitive.map(|s| format!("sensitive: {s}")));
    let values = p
        .values
        .iter()
        .map(|c| {
            let mut line = match &c.label {
                Some(label) => format!("{}  ({label})  {}", c.name, c.iri),
                None => format!("{}  {}", c.name, c.iri),
            };
            if let Some(broader) = &c.broader {
                let name = p.values.iter().find(|b| &b.iri == broader);
                line.push_str(&format!("  under {}", name.map_or(broader, |b| &b.name)));
            }
            line
        })
        .collect();
    let required_by = rdl
        .classes
        .iter()
        .filter(|(_, c)| c.requires.iter().any(|r| r == key))
        .map(|(name, _)| name.clone())
        .collect();
    TermCard {
        kind: "property".into(),
        key: key.to_string(),
        iri: p.iri.clone(),
        label: p.label.clone(),
        description: p.description.clone(),
        defined: Some(p.defined.clone()),
        sections: vec![
            ("is".into(), facts),
            ("domain".into(), p.domain.clone()),
            ("required by".into(), required_by),
            ("allowed values".into(), values),
        ],
    }
}

impl TermCard {
    pub fn text(&self) -> String {
        let mut text = format!("{} {}\n  iri: {}\n", self.kind, self.key, self.iri);
        if let Some(label) = &self.label {
            let _ = writeln!(text, "  label: {label}");
        }
        if let Some(description) = &self.description {
            let _ = writeln!(text, "  description: {description}");
        }
        if let Some(defined) = &self.defined {
            let _ = writeln!(text, "  defined: {defined}");
        }
        for (heading, lines) in &self.sections {
            if lines.is_empty() {
                continue;
            }
            let _ = writeln!(text, "{heading}:");
            for line in lines {
                let _ = writeln!(text, "  {line}");
            }
        }
        text
    }
}

/// A term a search found, with how well it matched (1 is the best).
#[derive(Debug, Serialize)]
pub struct Hit {
    pub kind: &'static str,
    pub key: String,
    pub label: Option<String>,
    pub score: f64,
}

#[derive(Debug, Serialize)]
pub struct Hits {
    pub query: String,
    pub hits: Vec<Hit>,
}

/// Classes, properties and units ranked by how their key, label and description match the
/// text: a whole-word or substring match first, then similarity of spelling.
pub fn search(rdl: &Rdl, query: &str, limit: usize) -> Hits {
    let query_lower = query.to_lowercase();
    let score = |key: &str, label: Option<&str>, description: Option<&str>| -> f64 {
        let mut best: f64 = 0.0;
        for (text, weight) in [(Some(key), 1.0), (label, 1.0), (description, 0.8)] {
            let Some(text) = text else { continue };
            let text = text.to_lowercase();
            let similar = strsim::jaro_winkler(&query_lower, &text);
            let contained = if text.contains(&query_lower) {
                0.9 + 0.1 * query_lower.len() as f64 / text.len().max(1) as f64
            } else {
                0.0
            };
            best = best.max(weight * similar.max(contained));
        }
        best
    };
    let mut hits: Vec<Hit> = Vec::new();
    for (key, c) in &rdl.classes {
        let s = score(key, c.label.as_deref(), c.description.as_deref());
        hits.push(hit("class", key, c.label.as_ref(), s));
    }
    for (key, p) in &rdl.properties {
        let s = score(key, p.label.as_deref(), p.description.as_deref());
        hits.push(hit("property", key, p.label.as_ref(), s));
    }
    for (key, u) in &rdl.units {
        let s = score(key, u.label.as_deref(), None);
        hits.push(hit("unit", key, u.label.as_ref(), s));
    }
    hits.retain(|h| h.score >= 0.7);
    hits.sort_by(|a, b| b.score.total_cmp(&a.score).then_with(|| a.key.cmp(&b.key)));
    hits.truncate(limit);
    Hits {
        query: query.to_string(),
        hits,
    }
}

fn hit(kind: &'static str, key: &str, label: Option<&String>, score: f64) -> Hit {
    Hit {
        kind,
        key: key.to_string(),
        label: label.cloned(),
        score: (score * 1000.0).round() / 1000.0,
    }
}

impl Hits {
    pub fn text(&self) -> String {
        if self.hits.is_empty() {
            return format!("no term matches `{}`\n", self.query);
        }
        let width = self.hits.iter().map(|h| h.key.len()).max().unwrap_or(0);
        let mut text = String::new();
        for h in &self.hits {
            let label = h.label.as_deref().unwrap_or_default();
            let _ = writeln!(
                text,
                "{:.3}  {:<8}  {:<width$}  {label}",
                h.score, h.kind, h.key
            );
        }
        text
    }
}
