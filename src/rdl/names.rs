//! How the names people write find the RDL's terms. A term is an IRI; it is written as that
//! IRI, as a CURIE (`ies:Asset`, with a prefix of the files or of `thinslice.yaml`), or by
//! its bare local name (`Asset`) where no other term of its kind has that name. Units are
//! also found by their symbols and codes (`kW`, UCUM's `Cel`).
//!
//! Each term has a key: the shortest of those names that is unambiguous (its local name,
//! else its CURIE, else its IRI). Reports, tables and messages name terms by their keys.

use std::collections::{BTreeMap, BTreeSet};

/// The local name of an IRI: what follows its last `#`, `/` or `:`.
pub fn local_name(iri: &str) -> &str {
    let cut = iri.rfind(['#', '/', ':']).map_or(0, |at| at + 1);
    match &iri[cut..] {
        "" => iri,
        local => local,
    }
}

/// Whether a written name is a full IRI rather than a CURIE or a bare name.
pub fn is_iri(name: &str) -> bool {
    name.contains("://") || name.starts_with("urn:")
}

/// The prefixes known to a layered RDL, prefix → namespace.
#[derive(Debug, Clone, Default)]
pub struct Prefixes(pub BTreeMap<String, String>);

impl Prefixes {
    /// The IRI a name stands for when it is an IRI or a CURIE of a known prefix.
    pub fn expand(&self, name: &str) -> Option<String> {
        if is_iri(name) {
            return Some(name.to_string());
        }
        let (prefix, local) = name.split_once(':')?;
        self.0.get(prefix).map(|ns| format!("{ns}{local}"))
    }

    /// The CURIE of an IRI, with the prefix whose namespace is the longest that fits.
    pub fn shorten(&self, iri: &str) -> Option<String> {
        self.0
            .iter()
            .filter(|(_, ns)| iri.len() > ns.len() && iri.starts_with(ns.as_str()))
            .max_by_key(|(_, ns)| ns.len())
            .map(|(prefix, ns)| format!("{prefix}:{}", &iri[ns.len()..]))
    }

    /// Adds a prefix unless it is taken (the first to declare a prefix keeps it).
    pub fn add(&mut self, prefix: &str, namespace: &str) {
        self.0
            .entry(prefix.to_string())
            .or_insert_with(|| namespace.to_string());
    }
}

/// Why a written name finds no term.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Unresolved {
    /// No term is written so; the keys of every term of the kind, to suggest from.
    Unknown(Vec<String>),
    /// Several terms are: their keys.
    Ambiguous(Vec<String>),
}

/// One kind of term (classes, properties, units, code values): every way each is written.
#[derive(Debug, Clone, Default)]
pub struct Index {
    /// IRI → key.
    by_iri: BTreeMap<String, String>,
    /// Local name or alias → the keys of the terms it names.
    by_name: BTreeMap<String, BTreeSet<String>>,
    /// Every key.
    keys: BTreeSet<String>,
}

impl Index {
    /// Chooses the keys of terms given as (IRI, local name, aliases): a local name held by
    /// one term is its key, else its CURIE, else its IRI. Returns (IRI, key) in the order
    /// given.
    pub fn build<'a>(
        terms: impl IntoIterator<Item = (&'a str, &'a str, &'a [String])>,
        prefixes: &Prefixes,
    ) -> (Self, Vec<(String, String)>) {
        let terms: Vec<_> = terms.into_iter().collect();
        let mut holders: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
        for (iri, local, _) in &terms {
            holders.entry(local).or_default().insert(iri);
        }
        let mut index = Self::default();
        let mut keys = Vec::new();
        for (iri, local, aliases) in &terms {
            let key = if holders[local].len() == 1 {
                (*local).to_string()
            } else {
                prefixes.shorten(iri).unwrap_or_else(|| (*iri).to_string())
            };
            index.by_iri.insert((*iri).to_string(), key.clone());
            for name in std::iter::once(*local).chain(aliases.iter().map(String::as_str)) {
                index
                    .by_name
                    .entry(name.to_string())
                    .or_default()
                    .insert(key.clone());
            }
            index.keys.insert(key.clone());
            keys.push(((*iri).to_string(), key));
        }
        (index, keys)
    }

