//! Value maps: source codes to RDL terms (a class map's `values`, a code property's
//! `values`), in the order written, the first entry that matches winning. A key is a code
//! as written, a pattern with `*` (any text) and `?` (one character) such as `"Door*"`, or
//! a regular expression between slashes such as `/^PMP-\d+$/`, so a map written for one
//! workbook carries over to the next one's new type names.

use std::collections::HashMap;
use std::sync::Arc;

use miette::SourceSpan;
use polars::prelude::*;
use regex::Regex;

use super::MappingError;
use super::compile::{each_text, lookup_exprs};
use super::tables::Terms;
use super::validate::Validator;
use super::values::normalise_key;
use super::yaml::PropertyRuleYaml;
use crate::rdl::{Datatype, Property};

/// How many exact codes a map holds at most to be compared one by one rather than looked
/// up by hash.
const SMALL_MAP: usize = 16;

/// One key of a value map.
#[derive(Debug, Clone)]
pub enum Key {
    Exact(String),
    /// A pattern as written (`Door*`, `/^PMP/`), and what it matches.
    Pattern(String, Regex),
}

impl Key {
    /// The regular expression of a `/…/` key.
    fn regex_body(written: &str) -> Option<&str> {
        written
            .strip_prefix('/')
            .and_then(|rest| rest.strip_suffix('/'))
            .filter(|body| !body.is_empty())
    }

    /// Whether a key is written as a regular expression.
    pub fn is_regex(written: &str) -> bool {
        Self::regex_body(written).is_some()
    }

    /// A key as written. A `/…/` key that is no regular expression is refused.
    pub fn parse(written: &str, case_insensitive: bool) -> Result<Key, String> {
        let flags = if case_insensitive { "(?i)" } else { "" };
        if let Some(body) = Self::regex_body(written) {
            return Regex::new(&format!("{flags}{body}"))
                .map(|regex| Key::Pattern(written.to_string(), regex))
                .map_err(|e| format!("`{written}` is not a regular expression: {e}"));
        }
        if written.contains(['*', '?']) {
            let mut regex = format!("{flags}^");
            for c in written.chars() {
                match c {
                    '*' => regex.push_str(".*"),
                    '?' => regex.push('.'),
                    c => regex.push_str(&regex::escape(&c.to_string())),
                }
            }
            regex.push('$');
            return Regex::new(&regex)
                .map(|regex| Key::Pattern(written.to_string(), regex))
                .map_err(|e| format!("`{written}`: {e}"));
        }
        Ok(Key::Exact(written.to_string()))
    }

    /// The key as the mapping wrote it.
    pub fn written(&self) -> &str {
        match self {
            Key::Exact(text) | Key::Pattern(text, _) => text,
        }
    }
}

impl PartialEq for Key {
    fn eq(&self, other: &Self) -> bool {
        self.written() == other.written()
    }
}

/// Codes (and patterns) to terms, first match winning.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ValueMap {
    pub entries: Vec<(Key, String)>,
}

/// A value map ready to run: exact codes by hash, patterns in order.
struct Matcher {
    /// Code → (entry index, term): the first entry of a code written twice.
    exact: HashMap<String, (usize, String)>,
    patterns: Vec<(usize, Regex, String, String)>,
}

impl Matcher {
    /// The entry that matches `code` first: (its key as written when a pattern, the term).
    fn find(&self, code: &str) -> Option<(Option<&str>, &str)> {
        let exact = self.exact.get(code);
        let limit = exact.map_or(usize::MAX, |(index, _)| *index);
        let pattern = self
            .patterns
            .iter()
            .take_while(|(index, ..)| *index < limit)
            .find(|(_, regex, ..)| regex.is_match(code));
        match (pattern, exact) {
            (Some((_, _, written, term)), _) => Some((Some(written), term)),
            (None, Some((_, term))) => Some((None, term)),
            (None, None) => None,
        }
    }
}

