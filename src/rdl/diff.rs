//! What changed between two versions of an RDL: terms added and removed, classes
//! re-parented, requirements changed, properties whose datatype, unit, range, bounds or
//! allowed values changed. Terms are matched by IRI, so a term keeps its identity whatever
//! key it has on either side.

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;

use super::Rdl;

/// One change to one term.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Change {
    /// `class`, `property` or `unit`.
    pub kind: &'static str,
    /// The term's key (in the new version when it is there, else in the old).
    pub term: String,
    /// The key in the old version, for finding what used it; None for an added term.
    pub old_key: Option<String>,
    pub what: String,
}

/// Every change from `old` to `new`, classes first, then properties, then units, each
/// sorted by key.
pub fn diff(old: &Rdl, new: &Rdl) -> Vec<Change> {
    let mut changes = compare(
        "class",
        by_iri(old.classes.iter().map(|(k, c)| (k, &c.iri))),
        by_iri(new.classes.iter().map(|(k, c)| (k, &c.iri))),
        |o, n| class_changes(old, o, new, n),
    );
    changes.extend(compare(
        "property",
        by_iri(old.properties.iter().map(|(k, p)| (k, &p.iri))),
        by_iri(new.properties.iter().map(|(k, p)| (k, &p.iri))),
        |o, n| property_changes(old, o, new, n),
    ));
    changes.extend(compare(
        "unit",
        by_iri(old.units.iter().map(|(k, u)| (k, &u.iri))),
        by_iri(new.units.iter().map(|(k, u)| (k, &u.iri))),
        |o, n| {
            let (a, b) = (&old.units[o], &new.units[n]);
            if (a.factor, a.offset) == (b.factor, b.offset) {
                return Vec::new();
            }
            vec![format!(
                "converts differently: × {} + {} → × {} + {}",
                a.factor, a.offset, b.factor, b.offset
            )]
        },
    ));
    changes
}

/// The terms of one kind added, removed, and changed as `changed` says (old key, new key).
fn compare(
    kind: &'static str,
    olds: BTreeMap<&str, &str>,
    news: BTreeMap<&str, &str>,
    changed: impl Fn(&str, &str) -> Vec<String>,
) -> Vec<Change> {
    let mut changes = Vec::new();
    for (iri, (old_key, new_key)) in pair(&olds, &news) {
        let whats = match (old_key, new_key) {
            (None, Some(_)) => vec!["added".to_string()],
            (Some(_), None) => vec![format!("removed ({iri})")],
            (Some(o), Some(n)) => changed(o, n),
            (None, None) => Vec::new(),
        };
        for what in whats {
            changes.push(Change {
                kind,
                term: new_key.or(old_key).unwrap_or_default().to_string(),
                old_key: old_key.map(str::to_string),
                what,
            });
        }
    }
    changes
}

/// How a class changed between versions: its parents, its requirements (by IRI).
fn class_changes(old: &Rdl, o: &str, new: &Rdl, n: &str) -> Vec<String> {
    let class_iris = |rdl: &Rdl, keys: &[String]| -> BTreeSet<String> {
        keys.iter()
            .filter_map(|k| rdl.classes.get(k).map(|c| c.iri.clone()))
            .collect()
    };
    let property_iris = |rdl: &Rdl, keys: &[String]| -> BTreeSet<String> {
        keys.iter()
            .filter_map(|k| rdl.properties.get(k).map(|p| p.iri.clone()))
            .collect()
    };
    let (a, b) = (&old.classes[o], &new.classes[n]);
    let mut changes = Vec::new();
    if class_iris(old, &a.parents) != class_iris(new, &b.parents) {
        changes.push(format!(
            "re-parented: {} → {}",
            list(&a.parents),
            list(&b.parents)
        ));
    }
    if property_iris(old, &a.requires) != property_iris(new, &b.requires) {
        changes.push(format!(
            "requires: {} → {}",
            list(&a.requires),
            list(&b.requires)
        ));
    }
    changes
}

/// How a property changed between versions, one line per aspect.
fn property_changes(old: &Rdl, o: &str, new: &Rdl, n: &str) -> Vec<String> {
    let (a, b) = (&old.properties[o], &new.properties[n]);
    let mut changes = Vec::new();
    if a.datatype != b.datatype {
        changes.push(format!("datatype: {} → {}", a.datatype, b.datatype));
    }
    let unit = |rdl: &Rdl, u: &Option<String>| u.as_ref().map(|u| rdl.units[u].iri.clone());
    if unit(old, &a.unit) != unit(new, &b.unit) {
        changes.push(format!("unit: {} → {}", show(&a.unit), show(&b.unit)));
    }
    let range = |rdl: &Rdl, r: &Option<String>| r.as_ref().map(|r| rdl.classes[r].iri.clone());
    if range(old, &a.range) != range(new, &b.range) {
        changes.push(format!("range: {} → {}", show(&a.range), show(&b.range)));
    }
    if (a.min, a.max) != (b.min, b.max) {
        let bound = |m: Option<super::Bound>| m.map_or("none".to_string(), |m| m.to_string());
        changes.push(format!(
            "bounds: {}..{} → {}..{}",
            bound(a.min),
            bound(a.max),
            bound(b.min),
            bound(b.max)
        ));
    }
    if a.pattern != b.pattern {
        changes.push(format!(
            "pattern: {} → {}",
            show(&a.pattern),
            show(&b.pattern)
        ));
    }
    let codes = |p: &super::Property| -> BTreeSet<String> {
        p.values.iter().map(|c| c.name.clone()).collect()
    };
    let (ca, cb) = (codes(a), codes(b));
    if ca != cb {
        let added: Vec<String> = cb.difference(&ca).cloned().collect();
        let removed: Vec<String> = ca.difference(&cb).cloned().collect();
        changes.push(format!(
            "allowed values: added {}, removed {}",
            list(&added),
            list(&removed)
        ));
    }
    changes
}

fn by_iri<'a>(terms: impl Iterator<Item = (&'a String, &'a String)>) -> BTreeMap<&'a str, &'a str> {
    terms
        .map(|(key, iri)| (iri.as_str(), key.as_str()))
        .collect()
}

/// An IRI with its key on the old side and on the new.
type Paired<'a> = (&'a str, (Option<&'a str>, Option<&'a str>));

/// Every IRI of either side, with its key on each.
fn pair<'a>(old: &BTreeMap<&'a str, &'a str>, new: &BTreeMap<&'a str, &'a str>) -> Vec<Paired<'a>> {
    let iris: BTreeSet<&str> = old.keys().chain(new.keys()).copied().collect();
    let mut pairs: Vec<_> = iris
        .into_iter()
        .map(|iri| (iri, (old.get(iri).copied(), new.get(iri).copied())))
        .collect();
    // In the order of the keys people read, not of the IRIs.
    pairs.sort_by(|a, b| {
        let key = |p: &(&str, (Option<&str>, Option<&str>))| {
            p.1.1.or(p.1.0).unwrap_or_default().to_string()
        };
        key(a).cmp(&key(b))
    });
    pairs
}

fn list(items: &[String]) -> String {
    if items.is_empty() {
        "none".into()
    } else {
        items.join(", ")
    }
}

fn show(value: &Option<String>) -> &str {
    value.as_deref().unwrap_or("none")
}
