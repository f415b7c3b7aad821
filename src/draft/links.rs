//! Links between drafted slices: a column whose values are another slice's keys links to
//! that slice, through the RDL link property whose range holds its classes.

use std::collections::{BTreeMap, BTreeSet};

use super::plan::{LinkDraft, SliceDraft};
use super::values::share;
use super::words::{name_score, tokens};
use crate::rdl::{Datatype, Rdl};

/// The share of a column's values that must be another slice's keys for it to be a link.
const LINK_SHARE: f64 = 0.8;

/// Links: a column whose values are another slice's keys becomes a link, through the RDL
/// link property whose range holds that slice's classes and whose name is closest.
pub(super) fn link_slices(rdl: &Rdl, drafts: &mut [SliceDraft]) {
    let keys: BTreeMap<String, (BTreeSet<String>, Vec<String>)> = drafts
        .iter()
        .filter_map(|d| {
            let (key, _) = d.key.as_ref()?;
            Some((d.name.clone(), (d.sample.texts(key), d.classes())))
        })
        .collect();
    for draft in drafts.iter_mut() {
        let taken: BTreeSet<String> = draft.properties.iter().map(|p| p.column.clone()).collect();
        let mut links = Vec::new();
        let mut used = BTreeSet::new();
        for column in &draft.sample.columns {
            let own_key = draft.key.as_ref().is_some_and(|k| k.0 == column.name);
            let templated = !column.name.contains(['{', '}']);
            if own_key
                || !templated
                || column.distinct.is_empty()
                || Some(&column.name) == draft.label.as_ref()
            {
                continue;
            }
            for (target, (values, classes)) in &keys {
                if *target == draft.name {
                    continue;
                }
                let found: usize = column
                    .distinct
                    .iter()
                    .filter(|d| values.contains(&d.text))
                    .map(|d| d.count)
                    .sum();
                let part = share(found, column.values.count);
                if part < LINK_SHARE {
                    continue;
                }
                let Some((property, why)) = link_property(rdl, &column.name, classes, &used) else {
                    continue;
                };
                used.insert(property.clone());
                let replaced = taken.contains(&column.name);
                links.push(LinkDraft {
                    why: format!(
                        "{:.0}% of its values are keys of slice `{target}`; {why}{}",
                        part * 100.0,
                        if replaced {
                            "; a link rather than a text property"
                        } else {
                            ""
                        }
                    ),
                    property,
                    column: column.name.clone(),
                    target: target.clone(),
                });
                break;
            }
        }
        let linked: BTreeSet<&str> = links.iter().map(|l| l.column.as_str()).collect();
        draft
            .properties
            .retain(|p| !linked.contains(p.column.as_str()));
        draft.links = links;
    }
}

/// The link property for a column pointing at things of `classes`: its range holds them
/// all; the closest name wins, then the first by name.
fn link_property(
    rdl: &Rdl,
    header: &str,
    classes: &[String],
    used: &BTreeSet<String>,
) -> Option<(String, String)> {
    let header = tokens(header);
    rdl.properties
        .iter()
        .filter(|(key, p)| p.datatype == Datatype::Link && !used.contains(*key))
        .filter(|(_, p)| {
            p.range.as_ref().is_none_or(|range| {
                !classes.is_empty()
                    && classes
                        .iter()
                        .all(|c| c == range || rdl.ancestors(c).contains(range))
            })
        })
        .map(|(key, p)| {
            (
                name_score(&header, &tokens(p.label.as_deref().unwrap_or(key))),
                key,
                p,
            )
        })
        .max_by(|a, b| a.0.total_cmp(&b.0).then_with(|| b.1.cmp(a.1)))
        .map(|(score, key, p)| {
            let range = p.range.as_deref().unwrap_or("any class");
            let why = match score > 0.0 {
                true => format!("`{key}` ranges over {range} and its name is close"),
                false => format!("`{key}` ranges over {range}"),
            };
            (key.clone(), why)
        })
}