impl ValueMap {
    pub fn exact(entries: impl IntoIterator<Item = (String, String)>) -> Self {
        Self {
            entries: entries
                .into_iter()
                .map(|(code, term)| (Key::Exact(code), term))
                .collect(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The terms the map gives.
    pub fn terms(&self) -> impl Iterator<Item = &String> {
        self.entries.iter().map(|(_, term)| term)
    }

    pub fn has_patterns(&self) -> bool {
        self.entries
            .iter()
            .any(|(key, _)| matches!(key, Key::Pattern(..)))
    }

    fn matcher(&self) -> Arc<Matcher> {
        let mut exact = HashMap::new();
        let mut patterns = Vec::new();
        for (index, (key, term)) in self.entries.iter().enumerate() {
            match key {
                Key::Exact(code) => {
                    exact
                        .entry(code.clone())
                        .or_insert_with(|| (index, term.clone()));
                }
                Key::Pattern(written, regex) => {
                    patterns.push((index, regex.clone(), written.clone(), term.clone()))
                }
            }
        }
        Arc::new(Matcher { exact, patterns })
    }

    /// Each code's term, null for a code no entry matches.
    pub fn terms_of(&self, code: Expr) -> Expr {
        // A few codes, written out: vectorised comparisons beat a lookup per value.
        if !self.has_patterns() && self.entries.len() <= SMALL_MAP {
            let entries = self
                .entries
                .iter()
                .map(|(key, term)| (key.written().to_string(), lit(term.clone())));
            return lookup_exprs(
                code.cast(DataType::String),
                entries,
                lit(NULL).cast(DataType::String),
            );
        }
        let matcher = self.matcher();
        each_text(code.cast(DataType::String), move |code| {
            matcher.find(code).map(|(_, term)| term.to_string())
        })
    }

    /// The pattern each code matched, null for a code matched exactly or not at all.
    pub fn patterns_of(&self, code: Expr) -> Expr {
        let matcher = self.matcher();
        each_text(code.cast(DataType::String), move |code| {
            matcher
                .find(code)
                .and_then(|(pattern, _)| pattern.map(str::to_string))
        })
    }
}

impl Validator<'_> {
    /// A key of a value map as written: a code, a pattern, a regular expression; a located
    /// problem when it is none.
    pub(super) fn key(
        &mut self,
        written: &str,
        case_insensitive: bool,
        span: SourceSpan,
    ) -> Option<Key> {
        match Key::parse(written, case_insensitive) {
            Ok(key) => Some(key),
            Err(reason) => {
                self.problems.push(MappingError::Lookup {
                    reason,
                    help: "a key between slashes is a regular expression (`/^PMP-\\d+$/`); `*` and `?` in any other key match any text and any one character".into(),
                    src: self.file.source(),
                    span: self.file.sub_span(span, written),
                });
                None
            }
        }
    }

    /// A property rule's value map, its codes trimmed and cased as the values will be.
    pub(super) fn value_map(
        &mut self,
        rule: &PropertyRuleYaml,
        property: &Property,
    ) -> Option<ValueMap> {
        let normal = |code: &str| {
            // A regular expression is matched without regard to case instead: lowering it
            // would turn `\D` into `\d`.
            let written = if rule.trim { code.trim() } else { code };
            let case = rule.case.filter(|_| !Key::is_regex(written));
            normalise_key(rule.trim, case, code)
        };
        let mut entries = Vec::new();
        if let Some(values) = &rule.values {
            let span = self.span(&values.referenced);
            for (code, term) in &values.value.0 {
                let code = normal(code);
                entries.push((self.key(&code, rule.case.is_some(), span)?, term.clone()));
            }
        }
        if let Some(table) = &rule.values_from
            && property.datatype != Datatype::Code
        {
            self.problems.push(MappingError::Lookup {
                reason: format!(
                    "`values_from` maps codes to allowed values, and this property is a {}",
                    property.datatype
                ),
                help: "read a code list into a code property, or a class map".into(),
                src: self.file.source(),
                span: self.span(&table.referenced),
            });
            return None;
        }
        if let Some(table) = &rule.values_from {
            let allowed: Vec<String> = property.values.iter().map(|c| c.name.clone()).collect();
            let listed = self.code_table(table, Terms::Values(&allowed))?;
            entries.extend(
                listed
                    .into_iter()
                    .map(|(code, term)| (Key::Exact(normal(code.written())), term)),
            );
        }
        Some(ValueMap { entries })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn map(entries: &[(&str, &str)]) -> ValueMap {
        ValueMap {
            entries: entries
                .iter()
                .map(|(k, v)| (Key::parse(k, false).expect("key"), v.to_string()))
                .collect(),
        }
    }

    #[test]
    fn the_first_entry_that_matches_wins_whether_exact_or_a_pattern() {
        let matcher = map(&[
            ("Door-Fire", "FireDoor"),
            ("Door*", "Door"),
            ("/^PMP-\\d+$/", "Pump"),
            ("Doorway", "Opening"),
            ("V?", "Valve"),
        ])
        .matcher();
        let find = |code| matcher.find(code);
        assert_eq!(find("Door-Fire"), Some((None, "FireDoor")));
        assert_eq!(find("Door-Single-900"), Some((Some("Door*"), "Door")));
        // Written after `Door*`, which matches it first.
        assert_eq!(find("Doorway"), Some((Some("Door*"), "Door")));
        assert_eq!(find("PMP-12"), Some((Some("/^PMP-\\d+$/"), "Pump")));
        assert_eq!(find("PMP-12a"), None);
        assert_eq!(find("V1"), Some((Some("V?"), "Valve")));
        assert_eq!(find("V12"), None);
        // A glob's other characters are literal.
        assert_eq!(map(&[("a.b*", "X")]).matcher().find("aXb"), None);
    }

    #[test]
    fn a_slashed_key_that_is_no_regular_expression_is_refused() {
        assert!(Key::parse("/(unclosed/", false).is_err());
        assert!(matches!(Key::parse("/", false), Ok(Key::Exact(_))));
        assert!(matches!(
            Key::parse("door*", true).map(|k| match k {
                Key::Pattern(_, regex) => regex.is_match("DOOR-1"),
                Key::Exact(_) => false,
            }),
            Ok(true)
        ));
    }
}