    /// The key of the term a name is written for.
    pub fn resolve(&self, name: &str, prefixes: &Prefixes) -> Result<&str, Unresolved> {
        if let Some(key) = self.keys.get(name) {
            return Ok(key);
        }
        if let Some(key) = prefixes.expand(name).and_then(|iri| self.by_iri.get(&iri)) {
            return Ok(key);
        }
        match self.by_name.get(name) {
            Some(keys) if keys.len() == 1 => keys
                .iter()
                .next()
                .map(String::as_str)
                .ok_or(Unresolved::Unknown(Vec::new())),
            Some(keys) => Err(Unresolved::Ambiguous(keys.iter().cloned().collect())),
            None => Err(Unresolved::Unknown(self.keys.iter().cloned().collect())),
        }
    }

    /// The key of a term by its IRI.
    pub fn key_of(&self, iri: &str) -> Option<&str> {
        self.by_iri.get(iri).map(String::as_str)
    }

    pub fn keys(&self) -> impl Iterator<Item = &str> {
        self.keys.iter().map(String::as_str)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn prefixes() -> Prefixes {
        let mut p = Prefixes::default();
        p.add("ies", "http://ies.test/ies4#");
        p.add("rdl", "https://rdl.test/r#");
        p
    }

    #[test]
    fn local_names_are_keys_unless_two_terms_share_one() {
        let none: &[String] = &[];
        let kw = ["kW".to_string()];
        let terms = [
            ("http://ies.test/ies4#Asset", "Asset", none),
            ("https://rdl.test/r#Asset", "Asset", none),
            ("https://rdl.test/r#Pump", "Pump", none),
            ("http://other.test/x/KiloW", "KiloW", &kw[..]),
        ];
        let p = prefixes();
        let (index, keys) = Index::build(terms, &p);
        let keys: Vec<&str> = keys.iter().map(|(_, k)| k.as_str()).collect();
        assert_eq!(keys, ["ies:Asset", "rdl:Asset", "Pump", "KiloW"]);
        assert_eq!(index.resolve("Pump", &p), Ok("Pump"));
        assert_eq!(index.resolve("rdl:Pump", &p), Ok("Pump"));
        assert_eq!(index.resolve("https://rdl.test/r#Pump", &p), Ok("Pump"));
        assert_eq!(index.resolve("ies:Asset", &p), Ok("ies:Asset"));
        assert_eq!(index.resolve("kW", &p), Ok("KiloW"));
        assert_eq!(
            index.resolve("Asset", &p),
            Err(Unresolved::Ambiguous(vec![
                "ies:Asset".into(),
                "rdl:Asset".into()
            ]))
        );
        assert!(matches!(
            index.resolve("Valve", &p),
            Err(Unresolved::Unknown(_))
        ));
        assert!(matches!(
            index.resolve("nope:Pump", &p),
            Err(Unresolved::Unknown(_))
        ));
    }

    #[test]
    fn iris_have_local_names_and_curies() {
        assert_eq!(local_name("http://qudt.org/vocab/unit/KiloW"), "KiloW");
        assert_eq!(local_name("https://rdl.test/r#Pump"), "Pump");
        assert_eq!(local_name("urn:x:y"), "y");
        let p = prefixes();
        assert_eq!(
            p.shorten("http://ies.test/ies4#Asset").as_deref(),
            Some("ies:Asset")
        );
        assert_eq!(
            p.expand("ies:Asset").as_deref(),
            Some("http://ies.test/ies4#Asset")
        );
        assert_eq!(p.expand("Asset"), None);
    }
}
